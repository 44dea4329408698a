package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
)

var errPINNotFound = arogya.Errorf(arogya.ENOTFOUND, "No consent PIN is set.")

// ConsentPIN returns the person's consent PIN record; ENOTFOUND if they
// have not set one.
func (db *DB) ConsentPIN(ctx context.Context, patient string) (*consent.PIN, error) {
	var (
		p               consent.PIN
		locked, updated int64
	)
	err := db.queryRow(ctx, "SELECT patient, hash, failures, locked_until, updated_at FROM consent_pins WHERE patient = $1", patient).
		Scan(&p.Patient, &p.Hash, &p.Failures, &locked, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errPINNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: consent pin: %w", err)
	}
	p.LockedUntil, p.UpdatedAt = fromMillis(locked), fromMillis(updated)
	return &p, nil
}

// PutConsentPIN inserts or replaces the person's consent PIN record.
func (db *DB) PutConsentPIN(ctx context.Context, p *consent.PIN) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO consent_pins (patient, hash, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4, $5)"+
		" ON CONFLICT (patient) DO UPDATE SET hash = excluded.hash, failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at",
		p.Patient, p.Hash, p.Failures, millis(utcMillis(p.LockedUntil)), millis(utcMillis(p.UpdatedAt)))
	if err != nil {
		return fmt.Errorf("sqldb: put consent pin: %w", err)
	}
	return nil
}
