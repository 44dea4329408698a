package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/staff"
)

// staffTable is one role's staff accounts (internal/staff): the HIP's EMR
// staff in hip_staff, the HIU's clinicians in hiu_staff, the same columns
// in both. The roles' exported methods (AddHIPStaff, HIUStaff, …) call
// these over their table.
type staffTable struct {
	name     string // the table; a constant, never input, as it is written into the SQL
	what     string // the accounts, in wrapped errors: "hip staff"
	exists   error  // ECONFLICT for an account the facility has already
	notFound error  // ENOTFOUND for a missing one
}

// The roles' tables. Their messages keep the words each role's pages used.
var (
	hipStaff = staffTable{name: "hip_staff", what: "hip staff",
		exists:   arogya.Errorf(arogya.ECONFLICT, "That professional already has an account at this facility."),
		notFound: arogya.Errorf(arogya.ENOTFOUND, "No such staff account.")}
	hiuStaff = staffTable{name: "hiu_staff", what: "hiu staff",
		exists:   arogya.Errorf(arogya.ECONFLICT, "That clinician already has an account at this facility."),
		notFound: arogya.Errorf(arogya.ENOTFOUND, "No such clinician account.")}
)

// staffColumns are an account's columns, in scanStaff's order.
const staffColumns = "facility_id, hpr_id, name, password_hash, created_at, must_change, disabled_at"

// add stores s; ECONFLICT if the facility has them already.
func (t staffTable) add(ctx context.Context, db *DB, s *staff.Account) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO "+t.name+" (facility_id, hpr_id, name, password_hash, created_at, must_change) VALUES ($1, $2, $3, $4, $5, $6)",
		s.FacilityID, s.HPRID, s.Name, s.PasswordHash, millis(s.CreatedAt), boolInt(s.MustChange))
	if db.unique(err) {
		return t.exists
	} else if err != nil {
		return fmt.Errorf("sqldb: add %s: %w", t.what, err)
	}
	return nil
}

// get returns an account; ENOTFOUND if absent.
func (t staffTable) get(ctx context.Context, db *DB, facilityID, hprID string) (*staff.Account, error) {
	s, err := scanStaff(db.queryRow(ctx, "SELECT "+staffColumns+" FROM "+t.name+" WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, t.notFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", t.what, err)
	}
	return s, nil
}

// list returns a facility's accounts, disabled ones too, in the order
// they were added.
func (t staffTable) list(ctx context.Context, db *DB, facilityID string) ([]*staff.Account, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+staffColumns+" FROM "+t.name+" WHERE facility_id = $1 ORDER BY created_at, hpr_id", facilityID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s list: %w", t.what, err)
	}
	defer rows.Close()
	var out []*staff.Account
	for rows.Next() {
		s, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: %s list: %w", t.what, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: %s list: %w", t.what, err)
	}
	return out, nil
}

// scanStaff reads one account's row, in staffColumns' order.
func scanStaff(row rowScanner) (*staff.Account, error) {
	var s staff.Account
	var at, disabled int64
	var must int
	if err := row.Scan(&s.FacilityID, &s.HPRID, &s.Name, &s.PasswordHash, &at, &must, &disabled); err != nil {
		return nil, err
	}
	s.CreatedAt, s.MustChange = fromMillis(at), must != 0
	if disabled != 0 {
		s.DisabledAt = fromMillis(disabled)
	}
	return &s, nil
}

// setPassword replaces an account's password hash, which is then its
// holder's own (must_change cleared); ENOTFOUND if there is no such
// account.
func (t staffTable) setPassword(ctx context.Context, db *DB, facilityID, hprID, hash string) error {
	return t.update(ctx, db, "set "+t.what+" password", "password_hash = $3, must_change = 0", facilityID, hprID, hash)
}

// disable records that the account was disabled at at; ENOTFOUND if
// there is no such account. Disabling one already disabled keeps the
// first time.
func (t staffTable) disable(ctx context.Context, db *DB, facilityID, hprID string, at time.Time) error {
	return t.update(ctx, db, "disable "+t.what, "disabled_at = CASE WHEN disabled_at = 0 THEN $3 ELSE disabled_at END", facilityID, hprID, millis(at))
}

// update sets one account's columns (set, a constant, with $3 as value);
// ENOTFOUND if there is no such account. op names it in wrapped errors.
func (t staffTable) update(ctx context.Context, db *DB, op, set, facilityID, hprID string, value any) error {
	res, err := db.write.ExecContext(ctx, "UPDATE "+t.name+" SET "+set+" WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID, value)
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	} else if n == 0 {
		return t.notFound
	}
	return nil
}
