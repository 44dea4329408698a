package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

var _ hiu.StaffStore = (*DB)(nil)

var (
	errHIUStaffExists   = arogya.Errorf(arogya.ECONFLICT, "That clinician already has an account at this facility.")
	errHIUStaffNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such clinician account.")
)

// AddHIUStaff stores s; ECONFLICT if the facility has them already.
func (db *DB) AddHIUStaff(ctx context.Context, s *hiu.Staff) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hiu_staff (facility_id, hpr_id, name, password_hash, created_at, must_change) VALUES ($1, $2, $3, $4, $5, $6)",
		s.FacilityID, s.HPRID, s.Name, s.PasswordHash, millis(s.CreatedAt), boolInt(s.MustChange))
	if db.unique(err) {
		return errHIUStaffExists
	} else if err != nil {
		return fmt.Errorf("sqldb: add hiu staff: %w", err)
	}
	return nil
}

// HIUStaff returns a staff account; ENOTFOUND if absent.
func (db *DB) HIUStaff(ctx context.Context, facilityID, hprID string) (*hiu.Staff, error) {
	s, err := scanHIUStaff(db.queryRow(ctx, "SELECT facility_id, hpr_id, name, password_hash, created_at, must_change, disabled_at FROM hiu_staff WHERE facility_id = $1 AND hpr_id = $2",
		facilityID, hprID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUStaffNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu staff: %w", err)
	}
	return s, nil
}

// HIUStaffList returns a facility's accounts, disabled ones too, in the
// order they were added.
func (db *DB) HIUStaffList(ctx context.Context, facilityID string) ([]*hiu.Staff, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT facility_id, hpr_id, name, password_hash, created_at, must_change, disabled_at FROM hiu_staff"+
		" WHERE facility_id = $1 ORDER BY created_at, hpr_id", facilityID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: hiu staff list: %w", err)
	}
	defer rows.Close()
	var out []*hiu.Staff
	for rows.Next() {
		s, err := scanHIUStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: hiu staff list: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: hiu staff list: %w", err)
	}
	return out, nil
}

// scanHIUStaff reads one account's row, in HIUStaff's column order.
func scanHIUStaff(row rowScanner) (*hiu.Staff, error) {
	var s hiu.Staff
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

// SetHIUStaffPassword replaces a staff member's password hash, which is
// then their own (must_change cleared); ENOTFOUND if there is no such
// account.
func (db *DB) SetHIUStaffPassword(ctx context.Context, facilityID, hprID, hash string) error {
	res, err := db.write.ExecContext(ctx, "UPDATE hiu_staff SET password_hash = $3, must_change = 0 WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID, hash)
	if err != nil {
		return fmt.Errorf("sqldb: set hiu staff password: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: set hiu staff password: %w", err)
	} else if n == 0 {
		return errHIUStaffNotFound
	}
	return nil
}

// DisableHIUStaff records that the account was disabled at at; ENOTFOUND
// if there is no such account. Disabling one already disabled keeps the
// first time.
func (db *DB) DisableHIUStaff(ctx context.Context, facilityID, hprID string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, "UPDATE hiu_staff SET disabled_at = CASE WHEN disabled_at = 0 THEN $3 ELSE disabled_at END"+
		" WHERE facility_id = $1 AND hpr_id = $2", facilityID, hprID, millis(at))
	if err != nil {
		return fmt.Errorf("sqldb: disable hiu staff: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: disable hiu staff: %w", err)
	} else if n == 0 {
		return errHIUStaffNotFound
	}
	return nil
}
