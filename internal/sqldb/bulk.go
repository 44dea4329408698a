package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/arogya-health/arogya/internal/abha"
)

var addressColumns = []string{"address", "number", "created_at"}

// BulkCreateAccounts inserts many accounts and their addresses in one
// transaction: all of them or, on any error, none. It is for loading and
// seeding (not part of abha.Store): it uses COPY where the dialect offers
// it and prepared multi-row INSERTs otherwise. Timestamps are filled in as by
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
	accountRows, addressRows := bulkRows(accts)
	return db.Transact(ctx, func(tx *sql.Tx) error {
		if err := db.insertRows(ctx, tx, "abha_accounts", accountColumns, accountRows); err != nil {
			return db.conflict("bulk create accounts", err)
		}
		if err := db.insertRows(ctx, tx, "abha_addresses", addressColumns, addressRows); err != nil {
			return db.conflict("bulk create accounts", err)
		}
		return nil
	})
}

// bulkRows returns the column values of the accounts and of their addresses.
func bulkRows(accts []*abha.Account) (accountRows, addressRows [][]any) {
	accountRows = make([][]any, 0, len(accts))
	addressRows = make([][]any, 0, len(accts))
	for _, a := range accts {
		accountRows = append(accountRows, accountArgs(a))
		for _, address := range a.Addresses {
			addressRows = append(addressRows, []any{address, a.Number, millis(a.CreatedAt)})
		}
	}
	return accountRows, addressRows
}

// maxBulkParams keeps multi-row INSERTs under SQLite's and PostgreSQL's
// limits on bound parameters (32766 and 65535).
const maxBulkParams = 4000

// insertRows inserts rows with multi-row INSERT statements, prepared once
// for full batches, which cuts the per-statement cost of database/sql and
// the driver to a fraction.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, table string, columns []string, rows [][]any) error {
	return db.insertRowsSuffix(ctx, tx, table, columns, rows, "")
}

// insertRowsSuffix is insertRows with a clause appended to every INSERT,
// such as an ON CONFLICT upsert.
func (db *DB) insertRowsSuffix(ctx context.Context, tx *sql.Tx, table string, columns []string, rows [][]any, suffix string) error {
	per := max(1, maxBulkParams/len(columns))
	insert := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + db.params(1+i*len(columns), len(columns)) + ")")
		}
		b.WriteString(suffix)
		return b.String()
	}
	args := make([]any, 0, per*len(columns))
	var full *sql.Stmt
	if len(rows) >= per {
		var err error
		if full, err = tx.PrepareContext(ctx, insert(per)); err != nil {
			return err
		}
		defer full.Close()
	}
	for len(rows) > 0 {
		n := min(per, len(rows))
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		var err error
		if n == per {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insert(n), args...)
		}
		if err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// copyAccounts loads accounts through Dialect.CopyFrom.
func (db *DB) copyAccounts(ctx context.Context, accts []*abha.Account) error {
	accountRows, addressRows := bulkRows(accts)
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
