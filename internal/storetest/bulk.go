package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/sqldb"
)

func testBulkCreate(t *testing.T, db *sqldb.DB) {
	const n = 2500
	accts := make([]*abha.Account, n)
	for i := range accts {
		a := account(i)
		if i%3 == 0 {
			a.AadhaarKey, a.DocumentKey = "", fmt.Sprintf("doc-%d", i)
		}
		if i%5 == 0 {
			a.Addresses = append(a.Addresses, fmt.Sprintf("alt%d@sbx", i))
		}
		accts[i] = a
	}
	must(t, "BulkCreateAccounts", db.BulkCreateAccounts(ctx(t), accts))
	must(t, "BulkCreateAccounts(empty)", db.BulkCreateAccounts(ctx(t), nil))
	count, err := db.CountAccounts(ctx(t))
	must(t, "CountAccounts", err)
	if count != n {
		t.Fatalf("CountAccounts = %d, want %d", count, n)
	}
	for _, i := range []int{0, 1, 5, 1234, n - 1} {
		got, err := db.Account(ctx(t), accts[i].Number)
		must(t, "Account", err)
		sameAccount(t, "bulk-created account", got, accts[i])
	}
	got, err := db.AccountByAddress(ctx(t), "alt1235@sbx")
	must(t, "AccountByAddress", err)
	if got.Number != accts[1235].Number {
		t.Fatalf("AccountByAddress = %s, want %s", got.Number, accts[1235].Number)
	}
	if _, err := db.AccountByDocument(ctx(t), "doc-3"); err != nil {
		t.Fatalf("AccountByDocument: %v", err)
	}
}

func testBulkCreateConflict(t *testing.T, db *sqldb.DB) {
	must(t, "CreateAccount", db.CreateAccount(ctx(t), account(5)))
	accts := []*abha.Account{account(1), account(2), account(5), account(6)}
	wantCode(t, "BulkCreateAccounts(duplicate)", db.BulkCreateAccounts(ctx(t), accts), arogya.ECONFLICT)
	n, err := db.CountAccounts(ctx(t))
	must(t, "CountAccounts", err)
	if n != 1 {
		t.Fatalf("after failed bulk create CountAccounts = %d, want 1 (all or nothing)", n)
	}
	dup := []*abha.Account{account(7), account(8)}
	dup[1].Addresses = dup[0].Addresses
	wantCode(t, "BulkCreateAccounts(duplicate address)", db.BulkCreateAccounts(ctx(t), dup), arogya.ECONFLICT)
}

func testTransact(t *testing.T, db *sqldb.DB) {
	boom := errors.New("boom")
	err := db.Transact(ctx(t), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx(t), "INSERT INTO auth_keys (id, purpose, alg, sealed, created_at) VALUES ('t', 'sign', 'RS256', $1, 1)", []byte("x")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact = %v, want boom", err)
	}
	keys, err := db.Keys(ctx(t))
	must(t, "Keys", err)
	if len(keys) != 0 {
		t.Fatal("Transact kept the writes of a failed function")
	}
	canceled, cancel := context.WithCancel(ctx(t))
	cancel()
	if err := db.Transact(canceled, func(*sql.Tx) error { return nil }); err == nil {
		t.Fatal("Transact on a canceled context succeeded")
	}
	must(t, "Ping", db.Ping(ctx(t)))
}
