package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/sqldb"
)

// DefaultTestDSN is the server TestDSN uses when AROGYA_TEST_POSTGRES is unset.
const DefaultTestDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// TestDSN creates a fresh, empty database for one test on the server named
// by AROGYA_TEST_POSTGRES (default DefaultTestDSN), drops it when the test
// ends, and returns its DSN. If the server cannot be reached the test is
// skipped, or fails when the CI environment variable is set.
func TestDSN(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("AROGYA_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultTestDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	adminDB, err := connectAdmin(ctx, admin)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL is required in CI (AROGYA_TEST_POSTGRES): %v", err)
		}
		tb.Skipf("PostgreSQL not reachable (set AROGYA_TEST_POSTGRES to run these tests): %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "arogya_test_" + hex.EncodeToString(b)
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adminDB.Close()
		tb.Fatalf("postgres.TestDSN: create database: %v", err)
	}
	tb.Cleanup(func() {
		defer adminDB.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adminDB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("postgres.TestDSN: drop database: %v", err)
		}
	})
	return withDatabase(admin, name)
}

// OpenTest opens a fresh, migrated database (see TestDSN) and closes it
// when the test ends.
func OpenTest(tb testing.TB) *sqldb.DB {
	tb.Helper()
	dsn := TestDSN(tb)
	db, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("postgres.OpenTest: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// connectAdmin connects with the "pgx" driver, which package stdlib
// (imported by postgres.go) registers.
func connectAdmin(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withDatabase returns dsn pointing at database name instead.
func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return strings.TrimSpace(dsn) + " dbname=" + name
}
