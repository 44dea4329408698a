package sqldb

import (
	"context"
	"time"

	"github.com/arogya-health/arogya/internal/hip"
)

// The EMR's staff accounts, in hip_staff (staff.go).

var _ hip.StaffStore = (*DB)(nil)

// AddHIPStaff stores s; ECONFLICT if the facility has them already.
func (db *DB) AddHIPStaff(ctx context.Context, s *hip.Staff) error { return hipStaff.add(ctx, db, s) }

// HIPStaff returns a staff account; ENOTFOUND if absent.
func (db *DB) HIPStaff(ctx context.Context, facilityID, hprID string) (*hip.Staff, error) {
	return hipStaff.get(ctx, db, facilityID, hprID)
}

// HIPStaffList returns a facility's accounts, disabled ones too, in the
// order they were added.
func (db *DB) HIPStaffList(ctx context.Context, facilityID string) ([]*hip.Staff, error) {
	return hipStaff.list(ctx, db, facilityID)
}

// SetHIPStaffPassword replaces a staff member's password hash, which is
// then their own; ENOTFOUND if there is no such account.
func (db *DB) SetHIPStaffPassword(ctx context.Context, facilityID, hprID, hash string) error {
	return hipStaff.setPassword(ctx, db, facilityID, hprID, hash)
}

// DisableHIPStaff records that the account was disabled at at, keeping
// an earlier time; ENOTFOUND if there is no such account.
func (db *DB) DisableHIPStaff(ctx context.Context, facilityID, hprID string, at time.Time) error {
	return hipStaff.disable(ctx, db, facilityID, hprID, at)
}
