package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
)

const flowColumns = "transaction_id, artefact_id, hip_id, hiu_id, bridge_id, date_from, date_to, status, requested_at, updated_at"

var errFlowNotFound = arogya.Errorf(arogya.ENOTFOUND, "Health-information request not found.")

// applyFlows inserts new flows and applies status updates in tx. An update
// whose flow is not in one of its From statuses changes nothing (a late or
// repeated notice).
func applyFlows(ctx context.Context, tx *sql.Tx, flows []*consent.Flow, ups []consent.FlowUpdate) error {
	for _, f := range flows {
		if _, err := tx.ExecContext(ctx, "INSERT INTO consent_flows ("+flowColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			f.TransactionID, f.ArtefactID, f.HIPID, f.HIUID, f.BridgeID, millis(utcMillis(f.From)), millis(utcMillis(f.To)),
			f.Status, millis(utcMillis(f.RequestedAt)), millis(utcMillis(f.RequestedAt))); err != nil {
			return fmt.Errorf("insert flow: %w", err)
		}
	}
	for _, u := range ups {
		if len(u.From) == 0 {
			continue
		}
		args := []any{u.To, millis(utcMillis(u.At)), u.TransactionID}
		ph := make([]string, len(u.From))
		for i, s := range u.From {
			args = append(args, s)
			ph[i] = fmt.Sprintf("$%d", 4+i)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE consent_flows SET status = $1, updated_at = $2 WHERE transaction_id = $3 AND status IN ("+
			strings.Join(ph, ", ")+")", args...); err != nil {
			return fmt.Errorf("update flow: %w", err)
		}
	}
	return nil
}

// Flow returns the health-information request; ENOTFOUND when absent.
func (db *DB) Flow(ctx context.Context, transactionID string) (*consent.Flow, error) {
	var (
		f                            consent.Flow
		from, to, requested, updated int64
	)
	err := db.queryRow(ctx, "SELECT "+flowColumns+" FROM consent_flows WHERE transaction_id = $1", transactionID).Scan(
		&f.TransactionID, &f.ArtefactID, &f.HIPID, &f.HIUID, &f.BridgeID, &from, &to, &f.Status, &requested, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errFlowNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: flow: %w", err)
	}
	f.From, f.To, f.RequestedAt, f.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(requested), fromMillis(updated)
	return &f, nil
}

// FlowsSince counts the artefact's health-information requests made at or
// after since: the frequency check.
func (db *DB) FlowsSince(ctx context.Context, artefactID string, since time.Time) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM consent_flows WHERE artefact_id = $1 AND requested_at >= $2",
		artefactID, millis(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqldb: count flows: %w", err)
	}
	return n, nil
}

// FlowsByPatient lists the health-information requests made under the
// person's consent artefacts, newest first: their access log.
func (db *DB) FlowsByPatient(ctx context.Context, patient string, limit, offset int) ([]*consent.Flow, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT f."+strings.ReplaceAll(flowColumns, ", ", ", f.")+
		" FROM consent_flows f JOIN consent_artefacts a ON a.id = f.artefact_id WHERE a.patient = $1"+
		" ORDER BY f.requested_at DESC, f.transaction_id LIMIT $2 OFFSET $3", patient, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("sqldb: flows of a person: %w", err)
	}
	defer rows.Close()
	var out []*consent.Flow
	for rows.Next() {
		var (
			f                            consent.Flow
			from, to, requested, updated int64
		)
		if err := rows.Scan(&f.TransactionID, &f.ArtefactID, &f.HIPID, &f.HIUID, &f.BridgeID, &from, &to, &f.Status, &requested, &updated); err != nil {
			return nil, fmt.Errorf("sqldb: flows of a person: %w", err)
		}
		f.From, f.To, f.RequestedAt, f.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(requested), fromMillis(updated)
		out = append(out, &f)
	}
	return out, rows.Err()
}
