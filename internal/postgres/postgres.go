// Package postgres opens Arogya's stores on PostgreSQL through pgx's
// database/sql driver and owns the PostgreSQL schema migrations. The stores
// themselves are the shared implementation in internal/sqldb; this package
// supplies the dialect: SQLSTATE-based error classification, row and
// advisory locks, and COPY for bulk loads.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

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

// Dialect describes PostgreSQL to the shared store.
var Dialect = sqldb.Dialect{
	Name:              "postgres",
	IsUniqueViolation: func(err error) bool { return sqlState(err) == "23505" },
	IsRetryable: func(err error) bool {
		s := sqlState(err)
		return s == "40001" || s == "40P01" // serialization_failure, deadlock_detected
	},
	Locking:  true,
	CopyFrom: copyFrom,
	CopyTx:   copyTx,
}

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string) and applies any pending migrations.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	db, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Connect connects like Open but applies no migrations, for
// `arogya migrate` to report status first.
func Connect(ctx context.Context, dsn string) (*sqldb.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, errors.New("postgres: invalid connection string")
	}
	db := stdlib.OpenDB(*cfg)
	n := max(10, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return sqldb.New(db, Dialect), nil
}

// copyFrom loads the tables with COPY in one transaction on conn.
func copyFrom(ctx context.Context, conn *sql.Conn, tables []sqldb.CopyTable) error {
	return copyTx(ctx, conn, func(tx sqldb.CopyTx) error {
		for _, t := range tables {
			if err := tx.Copy(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// copyTx runs fn in a pgx transaction on conn's driver connection.
func copyTx(ctx context.Context, conn *sql.Conn, fn func(sqldb.CopyTx) error) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: copy: driver connection is %T", dc)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		if err := fn(pgxCopyTx{tx}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// pgxCopyTx is a sqldb.CopyTx over a pgx transaction.
type pgxCopyTx struct{ tx pgx.Tx }

func (t pgxCopyTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return t.tx.QueryRow(ctx, query, args...).Scan(dest...)
}

func (t pgxCopyTx) Copy(ctx context.Context, table sqldb.CopyTable) error {
	if len(table.Rows) == 0 {
		return nil
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table.Name}, table.Columns, pgx.CopyFromRows(table.Rows))
	return err
}
