// Package sqldb is the one implementation of Arogya's domain stores over
// database/sql. The SQL is written once, in a portable subset understood by
// both SQLite (modernc.org/sqlite) and PostgreSQL (pgx): $1-style
// placeholders, BIGINT unix-millisecond timestamps, ON CONFLICT upserts. What
// differs between the engines (error classification, row and advisory locks,
// bulk copy) is described by a Dialect, supplied by internal/sqlite or
// internal/postgres, which also own the schema migrations.
//
// *DB implements abha.Store, audit.Store, auth.KeyStore, registry.Store,
// gateway.Store, gateway.MessageStore and consent.Store. Each role's tables
// carry the role's prefix (abha_, audit_, auth_, registry_, gateway_,
// consent_) and no query joins across roles, so a deployment may later give
// a role its own database; but gateway.MessageStore.Accept writes the
// consent_ tables in the transaction of the gateway_ inbox, so those two
// roles share one.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Dialect tells the shared store what the underlying engine can do.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// IsUniqueViolation reports whether err is a unique or primary key
	// constraint violation.
	IsUniqueViolation func(err error) bool
	// IsRetryable reports whether a transaction that failed with err may be
	// retried as a whole (serialization failure, deadlock). May be nil.
	IsRetryable func(err error) bool
	// Locking is true when SELECT ... FOR UPDATE and advisory locks
	// (pg_advisory_lock, pg_advisory_xact_lock) are available. Without it the
	// engine must serialize write transactions itself (SQLite BEGIN IMMEDIATE).
	Locking bool
	// QuestionMarks is true when anonymous ? placeholders are accepted and
	// cheaper than $N ones: modernc.org/sqlite looks numbered parameters up
	// by name in a list, quadratic in a statement's parameter count, which
	// dominates multi-row INSERTs.
	QuestionMarks bool
	// CopyFrom, if set, loads rows into tables in one transaction of its
	// own on conn, faster than INSERT (PostgreSQL COPY). May be nil.
	CopyFrom func(ctx context.Context, conn *sql.Conn, tables []CopyTable) error
	// CopyTx, if set, runs fn in a transaction of its own on conn,
	// committing if fn returns nil and rolling back otherwise; through tx, fn
	// may run statements and load rows with COPY in that one transaction
	// (the registry's imports take their change-feed seqs and load their rows
	// atomically). May be nil; set whenever CopyFrom is.
	CopyTx func(ctx context.Context, conn *sql.Conn, fn func(tx CopyTx) error) error
}

// CopyTx is a transaction in which Dialect.CopyTx runs its function.
type CopyTx interface {
	// QueryRow runs query (with $N placeholders) and scans its one row into dest.
	QueryRow(ctx context.Context, query string, args []any, dest ...any) error
	// Copy loads t's rows.
	Copy(ctx context.Context, t CopyTable) error
}

// CopyTable is one table's worth of rows for Dialect.CopyFrom.
type CopyTable struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// DB is a database handle shared by every domain store. It is safe for
// concurrent use.
type DB struct {
	read, write *sql.DB
	d           Dialect
	stmts       sync.Map // query string → *sql.Stmt on read
	wstmts      sync.Map // query string → *sql.Stmt on write, for use in transactions

	accepts acceptQueue // Accept's group commit (gatewaymsg.go)
}

// New returns a DB using one connection pool for reads and writes.
func New(db *sql.DB, d Dialect) *DB {
	return &DB{read: db, write: db, d: d}
}

// NewReadWrite returns a DB that runs transactions on write and single
// statements outside transactions on read. SQLite uses it to queue writers
// on a one-connection pool in Go rather than in the busy handler.
func NewReadWrite(read, write *sql.DB, d Dialect) *DB {
	return &DB{read: read, write: write, d: d}
}

// SQL returns the pool that writes go to.
func (db *DB) SQL() *sql.DB { return db.write }

// Dialect returns the engine's dialect.
func (db *DB) Dialect() Dialect { return db.d }

// Close closes the connection pools.
func (db *DB) Close() error {
	var err error
	for _, m := range []*sync.Map{&db.stmts, &db.wstmts} {
		m.Range(func(_, v any) bool {
			err = errors.Join(err, v.(*sql.Stmt).Close())
			return true
		})
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqldb: ping: %w", err)
	}
	if db.read != db.write {
		if err := db.write.PingContext(ctx); err != nil {
			return fmt.Errorf("sqldb: ping: %w", err)
		}
	}
	return nil
}

// maxAttempts bounds Transact's retries of serialization failures.
const maxAttempts = 5

// Transact runs fn in a transaction, committing if it returns nil and
// rolling back otherwise. When the dialect says the failure is retryable
// (PostgreSQL 40001 and 40P01) fn runs again, a few times at most, so fn
// must not have effects outside the transaction that cannot be repeated.
func (db *DB) Transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.transactOnce(ctx, fn)
		if err == nil || db.d.IsRetryable == nil || !db.d.IsRetryable(err) || attempt >= maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", err)
	}
	return nil
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// forUpdate returns " FOR UPDATE" where row locks exist, else "".
func (db *DB) forUpdate() string {
	if db.d.Locking {
		return " FOR UPDATE"
	}
	return ""
}

// unique reports whether err is a unique violation.
func (db *DB) unique(err error) bool {
	return err != nil && db.d.IsUniqueViolation != nil && db.d.IsUniqueViolation(err)
}

// prepared returns a statement for query on the read pool, prepared once
// and kept: parsing dominates the cost of point lookups on SQLite.
// Only constant queries may go through it.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	return prepareOnce(ctx, db.read, &db.stmts, query)
}

// writeStmt returns a statement for a constant query, prepared once on the
// write pool; bind it to a transaction with tx.StmtContext, and database/sql
// reuses the connection's prepared statement, so hot transactions (the
// audit log's appends) skip parsing. Call it outside any transaction: the
// SQLite write pool has one connection, which a transaction holds.
func (db *DB) writeStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return prepareOnce(ctx, db.write, &db.wstmts, query)
}

// prepareOnce returns the statement for query kept in cache, preparing it on
// pool the first time.
func prepareOnce(ctx context.Context, pool *sql.DB, cache *sync.Map, query string) (*sql.Stmt, error) {
	if s, ok := cache.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := cache.LoadOrStore(query, s); loaded {
		s.Close()
		return old.(*sql.Stmt), nil
	}
	return s, nil
}

// queryRow runs a constant single-row query through a prepared statement.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// rowScanner is what *sql.Row offers.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
