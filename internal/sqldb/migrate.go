package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one forward-only schema change: a file NNNN_name.sql.
type Migration struct {
	Version int
	Name    string // file name
	SQL     string
}

// MigrationStatus says how far a database's schema has come.
type MigrationStatus struct {
	Applied int         // highest applied version, 0 for none
	Latest  int         // highest version available
	Pending []Migration // available but not applied, in order
}

// migrateLockKey is the pg_advisory_lock key guarding migrations: two nodes
// starting together apply each migration once.
const migrateLockKey = 0x61726f6779610001

// ParseMigrationName returns the version in a migration file name of the
// form NNNN_name.sql (a positive decimal version, an underscore, a name).
func ParseMigrationName(name string) (int, error) {
	base, ok := strings.CutSuffix(name, ".sql")
	digits, label, ok2 := strings.Cut(base, "_")
	if !ok || !ok2 || label == "" || digits == "" || len(digits) > 9 {
		return 0, fmt.Errorf("sqldb: migration %q: want NNNN_name.sql", name)
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("sqldb: migration %q: want NNNN_name.sql", name)
		}
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("sqldb: migration %q: version must be positive", name)
	}
	return v, nil
}

// Migrations reads the *.sql files at the root of fsys, in version order.
// Two files with one version are an error.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	var ms []Migration
	for _, name := range names {
		v, err := ParseMigrationName(path.Base(name))
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("sqldb: migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("sqldb: migrations %s and %s share a version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate applies the migrations in fsys that db has not applied yet, in
// order, each in its own transaction together with its schema_migrations
// row; a failing migration leaves no trace. On PostgreSQL an advisory lock
// keeps concurrent Migrate calls from racing. Applying twice is a no-op.
func Migrate(ctx context.Context, db *DB, fsys fs.FS) (err error) {
	ms, err := Migrations(fsys)
	if err != nil {
		return err
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	defer conn.Close()
	if db.d.Locking {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockKey)); err != nil {
			return fmt.Errorf("sqldb: migrate: lock: %w", err)
		}
		defer func() {
			// A background context: the lock must go even if ctx is done.
			if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLockKey)); uerr != nil {
				err = errors.Join(err, fmt.Errorf("sqldb: migrate: unlock: %w", uerr))
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m unless it is already recorded.
func applyMigration(ctx context.Context, conn *sql.Conn, m Migration) (err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.Name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM schema_migrations WHERE version = $1", m.Version).Scan(&one)
	if err == nil {
		return tx.Rollback()
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqldb: migrate %s: %w", m.Name, err)
	}
	if _, err = tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.Name, err)
	}
	if _, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
		m.Version, m.Name, millis(nowMillis())); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.Name, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.Name, err)
	}
	return nil
}

// Status reports the highest applied version of db and the migrations in
// fsys still to apply. A database never migrated has Applied 0.
func Status(ctx context.Context, db *DB, fsys fs.FS) (MigrationStatus, error) {
	ms, err := Migrations(fsys)
	if err != nil {
		return MigrationStatus{}, err
	}
	var st MigrationStatus
	if len(ms) > 0 {
		st.Latest = ms[len(ms)-1].Version
	}
	applied := map[int]bool{}
	rows, err := db.read.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return MigrationStatus{}, fmt.Errorf("sqldb: migration status: %w", err)
			}
			applied[v] = true
			st.Applied = max(st.Applied, v)
		}
		if err := rows.Err(); err != nil {
			return MigrationStatus{}, fmt.Errorf("sqldb: migration status: %w", err)
		}
	} else if exists, terr := db.tableExists(ctx, "schema_migrations"); terr != nil || exists {
		return MigrationStatus{}, fmt.Errorf("sqldb: migration status: %w", err)
	}
	for _, m := range ms {
		if !applied[m.Version] {
			st.Pending = append(st.Pending, m)
		}
	}
	return st, nil
}

// tableExists reports whether a table of that name exists.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
	if db.d.Name == "postgres" {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	if err := db.read.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}
