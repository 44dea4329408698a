package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

var _ abha.Store = (*DB)(nil)

// accountColumns lists abha_accounts' columns in the order accountArgs
// and scanAccount use.
var accountColumns = []string{
	"number", "first_name", "middle_name", "last_name", "gender", "birth_date",
	"mobile", "email", "address_line", "state_code", "district_code", "pin_code",
	"aadhaar_key", "document_key", "kyc_verified", "type", "status",
	"password_hash", "name_key", "preferred", "created_at", "updated_at", "token_version",
}

var (
	accountSelect = "SELECT " + strings.Join(accountColumns, ", ") + " FROM abha_accounts"
	accountInsert = "INSERT INTO abha_accounts (" + strings.Join(accountColumns, ", ") +
		") VALUES (" + placeholders(1, len(accountColumns)) + ")"
)

const addressInsert = "INSERT INTO abha_addresses (address, number, created_at) VALUES ($1, $2, $3)"

// accountArgs returns a's column values in accountColumns order.
func accountArgs(a *abha.Account) []any {
	return []any{
		a.Number, a.FirstName, a.MiddleName, a.LastName, a.Gender, a.BirthDate,
		a.Mobile, a.Email, a.AddressLine, a.StateCode, a.DistrictCode, a.PinCode,
		nullable(a.AadhaarKey), nullable(a.DocumentKey), a.KYCVerified, a.Type, a.Status,
		a.PasswordHash, a.NameKey, a.Preferred, millis(a.CreatedAt), millis(a.UpdatedAt), a.TokenVersion,
	}
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (*abha.Account, error) {
	var (
		a                    abha.Account
		aadhaar, document    sql.NullString
		createdAt, updatedAt int64
	)
	err := s.Scan(&a.Number, &a.FirstName, &a.MiddleName, &a.LastName, &a.Gender, &a.BirthDate,
		&a.Mobile, &a.Email, &a.AddressLine, &a.StateCode, &a.DistrictCode, &a.PinCode,
		&aadhaar, &document, &a.KYCVerified, &a.Type, &a.Status,
		&a.PasswordHash, &a.NameKey, &a.Preferred, &createdAt, &updatedAt, &a.TokenVersion)
	if err != nil {
		return nil, err
	}
	a.AadhaarKey, a.DocumentKey = str(aadhaar), str(document)
	a.CreatedAt, a.UpdatedAt = fromMillis(createdAt), fromMillis(updatedAt)
	return &a, nil
}

// prepareAccount fills in the timestamps CreateAccount stores.
func prepareAccount(a *abha.Account) {
	a.CreatedAt = orNow(a.CreatedAt)
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.UpdatedAt = a.UpdatedAt.UTC().Truncate(time.Millisecond)
}

// conflict turns a unique violation on the ABHA tables into ECONFLICT with a
// message naming the key (never its value), and wraps anything else.
func (db *DB) conflict(op string, err error) error {
	if !db.unique(err) {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "aadhaar_key"):
		return arogya.Errorf(arogya.ECONFLICT, "Aadhaar is already linked to an ABHA.")
	case strings.Contains(msg, "document_key"):
		return arogya.Errorf(arogya.ECONFLICT, "Document is already linked to an ABHA.")
	case strings.Contains(msg, "abha_addresses"):
		return arogya.Errorf(arogya.ECONFLICT, "ABHA address is already taken.")
	case strings.Contains(msg, "abha_accounts"):
		return arogya.Errorf(arogya.ECONFLICT, "ABHA number already exists.")
	}
	return arogya.Errorf(arogya.ECONFLICT, "Record already exists.")
}

var errAccountNotFound = arogya.Errorf(arogya.ENOTFOUND, "ABHA account not found.")

// CreateAccount inserts the account and all of a.Addresses atomically. A
// zero CreatedAt is set to now, a zero UpdatedAt to CreatedAt.
func (db *DB) CreateAccount(ctx context.Context, a *abha.Account) error {
	prepareAccount(a)
	// Enrolment's hot write: both statements prepared once.
	insAccount, err := db.writeStmt(ctx, accountInsert)
	if err != nil {
		return fmt.Errorf("sqldb: create account: %w", err)
	}
	insAddress, err := db.writeStmt(ctx, addressInsert)
	if err != nil {
		return fmt.Errorf("sqldb: create account: %w", err)
	}
	return db.Transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, insAccount).ExecContext(ctx, accountArgs(a)...); err != nil {
			return db.conflict("create account", err)
		}
		for _, addr := range a.Addresses {
			if _, err := tx.StmtContext(ctx, insAddress).ExecContext(ctx, addr, a.Number, millis(a.CreatedAt)); err != nil {
				return db.conflict("create account", err)
			}
		}
		return nil
	})
}

// Account returns the account with that ABHA number.
func (db *DB) Account(ctx context.Context, number string) (*abha.Account, error) {
	return db.accountWhere(ctx, "number", number)
}

// AccountByAadhaar returns the account enrolled with that Aadhaar key.
func (db *DB) AccountByAadhaar(ctx context.Context, aadhaarKey string) (*abha.Account, error) {
	if aadhaarKey == "" {
		return nil, errAccountNotFound
	}
	return db.accountWhere(ctx, "aadhaar_key", aadhaarKey)
}

// AccountByDocument returns the account enrolled with that document key.
func (db *DB) AccountByDocument(ctx context.Context, documentKey string) (*abha.Account, error) {
	if documentKey == "" {
		return nil, errAccountNotFound
	}
	return db.accountWhere(ctx, "document_key", documentKey)
}

// AccountByAddress returns the account owning that ABHA address.
func (db *DB) AccountByAddress(ctx context.Context, address string) (*abha.Account, error) {
	var number string
	err := db.queryRow(ctx, "SELECT number FROM abha_addresses WHERE address = $1", address).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAccountNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: account by address: %w", err)
	}
	return db.Account(ctx, number)
}

// accountWhere loads the one account whose column equals value, with its
// addresses, in one query (a LEFT JOIN gives one row per address): profile
// reads are the hottest path, and one statement costs half of two. column
// is always a constant from this file.
func (db *DB) accountWhere(ctx context.Context, column, value string) (*abha.Account, error) {
	s, err := db.prepared(ctx, "SELECT a."+strings.Join(accountColumns, ", a.")+", ad.address"+
		" FROM abha_accounts a LEFT JOIN abha_addresses ad ON ad.number = a.number"+
		" WHERE a."+column+" = $1 ORDER BY ad.created_at, ad.address")
	if err != nil {
		return nil, fmt.Errorf("sqldb: account: %w", err)
	}
	rows, err := s.QueryContext(ctx, value)
	if err != nil {
		return nil, fmt.Errorf("sqldb: account: %w", err)
	}
	defer rows.Close()
	var a *abha.Account
	for rows.Next() {
		var address sql.NullString
		row, err := scanAccount(scanExtra{rows, []any{&address}})
		if err != nil {
			return nil, fmt.Errorf("sqldb: account: %w", err)
		}
		if a == nil {
			a = row
		}
		if address.Valid {
			a.Addresses = append(a.Addresses, address.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: account: %w", err)
	}
	if a == nil {
		return nil, errAccountNotFound
	}
	return a, nil
}

// scanExtra scans a row's account columns followed by extra columns.
type scanExtra struct {
	s     scanner
	extra []any
}

func (w scanExtra) Scan(dest ...any) error { return w.s.Scan(append(dest, w.extra...)...) }

// AccountsByMobile returns every account with that mobile, by number.
func (db *DB) AccountsByMobile(ctx context.Context, mobile string) ([]*abha.Account, error) {
	if mobile == "" {
		return nil, nil
	}
	// "mobile <> ''" lets the planner use the partial index on mobile even
	// with a bound parameter (SQLite cannot prove it from $1).
	return db.accounts(ctx, accountSelect+" WHERE mobile = $1 AND mobile <> '' ORDER BY number", mobile)
}

// DedupCandidates returns accounts with the same birth date and gender, or
// the same (non-empty) mobile, at most limit of them, by number.
func (db *DB) DedupCandidates(ctx context.Context, birthDate, gender, mobile string, limit int) ([]*abha.Account, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Runs at every enrolment: prepared, and without addresses, which
	// duplicate scoring does not use.
	q, args := accountSelect+" WHERE birth_date = $1 AND gender = $2 ORDER BY number LIMIT $3",
		[]any{birthDate, gender, limit}
	if mobile != "" {
		q, args = accountSelect+" WHERE (birth_date = $1 AND gender = $2) OR (mobile = $3 AND mobile <> '') ORDER BY number LIMIT $4",
			[]any{birthDate, gender, mobile, limit}
	}
	return db.queryAccounts(ctx, q, args...)
}

// accounts runs a constant account query and loads the accounts' addresses.
func (db *DB) accounts(ctx context.Context, query string, args ...any) ([]*abha.Account, error) {
	out, err := db.queryAccounts(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	if err := loadAddresses(ctx, db.read, out); err != nil {
		return nil, err
	}
	return out, nil
}

// queryAccounts runs a constant account query through a prepared statement,
// without loading addresses.
func (db *DB) queryAccounts(ctx context.Context, query string, args ...any) ([]*abha.Account, error) {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqldb: accounts: %w", err)
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: accounts: %w", err)
	}
	defer rows.Close()
	var out []*abha.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: accounts: %w", err)
	}
	return out, nil
}

// inChunk bounds the number of values in one IN (...) list.
const inChunk = 500

// loadAddresses sets Addresses on each account, oldest first.
func loadAddresses(ctx context.Context, q querier, accts []*abha.Account) error {
	byNumber := make(map[string]*abha.Account, len(accts))
	numbers := make([]any, 0, len(accts))
	for _, a := range accts {
		a.Addresses = nil
		byNumber[a.Number] = a
		numbers = append(numbers, a.Number)
	}
	for len(numbers) > 0 {
		n := min(len(numbers), inChunk)
		rows, err := q.QueryContext(ctx, "SELECT number, address FROM abha_addresses WHERE number IN ("+
			placeholders(1, n)+") ORDER BY created_at, address", numbers[:n]...)
		if err != nil {
			return fmt.Errorf("sqldb: addresses: %w", err)
		}
		for rows.Next() {
			var number, address string
			if err := rows.Scan(&number, &address); err != nil {
				rows.Close()
				return fmt.Errorf("sqldb: addresses: %w", err)
			}
			a := byNumber[number]
			a.Addresses = append(a.Addresses, address)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqldb: addresses: %w", err)
		}
		numbers = numbers[n:]
	}
	return nil
}

// UpdateAccount replaces the mutable fields (everything except Number,
// AadhaarKey, DocumentKey, CreatedAt, Addresses). UpdatedAt is stored as
// given, or as now when zero, and written back to a.
func (db *DB) UpdateAccount(ctx context.Context, a *abha.Account) error {
	a.UpdatedAt = orNow(a.UpdatedAt)
	res, err := db.write.ExecContext(ctx, `UPDATE abha_accounts SET
		first_name = $2, middle_name = $3, last_name = $4, gender = $5, birth_date = $6,
		mobile = $7, email = $8, address_line = $9, state_code = $10, district_code = $11,
		pin_code = $12, kyc_verified = $13, type = $14, status = $15, password_hash = $16,
		name_key = $17, preferred = $18, updated_at = $19, token_version = $20
		WHERE number = $1`,
		a.Number, a.FirstName, a.MiddleName, a.LastName, a.Gender, a.BirthDate,
		a.Mobile, a.Email, a.AddressLine, a.StateCode, a.DistrictCode,
		a.PinCode, a.KYCVerified, a.Type, a.Status, a.PasswordHash,
		a.NameKey, a.Preferred, millis(a.UpdatedAt), a.TokenVersion)
	if err != nil {
		return fmt.Errorf("sqldb: update account: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: update account: %w", err)
	} else if n == 0 {
		return errAccountNotFound
	}
	return nil
}

// AddAddress adds an address to an account; if preferred it becomes the
// account's preferred address.
func (db *DB) AddAddress(ctx context.Context, number, address string, preferred bool) error {
	now := nowMillis()
	return db.Transact(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM abha_accounts WHERE number = $1"+db.forUpdate(), number).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errAccountNotFound
		} else if err != nil {
			return fmt.Errorf("sqldb: add address: %w", err)
		}
		if _, err := tx.ExecContext(ctx, addressInsert, address, number, millis(now)); err != nil {
			return db.conflict("add address", err)
		}
		if preferred {
			if _, err := tx.ExecContext(ctx, "UPDATE abha_accounts SET preferred = $2, updated_at = $3 WHERE number = $1",
				number, address, millis(now)); err != nil {
				return fmt.Errorf("sqldb: add address: %w", err)
			}
		}
		return nil
	})
}

// AddressesTaken reports, for each given address, whether it exists.
func (db *DB) AddressesTaken(ctx context.Context, addresses []string) (map[string]bool, error) {
	taken := make(map[string]bool, len(addresses))
	args := make([]any, 0, len(addresses))
	for _, a := range addresses {
		if _, ok := taken[a]; !ok {
			taken[a] = false
			args = append(args, a)
		}
	}
	for len(args) > 0 {
		n := min(len(args), inChunk)
		rows, err := db.read.QueryContext(ctx, "SELECT address FROM abha_addresses WHERE address IN ("+
			placeholders(1, n)+")", args[:n]...)
		if err != nil {
			return nil, fmt.Errorf("sqldb: addresses taken: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqldb: addresses taken: %w", err)
			}
			taken[a] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqldb: addresses taken: %w", err)
		}
		args = args[n:]
	}
	return taken, nil
}

// CountAccounts returns the number of accounts in any status.
func (db *DB) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM abha_accounts").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqldb: count accounts: %w", err)
	}
	return n, nil
}
