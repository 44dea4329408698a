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
	list, err := db.HIPStaffList(c, s.FacilityID)
	must(t, "HIPStaffList", err)
	if len(list) != 1 || list[0].HPRID != s.HPRID || list[0].Name != s.Name || !list[0].DisabledAt.Equal(ms(time.Hour)) || !list[0].CreatedAt.Equal(ms(time.Second)) {
		t.Fatalf("HIPStaffList = %+v, want the one account, disabled", list)
	}
	later := &hip.Staff{FacilityID: s.FacilityID, HPRID: "71234567890124", Name: "Nurse Asha", PasswordHash: "h3", CreatedAt: ms(3 * time.Hour)}
	must(t, "AddHIPStaff(second)", db.AddHIPStaff(c, later))
	if list, _ := db.HIPStaffList(c, s.FacilityID); len(list) != 2 || list[0].HPRID != s.HPRID || list[1].HPRID != later.HPRID || !list[1].DisabledAt.IsZero() {
		t.Fatalf("HIPStaffList = %+v, want both, oldest first", list)
	}
	if list, err := db.HIPStaffList(c, "IN2810000003"); err != nil || len(list) != 0 {
		t.Fatalf("HIPStaffList(no staff) = %+v, %v, want none", list, err)
	}
	wantCode(t, "SetHIPStaffPassword(missing)", db.SetHIPStaffPassword(c, "IN2810000003", s.HPRID, "x"), arogya.ENOTFOUND)
}
