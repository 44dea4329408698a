package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/arogya-health/arogya/internal/abha"

	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
	"github.com/arogya-health/arogya/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *sqldb.DB { return sqlite.OpenTest(t) })
}

func TestMigrations(t *testing.T) {
	storetest.RunMigrations(t, func(t *testing.T) func() *sqldb.DB {
		path := filepath.Join(t.TempDir(), "m.db")
		return func() *sqldb.DB {
			db, err := sqlite.Connect(t.Context(), path)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	}, sqlite.Migrations())
}

func TestMemory(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatalf("Open(:memory:): %v", err)
	}
	defer db.Close()
	a := &abha.Account{Number: "91000000000001", Status: abha.StatusActive, Addresses: []string{"a@sbx"}}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	// Reads and writes must see one database, whichever connection runs them.
	got, err := db.AccountByAddress(ctx, "a@sbx")
	if err != nil || got.Number != a.Number {
		t.Fatalf("AccountByAddress = %v, %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := sqlite.Open(t.Context(), ""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	if _, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	db := sqlite.OpenTest(t)
	// Writes outside transactions go to the write pool and succeed.
	if _, err := db.SQL().ExecContext(t.Context(), "INSERT INTO auth_keys (id, purpose, alg, sealed, created_at) VALUES ('k', 's', 'a', x'00', 1)"); err != nil {
		t.Fatalf("write on SQL(): %v", err)
	}
	n, err := db.CountAccounts(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("CountAccounts = %d, %v", n, err)
	}
}
