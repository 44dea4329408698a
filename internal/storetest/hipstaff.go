package storetest

import (
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// testHIPStaff: an account per facility and professional; its password
// can be replaced, which makes it the holder's own (no longer MustChange).
func testHIPStaff(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	s := &hip.Staff{FacilityID: "IN2810000001", HPRID: "71234567890123", Name: "Dr. Meera Rao", PasswordHash: "h1", MustChange: true, CreatedAt: ms(time.Second)}
	must(t, "AddHIPStaff", db.AddHIPStaff(c, s))
	if got, err := db.HIPStaff(c, s.FacilityID, s.HPRID); err != nil || !got.MustChange {
		t.Fatalf("a new account with its one-time password: %+v, %v", got, err)
	}
	wantCode(t, "AddHIPStaff(again)", db.AddHIPStaff(c, s), arogya.ECONFLICT)
	other := *s
	other.FacilityID = "IN2810000002"
	must(t, "AddHIPStaff(another facility)", db.AddHIPStaff(c, &other))
	must(t, "SetHIPStaffPassword", db.SetHIPStaffPassword(c, s.FacilityID, s.HPRID, "h2"))
	got, err := db.HIPStaff(c, s.FacilityID, s.HPRID)
	must(t, "HIPStaff", err)
	if got.PasswordHash != "h2" || got.MustChange || got.Name != s.Name || !got.CreatedAt.Equal(ms(time.Second)) {
		t.Fatalf("HIPStaff = %+v", got)
	}
	if o, _ := db.HIPStaff(c, other.FacilityID, other.HPRID); o == nil || o.PasswordHash != "h1" {
		t.Fatalf("the other facility's account changed: %+v", o)
	}
	if !got.DisabledAt.IsZero() {
		t.Fatalf("a new account is disabled: %+v", got)
	}
	must(t, "DisableHIPStaff", db.DisableHIPStaff(c, s.FacilityID, s.HPRID, ms(time.Hour)))
	must(t, "DisableHIPStaff(again)", db.DisableHIPStaff(c, s.FacilityID, s.HPRID, ms(2*time.Hour)))
	if got, _ := db.HIPStaff(c, s.FacilityID, s.HPRID); got == nil || !got.DisabledAt.Equal(ms(time.Hour)) {
		t.Fatalf("after disabling twice: %+v, want disabled at the first time", got)
	}
	if o, _ := db.HIPStaff(c, other.FacilityID, other.HPRID); o == nil || !o.DisabledAt.IsZero() {
		t.Fatalf("the other facility's account was disabled too: %+v", o)
	}
	wantCode(t, "DisableHIPStaff(missing)", db.DisableHIPStaff(c, "IN2810000003", s.HPRID, ms(0)), arogya.ENOTFOUND)
	_, err = db.HIPStaff(c, "IN2810000003", s.HPRID)
	wantCode(t, "HIPStaff(missing)", err, arogya.ENOTFOUND)
	wantCode(t, "SetHIPStaffPassword(missing)", db.SetHIPStaffPassword(c, "IN2810000003", s.HPRID, "x"), arogya.ENOTFOUND)
}
