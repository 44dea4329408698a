package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/sqldb"
)

var hipTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"HIPFacilities", testHIPFacilities},
	{"HIPPatients", testHIPPatients},
	{"HIPRecords", testHIPRecords},
	{"HIPAPIKeys", testHIPAPIKeys},
	{"HIPStaff", testHIPStaff},
	{"HIPTokens", testHIPTokens},
	{"HIPBridge", testHIPBridge},
	{"HIPJobs", testHIPJobs},
	{"HIPJobEffects", testHIPJobEffects},
	{"HIPLinkTokens", testHIPLinkTokens},
}

// testHIPFacilities: a facility is added once, read back with its sealed
// key, and listed by ID.
func testHIPFacilities(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	for _, id := range []string{"IN2810000002", "IN2810000001"} {
		must(t, "AddHIPFacility", db.AddHIPFacility(c, &hip.Facility{ID: id, Name: "Facility " + id, DataKey: []byte{1, 2, 3, 0}, AddedAt: ms(time.Second)}))
	}
	wantCode(t, "AddHIPFacility(again)", db.AddHIPFacility(c, &hip.Facility{ID: "IN2810000001", Name: "x", DataKey: []byte{9}, AddedAt: ms(0)}), arogya.ECONFLICT)
	f, err := db.HIPFacility(c, "IN2810000001")
	must(t, "HIPFacility", err)
	if f.Name != "Facility IN2810000001" || !bytes.Equal(f.DataKey, []byte{1, 2, 3, 0}) || !f.AddedAt.Equal(ms(time.Second)) {
		t.Fatalf("HIPFacility = %+v", f)
	}
	_, err = db.HIPFacility(c, "IN2810000009")
	wantCode(t, "HIPFacility(missing)", err, arogya.ENOTFOUND)
	all, err := db.HIPFacilities(c)
	must(t, "HIPFacilities", err)
	if len(all) != 2 || all[0].ID != "IN2810000001" || all[1].ID != "IN2810000002" {
		t.Fatalf("HIPFacilities: %d, first %+v", len(all), all[0])
	}
}

// testHIPPatients: a patient is upserted by facility and reference and
// found by each identifier, only within its facility.
func testHIPPatients(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	p := &hip.Patient{FacilityID: "IN2810000001", Ref: "MRN-1", Name: "Asha Rao", Gender: "F", BirthDate: "1990-04-01", YearOfBirth: 1990,
		Mobile: "9876543210", ABHANumber: "91111111111111", ABHAAddress: "asha.rao@sbx", CreatedAt: ms(0), UpdatedAt: ms(0)}
	must(t, "PutHIPPatient", db.PutHIPPatient(c, p))
	other := *p
	other.FacilityID, other.Ref = "IN2810000002", "X-9" // the same person at another facility
	must(t, "PutHIPPatient(other facility)", db.PutHIPPatient(c, &other))
	bare := &hip.Patient{FacilityID: "IN2810000001", Ref: "MRN-2", Name: "Ravi", Gender: "M", YearOfBirth: 1980, CreatedAt: ms(0), UpdatedAt: ms(0)}
	must(t, "PutHIPPatient(no identifiers)", db.PutHIPPatient(c, bare))

	upd := *p
	upd.Mobile, upd.UpdatedAt, upd.CreatedAt = "9000000001", ms(time.Hour), ms(time.Hour)
	must(t, "PutHIPPatient(update)", db.PutHIPPatient(c, &upd))
	got, err := db.HIPPatient(c, "IN2810000001", "MRN-1")
	must(t, "HIPPatient", err)
	if got.Mobile != "9000000001" || !got.CreatedAt.Equal(ms(0)) || !got.UpdatedAt.Equal(ms(time.Hour)) || got.BirthDate != "1990-04-01" || got.YearOfBirth != 1990 {
		t.Fatalf("after update: %+v", got)
	}
	_, err = db.HIPPatient(c, "IN2810000001", "MRN-3")
	wantCode(t, "HIPPatient(missing)", err, arogya.ENOTFOUND)

	for _, tc := range []struct {
		number, address, mobile string
		want                    []string
	}{
		{"91111111111111", "", "", []string{"MRN-1"}},
		{"", "asha.rao@sbx", "", []string{"MRN-1"}},
		{"", "", "9000000001", []string{"MRN-1"}},
		{"", "", "9876543210", nil}, // changed
		{"92222222222222", "asha.rao@sbx", "", []string{"MRN-1"}},
		{"", "", "", nil}, // empty identifiers match nobody, not the patient without them
	} {
		ps, err := db.HIPPatientsByIdentifier(c, "IN2810000001", tc.number, tc.address, tc.mobile, 10)
		must(t, "HIPPatientsByIdentifier", err)
		var refs []string
		for _, p := range ps {
			refs = append(refs, p.Ref)
		}
		if fmt.Sprint(refs) != fmt.Sprint(tc.want) {
			t.Errorf("HIPPatientsByIdentifier(%q, %q, %q) = %v, want %v", tc.number, tc.address, tc.mobile, refs, tc.want)
		}
	}
}

// testHIPRecords: the first record of a care context creates it; later
// ones join it; another patient cannot reuse its reference; records come
// back by date within the range asked.
func testHIPRecords(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	cc := func(patient, display string) *hip.CareContext {
		return &hip.CareContext{FacilityID: "IN2810000001", Ref: "VISIT-1", PatientRef: patient, Display: display, CreatedAt: ms(time.Minute)}
	}
	rec := func(id string, day int) *hip.Record {
		return &hip.Record{ID: id, FacilityID: "IN2810000001", ContextRef: "VISIT-1", HIType: "OPConsultation",
			Date: ms(time.Duration(day) * 24 * time.Hour), Sealed: []byte("sealed " + id), CreatedAt: ms(time.Minute)}
	}
	job := func(id string) *hip.Job {
		return &hip.Job{ID: id, Kind: hip.JobLink, FacilityID: "IN2810000001", Path: "link", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)}
	}
	first := cc("MRN-1", "OP visit")
	created, err := db.AddHIPRecord(c, first, rec("r3", 3), job("link:1"))
	must(t, "AddHIPRecord(first)", err)
	if !created {
		t.Fatal("the first record did not create its care context")
	}
	if j, err := db.HIPJob(c, "link:1"); err != nil || j.Status != hip.JobPending {
		t.Fatalf("the new care context's job: %+v %v", j, err)
	}
	again := cc("MRN-1", "another display")
	created, err = db.AddHIPRecord(c, again, rec("r1", 1), job("link:2"))
	must(t, "AddHIPRecord(second)", err)
	if created || again.Display != "OP visit" || !again.CreatedAt.Equal(ms(time.Minute)) {
		t.Fatalf("second record: created %v, care context %+v (want the stored one)", created, again)
	}
	_, err = db.HIPJob(c, "link:2")
	wantCode(t, "HIPJob(not created)", err, arogya.ENOTFOUND)
	_, err = db.AddHIPRecord(c, cc("MRN-2", "x"), rec("r9", 9))
	wantCode(t, "AddHIPRecord(another patient's care context)", err, arogya.ECONFLICT)
	_, err = db.AddHIPRecord(c, cc("MRN-1", "x"), rec("r1", 5))
	wantCode(t, "AddHIPRecord(same ID)", err, arogya.ECONFLICT)
	_, err = db.AddHIPRecord(c, cc("MRN-1", "x"), rec("r2", 2))
	must(t, "AddHIPRecord(third)", err)

	got, err := db.HIPCareContext(c, "IN2810000001", "VISIT-1")
	must(t, "HIPCareContext", err)
	if got.PatientRef != "MRN-1" || got.Display != "OP visit" {
		t.Fatalf("HIPCareContext = %+v", got)
	}
	_, err = db.HIPCareContext(c, "IN2810000002", "VISIT-1")
	wantCode(t, "HIPCareContext(other facility)", err, arogya.ENOTFOUND)
	list, err := db.HIPCareContexts(c, "IN2810000001", "MRN-1")
	must(t, "HIPCareContexts", err)
	if len(list) != 1 || list[0].Ref != "VISIT-1" {
		t.Fatalf("HIPCareContexts = %v", list)
	}

	day := func(n int) time.Time { return ms(time.Duration(n) * 24 * time.Hour) }
	for _, tc := range []struct {
		from, to time.Time
		want     string
	}{
		{time.Time{}, time.Time{}, "[r1 r2 r3]"},
		{day(2), time.Time{}, "[r2 r3]"},
		{time.Time{}, day(3), "[r1 r2]"}, // to is exclusive
		{day(4), day(9), "[]"},
	} {
		rs, err := db.HIPRecords(c, "IN2810000001", "VISIT-1", tc.from, tc.to)
		must(t, "HIPRecords", err)
		ids := []string{}
		for _, r := range rs {
			ids = append(ids, r.ID)
			if string(r.Sealed) != "sealed "+r.ID || r.HIType != "OPConsultation" {
				t.Fatalf("record %s: %+v", r.ID, r)
			}
		}
		if fmt.Sprint(ids) != tc.want {
			t.Errorf("HIPRecords(%v, %v) = %v, want %s", tc.from, tc.to, ids, tc.want)
		}
	}
}

// testHIPAPIKeys: a key is stored and read back by its ID.
func testHIPAPIKeys(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	k := &hip.APIKey{ID: "0123456789abcdef", FacilityID: "IN2810000001", Hash: bytes.Repeat([]byte{7}, 32), Name: "HMIS", CreatedAt: ms(0)}
	must(t, "AddHIPAPIKey", db.AddHIPAPIKey(c, k))
	got, err := db.HIPAPIKey(c, k.ID)
	must(t, "HIPAPIKey", err)
	if got.FacilityID != k.FacilityID || !bytes.Equal(got.Hash, k.Hash) || got.Name != "HMIS" {
		t.Fatalf("HIPAPIKey = %+v", got)
	}
	_, err = db.HIPAPIKey(c, "ffffffffffffffff")
	wantCode(t, "HIPAPIKey(missing)", err, arogya.ENOTFOUND)
}

// testHIPTokens: a facility's queue tokens count from 1 each day, apart
// from other facilities' and other days', and concurrent takers never get
// the same one.
func testHIPTokens(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	next := func(f, day string) int {
		t.Helper()
		n, err := db.NextHIPToken(c, f, day)
		must(t, "NextHIPToken", err)
		return n
	}
	if a, b := next("IN2810000001", "2026-11-30"), next("IN2810000001", "2026-11-30"); a != 1 || b != 2 {
		t.Fatalf("tokens %d, %d; want 1, 2", a, b)
	}
	if n := next("IN2810000002", "2026-11-30"); n != 1 {
		t.Fatalf("another facility's first token: %d", n)
	}
	if n := next("IN2810000001", "2026-12-01"); n != 1 {
		t.Fatalf("the next day's first token: %d", n)
	}
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			n, err := db.NextHIPToken(c, "IN2810000003", "2026-11-30")
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[n] {
				t.Errorf("concurrent token %d, %v", n, err)
			}
			seen[n] = true
		})
	}
	wg.Wait()
	if len(seen) != 20 || !seen[1] || !seen[20] {
		t.Fatalf("20 concurrent takers got %d distinct tokens", len(seen))
	}
}
