package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
)

var _ gateway.PersonStore = (*DB)(nil)

// ConsentRequestsByPatient lists the person's consent requests, with the
// status when st is not empty, newest first, skipping offset, at most
// limit.
func (db *DB) ConsentRequestsByPatient(ctx context.Context, patient, st string, limit, offset int) (_ []*consent.Request, err error) {
	q := consentSelect + " WHERE patient = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
	stmt, err := db.prepared(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqldb: consent requests of a patient: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, patient, st, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("sqldb: consent requests of a patient: %w", err)
	}
	defer rows.Close()
	var out []*consent.Request
	for rows.Next() {
		r, err := scanConsentRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: consent requests of a patient: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: consent requests of a patient: %w", err)
	}
	return out, nil
}

// DecideConsentRequest moves consent request id from status from to status
// to at the time, and enqueues out, in one transaction: the person's
// decision and the notices it owes are committed together. ENOTFOUND if
// the request does not exist, ECONFLICT if its status is no longer from.
func (db *DB) DecideConsentRequest(ctx context.Context, id, from, to string, at time.Time, out []*gateway.Outbound) error {
	return db.withOutbound(ctx, "decide consent request", out, func(tx *sql.Tx) error {
		return casConsentStatus(ctx, tx, id, from, to, at)
	})
}
