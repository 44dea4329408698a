package hip_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// oneFacility is a registry with one verified facility and one verified
// doctor who works there.
type oneFacility struct{}

func (oneFacility) Facility(ctx context.Context, id string) (string, bool, error) {
	if id != "IN2810000001" {
		return "", false, arogya.Errorf(arogya.ENOTFOUND, "no such facility")
	}
	return "Coastal General Hospital", true, nil
}

func (oneFacility) Professional(ctx context.Context, id string) (*registryapi.Professional, error) {
	return &registryapi.Professional{ID: id, Name: "Meera Rao", Facilities: []string{"IN2810000001"}, Verified: true}, nil
}

// TestStaffDefaultArgon: a node that leaves the Argon parameters zero (as
// serve does) can still add staff and sign them in: zero means the
// default cost, not a hash that always fails.
func TestStaffDefaultArgon(t *testing.T) {
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	svc := hip.NewService(db, oneFacility{}, hip.FHIRBundles{}, audit.NewLog(db, time.Now), hip.Config{WrapKey: bytes.Repeat([]byte{7}, 32)})
	svc.EnableStaff(hip.StaffConfig{Store: db, Professionals: oneFacility{}, TokenKey: bytes.Repeat([]byte{9}, 32)})
	if _, err := svc.AddFacility(op, "IN2810000001"); err != nil {
		t.Fatal(err)
	}
	st, pw, err := svc.AddStaff(op, "IN2810000001", "12345678901234")
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
