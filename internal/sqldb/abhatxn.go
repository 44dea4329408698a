package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

// txnData is the stored JSON form of abha.Txn. It has its own tags so that
// renaming a Go field does not silently orphan stored flows.
type txnData struct {
	Kind          string         `json:"kind"`
	Scope         []string       `json:"scope,omitempty"`
	OTPHash       []byte         `json:"otpHash,omitempty"`
	OTPExpires    int64          `json:"otpExpires,omitempty"`
	OTPAttempts   int            `json:"otpAttempts,omitempty"`
	OTPTo         string         `json:"otpTo,omitempty"`
	Verified      bool           `json:"verified,omitempty"`
	AadhaarKey    string         `json:"aadhaarKey,omitempty"`
	KYC           *abha.Identity `json:"kyc,omitempty"`
	PendingMobile string         `json:"pendingMobile,omitempty"`
	Number        string         `json:"number,omitempty"`
	Accounts      []string       `json:"accounts,omitempty"`
	Purpose       string         `json:"purpose,omitempty"`
}

var errTxnNotFound = arogya.Errorf(arogya.ENOTFOUND, "Transaction not found.")

// PutTxn inserts the flow or replaces the one with the same ID. Times are
// stored at millisecond precision; a zero CreatedAt becomes now.
func (db *DB) PutTxn(ctx context.Context, t *abha.Txn) error {
	t.CreatedAt = orNow(t.CreatedAt)
	data, err := encodeTxn(t)
	if err != nil {
		return fmt.Errorf("sqldb: put txn: %w", err)
	}
	st, err := db.writeStmt(ctx, `INSERT INTO abha_txns (id, kind, created_at, expires_at, data)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at,
		expires_at = excluded.expires_at, data = excluded.data, version = abha_txns.version + 1
		RETURNING version`)
	if err == nil {
		err = st.QueryRowContext(ctx, t.ID, t.Kind, millis(t.CreatedAt), millis(t.ExpiresAt), data).Scan(&t.Version)
	}
	if err != nil {
		return fmt.Errorf("sqldb: put txn: %w", err)
	}
	return nil
}

// encodeTxn returns the stored JSON form of t.
func encodeTxn(t *abha.Txn) (string, error) {
	b, err := json.Marshal(txnData{
		Kind: t.Kind, Scope: t.Scope, OTPHash: t.OTPHash, OTPExpires: millis(t.OTPExpires),
		OTPAttempts: t.OTPAttempts, OTPTo: t.OTPTo, Verified: t.Verified, AadhaarKey: t.AadhaarKey,
		KYC: t.KYC, PendingMobile: t.PendingMobile, Number: t.Number, Accounts: t.Accounts,
		Purpose: t.Purpose,
	})
	return string(b), err
}

// SwapTxn replaces the flow only if it is still at t.Version (compare and
// swap), then sets t.Version; otherwise it changes nothing and returns
// ECONFLICT. A missing flow is ENOTFOUND.
func (db *DB) SwapTxn(ctx context.Context, t *abha.Txn) error {
	data, err := encodeTxn(t)
	if err != nil {
		return fmt.Errorf("sqldb: swap txn: %w", err)
	}
	st, err := db.writeStmt(ctx, `UPDATE abha_txns SET kind = $1, expires_at = $2, data = $3, version = version + 1
		WHERE id = $4 AND version = $5 RETURNING version`)
	if err != nil {
		return fmt.Errorf("sqldb: swap txn: %w", err)
	}
	var v int64
	err = st.QueryRowContext(ctx, t.Kind, millis(t.ExpiresAt), data, t.ID, t.Version).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := db.queryRow(ctx, "SELECT count(*) FROM abha_txns WHERE id = $1", t.ID).Scan(&n); err != nil {
			return fmt.Errorf("sqldb: swap txn: %w", err)
		}
		if n == 0 {
			return errTxnNotFound
		}
		return arogya.Errorf(arogya.ECONFLICT, "Transaction was changed by another request.")
	} else if err != nil {
		return fmt.Errorf("sqldb: swap txn: %w", err)
	}
	t.Version = v
	return nil
}

// Txn returns the flow with that ID, expired or not: expiry is the
// service's decision.
func (db *DB) Txn(ctx context.Context, id string) (*abha.Txn, error) {
	var (
		createdAt, expiresAt int64
		data                 string
	)
	var version int64
	err := db.queryRow(ctx, "SELECT created_at, expires_at, data, version FROM abha_txns WHERE id = $1", id).
		Scan(&createdAt, &expiresAt, &data, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTxnNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: txn: %w", err)
	}
	var d txnData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("sqldb: txn: decode: %w", err)
	}
	return &abha.Txn{
		ID: id, Kind: d.Kind, Scope: d.Scope, OTPHash: d.OTPHash, OTPExpires: fromMillis(d.OTPExpires),
		OTPAttempts: d.OTPAttempts, OTPTo: d.OTPTo, Verified: d.Verified, AadhaarKey: d.AadhaarKey,
		KYC: d.KYC, PendingMobile: d.PendingMobile, Number: d.Number, Accounts: d.Accounts,
		Purpose: d.Purpose, CreatedAt: fromMillis(createdAt), ExpiresAt: fromMillis(expiresAt), Version: version,
	}, nil
}

// DeleteTxn deletes the flow with that ID. Deleting a missing flow is not
// an error, so a retried request is harmless.
func (db *DB) DeleteTxn(ctx context.Context, id string) error {
	if _, err := db.write.ExecContext(ctx, "DELETE FROM abha_txns WHERE id = $1", id); err != nil {
		return fmt.Errorf("sqldb: delete txn: %w", err)
	}
	return nil
}

// DeleteExpiredTxns deletes flows that expired before before and returns
// how many there were. It is for a periodic janitor; not part of abha.Store.
func (db *DB) DeleteExpiredTxns(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, "DELETE FROM abha_txns WHERE expires_at < $1", millis(before))
	if err != nil {
		return 0, fmt.Errorf("sqldb: delete expired txns: %w", err)
	}
	return res.RowsAffected()
}

// ReserveOTPSend records an OTP send to key at time at, unless there have
// already been max sends to key at or after since; it reports whether it
// did. Count and insert run in one transaction (on PostgreSQL under an
// advisory lock on the key), so concurrent callers never exceed max. Sends
// to key older than since are deleted on the way.
func (db *DB) ReserveOTPSend(ctx context.Context, key string, at, since time.Time, max int) (bool, error) {
	var ok bool
	var st [3]*sql.Stmt
	for i, q := range []string{"DELETE FROM abha_otp_sends WHERE key = $1 AND at < $2",
		"SELECT count(*) FROM abha_otp_sends WHERE key = $1 AND at >= $2",
		"INSERT INTO abha_otp_sends (key, at) VALUES ($1, $2)"} {
		s, err := db.writeStmt(ctx, q)
		if err != nil {
			return false, fmt.Errorf("sqldb: reserve otp send: %w", err)
		}
		st[i] = s
	}
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		ok = false
		if db.d.Locking {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", key); err != nil {
				return err
			}
		}
		if _, err := tx.StmtContext(ctx, st[0]).ExecContext(ctx, key, millis(since)); err != nil {
			return err
		}
		var n int
		if err := tx.StmtContext(ctx, st[1]).QueryRowContext(ctx, key, millis(since)).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return nil
		}
		if _, err := tx.StmtContext(ctx, st[2]).ExecContext(ctx, key, millis(at)); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqldb: reserve otp send: %w", err)
	}
	return ok, nil
}

// PruneOTPSends deletes every recorded send before before, for keys that
// are never asked about again. Not part of abha.Store.
func (db *DB) PruneOTPSends(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, "DELETE FROM abha_otp_sends WHERE at < $1", millis(before))
	if err != nil {
		return 0, fmt.Errorf("sqldb: prune otp sends: %w", err)
	}
	return res.RowsAffected()
}
