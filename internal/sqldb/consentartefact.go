package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
)

const artefactColumns = "id, request_id, status, patient, hip_id, hiu_id, bridge_id, erase_at, detail, signature, created_at, updated_at"

var errArtefactNotFound = arogya.Errorf(arogya.ENOTFOUND, "Consent artefact not found.")

// GrantConsentRequest moves consent request id from status from to
// GRANTED, stores its artefacts and enqueues the notices, in one
// transaction. ENOTFOUND if the request does not exist, ECONFLICT if its
// status is no longer from.
func (db *DB) GrantConsentRequest(ctx context.Context, id, from string, at time.Time, arts []*consent.Artefact, out []*gateway.Outbound) error {
	at = utcMillis(at)
	err := db.withOutbound(ctx, "grant consent request", out, func(tx *sql.Tx) error {
		if err := casConsentStatus(ctx, tx, id, from, consent.StatusGranted, at); err != nil {
			return err
		}
		for _, a := range arts {
			if _, err := tx.ExecContext(ctx, "INSERT INTO consent_artefacts ("+artefactColumns+
				") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
				a.ID, a.RequestID, a.Status, a.Patient, a.HIPID, a.HIUID, a.BridgeID, millis(utcMillis(a.EraseAt)),
				string(a.Detail), a.Signature, millis(at), millis(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range arts {
		a.CreatedAt, a.UpdatedAt, a.EraseAt = at, at, utcMillis(a.EraseAt)
	}
	return nil
}

// casConsentStatus changes a consent request's status if it is from.
func casConsentStatus(ctx context.Context, tx *sql.Tx, id, from, to string, at time.Time) error {
	return casStatus(ctx, tx, "consent_requests", "id", id, from, to, at, errConsentNotFound, "The consent request")
}

// casStatus sets the status of the row of table whose key column is id to
// to, if it is from. If not, the error is notFound when there is no such
// row, else ECONFLICT naming what (e.g. "The consent request") and its
// current status.
func casStatus(ctx context.Context, tx *sql.Tx, table, key, id, from, to string, at time.Time, notFound error, what string) error {
	res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET status = $1, updated_at = $2 WHERE "+key+" = $3 AND status = $4",
		to, millis(utcMillis(at)), id, from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		return nil
	}
	var cur string
	err = tx.QueryRowContext(ctx, "SELECT status FROM "+table+" WHERE "+key+" = $1", id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound
	} else if err != nil {
		return err
	}
	return arogya.Errorf(arogya.ECONFLICT, "%s is already %s.", what, cur)
}

// withOutbound runs fn and inserts out in one transaction, and writes the
// outbound messages' IDs and times back once committed: a state change
// and the notices it owes are committed together. Errors with an arogya
// code pass through; others are wrapped with op.
func (db *DB) withOutbound(ctx context.Context, op string, out []*gateway.Outbound, fn func(tx *sql.Tx) error) error {
	rows, err := newOutRows(out, nowMillis())
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	ins, err := db.writeStmt(ctx, db.outboxInsertSQL())
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return db.insertOutbound(ctx, tx, ins, rows)
	})
	if err != nil {
		if arogya.ErrorCode(err) != arogya.EINTERNAL {
			return err
		}
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	commitOutRows(rows)
	return nil
}

// Artefact returns consent artefact id; ENOTFOUND if there is none.
func (db *DB) Artefact(ctx context.Context, id string) (*consent.Artefact, error) {
	a, err := scanArtefact(db.queryRow(ctx, "SELECT "+artefactColumns+" FROM consent_artefacts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errArtefactNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: consent artefact: %w", err)
	}
	return a, nil
}

// ArtefactsByRequest returns the artefacts of a consent request, by ID.
func (db *DB) ArtefactsByRequest(ctx context.Context, requestID string) ([]*consent.Artefact, error) {
	return db.queryArtefacts(ctx, "SELECT "+artefactColumns+" FROM consent_artefacts WHERE request_id = $1 ORDER BY id", requestID)
}

// ArtefactsByPatient returns the person's artefacts, newest first, with
// the status if it is not empty.
func (db *DB) ArtefactsByPatient(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Artefact, error) {
	if status == "" {
		return db.queryArtefacts(ctx, "SELECT "+artefactColumns+" FROM consent_artefacts WHERE patient = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
			patient, limit, offset)
	}
	return db.queryArtefacts(ctx, "SELECT "+artefactColumns+" FROM consent_artefacts WHERE patient = $1 AND status = $2 ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
		patient, status, limit, offset)
}

func (db *DB) queryArtefacts(ctx context.Context, q string, args ...any) ([]*consent.Artefact, error) {
	st, err := db.prepared(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqldb: consent artefacts: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: consent artefacts: %w", err)
	}
	defer rows.Close()
	var out []*consent.Artefact
	for rows.Next() {
		a, err := scanArtefact(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: consent artefacts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanArtefact(s rowScanner) (*consent.Artefact, error) {
	var (
		a                       consent.Artefact
		erase, created, updated int64
		detail                  string
	)
	if err := s.Scan(&a.ID, &a.RequestID, &a.Status, &a.Patient, &a.HIPID, &a.HIUID, &a.BridgeID, &erase,
		&detail, &a.Signature, &created, &updated); err != nil {
		return nil, err
	}
	a.Detail = []byte(detail)
	a.EraseAt, a.CreatedAt, a.UpdatedAt = fromMillis(erase), fromMillis(created), fromMillis(updated)
	return &a, nil
}

// ChangeArtefacts moves the artefacts ids from status from to status to at
// the time and enqueues out, in one transaction: revocation by the person,
// expiry by the scheduler. ENOTFOUND if one does not exist, ECONFLICT if
// one's status is no longer from; then nothing changes.
func (db *DB) ChangeArtefacts(ctx context.Context, ids []string, from, to string, at time.Time, out []*gateway.Outbound) error {
	return db.withOutbound(ctx, "change consent artefacts", out, func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := casStatus(ctx, tx, "consent_artefacts", "id", id, from, to, at, errArtefactNotFound, "A consent artefact"); err != nil {
				return err
			}
		}
		return nil
	})
}

// ArtefactsDue returns up to limit GRANTED artefacts whose erase time has
// come, oldest first: what the expiry scheduler ends.
func (db *DB) ArtefactsDue(ctx context.Context, now time.Time, limit int) ([]*consent.Artefact, error) {
	st, err := db.prepared(ctx, "SELECT "+artefactColumns+" FROM consent_artefacts WHERE status = $1 AND erase_at <= $2 ORDER BY erase_at, id LIMIT $3")
	if err != nil {
		return nil, fmt.Errorf("sqldb: due consent artefacts: %w", err)
	}
	rows, err := st.QueryContext(ctx, consent.StatusGranted, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: due consent artefacts: %w", err)
	}
	defer rows.Close()
	var out []*consent.Artefact
	for rows.Next() {
		a, err := scanArtefact(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: due consent artefacts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
