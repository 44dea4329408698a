package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
)

// The consent manager's link transactions and link index (gateway.LinkStore).

const linkTxnColumns = "request_id, kind, patient, hip_id, bridge_id, transaction_id, link_ref, status, asked, result, created_at, updated_at"

var (
	errLinkTxnNotFound = arogya.Errorf(arogya.ENOTFOUND, "Link transaction not found.")
	errLinkTxnUsed     = arogya.ABDMError(arogya.EGONE, "ABDM-1011", "That request has been answered or used already.")
)

// StartLinkTxn inserts t and the message that starts it in one transaction.
func (db *DB) StartLinkTxn(ctx context.Context, t *gateway.LinkTxn, out *gateway.Outbound) error {
	created := orNow(t.CreatedAt)
	return db.withOutbound(ctx, "start link", []*gateway.Outbound{out}, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO link_txns ("+linkTxnColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
			t.RequestID, t.Kind, t.Patient, t.HIPID, t.BridgeID, t.TransactionID, t.LinkRef, t.Status,
			orEmpty(t.Asked), orEmpty(t.Result), millis(created))
		return err
	})
}

func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func scanLinkTxn(row rowScanner) (*gateway.LinkTxn, error) {
	var (
		t                gateway.LinkTxn
		created, updated int64
	)
	err := row.Scan(&t.RequestID, &t.Kind, &t.Patient, &t.HIPID, &t.BridgeID, &t.TransactionID, &t.LinkRef, &t.Status,
		&t.Asked, &t.Result, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLinkTxnNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: link txn: %w", err)
	}
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	if len(t.Asked) == 0 {
		t.Asked = nil // the drivers disagree on an empty blob
	}
	if len(t.Result) == 0 {
		t.Result = nil
	}
	return &t, nil
}

// LinkTxn returns the transaction whose message had the request ID.
func (db *DB) LinkTxn(ctx context.Context, requestID string) (*gateway.LinkTxn, error) {
	return scanLinkTxn(db.queryRow(ctx, "SELECT "+linkTxnColumns+" FROM link_txns WHERE request_id = $1", requestID))
}

// LatestLinkTxn returns the person's newest transaction of the kind with
// the transaction ID, or with the link reference when linkRef is set.
func (db *DB) LatestLinkTxn(ctx context.Context, patient, kind, transactionID, linkRef string) (*gateway.LinkTxn, error) {
	if linkRef != "" {
		return scanLinkTxn(db.queryRow(ctx, "SELECT "+linkTxnColumns+" FROM link_txns WHERE patient = $1 AND kind = $2 AND link_ref = $3 ORDER BY created_at DESC LIMIT 1",
			patient, kind, linkRef))
	}
	return scanLinkTxn(db.queryRow(ctx, "SELECT "+linkTxnColumns+" FROM link_txns WHERE patient = $1 AND kind = $2 AND transaction_id = $3 ORDER BY created_at DESC LIMIT 1",
		patient, kind, transactionID))
}

// applyLinking records link transactions a message starts (users/auth),
// HIPs' answers and new links in tx. An answer to a transaction no longer
// in the status it expects fails the message (EGONE), so two answers
// racing in cannot both take effect; a care context linked again keeps its
// entry, with the HIP's latest display names.
func applyLinking(ctx context.Context, tx *sql.Tx, eff *gateway.Effects) error {
	for _, t := range eff.NewLinkTxns {
		if _, err := tx.ExecContext(ctx, "INSERT INTO link_txns ("+linkTxnColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
			t.RequestID, t.Kind, t.Patient, t.HIPID, t.BridgeID, t.TransactionID, t.LinkRef, t.Status,
			orEmpty(t.Asked), orEmpty(t.Result), millis(orNow(t.CreatedAt))); err != nil {
			return fmt.Errorf("link txn: %w", err)
		}
	}
	for _, r := range eff.LinkResults {
		from := r.From
		if from == "" {
			from = gateway.LinkPending
		}
		res, err := tx.ExecContext(ctx, "UPDATE link_txns SET status = $1, link_ref = CASE WHEN $2 = '' THEN link_ref ELSE $2 END, result = $3, updated_at = $4 WHERE request_id = $5 AND status = $6",
			r.Status, r.LinkRef, orEmpty(r.Result), millis(orNow(r.At)), r.RequestID, from)
		if err != nil {
			return fmt.Errorf("link result: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("link result: %w", err)
		} else if n == 0 {
			return errLinkTxnUsed
		}
	}
	for _, l := range eff.Links {
		if _, err := tx.ExecContext(ctx, "INSERT INTO link_index (patient, hip_id, patient_ref, patient_display, care_context_ref, care_context_display, linked_at)"+
			" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (patient, hip_id, care_context_ref) DO UPDATE SET patient_ref = excluded.patient_ref,"+
			" patient_display = excluded.patient_display, care_context_display = excluded.care_context_display",
			l.Patient, l.HIPID, l.PatientRef, l.PatientDisplay, l.CareContextRef, l.CareContextDisplay, millis(orNow(l.LinkedAt))); err != nil {
			return fmt.Errorf("link index: %w", err)
		}
	}
	for _, n := range eff.DataNotes {
		if _, err := tx.ExecContext(ctx, "UPDATE link_index SET hi_types = $1, data_at = $2, noted_at = $3 WHERE patient = $4 AND hip_id = $5 AND care_context_ref = $6",
			strings.Join(n.HITypes, ","), millis(utcMillis(n.DataAt)), millis(orNow(n.NotedAt)), n.Patient, n.HIPID, n.CareContextRef); err != nil {
			return fmt.Errorf("link index data: %w", err)
		}
	}
	return nil
}

// maxLinks bounds one person's listing; the HIP's limit is 500 care
// contexts per link.
const maxLinks = 5000

// Links lists the person's link index entries.
func (db *DB) Links(ctx context.Context, patient string) ([]*gateway.Link, error) {
	st, err := db.prepared(ctx, "SELECT patient, hip_id, patient_ref, patient_display, care_context_ref, care_context_display, linked_at, hi_types, data_at, noted_at FROM link_index"+
		" WHERE patient = $1 ORDER BY hip_id, patient_ref, care_context_ref LIMIT $2")
	if err != nil {
		return nil, fmt.Errorf("sqldb: links: %w", err)
	}
	rows, err := st.QueryContext(ctx, patient, maxLinks)
	if err != nil {
		return nil, fmt.Errorf("sqldb: links: %w", err)
	}
	defer rows.Close()
	var out []*gateway.Link
	for rows.Next() {
		var (
			l                   gateway.Link
			at, dataAt, notedAt int64
			types               string
		)
		if err := rows.Scan(&l.Patient, &l.HIPID, &l.PatientRef, &l.PatientDisplay, &l.CareContextRef, &l.CareContextDisplay, &at, &types, &dataAt, &notedAt); err != nil {
			return nil, fmt.Errorf("sqldb: links: %w", err)
		}
		l.LinkedAt = fromMillis(at)
		if types != "" {
			l.HITypes = strings.Split(types, ",")
		}
		l.DataAt, l.NotedAt = fromMillis(dataAt), fromMillis(notedAt)
		out = append(out, &l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: links: %w", err)
	}
	return out, nil
}

// SweepLinkTxns deletes link transactions created before cutoff: they are
// needed only while the person links.
func (db *DB) SweepLinkTxns(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM link_txns WHERE created_at < $1", millis(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: sweep link txns: %w", err)
	}
	return n, nil
}
