package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
)

// Auto-approval policies (gateway.AutoPolicyStore).

const autoColumns = "id, patient, hiu_id, all_hips, included, excluded, enabled, created_at, updated_at"

var errAutoNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such auto-approval policy.")

// PutAutoPolicy stores the person's policy for the HIU, replacing the one
// they had for it (which keeps its ID: p.ID is set to it).
func (db *DB) PutAutoPolicy(ctx context.Context, p *consent.AutoPolicy) error {
	inc, err := json.Marshal(p.Included)
	if err != nil {
		return fmt.Errorf("sqldb: put auto policy: %w", err)
	}
	exc, err := json.Marshal(p.Excluded)
	if err != nil {
		return fmt.Errorf("sqldb: put auto policy: %w", err)
	}
	if p.Excluded == nil {
		exc = []byte("[]")
	}
	return db.Transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO consent_auto_policies ("+autoColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"+
			" ON CONFLICT (patient, hiu_id) DO UPDATE SET all_hips = excluded.all_hips, included = excluded.included, excluded = excluded.excluded,"+
			" enabled = excluded.enabled, updated_at = excluded.updated_at RETURNING id",
			p.ID, p.Patient, p.HIUID, boolInt(p.AllHIPs), string(inc), string(exc), boolInt(p.Enabled), millis(orNow(p.CreatedAt))).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("sqldb: put auto policy: %w", err)
		}
		return nil
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanAuto(row rowScanner) (*consent.AutoPolicy, error) {
	var (
		p                consent.AutoPolicy
		all, enabled     int
		inc, exc         string
		created, updated int64
	)
	err := row.Scan(&p.ID, &p.Patient, &p.HIUID, &all, &inc, &exc, &enabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAutoNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: auto policy: %w", err)
	}
	if err := json.Unmarshal([]byte(inc), &p.Included); err != nil {
		return nil, fmt.Errorf("sqldb: auto policy: %w", err)
	}
	if err := json.Unmarshal([]byte(exc), &p.Excluded); err != nil {
		return nil, fmt.Errorf("sqldb: auto policy: %w", err)
	}
	p.AllHIPs, p.Enabled = all != 0, enabled != 0
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &p, nil
}

// AutoPolicy returns one policy; ENOTFOUND when absent.
func (db *DB) AutoPolicy(ctx context.Context, id string) (*consent.AutoPolicy, error) {
	return scanAuto(db.queryRow(ctx, "SELECT "+autoColumns+" FROM consent_auto_policies WHERE id = $1", id))
}

// AutoPolicies lists the person's policies, by HIU.
func (db *DB) AutoPolicies(ctx context.Context, patient string) ([]*consent.AutoPolicy, error) {
	st, err := db.prepared(ctx, "SELECT "+autoColumns+" FROM consent_auto_policies WHERE patient = $1 ORDER BY hiu_id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: auto policies: %w", err)
	}
	rows, err := st.QueryContext(ctx, patient)
	if err != nil {
		return nil, fmt.Errorf("sqldb: auto policies: %w", err)
	}
	defer rows.Close()
	var out []*consent.AutoPolicy
	for rows.Next() {
		p, err := scanAuto(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: auto policies: %w", err)
	}
	return out, nil
}

// HIUHasAutoPolicies reports whether any person has an enabled policy for
// the HIU (index consent_auto_policies_enabled_hiu).
func (db *DB) HIUHasAutoPolicies(ctx context.Context, hiuID string) (bool, error) {
	st, err := db.prepared(ctx, "SELECT 1 FROM consent_auto_policies WHERE hiu_id = $1 AND enabled = 1 LIMIT 1")
	if err != nil {
		return false, fmt.Errorf("sqldb: auto policies: %w", err)
	}
	var one int
	switch err := st.QueryRowContext(ctx, hiuID).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sqldb: auto policies: %w", err)
	}
	return true, nil
}

// SetAutoPolicyEnabled enables or disables a policy if it is not already;
// ENOTFOUND when absent, ECONFLICT when it already is.
func (db *DB) SetAutoPolicyEnabled(ctx context.Context, id string, enabled bool, at time.Time) error {
	return db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE consent_auto_policies SET enabled = $1, updated_at = $2 WHERE id = $3 AND enabled <> $1",
			boolInt(enabled), millis(at), id)
		if err != nil {
			return fmt.Errorf("sqldb: set auto policy: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqldb: set auto policy: %w", err)
		} else if n == 1 {
			return nil
		}
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM consent_auto_policies WHERE id = $1", id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return errAutoNotFound
		} else if err != nil {
			return fmt.Errorf("sqldb: set auto policy: %w", err)
		}
		return arogya.Errorf(arogya.ECONFLICT, "The auto-approval policy is already so.")
	})
}
