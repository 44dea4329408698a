package sqldb

import (
	"context"
	"time"

	"github.com/arogya-health/arogya/internal/hiu"
)

// The HIU's clinician accounts, in hiu_staff (staff.go).

var _ hiu.StaffStore = (*DB)(nil)

// AddHIUStaff stores s; ECONFLICT if the facility has them already.
func (db *DB) AddHIUStaff(ctx context.Context, s *hiu.Staff) error { return hiuStaff.add(ctx, db, s) }

// HIUStaff returns a clinician account; ENOTFOUND if absent.
func (db *DB) HIUStaff(ctx context.Context, facilityID, hprID string) (*hiu.Staff, error) {
	return hiuStaff.get(ctx, db, facilityID, hprID)
}

// HIUStaffList returns a facility's accounts, disabled ones too, in the
// order they were added.
func (db *DB) HIUStaffList(ctx context.Context, facilityID string) ([]*hiu.Staff, error) {
	return hiuStaff.list(ctx, db, facilityID)
}

// SetHIUStaffPassword replaces a clinician's password hash, which is
// then their own; ENOTFOUND if there is no such account.
func (db *DB) SetHIUStaffPassword(ctx context.Context, facilityID, hprID, hash string) error {
	return hiuStaff.setPassword(ctx, db, facilityID, hprID, hash)
}

// DisableHIUStaff records that the account was disabled at at, keeping
// an earlier time; ENOTFOUND if there is no such account.
func (db *DB) DisableHIUStaff(ctx context.Context, facilityID, hprID string, at time.Time) error {
	return hiuStaff.disable(ctx, db, facilityID, hprID, at)
}
