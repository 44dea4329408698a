package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/arogya-health/arogya/internal/abha"
)

var addressColumns = []string{"address", "number", "created_at"}

// BulkCreateAccounts inserts many accounts and their addresses in one
// transaction: all of them or, on any error, none. It is for loading and
// seeding (not part of abha.Store): it uses COPY where the dialect offers
// it and prepared statements otherwise. Timestamps are filled in as by
// CreateAccount. A duplicate key is ECONFLICT.
func (db *DB) BulkCreateAccounts(ctx context.Context, accts []*abha.Account) error {
	if len(accts) == 0 {
		return nil
	}
	for _, a := range accts {
		prepareAccount(a)
	}
	if db.d.CopyFrom != nil {
		return db.copyAccounts(ctx, accts)
	}
	return db.Transact(ctx, func(tx *sql.Tx) error {
		acct, err := tx.PrepareContext(ctx, accountInsert)
		if err != nil {
			return fmt.Errorf("sqldb: bulk create accounts: %w", err)
		}
		defer acct.Close()
		addr, err := tx.PrepareContext(ctx, addressInsert)
		if err != nil {
			return fmt.Errorf("sqldb: bulk create accounts: %w", err)
		}
		defer addr.Close()
		for _, a := range accts {
			if _, err := acct.ExecContext(ctx, accountArgs(a)...); err != nil {
				return db.conflict("bulk create accounts", err)
			}
			for _, address := range a.Addresses {
				if _, err := addr.ExecContext(ctx, address, a.Number, millis(a.CreatedAt)); err != nil {
					return db.conflict("bulk create accounts", err)
				}
			}
		}
		return nil
	})
}

// copyAccounts loads accounts through Dialect.CopyFrom.
func (db *DB) copyAccounts(ctx context.Context, accts []*abha.Account) error {
	accountRows := make([][]any, 0, len(accts))
	addressRows := make([][]any, 0, len(accts))
	for _, a := range accts {
		accountRows = append(accountRows, accountArgs(a))
		for _, address := range a.Addresses {
			addressRows = append(addressRows, []any{address, a.Number, millis(a.CreatedAt)})
		}
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: bulk create accounts: %w", err)
	}
	defer conn.Close()
	err = db.d.CopyFrom(ctx, conn, []CopyTable{
		{Name: "abha_accounts", Columns: accountColumns, Rows: accountRows},
		{Name: "abha_addresses", Columns: addressColumns, Rows: addressRows},
	})
	if err != nil {
		return db.conflict("bulk create accounts", err)
	}
	return nil
}
