package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/arogya-health/arogya/internal/sqldb"
)

// OpenTest opens a fresh, migrated database in a file under tb.TempDir()
// and closes it when the test ends. It is for tests in any package.
func OpenTest(tb testing.TB) *sqldb.DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "arogya.db"))
	if err != nil {
		tb.Fatalf("sqlite.OpenTest: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
