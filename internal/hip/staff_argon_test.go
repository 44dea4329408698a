package hip_test

import (
	"context"
	"testing"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// TestStaffDefaultArgon: a node that leaves the Argon parameters zero (as
// serve does) can still add staff and sign them in: zero means the
// default cost, not a hash that always fails.
func TestStaffDefaultArgon(t *testing.T) {
	ctx := context.Background()
	e := newStaffEnv(t, auth.ArgonParams{})
	svc := e.svc
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	if _, err := svc.AddFacility(op, e.facility); err != nil {
		t.Fatal(err)
	}
	st, pw, err := svc.AddStaff(op, e.facility, e.hpr)
	if err != nil {
		t.Fatalf("AddStaff with zero Argon parameters: %v", err)
	}
	// The one-time password only sets their own.
	if _, _, err := svc.StaffSignIn(ctx, st.FacilityID, st.HPRID, pw); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("StaffSignIn with the one-time password: %v, want %s", err, arogya.EFORBIDDEN)
	}
	if err := svc.ChangeStaffPassword(ctx, st.FacilityID, st.HPRID, pw, "a password of my own"); err != nil {
		t.Fatalf("ChangeStaffPassword: %v", err)
	}
	if _, _, err := svc.StaffSignIn(ctx, st.FacilityID, st.HPRID, "a password of my own"); err != nil {
		t.Errorf("StaffSignIn: %v", err)
	}
	if err := svc.ChangeStaffPassword(ctx, st.FacilityID, st.HPRID, pw, "another one of mine"); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Errorf("the one-time password after it was replaced: %v", err)
	}
}
