package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

// The HIU role (migration 0025): facilities, bridge, jobs, consent
// requests, artefact copies, transfers, records received, finds.

var _ hiu.Store = (*DB)(nil)

var (
	errHIUFacilityExists   = arogya.Errorf(arogya.ECONFLICT, "This node already serves that facility as HIU.")
	errHIUFacilityNotFound = arogya.Errorf(arogya.ENOTFOUND, "This node does not serve that facility as HIU.")
	errHIUBridgeNotFound   = arogya.Errorf(arogya.ENOTFOUND, "This node has no HIU bridge yet.")
	errHIUJobNotFound      = arogya.Errorf(arogya.ENOTFOUND, "No such HIU job.")
	errHIURequestNotFound  = arogya.Errorf(arogya.ENOTFOUND, "No consent request with that ID.")
	errHIUArtefactNotFound = arogya.Errorf(arogya.ENOTFOUND, "No consent artefact with that ID.")
	errHIUTransferNotFound = arogya.Errorf(arogya.ENOTFOUND, "No health-information request with that ID.")
	errHIUFindNotFound     = arogya.Errorf(arogya.ENOTFOUND, "No patient search with that ID.")
	errHIURecordNotFound   = arogya.Errorf(arogya.ENOTFOUND, "No record with that ID.")
	errHIUTransferChanged  = arogya.Errorf(arogya.ECONFLICT, "The transfer changed while a page was added to it.")
)

// AddHIUFacility stores f; ECONFLICT if the node serves it already.
func (db *DB) AddHIUFacility(ctx context.Context, f *hiu.Facility) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hiu_facilities (id, name, data_key, added_at) VALUES ($1, $2, $3, $4)",
		f.ID, f.Name, f.DataKey, millis(f.AddedAt))
	if db.unique(err) {
		return errHIUFacilityExists
	} else if err != nil {
		return fmt.Errorf("sqldb: add hiu facility: %w", err)
	}
	return nil
}

// HIUFacility returns a facility served as HIU; ENOTFOUND if not.
func (db *DB) HIUFacility(ctx context.Context, id string) (*hiu.Facility, error) {
	var f hiu.Facility
	var at int64
	err := db.queryRow(ctx, "SELECT id, name, data_key, added_at FROM hiu_facilities WHERE id = $1", id).Scan(&f.ID, &f.Name, &f.DataKey, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUFacilityNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu facility: %w", err)
	}
	f.AddedAt = fromMillis(at)
	return &f, nil
}

// HIUFacilities lists the facilities served as HIU, by ID.
func (db *DB) HIUFacilities(ctx context.Context) ([]*hiu.Facility, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, data_key, added_at FROM hiu_facilities ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu facilities: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Facility
	for rows.Next() {
		var f hiu.Facility
		var at int64
		if err := rows.Scan(&f.ID, &f.Name, &f.DataKey, &at); err != nil {
			return nil, fmt.Errorf("sqldb: hiu facilities: %w", err)
		}
		f.AddedAt = fromMillis(at)
		out = append(out, &f)
	}
	return out, rows.Err()
}

// hiuJobs is the HIU's job table. Its purge forgets every job no longer
// pending, DONE or DEAD, by when it was made: unlike the HIP's, no HIU
// state reads a dead job.
var hiuJobs = newJobTable[hiu.Job]("hiu_jobs", "hiu", errHIUJobNotFound, "status <> 'PENDING' AND created_at < $1")

// hiuBridge is the HIU's bridge credentials.
var hiuBridge = newBridgeRow[hiu.BridgeCreds]("hiu_bridge", "hiu", errHIUBridgeNotFound)

// HIUBridge returns the node's HIU bridge; ENOTFOUND if none.
func (db *DB) HIUBridge(ctx context.Context) (*hiu.BridgeCreds, error) {
	return hiuBridge.get(ctx, db)
}

// PutHIUBridge stores b as the node's only HIU bridge.
func (db *DB) PutHIUBridge(ctx context.Context, b *hiu.BridgeCreds) error {
	return hiuBridge.put(ctx, db, b)
}

// AddHIUJobs stores the jobs whose IDs are new.
func (db *DB) AddHIUJobs(ctx context.Context, jobs ...*hiu.Job) (int, error) {
	return hiuJobs.add(ctx, db, jobs)
}

// ClaimHIUJobs leases due pending jobs, of every kind.
func (db *DB) ClaimHIUJobs(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*hiu.Job, error) {
	return hiuJobs.claim(ctx, db, now, leaseUntil, limit, "")
}

// HIUJob returns a job; ENOTFOUND if absent.
func (db *DB) HIUJob(ctx context.Context, id string) (*hiu.Job, error) {
	return hiuJobs.get(ctx, db, id)
}

// RetryHIUJob records a failed attempt of a job.
func (db *DB) RetryHIUJob(ctx context.Context, id string, attempts int, next time.Time, lastError string, dead bool) error {
	return hiuJobs.retry(ctx, db, id, attempts, next, lastError, dead)
}

// FinishHIUJob writes fx and marks the job done, in one transaction.
func (db *DB) FinishHIUJob(ctx context.Context, id string, at time.Time, fx *hiu.Effects) error {
	return hiuJobs.finish(ctx, db, id, at, func(tx *sql.Tx) error { return applyHIU(ctx, tx, fx) })
}

// replaceHIUTransfer writes t over the stored transfer only if that is
// still as was says: its transaction, status and pages (a page only ever
// adds to them); errHIUTransferChanged, and nothing written, if another
// writer (another node taking another page) came first.
func replaceHIUTransfer(ctx context.Context, tx *sql.Tx, t, was *hiu.Transfer) error {
	res, err := tx.ExecContext(ctx, "UPDATE hiu_transfers SET transaction_id = $1, private_key = $2, status = $3, error = $4, page_count = $5,"+
		" pages = $6, results = $7, records = $8, updated_at = $9"+
		" WHERE id = $10 AND transaction_id = $11 AND status = $12 AND pages = $13",
		t.TransactionID, nonNilBytes(t.PrivateKey), t.Status, t.Error, t.PageCount, jsonText(nonNilInts(t.Pages)), jsonText(nonNilResults(t.Results)), t.Records, millis(t.UpdatedAt),
		t.ID, was.TransactionID, was.Status, jsonText(nonNilInts(was.Pages)))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errHIUTransferChanged
	}
	return nil
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// nonNilBytes stores a key that is gone as empty, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func nonNilResults(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// ApplyHIU writes fx in one transaction.
func (db *DB) ApplyHIU(ctx context.Context, fx *hiu.Effects) error {
	err := db.Transact(ctx, func(tx *sql.Tx) error { return applyHIU(ctx, tx, fx) })
	if err != nil {
		return fmt.Errorf("sqldb: apply hiu: %w", err)
	}
	return nil
}

func applyHIU(ctx context.Context, tx *sql.Tx, fx *hiu.Effects) error {
	if fx == nil {
		return nil
	}
	if r := fx.ConsentRequest; r != nil {
		if _, err := tx.ExecContext(ctx, "INSERT INTO hiu_consent_requests (id, cm_id, facility_id, patient, hip_id, purpose, hi_types, date_from, date_to,"+
			" erase_at, requester, status, error, artefact_ids, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"+
			" ON CONFLICT (id) DO UPDATE SET cm_id = excluded.cm_id, status = excluded.status, error = excluded.error,"+
			" artefact_ids = excluded.artefact_ids, updated_at = excluded.updated_at",
			r.ID, r.CMID, r.FacilityID, r.Patient, r.HIPID, r.Purpose, jsonText(nonNilStrings(r.HITypes)), millis(r.From), millis(r.To), millis(r.EraseAt),
			r.Requester, r.Status, r.Error, jsonText(nonNilStrings(r.ArtefactIDs)), millis(r.CreatedAt), millis(r.UpdatedAt)); err != nil {
			return err
		}
	}
	for _, a := range fx.Artefacts {
		ctxs := a.Contexts
		if ctxs == nil {
			ctxs = []hiu.Context{}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO hiu_artefacts (id, consent_request_id, facility_id, status, patient, hip_id, hip_name, hi_types, contexts,"+
			" date_from, date_to, erase_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"+
			" ON CONFLICT (id) DO UPDATE SET status = excluded.status, patient = excluded.patient, hip_id = excluded.hip_id, hip_name = excluded.hip_name,"+
			" hi_types = excluded.hi_types, contexts = excluded.contexts, date_from = excluded.date_from, date_to = excluded.date_to,"+
			" erase_at = excluded.erase_at, updated_at = excluded.updated_at",
			a.ID, a.ConsentRequestID, a.FacilityID, a.Status, a.Patient, a.HIPID, a.HIPName, jsonText(nonNilStrings(a.HITypes)), jsonText(ctxs),
			millis(a.From), millis(a.To), millis(a.EraseAt), millis(a.UpdatedAt)); err != nil {
			return err
		}
	}
	if t := fx.Transfer; t != nil && fx.TransferWas != nil {
		if err := replaceHIUTransfer(ctx, tx, t, fx.TransferWas); err != nil {
			return err
		}
	} else if t != nil {
		if _, err := tx.ExecContext(ctx, "INSERT INTO hiu_transfers (id, transaction_id, consent_id, facility_id, hip_id, date_from, date_to, private_key,"+
			" nonce, key_expires_at, status, error, page_count, pages, results, records, created_at, updated_at)"+
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"+
			" ON CONFLICT (id) DO UPDATE SET transaction_id = excluded.transaction_id, private_key = excluded.private_key, status = excluded.status,"+
			" error = excluded.error, page_count = excluded.page_count, pages = excluded.pages, results = excluded.results, records = excluded.records,"+
			" updated_at = excluded.updated_at",
			t.ID, t.TransactionID, t.ConsentID, t.FacilityID, t.HIPID, millis(t.From), millis(t.To), nonNilBytes(t.PrivateKey), t.Nonce, millis(t.KeyExpiresAt),
			t.Status, t.Error, t.PageCount, jsonText(nonNilInts(t.Pages)), jsonText(nonNilResults(t.Results)), t.Records, millis(t.CreatedAt), millis(t.UpdatedAt)); err != nil {
			return err
		}
	}
	for _, r := range fx.Records {
		if _, err := tx.ExecContext(ctx, "INSERT INTO hiu_records (id, facility_id, consent_id, transaction_id, patient, hip_id, hip_name, context_ref,"+
			" hi_type, title, record_date, sha256, sealed, erase_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
			r.ID, r.FacilityID, r.ConsentID, r.TransactionID, r.Patient, r.HIPID, r.HIPName, r.ContextRef, r.HIType, r.Title,
			millis(r.Date), r.SHA256, r.Sealed, millis(r.EraseAt), millis(r.CreatedAt)); err != nil {
			return err
		}
	}
	if f := fx.Find; f != nil {
		if _, err := tx.ExecContext(ctx, "INSERT INTO hiu_finds (id, facility_id, query, status, patient_id, patient_name, created_at)"+
			" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET status = excluded.status, patient_id = excluded.patient_id,"+
			" patient_name = excluded.patient_name", f.ID, f.FacilityID, f.Query, f.Status, f.PatientID, f.PatientName, millis(f.CreatedAt)); err != nil {
			return err
		}
	}
	_, err := hiuJobs.insert(ctx, tx, fx.Jobs)
	return err
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const hiuRequestColumns = "id, cm_id, facility_id, patient, hip_id, purpose, hi_types, date_from, date_to, erase_at, requester, status, error, artefact_ids, created_at, updated_at"

func scanHIURequest(row rowScanner) (*hiu.ConsentRequest, error) {
	var r hiu.ConsentRequest
	var types, arts string
	var from, to, erase, created, updated int64
	if err := row.Scan(&r.ID, &r.CMID, &r.FacilityID, &r.Patient, &r.HIPID, &r.Purpose, &types, &from, &to, &erase, &r.Requester, &r.Status, &r.Error,
		&arts, &created, &updated); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(types), &r.HITypes), json.Unmarshal([]byte(arts), &r.ArtefactIDs)); err != nil {
		return nil, err
	}
	r.From, r.To, r.EraseAt, r.CreatedAt, r.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(erase), fromMillis(created), fromMillis(updated)
	return &r, nil
}

// HIUConsentRequest returns a consent request by this node's ID or the CM's.
func (db *DB) HIUConsentRequest(ctx context.Context, id string) (*hiu.ConsentRequest, error) {
	if id == "" {
		return nil, errHIURequestNotFound
	}
	r, err := scanHIURequest(db.queryRow(ctx, "SELECT "+hiuRequestColumns+" FROM hiu_consent_requests WHERE id = $1 OR cm_id = $1 LIMIT 1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIURequestNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu consent request: %w", err)
	}
	return r, nil
}

// HIUConsentRequests lists a facility's consent requests, newest first.
func (db *DB) HIUConsentRequests(ctx context.Context, facilityID, patient string, limit int) ([]*hiu.ConsentRequest, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hiuRequestColumns+" FROM hiu_consent_requests WHERE facility_id = $1 AND ($2 = '' OR patient = $2)"+
		" ORDER BY created_at DESC, id DESC LIMIT $3", facilityID, patient, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu consent requests: %w", err)
	}
	defer rows.Close()
	var out []*hiu.ConsentRequest
	for rows.Next() {
		r, err := scanHIURequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu consent requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const hiuArtefactColumns = "id, consent_request_id, facility_id, status, patient, hip_id, hip_name, hi_types, contexts, date_from, date_to, erase_at, updated_at"

func scanHIUArtefact(row rowScanner) (*hiu.Artefact, error) {
	var a hiu.Artefact
	var types, ctxs string
	var from, to, erase, updated int64
	if err := row.Scan(&a.ID, &a.ConsentRequestID, &a.FacilityID, &a.Status, &a.Patient, &a.HIPID, &a.HIPName, &types, &ctxs, &from, &to, &erase, &updated); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(types), &a.HITypes), json.Unmarshal([]byte(ctxs), &a.Contexts)); err != nil {
		return nil, err
	}
	a.From, a.To, a.EraseAt, a.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(erase), fromMillis(updated)
	return &a, nil
}

// HIUArtefact returns an artefact copy; ENOTFOUND if absent.
func (db *DB) HIUArtefact(ctx context.Context, id string) (*hiu.Artefact, error) {
	a, err := scanHIUArtefact(db.queryRow(ctx, "SELECT "+hiuArtefactColumns+" FROM hiu_artefacts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUArtefactNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu artefact: %w", err)
	}
	return a, nil
}

// HIUArtefacts lists a facility's artefact copies, newest first.
func (db *DB) HIUArtefacts(ctx context.Context, facilityID, consentRequestID string) ([]*hiu.Artefact, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hiuArtefactColumns+" FROM hiu_artefacts WHERE facility_id = $1 AND ($2 = '' OR consent_request_id = $2)"+
		" ORDER BY updated_at DESC, id DESC", facilityID, consentRequestID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu artefacts: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Artefact
	for rows.Next() {
		a, err := scanHIUArtefact(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu artefacts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const hiuTransferColumns = "id, transaction_id, consent_id, facility_id, hip_id, date_from, date_to, private_key, nonce, key_expires_at, status, error," +
	" page_count, pages, results, records, created_at, updated_at"

func scanHIUTransfer(row rowScanner) (*hiu.Transfer, error) {
	var t hiu.Transfer
	var pages, results string
	var from, to, exp, created, updated int64
	if err := row.Scan(&t.ID, &t.TransactionID, &t.ConsentID, &t.FacilityID, &t.HIPID, &from, &to, &t.PrivateKey, &t.Nonce, &exp, &t.Status, &t.Error,
		&t.PageCount, &pages, &results, &t.Records, &created, &updated); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(pages), &t.Pages), json.Unmarshal([]byte(results), &t.Results)); err != nil {
		return nil, err
	}
	if len(t.PrivateKey) == 0 {
		t.PrivateKey = nil
	}
	t.From, t.To, t.KeyExpiresAt, t.CreatedAt, t.UpdatedAt = fromMillis(from), fromMillis(to), fromMillis(exp), fromMillis(created), fromMillis(updated)
	return &t, nil
}

// HIUTransfer returns a transfer by its ID or its transaction ID.
func (db *DB) HIUTransfer(ctx context.Context, id string) (*hiu.Transfer, error) {
	if id == "" {
		return nil, errHIUTransferNotFound
	}
	t, err := scanHIUTransfer(db.queryRow(ctx, "SELECT "+hiuTransferColumns+" FROM hiu_transfers WHERE id = $1 OR transaction_id = $1 LIMIT 1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUTransferNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu transfer: %w", err)
	}
	return t, nil
}

// HIUTransfers lists the transfers asked for under a consent artefact,
// newest first, at most limit.
func (db *DB) HIUTransfers(ctx context.Context, consentID string, limit int) ([]*hiu.Transfer, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hiuTransferColumns+" FROM hiu_transfers WHERE consent_id = $1"+
		" ORDER BY created_at DESC, id DESC LIMIT $2", consentID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu transfers: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Transfer
	for rows.Next() {
		t, err := scanHIUTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu transfers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// HIUUnboundTransfers lists REQUESTED transfers with no transaction ID yet.
func (db *DB) HIUUnboundTransfers(ctx context.Context, since time.Time, limit int) ([]*hiu.Transfer, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hiuTransferColumns+" FROM hiu_transfers WHERE transaction_id = '' AND status = $1 AND created_at >= $2"+
		" ORDER BY created_at DESC LIMIT $3", hiu.TransferRequested, millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu unbound transfers: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Transfer
	for rows.Next() {
		t, err := scanHIUTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu unbound transfers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// HIUFind returns a patients/find; ENOTFOUND if absent.
func (db *DB) HIUFind(ctx context.Context, id string) (*hiu.Find, error) {
	var f hiu.Find
	var at int64
	err := db.queryRow(ctx, "SELECT id, facility_id, query, status, patient_id, patient_name, created_at FROM hiu_finds WHERE id = $1", id).
		Scan(&f.ID, &f.FacilityID, &f.Query, &f.Status, &f.PatientID, &f.PatientName, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUFindNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu find: %w", err)
	}
	f.CreatedAt = fromMillis(at)
	return &f, nil
}

const hiuRecordColumns = "id, facility_id, consent_id, transaction_id, patient, hip_id, hip_name, context_ref, hi_type, title, record_date, sha256, sealed, erase_at, created_at"

func scanHIURecord(row rowScanner) (*hiu.Record, error) {
	var r hiu.Record
	var date, erase, created int64
	if err := row.Scan(&r.ID, &r.FacilityID, &r.ConsentID, &r.TransactionID, &r.Patient, &r.HIPID, &r.HIPName, &r.ContextRef, &r.HIType, &r.Title,
		&date, &r.SHA256, &r.Sealed, &erase, &created); err != nil {
		return nil, err
	}
	r.Date, r.EraseAt, r.CreatedAt = fromMillis(date), fromMillis(erase), fromMillis(created)
	return &r, nil
}

// HIURecords lists a facility's records, of a patient and/or a consent,
// newest first.
func (db *DB) HIURecords(ctx context.Context, facilityID, patient, consentID string) ([]*hiu.Record, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+hiuRecordColumns+" FROM hiu_records WHERE facility_id = $1 AND ($2 = '' OR patient = $2)"+
		" AND ($3 = '' OR consent_id = $3) ORDER BY record_date DESC, id", facilityID, patient, consentID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu records: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Record
	for rows.Next() {
		r, err := scanHIURecord(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu records: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// HIURecord returns a record; ENOTFOUND if absent.
func (db *DB) HIURecord(ctx context.Context, id string) (*hiu.Record, error) {
	r, err := scanHIURecord(db.queryRow(ctx, "SELECT "+hiuRecordColumns+" FROM hiu_records WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIURecordNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu record: %w", err)
	}
	return r, nil
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// EraseHIUDue deletes what is due at now: records and artefact copies
// past their erase time, and transfer keys no longer needed (the transfer
// ended, its key expired, or its artefact is being erased).
func (db *DB) EraseHIUDue(ctx context.Context, now time.Time) (hiu.Erased, error) {
	var n hiu.Erased
	at := millis(now)
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		n = hiu.Erased{}
		var err error
		if n.Keys, err = affected(tx.ExecContext(ctx, "UPDATE hiu_transfers SET private_key = $1,"+
			" status = CASE WHEN status IN ($2, $3) THEN $4 ELSE status END, updated_at = $5"+
			" WHERE length(private_key) > 0 AND (key_expires_at <= $5 OR status NOT IN ($2, $3)"+
			" OR consent_id IN (SELECT id FROM hiu_artefacts WHERE erase_at > 0 AND erase_at <= $5))",
			[]byte{}, hiu.TransferRequested, hiu.TransferAccepted, hiu.TransferExpired, at)); err != nil {
			return err
		}
		if n.Records, err = affected(tx.ExecContext(ctx, "DELETE FROM hiu_records WHERE erase_at <= $1", at)); err != nil {
			return err
		}
		n.Artefacts, err = affected(tx.ExecContext(ctx, "DELETE FROM hiu_artefacts WHERE erase_at > 0 AND erase_at <= $1", at))
		return err
	})
	if err != nil {
		return hiu.Erased{}, fmt.Errorf("sqldb: erase hiu: %w", err)
	}
	return n, nil
}

// EraseHIUConsent deletes the records received under an artefact and its
// transfers' keys, and ends the artefact's copy (contents cleared).
func (db *DB) EraseHIUConsent(ctx context.Context, consentID, status string, at time.Time) (hiu.Erased, error) {
	var n hiu.Erased
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		n = hiu.Erased{}
		var err error
		if n.Keys, err = affected(tx.ExecContext(ctx, "UPDATE hiu_transfers SET private_key = $1,"+
			" status = CASE WHEN status IN ($2, $3) THEN $4 ELSE status END, updated_at = $5 WHERE consent_id = $6 AND length(private_key) > 0",
			[]byte{}, hiu.TransferRequested, hiu.TransferAccepted, hiu.TransferFailed, millis(at), consentID)); err != nil {
			return err
		}
		if n.Records, err = affected(tx.ExecContext(ctx, "DELETE FROM hiu_records WHERE consent_id = $1", consentID)); err != nil {
			return err
		}
		n.Artefacts, err = affected(tx.ExecContext(ctx, "UPDATE hiu_artefacts SET status = $1, hi_types = '[]', contexts = '[]', updated_at = $2 WHERE id = $3",
			status, millis(at), consentID))
		return err
	})
	if err != nil {
		return hiu.Erased{}, fmt.Errorf("sqldb: erase hiu consent: %w", err)
	}
	return n, nil
}

// PurgeHIU forgets finished jobs and finds made before before.
func (db *DB) PurgeHIU(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		total = 0
		n, err := hiuJobs.purge(ctx, tx, before)
		if err != nil {
			return err
		}
		m, err := affected(tx.ExecContext(ctx, "DELETE FROM hiu_finds WHERE created_at < $1", millis(before)))
		total = n + m
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: purge hiu: %w", err)
	}
	return total, nil
}
