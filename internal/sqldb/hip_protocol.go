package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

// The HIP side of the protocol (migration 0018): the node's bridge, jobs,
// discoveries, link requests, links and consent copies.

var (
	errHIPBridgeNotFound    = arogya.Errorf(arogya.ENOTFOUND, "This node has no HIP bridge yet.")
	errHIPJobNotFound       = arogya.Errorf(arogya.ENOTFOUND, "No such HIP job.")
	errHIPDiscoveryNotFound = arogya.Errorf(arogya.ENOTFOUND, "No discovery with that transaction ID.")
	errHIPLinkReqNotFound   = arogya.Errorf(arogya.ENOTFOUND, "No link in progress with that reference.")
	errHIPLinkReqStale      = arogya.Errorf(arogya.ECONFLICT, "The link request changed meanwhile.")
	errHIPConsentNotFound   = arogya.Errorf(arogya.ENOTFOUND, "No consent artefact with that ID.")
	errHIPLinkStepNotFound  = arogya.Errorf(arogya.ENOTFOUND, "No linking message with that request ID.")
)

// HIPBridge returns the node's HIP bridge; ENOTFOUND if none.
func (db *DB) HIPBridge(ctx context.Context) (*hip.BridgeCreds, error) {
	var b hip.BridgeCreds
	var at int64
	err := db.queryRow(ctx, "SELECT id, client_id, secret, gateway_url, created_at FROM hip_bridge ORDER BY created_at DESC LIMIT 1").
		Scan(&b.ID, &b.ClientID, &b.Secret, &b.GatewayURL, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPBridgeNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip bridge: %w", err)
	}
	b.CreatedAt = fromMillis(at)
	return &b, nil
}

// PutHIPBridge stores b as the node's only bridge.
func (db *DB) PutHIPBridge(ctx context.Context, b *hip.BridgeCreds) error {
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM hip_bridge"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO hip_bridge (id, client_id, secret, gateway_url, created_at) VALUES ($1, $2, $3, $4, $5)",
			b.ID, b.ClientID, b.Secret, b.GatewayURL, millis(b.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: put hip bridge: %w", err)
	}
	return nil
}

const hipJobColumns = "id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at"

func addHIPJobs(ctx context.Context, q querier, jobs []*hip.Job) (int, error) {
	added := 0
	for _, j := range jobs {
		res, err := q.ExecContext(ctx, "INSERT INTO hip_jobs ("+hipJobColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"+
			" ON CONFLICT (id) DO NOTHING", j.ID, j.Kind, j.FacilityID, j.Path, j.Body, hip.JobPending, j.Attempts, millis(j.NextAt), j.LastError, millis(j.CreatedAt))
		if err != nil {
			return added, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return added, err
		} else if n == 1 {
			added++
		}
	}
	return added, nil
}

// AddHIPJobs stores the jobs whose IDs are new.
func (db *DB) AddHIPJobs(ctx context.Context, jobs ...*hip.Job) (int, error) {
	var added int
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = addHIPJobs(ctx, tx, jobs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: add hip jobs: %w", err)
	}
	return added, nil
}

func scanHIPJob(row rowScanner) (*hip.Job, error) {
	var j hip.Job
	var next, created int64
	if err := row.Scan(&j.ID, &j.Kind, &j.FacilityID, &j.Path, &j.Body, &j.Status, &j.Attempts, &next, &j.LastError, &created); err != nil {
		return nil, err
	}
	j.NextAt, j.CreatedAt = fromMillis(next), fromMillis(created)
	return &j, nil
}

// ClaimHIPJobs leases due pending jobs. The lease condition is repeated in
// the UPDATE's own WHERE so that, on PostgreSQL, a node that loses the
// race for a row re-checks it and skips it.
func (db *DB) ClaimHIPJobs(ctx context.Context, now, leaseUntil time.Time, limit int, transfers bool) ([]*hip.Job, error) {
	kind := "kind <> $4"
	if transfers {
		kind = "kind = $4"
	}
	var out []*hip.Job
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, "UPDATE hip_jobs SET lease_until = $1 WHERE id IN ("+
			"SELECT id FROM hip_jobs WHERE status = 'PENDING' AND next_at <= $2 AND lease_until <= $2 AND "+kind+" ORDER BY next_at LIMIT $3)"+
			" AND status = 'PENDING' AND lease_until <= $2 RETURNING "+hipJobColumns, millis(leaseUntil), millis(now), limit, hip.JobTransfer)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanHIPJob(rows)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim hip jobs: %w", err)
	}
	// RETURNING keeps no order.
	slices.SortFunc(out, func(a, b *hip.Job) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// HIPJob returns a job; ENOTFOUND if absent.
func (db *DB) HIPJob(ctx context.Context, id string) (*hip.Job, error) {
	j, err := scanHIPJob(db.queryRow(ctx, "SELECT "+hipJobColumns+" FROM hip_jobs WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPJobNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip job: %w", err)
	}
	return j, nil
}

// RetryHIPJob records a failed attempt of a job.
func (db *DB) RetryHIPJob(ctx context.Context, id string, attempts int, next time.Time, lastError string, dead bool) error {
	status := hip.JobPending
	if dead {
		status = hip.JobDead
	}
	if len(lastError) > 500 {
		lastError = lastError[:500]
	}
	_, err := db.write.ExecContext(ctx, "UPDATE hip_jobs SET status = $1, attempts = $2, next_at = $3, lease_until = 0, last_error = $4 WHERE id = $5",
		status, attempts, millis(next), lastError, id)
	if err != nil {
		return fmt.Errorf("sqldb: retry hip job: %w", err)
	}
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FinishHIPJob writes a job's effects and marks it done, in one transaction.
func (db *DB) FinishHIPJob(ctx context.Context, id string, at time.Time, fx *hip.Effects) error {
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		if fx == nil {
			fx = &hip.Effects{}
		}
		if d := fx.Discovery; d != nil {
			if _, err := tx.ExecContext(ctx, "INSERT INTO hip_discoveries (transaction_id, facility_id, abha_address, patient_ref, contexts, mobile, created_at)"+
				" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (transaction_id) DO UPDATE SET facility_id = excluded.facility_id,"+
				" abha_address = excluded.abha_address, patient_ref = excluded.patient_ref, contexts = excluded.contexts, mobile = excluded.mobile",
				d.TransactionID, d.FacilityID, d.ABHAAddress, d.PatientRef, jsonText(d.ContextRefs), d.Mobile, millis(d.CreatedAt)); err != nil {
				return err
			}
		}
		if l := fx.LinkRequest; l != nil {
			var res sql.Result
			var err error
			if l.Version <= 1 {
				res, err = tx.ExecContext(ctx, "INSERT INTO hip_link_requests (ref, facility_id, transaction_id, abha_address, patient_ref, contexts,"+
					" otp_hash, expires_at, tries, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) ON CONFLICT (ref) DO NOTHING",
					l.Ref, l.FacilityID, l.TransactionID, l.ABHAAddress, l.PatientRef, jsonText(l.ContextRefs), l.OTPHash, millis(l.ExpiresAt), l.Tries, millis(l.CreatedAt))
			} else {
				res, err = tx.ExecContext(ctx, "UPDATE hip_link_requests SET tries = $1, version = $2 WHERE ref = $3 AND version = $4",
					l.Tries, l.Version, l.Ref, l.Version-1)
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return errHIPLinkReqStale
			}
		}
		if fx.DropLink != "" {
			if _, err := tx.ExecContext(ctx, "DELETE FROM hip_link_requests WHERE ref = $1", fx.DropLink); err != nil {
				return err
			}
		}
		for _, l := range fx.Links {
			by := 0
			if l.ByHIP {
				by = 1
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO hip_links (facility_id, context_ref, abha_address, patient_ref, by_hip, linked_at)"+
				" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (facility_id, context_ref, abha_address) DO NOTHING",
				l.FacilityID, l.ContextRef, l.ABHAAddress, l.PatientRef, by, millis(l.LinkedAt)); err != nil {
				return err
			}
		}
		if c := fx.Consent; c != nil {
			if _, err := tx.ExecContext(ctx, "INSERT INTO hip_consents (id, facility_id, status, abha_address, hiu_id, contexts, hi_types,"+
				" date_from, date_to, erase_at, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"+
				" ON CONFLICT (id) DO UPDATE SET facility_id = excluded.facility_id, status = excluded.status, abha_address = excluded.abha_address,"+
				" hiu_id = excluded.hiu_id, contexts = excluded.contexts, hi_types = excluded.hi_types, date_from = excluded.date_from,"+
				" date_to = excluded.date_to, erase_at = excluded.erase_at, expires_at = excluded.expires_at, updated_at = excluded.updated_at",
				c.ID, c.FacilityID, c.Status, c.ABHAAddress, c.HIUID, jsonText(c.Contexts), jsonText(c.HITypes),
				millis(c.From), millis(c.To), millis(c.EraseAt), millis(c.ExpiresAt), millis(c.UpdatedAt)); err != nil {
				return err
			}
		}
		for _, l := range fx.LinkSteps {
			if _, err := tx.ExecContext(ctx, "INSERT INTO hip_link_auths (request_id, step, facility_id, context_ref, abha_address, status, created_at)"+
				" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id) DO UPDATE SET status = excluded.status",
				l.RequestID, l.Step, l.FacilityID, l.ContextRef, l.ABHAAddress, l.Status, millis(l.CreatedAt)); err != nil {
				return err
			}
		}
		if err := writeHIPLinkTokens(ctx, tx, fx); err != nil {
			return err
		}
		if _, err := addHIPJobs(ctx, tx, fx.Jobs); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE hip_jobs SET status = $1, lease_until = 0, done_at = $2 WHERE id = $3", hip.JobDone, millis(at), id)
		return err
	})
	if e := (*arogya.Error)(nil); errors.As(err, &e) {
		return err
	} else if err != nil {
		return fmt.Errorf("sqldb: finish hip job: %w", err)
	}
	return nil
}

// HIPDiscovery returns a discovery by transaction ID; ENOTFOUND if absent.
func (db *DB) HIPDiscovery(ctx context.Context, transactionID string) (*hip.Discovery, error) {
	var d hip.Discovery
	var contexts string
	var at int64
	err := db.queryRow(ctx, "SELECT transaction_id, facility_id, abha_address, patient_ref, contexts, mobile, created_at FROM hip_discoveries WHERE transaction_id = $1",
		transactionID).Scan(&d.TransactionID, &d.FacilityID, &d.ABHAAddress, &d.PatientRef, &contexts, &d.Mobile, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPDiscoveryNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip discovery: %w", err)
	}
	if err := json.Unmarshal([]byte(contexts), &d.ContextRefs); err != nil {
		return nil, fmt.Errorf("sqldb: hip discovery: contexts: %w", err)
	}
	d.CreatedAt = fromMillis(at)
	return &d, nil
}

// HIPLinkRequest returns a link request; ENOTFOUND if absent.
func (db *DB) HIPLinkRequest(ctx context.Context, ref string) (*hip.LinkRequest, error) {
	var l hip.LinkRequest
	var contexts string
	var exp, at int64
	err := db.queryRow(ctx, "SELECT ref, facility_id, transaction_id, abha_address, patient_ref, contexts, otp_hash, expires_at, tries, version, created_at"+
		" FROM hip_link_requests WHERE ref = $1", ref).Scan(&l.Ref, &l.FacilityID, &l.TransactionID, &l.ABHAAddress, &l.PatientRef, &contexts,
		&l.OTPHash, &exp, &l.Tries, &l.Version, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPLinkReqNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip link request: %w", err)
	}
	if err := json.Unmarshal([]byte(contexts), &l.ContextRefs); err != nil {
		return nil, fmt.Errorf("sqldb: hip link request: contexts: %w", err)
	}
	l.ExpiresAt, l.CreatedAt = fromMillis(exp), fromMillis(at)
	return &l, nil
}

// HIPLinks lists the links of a care context, by ABHA address.
func (db *DB) HIPLinks(ctx context.Context, facilityID, contextRef string) ([]*hip.Link, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT facility_id, context_ref, abha_address, patient_ref, by_hip, linked_at FROM hip_links"+
		" WHERE facility_id = $1 AND context_ref = $2 ORDER BY abha_address", facilityID, contextRef)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip links: %w", err)
	}
	defer rows.Close()
	var out []*hip.Link
	for rows.Next() {
		var l hip.Link
		var by, at int64
		if err := rows.Scan(&l.FacilityID, &l.ContextRef, &l.ABHAAddress, &l.PatientRef, &by, &at); err != nil {
			return nil, fmt.Errorf("sqldb: hip links: %w", err)
		}
		l.ByHIP, l.LinkedAt = by != 0, fromMillis(at)
		out = append(out, &l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip links: %w", err)
	}
	return out, nil
}

// HIPConsent returns the HIP's copy of an artefact; ENOTFOUND if absent.
func (db *DB) HIPConsent(ctx context.Context, id string) (*hip.Consent, error) {
	var c hip.Consent
	var contexts, types string
	var from, to, erase, exp, upd int64
	err := db.queryRow(ctx, "SELECT id, facility_id, status, abha_address, hiu_id, contexts, hi_types, date_from, date_to, erase_at, expires_at, updated_at"+
		" FROM hip_consents WHERE id = $1", id).Scan(&c.ID, &c.FacilityID, &c.Status, &c.ABHAAddress, &c.HIUID, &contexts, &types,
		&from, &to, &erase, &exp, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPConsentNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip consent: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(contexts), &c.Contexts), json.Unmarshal([]byte(types), &c.HITypes)); err != nil {
		return nil, fmt.Errorf("sqldb: hip consent: %w", err)
	}
	c.From, c.To, c.EraseAt, c.ExpiresAt, c.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(erase), fromMillis(exp), fromMillis(upd)
	return &c, nil
}

const hipLinkStepColumns = "request_id, step, facility_id, context_ref, abha_address, status, created_at"

func scanHIPLinkStep(row rowScanner) (*hip.LinkStep, error) {
	var l hip.LinkStep
	var at int64
	if err := row.Scan(&l.RequestID, &l.Step, &l.FacilityID, &l.ContextRef, &l.ABHAAddress, &l.Status, &at); err != nil {
		return nil, err
	}
	l.CreatedAt = fromMillis(at)
	return &l, nil
}

// HIPLinkStep returns a step of HIP-initiated linking; ENOTFOUND if absent.
func (db *DB) HIPLinkStep(ctx context.Context, requestID string) (*hip.LinkStep, error) {
	l, err := scanHIPLinkStep(db.queryRow(ctx, "SELECT "+hipLinkStepColumns+" FROM hip_link_auths WHERE request_id = $1", requestID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPLinkStepNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip link step: %w", err)
	}
	return l, nil
}

// HIPLinkSteps lists the linking steps of a care context, oldest first.
func (db *DB) HIPLinkSteps(ctx context.Context, facilityID, contextRef string) ([]*hip.LinkStep, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hipLinkStepColumns+" FROM hip_link_auths WHERE facility_id = $1 AND context_ref = $2"+
		" ORDER BY created_at, request_id", facilityID, contextRef)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip link steps: %w", err)
	}
	defer rows.Close()
	var out []*hip.LinkStep
	for rows.Next() {
		l, err := scanHIPLinkStep(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hip link steps: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip link steps: %w", err)
	}
	return out, nil
}

// PurgeHIP deletes finished jobs, old discoveries and expired link
// requests, and ends granted consent copies past their end.
func (db *DB) PurgeHIP(ctx context.Context, doneBefore, now time.Time) (int64, error) {
	var total int64
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM hip_jobs WHERE status = 'DONE' AND done_at < $1", []any{millis(doneBefore)}},
			{"DELETE FROM hip_discoveries WHERE created_at < $1", []any{millis(doneBefore)}},
			{"DELETE FROM hip_link_requests WHERE expires_at <= $1", []any{millis(now)}},
			{"DELETE FROM hip_link_tokens WHERE expires_at <= $1", []any{millis(now)}},
			{"UPDATE hip_consents SET status = 'EXPIRED', abha_address = '', hiu_id = '', contexts = '[]', hi_types = '[]', updated_at = $1" +
				" WHERE status = 'GRANTED' AND expires_at <= $1", []any{millis(now)}},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: purge hip: %w", err)
	}
	return total, nil
}
