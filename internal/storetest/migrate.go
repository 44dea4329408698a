package storetest

import (
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/arogya-health/arogya/internal/sqldb"
)

// Target makes a fresh, empty database for one test and returns a function
// that opens a new, unmigrated handle to it (call it twice for two "nodes").
// Handles are closed when the test ends.
type Target func(t *testing.T) (connect func() *sqldb.DB)

// RunMigrations checks the migration runner on an engine with its real
// migrations: status, idempotence, rollback of a failing migration, and
// two nodes migrating at once.
func RunMigrations(t *testing.T, target Target, migrations fs.FS) {
	all, err := sqldb.Migrations(migrations)
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations embedded")
	}
	latest := all[len(all)-1].Version

	t.Run("StatusAndIdempotence", func(t *testing.T) {
		db := target(t)()
		st, err := sqldb.Status(ctx(t), db, migrations)
		must(t, "Status(fresh)", err)
		if st.Applied != 0 || st.Latest != latest || len(st.Pending) != len(all) {
			t.Fatalf("Status(fresh) = applied %d latest %d pending %d; want 0 %d %d", st.Applied, st.Latest, len(st.Pending), latest, len(all))
		}
		must(t, "Migrate", sqldb.Migrate(ctx(t), db, migrations))
		rows := migrationRows(t, db)
		must(t, "Migrate(again)", sqldb.Migrate(ctx(t), db, migrations))
		if again := migrationRows(t, db); again != rows {
			t.Fatalf("second Migrate changed schema_migrations: %q, then %q", rows, again)
		}
		st, err = sqldb.Status(ctx(t), db, migrations)
		must(t, "Status", err)
		if st.Applied != latest || len(st.Pending) != 0 {
			t.Fatalf("Status = applied %d pending %d; want %d 0", st.Applied, len(st.Pending), latest)
		}
	})

	t.Run("BadMigrationRollsBack", func(t *testing.T) {
		db := target(t)()
		bad := fstest.MapFS{}
		for _, m := range all {
			bad[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
		bad["9998_good.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE mig_good (x INTEGER);")}
		bad["9999_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE mig_half (x INTEGER);\nINSERT INTO no_such_table VALUES (1);")}
		if err := sqldb.Migrate(ctx(t), db, bad); err == nil {
			t.Fatal("Migrate with a failing migration succeeded")
		}
		st, err := sqldb.Status(ctx(t), db, bad)
		must(t, "Status", err)
		if st.Applied != 9998 || len(st.Pending) != 1 || st.Pending[0].Version != 9999 {
			t.Fatalf("after failure Status = applied %d pending %v; want 9998 and [9999]", st.Applied, st.Pending)
		}
		if _, err := db.SQL().ExecContext(ctx(t), "INSERT INTO mig_good (x) VALUES (1)"); err != nil {
			t.Fatalf("migration before the failing one was not kept: %v", err)
		}
		if _, err := db.SQL().ExecContext(ctx(t), "INSERT INTO mig_half (x) VALUES (1)"); err == nil {
			t.Fatal("the failing migration's first statement was kept")
		}
	})

	t.Run("TwoNodesAtOnce", func(t *testing.T) {
		connect := target(t)
		nodes := []*sqldb.DB{connect(), connect(), connect()}
		var wg sync.WaitGroup
		errs := make([]error, len(nodes))
		for i, db := range nodes {
			wg.Go(func() { errs[i] = sqldb.Migrate(ctx(t), db, migrations) })
		}
		wg.Wait()
		for i, err := range errs {
			must(t, fmt.Sprintf("Migrate on node %d", i), err)
		}
		st, err := sqldb.Status(ctx(t), nodes[0], migrations)
		must(t, "Status", err)
		if st.Applied != latest || len(st.Pending) != 0 {
			t.Fatalf("Status = applied %d pending %d", st.Applied, len(st.Pending))
		}
		if got := migrationRows(t, nodes[0]); len(got) == 0 {
			t.Fatal("no schema_migrations rows")
		}
	})
}

// migrationRows renders schema_migrations as one string for comparison.
func migrationRows(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx(t), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	must(t, "schema_migrations", err)
	defer rows.Close()
	var out string
	for rows.Next() {
		var (
			v, at int64
			name  string
		)
		must(t, "scan", rows.Scan(&v, &name, &at))
		out += fmt.Sprintf("%d %s %d;", v, name, at)
	}
	must(t, "rows", rows.Err())
	return out
}
