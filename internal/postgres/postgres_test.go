package postgres_test

import (
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/postgres"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *sqldb.DB { return postgres.OpenTest(t) })
}

func TestMigrations(t *testing.T) {
	storetest.RunMigrations(t, func(t *testing.T) func() *sqldb.DB {
		dsn := postgres.TestDSN(t)
		return func() *sqldb.DB {
			db, err := postgres.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	}, postgres.Migrations())
}

func TestConnectBadDSN(t *testing.T) {
	_, err := postgres.Connect(t.Context(), "postgres://u:s3cret@[bad")
	if err == nil {
		t.Fatal("Connect with a malformed DSN succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %q reveals the password", err)
	}
}
