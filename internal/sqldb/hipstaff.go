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

var _ hip.StaffStore = (*DB)(nil)

var (
	errHIPStaffExists   = arogya.Errorf(arogya.ECONFLICT, "That professional already has an account at this facility.")
	errHIPStaffNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such staff account.")
)

// AddHIPStaff stores s; ECONFLICT if the facility has them already.
func (db *DB) AddHIPStaff(ctx context.Context, s *hip.Staff) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hip_staff (facility_id, hpr_id, name, password_hash, created_at, must_change) VALUES ($1, $2, $3, $4, $5, $6)",
		s.FacilityID, s.HPRID, s.Name, s.PasswordHash, millis(s.CreatedAt), boolInt(s.MustChange))
	if db.unique(err) {
		return errHIPStaffExists
	} else if err != nil {
		return fmt.Errorf("sqldb: add hip staff: %w", err)
	}
	return nil
}

// HIPStaff returns a staff account; ENOTFOUND if absent.
func (db *DB) HIPStaff(ctx context.Context, facilityID, hprID string) (*hip.Staff, error) {
	s, err := scanHIPStaff(db.queryRow(ctx, "SELECT facility_id, hpr_id, name, password_hash, created_at, must_change, disabled_at FROM hip_staff WHERE facility_id = $1 AND hpr_id = $2",
		facilityID, hprID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIPStaffNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hip staff: %w", err)
	}
	return s, nil
}

// HIPStaffList returns a facility's accounts, disabled ones too, in the
// order they were added.
func (db *DB) HIPStaffList(ctx context.Context, facilityID string) ([]*hip.Staff, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT facility_id, hpr_id, name, password_hash, created_at, must_change, disabled_at FROM hip_staff"+
		" WHERE facility_id = $1 ORDER BY created_at, hpr_id", facilityID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hip staff list: %w", err)
	}
	defer rows.Close()
	var out []*hip.Staff
	for rows.Next() {
		s, err := scanHIPStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hip staff list: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hip staff list: %w", err)
	}
	return out, nil
}

// scanHIPStaff reads one account's row, in HIPStaff's column order.
func scanHIPStaff(row rowScanner) (*hip.Staff, error) {
	var s hip.Staff
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

// SetHIPStaffPassword replaces a staff member's password hash, which is
// then their own (must_change cleared); ENOTFOUND if there is no such
// account.
func (db *DB) SetHIPStaffPassword(ctx context.Context, facilityID, hprID, hash string) error {
	res, err := db.write.ExecContext(ctx, "UPDATE hip_staff SET password_hash = $3, must_change = 0 WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID, hash)
	if err != nil {
		return fmt.Errorf("sqldb: set hip staff password: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: set hip staff password: %w", err)
	} else if n == 0 {
		return errHIPStaffNotFound
	}
	return nil
}

// DisableHIPStaff records that the account was disabled at at; ENOTFOUND
// if there is no such account. Disabling one already disabled keeps the
// first time.
func (db *DB) DisableHIPStaff(ctx context.Context, facilityID, hprID string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, "UPDATE hip_staff SET disabled_at = CASE WHEN disabled_at = 0 THEN $3 ELSE disabled_at END"+
		" WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID, millis(at))
	if err != nil {
		return fmt.Errorf("sqldb: disable hip staff: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: disable hip staff: %w", err)
	} else if n == 0 {
		return errHIPStaffNotFound
	}
	return nil
}
