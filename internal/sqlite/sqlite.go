// Package sqlite opens Arogya's stores on an embedded SQLite database
// (modernc.org/sqlite: pure Go, no cgo) and owns its schema migrations.
// The stores themselves are the shared implementation in internal/sqldb.
//
// The database runs in WAL mode with synchronous=NORMAL. Transactions begin
// IMMEDIATE, so write transactions serialize; they go through a
// one-connection pool, so writers queue in Go instead of polling the busy
// handler, while reads outside transactions use a separate pool.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/arogya-health/arogya/internal/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded schema migrations, for sqldb.Migrate and
// sqldb.Status.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded; this cannot happen
	}
	return sub
}

// Dialect describes SQLite to the shared store.
var Dialect = sqldb.Dialect{
	Name:              "sqlite",
	IsUniqueViolation: isUniqueViolation,
	QuestionMarks:     true,
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// Options tune how a database is opened. The zero value suits a serving
// node.
type Options struct {
	// WriteCacheKiB is the write connection's page cache in KiB; zero means
	// 8 MiB (writeCacheKiB). A node's write transactions are short; bulk
	// loads need more (Bulk).
	WriteCacheKiB int
}

// Bulk is for seeding and imports: thousands of rows per transaction into
// random-key indexes, whose dirty pages must stay in the cache (with 8 MiB
// seeding 1,000,000 ABHAs fell below 1,000 accounts/s within the first
// 150,000).
var Bulk = Options{WriteCacheKiB: 65536}

// writeCacheKiB is the write connection's page cache for a serving node.
// SQLite frees and reallocates cached pages at every commit
// (pager_end_transaction → pcache1Truncate, then pcache1AllocPage): with
// 64 MiB that churn took about a fifth of the CPU of concurrent Accepts
// (BenchmarkAcceptConsentConcurrent), all of it while holding the one write
// connection; with 8 MiB, 4 %.
const writeCacheKiB = 8192

// Open opens (creating if needed) the database file at path and applies any
// pending migrations. The path ":memory:" gives a private in-memory
// database on a single connection, for tests and throwaway demos.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, o Options) (*sqldb.DB, error) {
	db, err := ConnectWith(ctx, path, o)
	if err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// readCacheKiB is each read connection's page cache (negative: KiB). With
// SQLite's default of 2 MiB, lookups in a database of a million accounts
// spent their time in pread calls re-reading index pages. (Memory-mapping
// the file was tried and is worse: SQLite remaps it as writes grow the
// file, and munmap dominated.)
const readCacheKiB = "-32768"

// Connect opens the database at path like Open but applies no migrations,
// for `arogya migrate` to report status first.
func Connect(ctx context.Context, path string) (*sqldb.DB, error) {
	return ConnectWith(ctx, path, Options{})
}

// ConnectWith is Connect with options.
func ConnectWith(ctx context.Context, path string, o Options) (*sqldb.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if path == ":memory:" {
		db, err := sql.Open("sqlite", dsn(":memory:", "_pragma=foreign_keys(1)"))
		if err != nil {
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
		db.SetMaxOpenConns(1) // each connection would be a different database
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		return ping(ctx, sqldb.New(db, Dialect))
	}
	write, err := sql.Open("sqlite", dsn(path,
		"_pragma=journal_mode(WAL)", "_pragma=busy_timeout(10000)", "_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)", "_pragma=cache_size(-"+strconv.Itoa(cmp.Or(o.WriteCacheKiB, writeCacheKiB))+")",
		"_pragma=temp_store(MEMORY)", "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	// Create the file and switch it to WAL before readers connect.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	read, err := sql.Open("sqlite", dsn(path,
		"_pragma=busy_timeout(10000)", "_pragma=foreign_keys(1)", "_pragma=synchronous(NORMAL)",
		"_pragma=query_only(1)", "_pragma=cache_size("+readCacheKiB+")", "_txlock=deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return ping(ctx, sqldb.NewReadWrite(read, write, Dialect))
}

func ping(ctx context.Context, db *sqldb.DB) (*sqldb.DB, error) {
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return db, nil
}

// dsn builds a modernc file: URI for path with the given query parameters.
func dsn(path string, params ...string) string {
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	for i, p := range params {
		if i > 0 {
			u += "&"
		}
		u += p
	}
	return u
}
