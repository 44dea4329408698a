package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConsentLock reports whether the person has locked their ABHA against
// new consent requests, and since when.
func (db *DB) ConsentLock(ctx context.Context, patient string) (time.Time, bool, error) {
	var at int64
	err := db.queryRow(ctx, "SELECT locked_at FROM consent_locks WHERE patient = $1", patient).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	} else if err != nil {
		return time.Time{}, false, fmt.Errorf("sqldb: consent lock: %w", err)
	}
	return fromMillis(at), true, nil
}

// SetConsentLock locks (keeping the first lock's time) or unlocks the
// person's consents.
func (db *DB) SetConsentLock(ctx context.Context, patient string, locked bool, at time.Time) error {
	var err error
	if locked {
		_, err = db.write.ExecContext(ctx, "INSERT INTO consent_locks (patient, locked_at) VALUES ($1, $2) ON CONFLICT (patient) DO NOTHING",
			patient, millis(utcMillis(at)))
	} else {
		_, err = db.write.ExecContext(ctx, "DELETE FROM consent_locks WHERE patient = $1", patient)
	}
	if err != nil {
		return fmt.Errorf("sqldb: set consent lock: %w", err)
	}
	return nil
}
