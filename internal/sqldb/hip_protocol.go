package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

// hipJobs is the HIP's job table. Its purge forgets only DONE jobs, by
// when they were done: a DEAD job stays, since the status of a
// HIP-initiated link reads its dead job (hip/hiplink.go).
var hipJobs = newJobTable[hip.Job]("hip_jobs", "hip", errHIPJobNotFound, "status = 'DONE' AND done_at < $1")

// hipBridge is the HIP's bridge credentials.
var hipBridge = newBridgeRow[hip.BridgeCreds]("hip_bridge", "hip", errHIPBridgeNotFound)

// HIPBridge returns the node's HIP bridge; ENOTFOUND if none.
func (db *DB) HIPBridge(ctx context.Context) (*hip.BridgeCreds, error) {
	return hipBridge.get(ctx, db)
}

// PutHIPBridge stores b as the node's only bridge.
func (db *DB) PutHIPBridge(ctx context.Context, b *hip.BridgeCreds) error {
	return hipBridge.put(ctx, db, b)
}

// addHIPJobs stores, in q's transaction, the jobs whose IDs are new; kept
// for hip.go, whose records start jobs.
func addHIPJobs(ctx context.Context, q querier, jobs []*hip.Job) (int, error) {
	return hipJobs.insert(ctx, q, jobs)
}

// AddHIPJobs stores the jobs whose IDs are new.
func (db *DB) AddHIPJobs(ctx context.Context, jobs ...*hip.Job) (int, error) {
	return hipJobs.add(ctx, db, jobs)
}

// ClaimHIPJobs leases due pending jobs: transfer jobs only, or only the
// others, since transfers have a worker of their own.
func (db *DB) ClaimHIPJobs(ctx context.Context, now, leaseUntil time.Time, limit int, transfers bool) ([]*hip.Job, error) {
	kind := " AND kind <> $4"
	if transfers {
		kind = " AND kind = $4"
	}
	return hipJobs.claim(ctx, db, now, leaseUntil, limit, kind, hip.JobTransfer)
}

// HIPJob returns a job; ENOTFOUND if absent.
func (db *DB) HIPJob(ctx context.Context, id string) (*hip.Job, error) {
	return hipJobs.get(ctx, db, id)
}

// RetryHIPJob records a failed attempt of a job.
func (db *DB) RetryHIPJob(ctx context.Context, id string, attempts int, next time.Time, lastError string, dead bool) error {
	return hipJobs.retry(ctx, db, id, attempts, next, lastError, dead)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FinishHIPJob writes a job's effects and marks it done, in one transaction.
func (db *DB) FinishHIPJob(ctx context.Context, id string, at time.Time, fx *hip.Effects) error {
	return hipJobs.finish(ctx, db, id, at, func(tx *sql.Tx) error { return applyHIP(ctx, tx, fx) })
}

// applyHIP writes fx, if any, in tx; ECONFLICT (errHIPLinkReqStale) if
// its link request changed meanwhile.
func applyHIP(ctx context.Context, tx *sql.Tx, fx *hip.Effects) error {
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
	_, err := addHIPJobs(ctx, tx, fx.Jobs)
	return err
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
		var err error
		if total, err = hipJobs.purge(ctx, tx, doneBefore); err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
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
