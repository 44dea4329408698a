package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

var _ hip.Store = (*DB)(nil)

// The HIP role's tables (hip_*, migration 0017).

var (
	errHIPFacilityNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such HIP facility.")
	errHIPFacilityExists   = arogya.Errorf(arogya.ECONFLICT, "This node already serves that facility.")
	errHIPPatientNotFound  = arogya.Errorf(arogya.ENOTFOUND, "No such patient at this facility.")
	errHIPContextNotFound  = arogya.Errorf(arogya.ENOTFOUND, "No such care context at this facility.")
	errHIPContextOther     = arogya.Errorf(arogya.ECONFLICT, "That care context reference belongs to another patient of this facility.")
	errHIPRecordExists     = arogya.Errorf(arogya.ECONFLICT, "A record with that ID is already stored.")
	errHIPKeyNotFound      = arogya.Errorf(arogya.ENOTFOUND, "No such API key.")
)

const hipPatientColumns = "facility_id, ref, name, gender, birth_date, year_of_birth, mobile, abha_number, abha_address, created_at, updated_at"

// AddHIPFacility stores f; ECONFLICT if the node serves it already.
func (db *DB) AddHIPFacility(ctx context.Context, f *hip.Facility) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hip_facilities (id, name, data_key, added_at) VALUES ($1, $2, $3, $4)",
		f.ID, f.Name, f.DataKey, millis(f.AddedAt))
	if db.unique(err) {
		return errHIPFacilityExists
	} else if err != nil {
		return fmt.Errorf("sqldb: add hip facility: %w", err)
	}
	return nil
}

func scanHIPFacility(row rowScanner) (*hip.Facility, error) {
	var f hip.Facility
	var added int64
	if err := row.Scan(&f.ID, &f.Name, &f.DataKey, &added); err != nil {
		return nil, err
	}
	f.AddedAt = fromMillis(added)
	return &f, nil
}

// HIPFacility returns a facility the node serves; ENOTFOUND otherwise.
func (db *DB) HIPFacility(ctx context.Context, id string) (*hip.Facility, error) {
	f, err := scanHIPFacility(db.queryRow(ctx, "SELECT id, name, data_key, added_at FROM hip_facilities WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPFacilityNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip facility: %w", err)
	}
	return f, nil
}

// HIPFacilities lists the facilities the node serves, by ID.
func (db *DB) HIPFacilities(ctx context.Context) ([]*hip.Facility, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, data_key, added_at FROM hip_facilities ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip facilities: %w", err)
	}
	defer rows.Close()
	var out []*hip.Facility
	for rows.Next() {
		f, err := scanHIPFacility(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hip facilities: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip facilities: %w", err)
	}
	return out, nil
}

// PutHIPPatient inserts p or updates the patient with its facility and
// reference (created_at is kept).
func (db *DB) PutHIPPatient(ctx context.Context, p *hip.Patient) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hip_patients ("+hipPatientColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"+
		" ON CONFLICT (facility_id, ref) DO UPDATE SET name = excluded.name, gender = excluded.gender, birth_date = excluded.birth_date,"+
		" year_of_birth = excluded.year_of_birth, mobile = excluded.mobile, abha_number = excluded.abha_number,"+
		" abha_address = excluded.abha_address, updated_at = excluded.updated_at",
		p.FacilityID, p.Ref, p.Name, p.Gender, p.BirthDate, p.YearOfBirth, p.Mobile, p.ABHANumber, p.ABHAAddress,
		millis(p.CreatedAt), millis(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqldb: put hip patient: %w", err)
	}
	return nil
}

func scanHIPPatient(row rowScanner) (*hip.Patient, error) {
	var p hip.Patient
	var created, updated int64
	if err := row.Scan(&p.FacilityID, &p.Ref, &p.Name, &p.Gender, &p.BirthDate, &p.YearOfBirth, &p.Mobile,
		&p.ABHANumber, &p.ABHAAddress, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &p, nil
}

// HIPPatient returns a facility's patient; ENOTFOUND if absent.
func (db *DB) HIPPatient(ctx context.Context, facilityID, ref string) (*hip.Patient, error) {
	p, err := scanHIPPatient(db.queryRow(ctx, "SELECT "+hipPatientColumns+" FROM hip_patients WHERE facility_id = $1 AND ref = $2", facilityID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPPatientNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip patient: %w", err)
	}
	return p, nil
}

// HIPPatientsByIdentifier lists the facility's patients with any of the
// identifiers given (empty ones are ignored), by reference, at most limit.
func (db *DB) HIPPatientsByIdentifier(ctx context.Context, facilityID, abhaNumber, abhaAddress, mobile string, limit int) ([]*hip.Patient, error) {
	if abhaNumber == "" && abhaAddress == "" && mobile == "" {
		return nil, nil
	}
	// One indexed arm per identifier, so each uses its partial index.
	q := "SELECT " + hipPatientColumns + " FROM hip_patients WHERE facility_id = $1 AND ref IN (" +
		"SELECT ref FROM hip_patients WHERE facility_id = $1 AND abha_number = $2 AND abha_number <> ''" +
		" UNION SELECT ref FROM hip_patients WHERE facility_id = $1 AND abha_address = $3 AND abha_address <> ''" +
		" UNION SELECT ref FROM hip_patients WHERE facility_id = $1 AND mobile = $4 AND mobile <> '')" +
		" ORDER BY ref LIMIT $5"
	rows, err := db.read.QueryContext(ctx, q, facilityID, abhaNumber, abhaAddress, mobile, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip patients: %w", err)
	}
	defer rows.Close()
	var out []*hip.Patient
	for rows.Next() {
		p, err := scanHIPPatient(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hip patients: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip patients: %w", err)
	}
	return out, nil
}

// AddHIPRecord stores r under its care context, creating cc first if the
// facility has no care context with that reference; one that exists must
// be cc.PatientRef's (ECONFLICT otherwise), and cc then takes its stored
// values. ECONFLICT if r's ID is stored. The onCreate jobs are stored only
// with a new care context.
func (db *DB) AddHIPRecord(ctx context.Context, cc *hip.CareContext, r *hip.Record, onCreate ...*hip.Job) (created bool, err error) {
	var stored hip.CareContext
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		created = false
		res, err := tx.ExecContext(ctx, "INSERT INTO hip_care_contexts (facility_id, ref, patient_ref, display, created_at) VALUES ($1, $2, $3, $4, $5)"+
			" ON CONFLICT (facility_id, ref) DO NOTHING", cc.FacilityID, cc.Ref, cc.PatientRef, cc.Display, millis(cc.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			created = true
			stored = *cc
		} else {
			var at int64
			if err := tx.QueryRowContext(ctx, "SELECT facility_id, ref, patient_ref, display, created_at FROM hip_care_contexts WHERE facility_id = $1 AND ref = $2",
				cc.FacilityID, cc.Ref).Scan(&stored.FacilityID, &stored.Ref, &stored.PatientRef, &stored.Display, &at); err != nil {
				return err
			}
			stored.CreatedAt = fromMillis(at)
			if stored.PatientRef != cc.PatientRef {
				return errHIPContextOther
			}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO hip_records (id, facility_id, context_ref, hi_type, record_date, sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			r.ID, r.FacilityID, r.ContextRef, r.HIType, millis(r.Date), r.Sealed, millis(r.CreatedAt))
		if db.unique(err) {
			return errHIPRecordExists
		} else if err != nil {
			return err
		}
		if created {
			_, err = addHIPJobs(ctx, tx, onCreate)
		}
		return err
	})
	if e := (*arogya.Error)(nil); errors.As(err, &e) {
		return false, err
	} else if err != nil {
		return false, fmt.Errorf("sqldb: add hip record: %w", err)
	}
	*cc = stored
	return created, nil
}

func scanHIPContext(row rowScanner) (*hip.CareContext, error) {
	var c hip.CareContext
	var at int64
	if err := row.Scan(&c.FacilityID, &c.Ref, &c.PatientRef, &c.Display, &at); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMillis(at)
	return &c, nil
}

// HIPCareContext returns a facility's care context; ENOTFOUND if absent.
func (db *DB) HIPCareContext(ctx context.Context, facilityID, ref string) (*hip.CareContext, error) {
	c, err := scanHIPContext(db.queryRow(ctx, "SELECT facility_id, ref, patient_ref, display, created_at FROM hip_care_contexts WHERE facility_id = $1 AND ref = $2", facilityID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPContextNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip care context: %w", err)
	}
	return c, nil
}

// HIPCareContexts lists a patient's care contexts at the facility, oldest
// first.
func (db *DB) HIPCareContexts(ctx context.Context, facilityID, patientRef string) ([]*hip.CareContext, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT facility_id, ref, patient_ref, display, created_at FROM hip_care_contexts"+
		" WHERE facility_id = $1 AND patient_ref = $2 ORDER BY created_at, ref", facilityID, patientRef)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip care contexts: %w", err)
	}
	defer rows.Close()
	var out []*hip.CareContext
	for rows.Next() {
		c, err := scanHIPContext(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hip care contexts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip care contexts: %w", err)
	}
	return out, nil
}

// HIPRecords lists a care context's records dated within [from, to) (a
// zero time leaves that side open), oldest first.
func (db *DB) HIPRecords(ctx context.Context, facilityID, contextRef string, from, to time.Time) ([]*hip.Record, error) {
	lo, hi := int64(-1<<62), int64(1<<62)
	if !from.IsZero() {
		lo = millis(from)
	}
	if !to.IsZero() {
		hi = millis(to)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT id, facility_id, context_ref, hi_type, record_date, sealed, created_at FROM hip_records"+
		" WHERE facility_id = $1 AND context_ref = $2 AND record_date >= $3 AND record_date < $4 ORDER BY record_date, id",
		facilityID, contextRef, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip records: %w", err)
	}
	defer rows.Close()
	var out []*hip.Record
	for rows.Next() {
		var r hip.Record
		var date, created int64
		if err := rows.Scan(&r.ID, &r.FacilityID, &r.ContextRef, &r.HIType, &date, &r.Sealed, &created); err != nil {
			return nil, fmt.Errorf("sqldb: hip records: %w", err)
		}
		r.Date, r.CreatedAt = fromMillis(date), fromMillis(created)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip records: %w", err)
	}
	return out, nil
}

// AddHIPAPIKey stores k.
func (db *DB) AddHIPAPIKey(ctx context.Context, k *hip.APIKey) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hip_api_keys (id, facility_id, hash, name, created_at) VALUES ($1, $2, $3, $4, $5)",
		k.ID, k.FacilityID, k.Hash, k.Name, millis(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqldb: add hip api key: %w", err)
	}
	return nil
}

// HIPAPIKey returns the key with the ID; ENOTFOUND if absent.
func (db *DB) HIPAPIKey(ctx context.Context, id string) (*hip.APIKey, error) {
	var k hip.APIKey
	var at int64
	err := db.queryRow(ctx, "SELECT id, facility_id, hash, name, created_at FROM hip_api_keys WHERE id = $1", id).
		Scan(&k.ID, &k.FacilityID, &k.Hash, &k.Name, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPKeyNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip api key: %w", err)
	}
	k.CreatedAt = fromMillis(at)
	return &k, nil
}
