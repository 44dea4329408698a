package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

// v3 link tokens of the HIP (migration 0024), sealed by the hip package.

var errHIPLinkTokenNotFound = arogya.Errorf(arogya.ENOTFOUND, "No link token kept for that person at that facility.")

// HIPLinkToken returns the link token kept for a person at a facility;
// ENOTFOUND if none.
func (db *DB) HIPLinkToken(ctx context.Context, facilityID, abhaAddress string) (*hip.LinkToken, error) {
	var t hip.LinkToken
	var exp, at int64
	err := db.queryRow(ctx, "SELECT facility_id, abha_address, sealed, expires_at, created_at FROM hip_link_tokens WHERE facility_id = $1 AND abha_address = $2",
		facilityID, abhaAddress).Scan(&t.FacilityID, &t.ABHAAddress, &t.Sealed, &exp, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPLinkTokenNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip link token: %w", err)
	}
	t.ExpiresAt, t.CreatedAt = fromMillis(exp), fromMillis(at)
	return &t, nil
}

// writeHIPLinkTokens writes a finished job's link token effects: the drop
// first, then the token kept.
func writeHIPLinkTokens(ctx context.Context, tx *sql.Tx, fx *hip.Effects) error {
	if d := fx.DropLinkToken; d != nil {
		if _, err := tx.ExecContext(ctx, "DELETE FROM hip_link_tokens WHERE facility_id = $1 AND abha_address = $2", d.FacilityID, d.ABHAAddress); err != nil {
			return err
		}
	}
	if t := fx.LinkToken; t != nil {
		if _, err := tx.ExecContext(ctx, "INSERT INTO hip_link_tokens (facility_id, abha_address, sealed, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)"+
			" ON CONFLICT (facility_id, abha_address) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at, created_at = excluded.created_at",
			t.FacilityID, t.ABHAAddress, t.Sealed, millis(t.ExpiresAt), millis(t.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}
