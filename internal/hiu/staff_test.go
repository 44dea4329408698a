package hiu_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// TestClinicianAccounts: the one-time password only sets the clinician's
// own; their token acts for their facility alone, and no longer once the
// account is disabled; the operator token acts for any facility. The
// accounts' rules are internal/staff's, tested there.
func TestClinicianAccounts(t *testing.T) {
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	argon := auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}
	svc := hiu.NewService(db, nil, audit.NewLog(db, time.Now), hiu.Config{WrapKey: bytes.Repeat([]byte{7}, 32), TokenKey: bytes.Repeat([]byte{9}, 32),
		AdminToken: "operator", Argon: argon})
	hash, err := auth.HashPassword("one-time-pw", argon)
	if err != nil {
		t.Fatal(err)
	}
	const hpr = "71234567890123"
	if err := db.AddHIUStaff(ctx, &hiu.Staff{FacilityID: testFacility, HPRID: hpr, Name: "Dr. Anita Das", PasswordHash: hash, MustChange: true, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.StaffSignIn(ctx, testFacility, hpr, "one-time-pw"); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("sign-in with the one-time password: %v, want %s", err, arogya.EFORBIDDEN)
	}
	if err := svc.ChangeStaffPassword(ctx, testFacility, hpr, "one-time-pw", "short"); arogya.ErrorCode(err) != arogya.EINVALID {
		t.Fatalf("a short new password: %v", err)
	}
	if err := svc.ChangeStaffPassword(ctx, testFacility, hpr, "one-time-pw", "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.StaffSignIn(ctx, testFacility, hpr, "a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	actx, err := svc.Authorize(ctx, tok, testFacility)
	if err != nil || arogya.ActorFrom(actx).ID != hpr {
		t.Fatalf("Authorize: %v", err)
	}
	if _, err := svc.Authorize(ctx, tok, testHIP); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("the token at another facility: %v", err)
	}
	if _, err := svc.Authorize(ctx, "operator", testHIP); err != nil {
		t.Fatalf("the operator token: %v", err)
	}
	if _, err := svc.Authorize(ctx, tok+"x", testFacility); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("a forged token: %v", err)
	}
	if err := db.DisableHIUStaff(ctx, testFacility, hpr, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authorize(ctx, tok, testFacility); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("the token of a disabled account: %v", err)
	}
}
