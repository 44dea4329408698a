package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// registryTests are the conformance tests of registry.Store; Run runs them
// with the rest.
var registryTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"RegistryFacilityRoundTrip", testRegistryFacilityRoundTrip},
	{"RegistryFacilityConflict", testRegistryFacilityConflict},
	{"RegistryFacilityUpdate", testRegistryFacilityUpdate},
	{"RegistryFacilitiesByID", testRegistryFacilitiesByID},
	{"RegistryFacilityQueue", testRegistryFacilityQueue},
	{"RegistryFacilityFeed", testRegistryFacilityFeed},
	{"RegistryFeedConcurrent", testRegistryFeedConcurrent},
	{"RegistryImportFacilities", testRegistryImportFacilities},
	{"RegistryImportAllOrNothing", testRegistryImportAllOrNothing},
	{"RegistryProfessionalRoundTrip", testRegistryProfessionalRoundTrip},
	{"RegistryProfessionalHandle", testRegistryProfessionalHandle},
	{"RegistryProfessionalUpdate", testRegistryProfessionalUpdate},
	{"RegistryProfessionalLists", testRegistryProfessionalLists},
	{"RegistryImportProfessionals", testRegistryImportProfessionals},
	{"RegistryDrugs", testRegistryDrugs},
	{"RegistryHistory", testRegistryHistory},
	{"RegistryVerifiers", testRegistryVerifiers},
	{"RegistryCounts", testRegistryCounts},
}

// facility returns a complete facility numbered n, submitted at ms(n s).
func facility(n int) *registry.Facility {
	return &registry.Facility{
		ID: fmt.Sprintf("IN27%08d", n), Name: fmt.Sprintf("Sahyadri Hospital %d", n),
		Type: "hospital", Ownership: "private", OwnershipSubType: "trust",
		Systems: []string{"allopathy", "ayurveda"},
		Address: registry.Address{Line: "30-C Karve Road", City: "Pune", StateCode: "27", DistrictCode: "521", PIN: "411004"},
		Lat:     18.5074, Lon: 73.8077, Phone: "02067213000", Email: "info@example.org", Website: "https://example.org",
		Specialities: []string{"cardiology", "oncology"}, Services: []string{"24x7 emergency", "dialysis"},
		Beds: 250, Timings: "24x7", ABDMEnabled: true, ABDMRoles: []string{"HIP", "HIU"},
		DrugLicence: "MH-PZ1-123456", Status: registry.StatusPending, Version: 1,
		SubmittedAt: ms(time.Duration(n) * time.Second), UpdatedAt: ms(time.Duration(n) * time.Second),
	}
}

// professional returns a complete professional numbered n, submitted at
// ms(n s).
func professional(n int) *registry.Professional {
	return &registry.Professional{
		ID: fmt.Sprintf("71%012d", n), Handle: fmt.Sprintf("dr.asha%d", n), Name: "Dr Asha Verma", Gender: "F",
		Category: "doctor", System: "allopathy", Council: "Maharashtra Medical Council", RegistrationNumber: fmt.Sprintf("MMC-%d", n),
		Qualifications: []registry.Qualification{
			{Degree: "MBBS", University: "University of Pune", Year: 2008},
			{Degree: "MD (General Medicine)", University: "AIIMS New Delhi", Year: 2012},
		},
		Specialities: []string{"general-medicine"}, Languages: []string{"en", "hi", "mr"},
		Facilities: []string{"IN2700000001", "IN2700000002"},
		Address:    registry.Address{Line: "12 MG Road", City: "Pune", StateCode: "27", DistrictCode: "521", PIN: "411001"},
		Lat:        18.52, Lon: 73.85, Phone: "9000000001", Email: "asha@example.org",
		Status: registry.StatusPending, Version: 1,
		SubmittedAt: ms(time.Duration(n) * time.Second), UpdatedAt: ms(time.Duration(n) * time.Second),
	}
}

func submitted(kind registry.Kind, id string, at time.Time) registry.HistoryEntry {
	return registry.HistoryEntry{Kind: kind, ID: id, At: at, Actor: "public", Action: "submitted"}
}

func sameFacility(t *testing.T, what string, got, want *registry.Facility) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func sameProfessional(t *testing.T, what string, got, want *registry.Professional) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// facilityIDs returns the IDs of fs, in order.
func facilityIDs(fs []*registry.Facility) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func professionalIDs(ps []*registry.Professional) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// noPersonalData fails if err's message holds any of the values.
func noPersonalData(t *testing.T, what string, err error, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(err.Error(), v) {
			t.Fatalf("%s: error %q reveals %q", what, err, v)
		}
	}
}

func testRegistryFacilityRoundTrip(t *testing.T, db *sqldb.DB) {
	_, err := db.Facility(ctx(t), "IN2799999999")
	wantCode(t, "Facility(missing)", err, arogya.ENOTFOUND)

	full := facility(1)
	full.Name = "सह्याद्री रुग्णालय <Pune> & Co"
	full.Services = []string{`24x7 "emergency"`, `C:\dialysis`, "line\nbreak", "tab\tand\u2028sep", "", "ऑक्सिजन"}
	full.Lat, full.Lon = 12.971598712345678, -0.000000123
	// Times are stored at millisecond precision in UTC and written back so.
	ist := time.FixedZone("IST", 5*3600+1800)
	full.SubmittedAt = time.Date(2026, 3, 14, 15, 0, 0, 123_456_789, ist)
	full.UpdatedAt = full.SubmittedAt.Add(time.Hour)

	tests := []struct {
		name string
		f    *registry.Facility
	}{
		{"full", full},
		{"zero values", &registry.Facility{ID: "IN2700000002"}},
		{"single elements", &registry.Facility{ID: "IN2700000003", Systems: []string{"homoeopathy"},
			ABDMRoles: []string{"HIU"}, Lat: 1e-9, Lon: 179.999999999, Beds: 1, Status: registry.StatusRejected,
			Reason: "incomplete", Version: 7, SubmittedAt: ms(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			must(t, "CreateFacility", db.CreateFacility(ctx(t), tt.f, submitted(registry.KindFacility, tt.f.ID, ms(0))))
			if tt.f.Seq <= 0 {
				t.Fatalf("CreateFacility set Seq %d, want > 0", tt.f.Seq)
			}
			got, err := db.Facility(ctx(t), tt.f.ID)
			must(t, "Facility", err)
			sameFacility(t, "Facility", got, tt.f)
			byID, err := db.FacilitiesByID(ctx(t), []string{tt.f.ID})
			must(t, "FacilitiesByID", err)
			if len(byID) != 1 {
				t.Fatalf("FacilitiesByID returned %d, want 1", len(byID))
			}
			sameFacility(t, "FacilitiesByID", byID[0], tt.f)
			since, err := db.FacilitiesSince(ctx(t), tt.f.Seq-1, 1)
			must(t, "FacilitiesSince", err)
			if len(since) != 1 {
				t.Fatalf("FacilitiesSince returned %d, want 1", len(since))
			}
			sameFacility(t, "FacilitiesSince", since[0], tt.f)
		})
	}
	want := time.Date(2026, 3, 14, 9, 30, 0, 123_000_000, time.UTC)
	if !full.SubmittedAt.Equal(want) || full.SubmittedAt.Location() != time.UTC {
		t.Fatalf("SubmittedAt written back as %v, want %v", full.SubmittedAt, want)
	}
}

func testRegistryFacilityConflict(t *testing.T, db *sqldb.DB) {
	first := facility(1)
	must(t, "CreateFacility", db.CreateFacility(ctx(t), first, submitted(registry.KindFacility, first.ID, ms(0))))
	dup := facility(1)
	dup.Name, dup.Phone = "Another Name", "02000000000"
	err := db.CreateFacility(ctx(t), dup, submitted(registry.KindFacility, dup.ID, ms(0)))
	wantCode(t, "CreateFacility(duplicate ID)", err, arogya.ECONFLICT)
	noPersonalData(t, "CreateFacility(duplicate ID)", err, dup.ID, dup.Name, dup.Phone)
	if dup.Seq != 0 {
		t.Fatalf("failed CreateFacility set Seq %d", dup.Seq)
	}
	got, err := db.Facility(ctx(t), first.ID)
	must(t, "Facility", err)
	sameFacility(t, "after failed create", got, first)
	hist, err := db.History(ctx(t), registry.KindFacility, first.ID)
	must(t, "History", err)
	if len(hist) != 1 {
		t.Fatalf("failed create left history: %d entries, want 1", len(hist))
	}
	next := facility(2)
	must(t, "CreateFacility(next)", db.CreateFacility(ctx(t), next, submitted(registry.KindFacility, next.ID, ms(0))))
	if next.Seq <= first.Seq {
		t.Fatalf("Seq after a failed create = %d, want > %d", next.Seq, first.Seq)
	}
}

func testRegistryFacilityUpdate(t *testing.T, db *sqldb.DB) {
	f := facility(1)
	must(t, "CreateFacility", db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, ms(0))))
	other := facility(2)
	must(t, "CreateFacility(other)", db.CreateFacility(ctx(t), other, submitted(registry.KindFacility, other.ID, ms(0))))

	upd := *f
	upd.Status, upd.Reason, upd.Version = registry.StatusVerified, "", 2
	upd.Systems, upd.Services, upd.ABDMRoles, upd.ABDMEnabled = []string{"unani"}, nil, nil, false
	upd.Lat, upd.Lon, upd.Beds, upd.Name = 19.07, 72.87, 0, "Renamed"
	upd.UpdatedAt = ms(time.Hour)
	must(t, "UpdateFacility", db.UpdateFacility(ctx(t), &upd, registry.HistoryEntry{
		Kind: registry.KindFacility, ID: f.ID, At: ms(time.Hour), Actor: "verifier:vrf-000000000001", Action: "verified"}))
	if upd.Seq <= other.Seq {
		t.Fatalf("UpdateFacility set Seq %d, want > %d (after the last write)", upd.Seq, other.Seq)
	}
	got, err := db.Facility(ctx(t), f.ID)
	must(t, "Facility", err)
	sameFacility(t, "after update", got, &upd)

	// Compare and swap: each of these expects a stored version that is not 2.
	for _, tt := range []struct {
		name    string
		id      string
		version int64
		code    string
	}{
		{"stale", f.ID, 2, arogya.ECONFLICT}, // stored is 2, not 1
		{"ahead", f.ID, 5, arogya.ECONFLICT}, // stored is 2, not 4
		{"same", f.ID, 1, arogya.ECONFLICT},  // stored is 2, not 0
		{"missing", "IN2799999999", 2, arogya.ENOTFOUND},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stale := *f
			stale.ID, stale.Version, stale.Status, stale.Name, stale.Seq = tt.id, tt.version, registry.StatusRejected, "Stale", 0
			err := db.UpdateFacility(ctx(t), &stale, registry.HistoryEntry{At: ms(2 * time.Hour), Actor: "operator", Action: "rejected"})
			wantCode(t, "UpdateFacility", err, tt.code)
			noPersonalData(t, "UpdateFacility", err, "Stale")
			if stale.Seq != 0 {
				t.Fatalf("failed update set Seq %d", stale.Seq)
			}
			got, err := db.Facility(ctx(t), f.ID)
			must(t, "Facility", err)
			sameFacility(t, "after failed update", got, &upd)
		})
	}

	hist, err := db.History(ctx(t), registry.KindFacility, f.ID)
	must(t, "History", err)
	var actions []string
	for _, h := range hist {
		actions = append(actions, h.Action)
	}
	if want := []string{"submitted", "verified"}; !reflect.DeepEqual(actions, want) {
		t.Fatalf("History actions = %v, want %v", actions, want)
	}
	// The feed has each facility once, at its latest seq.
	feed, err := db.FacilitiesSince(ctx(t), 0, 10)
	must(t, "FacilitiesSince", err)
	if ids := facilityIDs(feed); !reflect.DeepEqual(ids, []string{other.ID, f.ID}) {
		t.Fatalf("FacilitiesSince = %v, want [%s %s]", ids, other.ID, f.ID)
	}
	// A failed update took no seq: the next write follows the update.
	next := facility(3)
	must(t, "CreateFacility(next)", db.CreateFacility(ctx(t), next, submitted(registry.KindFacility, next.ID, ms(0))))
	if next.Seq <= upd.Seq {
		t.Fatalf("Seq after failed updates = %d, want > %d", next.Seq, upd.Seq)
	}
}

func testRegistryFacilitiesByID(t *testing.T, db *sqldb.DB) {
	fs := make([]*registry.Facility, 300)
	for i := range fs {
		fs[i] = facility(i)
	}
	must(t, "ImportFacilities", db.ImportFacilities(ctx(t), fs, nil))
	reversed := make([]string, 0, len(fs))
	for i := len(fs) - 1; i >= 0; i-- {
		reversed = append(reversed, fs[i].ID)
	}
	for _, tt := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"none", nil, nil},
		{"missing only", []string{"IN2799999999"}, nil},
		{"order kept, missing skipped, repeats once",
			[]string{fs[3].ID, "IN2799999999", fs[1].ID, fs[3].ID, fs[250].ID},
			[]string{fs[3].ID, fs[1].ID, fs[250].ID}},
		{"page", reversed[:100], reversed[:100]},
		{"more than a page", reversed, reversed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.FacilitiesByID(ctx(t), tt.ids)
			must(t, "FacilitiesByID", err)
			if ids := facilityIDs(got); len(ids) != len(tt.want) || (len(ids) > 0 && !reflect.DeepEqual(ids, tt.want)) {
				t.Fatalf("FacilitiesByID = %v, want %v", ids, tt.want)
			}
		})
	}
	got, err := db.FacilitiesByID(ctx(t), []string{fs[42].ID})
	must(t, "FacilitiesByID", err)
	sameFacility(t, "FacilitiesByID", got[0], fs[42])
}

func testRegistryFacilityQueue(t *testing.T, db *sqldb.DB) {
	// number, state, status, submitted at (seconds)
	entries := []struct {
		n      int
		state  string
		status registry.Status
		at     int
	}{
		{1, "27", registry.StatusPending, 30},
		{2, "27", registry.StatusPending, 10},
		{3, "27", registry.StatusPending, 20},
		{4, "27", registry.StatusPending, 20}, // same time as 3: by ID
		{5, "29", registry.StatusPending, 5},
		{6, "27", registry.StatusVerified, 1},
		{7, "29", registry.StatusRejected, 2},
		{8, "27", registry.StatusPending, 40},
	}
	byN := map[int]*registry.Facility{}
	for _, e := range entries {
		f := facility(e.n)
		f.Address.StateCode, f.Status, f.SubmittedAt = e.state, e.status, ms(time.Duration(e.at)*time.Second)
		must(t, "CreateFacility", db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, f.SubmittedAt)))
		byN[e.n] = f
	}
	ids := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, byN[n].ID)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		status registry.Status
		state  string
		after  string
		limit  int
		want   []string
	}{
		{"pending in 27", registry.StatusPending, "27", "", 10, ids(2, 3, 4, 1, 8)},
		{"pending everywhere", registry.StatusPending, "", "", 10, ids(5, 2, 3, 4, 1, 8)},
		{"limit", registry.StatusPending, "27", "", 2, ids(2, 3)},
		{"after a tie", registry.StatusPending, "27", byN[3].ID, 10, ids(4, 1, 8)},
		{"after", registry.StatusPending, "", byN[4].ID, 2, ids(1, 8)},
		{"after the last", registry.StatusPending, "27", byN[8].ID, 10, nil},
		{"unknown cursor", registry.StatusPending, "27", "IN2799999999", 10, nil},
		{"verified", registry.StatusVerified, "", "", 10, ids(6)},
		{"rejected in 29", registry.StatusRejected, "29", "", 10, ids(7)},
		{"rejected in 27", registry.StatusRejected, "27", "", 10, nil},
		{"zero limit", registry.StatusPending, "", "", 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.FacilitiesByStatus(ctx(t), tt.status, tt.state, tt.after, tt.limit)
			must(t, "FacilitiesByStatus", err)
			if g := facilityIDs(got); len(g) != len(tt.want) || (len(g) > 0 && !reflect.DeepEqual(g, tt.want)) {
				t.Fatalf("FacilitiesByStatus = %v, want %v", g, tt.want)
			}
		})
	}

	// Paging one at a time visits each once, in order, even when the
	// cursor's own entry leaves the queue between pages.
	var paged []string
	after := ""
	for {
		page, err := db.FacilitiesByStatus(ctx(t), registry.StatusPending, "", after, 1)
		must(t, "FacilitiesByStatus(page)", err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].ID)
		after = page[0].ID
		if after == byN[3].ID {
			v := *byN[3]
			v.Status, v.Version = registry.StatusVerified, 2
			must(t, "UpdateFacility", db.UpdateFacility(ctx(t), &v, registry.HistoryEntry{At: ms(time.Hour), Actor: "operator", Action: "verified"}))
		}
		if len(paged) > len(entries) {
			t.Fatalf("paging does not end: %v", paged)
		}
	}
	if want := ids(5, 2, 3, 4, 1, 8); !reflect.DeepEqual(paged, want) {
		t.Fatalf("paged = %v, want %v", paged, want)
	}
	got, err := db.FacilitiesByStatus(ctx(t), registry.StatusPending, "27", "", 10)
	must(t, "FacilitiesByStatus", err)
	if g, want := facilityIDs(got), ids(2, 4, 1, 8); !reflect.DeepEqual(g, want) {
		t.Fatalf("after verifying one, queue = %v, want %v", g, want)
	}
	sameFacility(t, "queue entry", got[0], byN[2])
}

func testRegistryFacilityFeed(t *testing.T, db *sqldb.DB) {
	got, err := db.FacilitiesSince(ctx(t), 0, 10)
	must(t, "FacilitiesSince(empty)", err)
	if len(got) != 0 {
		t.Fatalf("FacilitiesSince on an empty store = %d rows", len(got))
	}
	a, b := facility(1), facility(2)
	must(t, "CreateFacility(a)", db.CreateFacility(ctx(t), a, submitted(registry.KindFacility, a.ID, ms(0))))
	must(t, "CreateFacility(b)", db.CreateFacility(ctx(t), b, submitted(registry.KindFacility, b.ID, ms(0))))
	imported := []*registry.Facility{facility(3), facility(4), facility(5)}
	must(t, "ImportFacilities", db.ImportFacilities(ctx(t), imported, nil))
	a.Version, a.Status = 2, registry.StatusVerified
	must(t, "UpdateFacility(a)", db.UpdateFacility(ctx(t), a, registry.HistoryEntry{At: ms(time.Hour), Actor: "operator", Action: "verified"}))
	f := facility(6)
	must(t, "CreateFacility(f)", db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, ms(0))))
	// Other feeds do not disturb this one's order.
	p := professional(1)
	must(t, "CreateProfessional", db.CreateProfessional(ctx(t), p, submitted(registry.KindProfessional, p.ID, ms(0))))
	must(t, "PutDrugs", db.PutDrugs(ctx(t), []*registry.Drug{{ID: "paracetamol-tablet-500-mg"}}))

	want := []*registry.Facility{b, imported[0], imported[1], imported[2], a, f}
	for i := 1; i < len(want); i++ {
		if want[i].Seq <= want[i-1].Seq {
			t.Fatalf("seq %d (%s) after %d (%s): not increasing", want[i].Seq, want[i].ID, want[i-1].Seq, want[i-1].ID)
		}
	}
	for i := 1; i < len(imported); i++ {
		if imported[i].Seq != imported[i-1].Seq+1 {
			t.Fatalf("imported seqs %d, %d: not one block", imported[i-1].Seq, imported[i].Seq)
		}
	}
	all, err := db.FacilitiesSince(ctx(t), 0, 100)
	must(t, "FacilitiesSince", err)
	if len(all) != len(want) {
		t.Fatalf("FacilitiesSince = %v, want %v", facilityIDs(all), facilityIDs(want))
	}
	for i := range want {
		sameFacility(t, fmt.Sprintf("FacilitiesSince[%d]", i), all[i], want[i])
	}
	// Paging by the last seq seen walks the same feed.
	var walked []string
	for last := int64(0); ; {
		page, err := db.FacilitiesSince(ctx(t), last, 4)
		must(t, "FacilitiesSince(page)", err)
		if len(page) == 0 {
			break
		}
		walked = append(walked, facilityIDs(page)...)
		last = page[len(page)-1].Seq
	}
	if !reflect.DeepEqual(walked, facilityIDs(want)) {
		t.Fatalf("paged feed = %v, want %v", walked, facilityIDs(want))
	}
	rest, err := db.FacilitiesSince(ctx(t), f.Seq, 10)
	must(t, "FacilitiesSince(last)", err)
	zero, err := db.FacilitiesSince(ctx(t), 0, 0)
	must(t, "FacilitiesSince(limit 0)", err)
	if len(rest) != 0 || len(zero) != 0 {
		t.Fatalf("FacilitiesSince past the end = %d rows, with limit 0 = %d rows", len(rest), len(zero))
	}
}

// testRegistryFeedConcurrent follows the feed while several writers create
// and update: a poller that keeps only the last seq it saw must still see
// every facility's final state, which holds only if seqs are given in
// commit order.
func testRegistryFeedConcurrent(t *testing.T, db *sqldb.DB) {
	const writers, each = 4, 20
	var (
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				f := facility(w*1000 + i)
				if err := db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, ms(0))); err != nil {
					t.Errorf("CreateFacility: %v", err)
					return
				}
				if i%2 == 0 {
					f.Version, f.Status = 2, registry.StatusVerified
					if err := db.UpdateFacility(ctx(t), f, registry.HistoryEntry{At: ms(0), Actor: "operator", Action: "verified"}); err != nil {
						t.Errorf("UpdateFacility: %v", err)
						return
					}
				}
				if i%5 == 0 {
					batch := []*registry.Facility{facility(100_000 + w*1000 + i), facility(200_000 + w*1000 + i)}
					if err := db.ImportFacilities(ctx(t), batch, nil); err != nil {
						t.Errorf("ImportFacilities: %v", err)
						return
					}
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	seen := map[string]int64{}
	var last int64
	poll := func() int {
		page, err := db.FacilitiesSince(ctx(t), last, 7)
		if err != nil {
			t.Fatalf("FacilitiesSince: %v", err)
		}
		for _, f := range page {
			if f.Seq <= last {
				t.Fatalf("FacilitiesSince(%d) returned seq %d", last, f.Seq)
			}
			last, seen[f.ID] = f.Seq, f.Seq
		}
		return len(page)
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			poll()
		}
	}
	for poll() > 0 {
	}
	final, err := db.FacilitiesSince(ctx(t), 0, 10_000)
	must(t, "FacilitiesSince", err)
	if want := writers * (each + 2*((each+4)/5)); len(final) != want {
		t.Fatalf("%d facilities, want %d", len(final), want)
	}
	for _, f := range final {
		if seen[f.ID] != f.Seq {
			t.Fatalf("the poller saw %s last at seq %d, but its final seq is %d: a write committed behind the poller", f.ID, seen[f.ID], f.Seq)
		}
	}
}

func testRegistryImportFacilities(t *testing.T, db *sqldb.DB) {
	must(t, "ImportFacilities(empty)", db.ImportFacilities(ctx(t), nil, nil))
	before := facility(999_999)
	must(t, "CreateFacility", db.CreateFacility(ctx(t), before, submitted(registry.KindFacility, before.ID, ms(0))))
	const n = 2500
	fs := make([]*registry.Facility, n)
	hs := make([]registry.HistoryEntry, n)
	for i := range fs {
		fs[i] = facility(i)
		fs[i].Status = registry.StatusVerified
		if i%7 == 0 {
			fs[i].Services, fs[i].Specialities, fs[i].Lat, fs[i].Lon = nil, nil, 0, 0
		}
		hs[i] = registry.HistoryEntry{Kind: registry.KindFacility, ID: fs[i].ID, At: ms(time.Minute), Actor: "import", Action: "imported"}
	}
	must(t, "ImportFacilities", db.ImportFacilities(ctx(t), fs, hs))
	for i, f := range fs {
		if f.Seq != before.Seq+1+int64(i) {
			t.Fatalf("facility %d has seq %d, want %d: one block after the last write, in order", i, f.Seq, before.Seq+1+int64(i))
		}
	}
	nf, np, err := db.RegistryCounts(ctx(t))
	must(t, "RegistryCounts", err)
	if nf != n+1 || np != 0 {
		t.Fatalf("RegistryCounts = %d, %d; want %d, 0", nf, np, n+1)
	}
	for _, i := range []int{0, 1, 7, 1234, n - 1} {
		got, err := db.Facility(ctx(t), fs[i].ID)
		must(t, "Facility", err)
		sameFacility(t, "imported facility", got, fs[i])
		hist, err := db.History(ctx(t), registry.KindFacility, fs[i].ID)
		must(t, "History", err)
		if len(hist) != 1 || hist[0] != hs[i] {
			t.Fatalf("History = %+v, want [%+v]", hist, hs[i])
		}
	}
	// The whole import reads back through the feed in batches.
	count, last := 0, before.Seq
	for {
		page, err := db.FacilitiesSince(ctx(t), last, 1000)
		must(t, "FacilitiesSince", err)
		if len(page) == 0 {
			break
		}
		for _, f := range page {
			sameFacility(t, "feed", f, fs[count])
			count++
		}
		last = page[len(page)-1].Seq
	}
	if count != n {
		t.Fatalf("feed after import has %d rows, want %d", count, n)
	}
}

func testRegistryImportAllOrNothing(t *testing.T, db *sqldb.DB) {
	existing := facility(1)
	must(t, "CreateFacility", db.CreateFacility(ctx(t), existing, submitted(registry.KindFacility, existing.ID, ms(0))))
	batch := func(ns ...int) ([]*registry.Facility, []registry.HistoryEntry) {
		var fs []*registry.Facility
		var hs []registry.HistoryEntry
		for _, n := range ns {
			f := facility(n)
			fs = append(fs, f)
			hs = append(hs, registry.HistoryEntry{Kind: registry.KindFacility, ID: f.ID, At: ms(0), Actor: "import", Action: "imported"})
		}
		return fs, hs
	}
	big := make([]int, 0, 1200)
	for i := range 1200 {
		big = append(big, 100+i)
	}
	for _, tt := range []struct {
		name string
		ns   []int
	}{
		{"duplicate in the batch", []int{2, 3, 2, 4}},
		{"existing ID", []int{5, 6, 1, 7}},
		{"duplicate late in a big batch", append(big, 150)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, hs := batch(tt.ns...)
			err := db.ImportFacilities(ctx(t), fs, hs)
			wantCode(t, "ImportFacilities", err, arogya.ECONFLICT)
			noPersonalData(t, "ImportFacilities", err, fs[0].ID, fs[0].Name)
			for _, f := range fs {
				if f.Seq != 0 {
					t.Fatalf("failed import set Seq %d on %s", f.Seq, f.ID)
				}
			}
			nf, _, err := db.RegistryCounts(ctx(t))
			must(t, "RegistryCounts", err)
			if nf != 1 {
				t.Fatalf("after a failed import %d facilities, want 1 (all or nothing)", nf)
			}
			if hist, err := db.History(ctx(t), registry.KindFacility, fs[1].ID); err != nil || len(hist) != 0 {
				t.Fatalf("after a failed import History = %v, %v; want none", hist, err)
			}
			if rest, err := db.FacilitiesSince(ctx(t), existing.Seq, 10); err != nil || len(rest) != 0 {
				t.Fatalf("after a failed import the feed has %d more rows (%v)", len(rest), err)
			}
			got, err := db.Facility(ctx(t), existing.ID)
			must(t, "Facility", err)
			sameFacility(t, "existing facility", got, existing)
		})
	}
	fs, hs := batch(2, 3, 4)
	must(t, "ImportFacilities(after failures)", db.ImportFacilities(ctx(t), fs, hs))
	if fs[0].Seq <= existing.Seq {
		t.Fatalf("import after failures has seq %d, want > %d", fs[0].Seq, existing.Seq)
	}
}

func testRegistryProfessionalRoundTrip(t *testing.T, db *sqldb.DB) {
	_, err := db.Professional(ctx(t), "71000000000099")
	wantCode(t, "Professional(missing)", err, arogya.ENOTFOUND)
	full := professional(1)
	full.Name = "डॉ. आशा वर्मा"
	full.Qualifications = append(full.Qualifications, registry.Qualification{Degree: `Diploma "Tropical" \ Medicine`, University: "LSHTM", Year: 0})
	full.Languages = []string{"mr", "", `q"uote`}
	for _, p := range []*registry.Professional{
		full,
		{ID: "71000000000002"},
		{ID: "71000000000003", Handle: "x", Qualifications: []registry.Qualification{{}}, Lat: -1.5, Lon: 1e-12,
			Status: registry.StatusVerified, Version: 3, UpdatedAt: ms(0)},
	} {
		must(t, "CreateProfessional", db.CreateProfessional(ctx(t), p, submitted(registry.KindProfessional, p.ID, ms(0))))
		if p.Seq <= 0 {
			t.Fatalf("CreateProfessional set Seq %d", p.Seq)
		}
		got, err := db.Professional(ctx(t), p.ID)
		must(t, "Professional", err)
		sameProfessional(t, "Professional", got, p)
		if p.Handle != "" {
			got, err := db.ProfessionalByHandle(ctx(t), p.Handle)
			must(t, "ProfessionalByHandle", err)
			sameProfessional(t, "ProfessionalByHandle", got, p)
		}
		since, err := db.ProfessionalsSince(ctx(t), p.Seq-1, 5)
		must(t, "ProfessionalsSince", err)
		if len(since) != 1 {
			t.Fatalf("ProfessionalsSince returned %d, want 1", len(since))
		}
		sameProfessional(t, "ProfessionalsSince", since[0], p)
	}
}

func testRegistryProfessionalHandle(t *testing.T, db *sqldb.DB) {
	p := professional(1)
	must(t, "CreateProfessional", db.CreateProfessional(ctx(t), p, submitted(registry.KindProfessional, p.ID, ms(0))))
	for _, tt := range []struct {
		name string
		p    *registry.Professional
	}{
		{"same ID", func() *registry.Professional { q := professional(1); q.Handle = "other"; return q }()},
		{"same handle", func() *registry.Professional { q := professional(2); q.Handle = p.Handle; return q }()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := db.CreateProfessional(ctx(t), tt.p, submitted(registry.KindProfessional, tt.p.ID, ms(0)))
			wantCode(t, "CreateProfessional", err, arogya.ECONFLICT)
			noPersonalData(t, "CreateProfessional", err, tt.p.ID, tt.p.Handle, tt.p.Name, tt.p.Phone)
		})
	}
	// Entries without a handle do not collide.
	for _, n := range []int{3, 4} {
		q := professional(n)
		q.Handle = ""
		must(t, "CreateProfessional(no handle)", db.CreateProfessional(ctx(t), q, submitted(registry.KindProfessional, q.ID, ms(0))))
	}
	_, err := db.ProfessionalByHandle(ctx(t), "")
	wantCode(t, "ProfessionalByHandle(empty)", err, arogya.ENOTFOUND)
	_, err = db.ProfessionalByHandle(ctx(t), "nobody")
	wantCode(t, "ProfessionalByHandle(missing)", err, arogya.ENOTFOUND)
	// Taking another's handle in an update is a conflict too.
	q := professional(3)
	q.Handle, q.Version = p.Handle, 2
	err = db.UpdateProfessional(ctx(t), q, registry.HistoryEntry{At: ms(0), Actor: "operator", Action: "updated"})
	wantCode(t, "UpdateProfessional(taken handle)", err, arogya.ECONFLICT)
	nf, np, err := db.RegistryCounts(ctx(t))
	must(t, "RegistryCounts", err)
	if nf != 0 || np != 3 {
		t.Fatalf("RegistryCounts = %d, %d; want 0, 3", nf, np)
	}
}

func testRegistryProfessionalUpdate(t *testing.T, db *sqldb.DB) {
	p := professional(1)
	must(t, "CreateProfessional", db.CreateProfessional(ctx(t), p, submitted(registry.KindProfessional, p.ID, ms(0))))
	upd := *p
	upd.Handle, upd.Status, upd.Reason, upd.Version = "dr.asha.verma", registry.StatusRejected, "registration not found", 2
	upd.Qualifications, upd.Languages, upd.Facilities = nil, []string{"kn"}, nil
	upd.UpdatedAt = ms(time.Hour)
	must(t, "UpdateProfessional", db.UpdateProfessional(ctx(t), &upd, registry.HistoryEntry{At: ms(time.Hour), Actor: "operator", Action: "rejected", Reason: upd.Reason}))
	if upd.Seq <= p.Seq {
		t.Fatalf("UpdateProfessional set Seq %d, want > %d", upd.Seq, p.Seq)
	}
	got, err := db.Professional(ctx(t), p.ID)
	must(t, "Professional", err)
	sameProfessional(t, "after update", got, &upd)
	got, err = db.ProfessionalByHandle(ctx(t), "dr.asha.verma")
	must(t, "ProfessionalByHandle(new)", err)
	sameProfessional(t, "by new handle", got, &upd)
	_, err = db.ProfessionalByHandle(ctx(t), p.Handle)
	wantCode(t, "ProfessionalByHandle(old)", err, arogya.ENOTFOUND)

	stale := *p // version 1: stored is 2
	stale.Version = 2
	wantCode(t, "UpdateProfessional(stale)", db.UpdateProfessional(ctx(t), &stale, registry.HistoryEntry{At: ms(0), Actor: "operator", Action: "verified"}), arogya.ECONFLICT)
	missing := professional(9)
	missing.Version = 2
	wantCode(t, "UpdateProfessional(missing)", db.UpdateProfessional(ctx(t), missing, registry.HistoryEntry{At: ms(0), Actor: "operator", Action: "verified"}), arogya.ENOTFOUND)
	got, err = db.Professional(ctx(t), p.ID)
	must(t, "Professional", err)
	sameProfessional(t, "after failed updates", got, &upd)
	hist, err := db.History(ctx(t), registry.KindProfessional, p.ID)
	must(t, "History", err)
	if len(hist) != 2 || hist[1].Action != "rejected" || hist[1].Reason != upd.Reason {
		t.Fatalf("History = %+v", hist)
	}
}

func testRegistryProfessionalLists(t *testing.T, db *sqldb.DB) {
	ps := make([]*registry.Professional, 0, 8)
	for n := 1; n <= 8; n++ {
		p := professional(n)
		p.SubmittedAt = ms(time.Duration(10-n) * time.Second) // newest first by number
		if n%2 == 0 {
			p.Address.StateCode = "29"
		}
		if n == 8 {
			p.Status = registry.StatusVerified
		}
		ps = append(ps, p)
	}
	must(t, "ImportProfessionals", db.ImportProfessionals(ctx(t), ps, nil))
	got, err := db.ProfessionalsByID(ctx(t), []string{ps[4].ID, "71000000000099", ps[0].ID, ps[4].ID})
	must(t, "ProfessionalsByID", err)
	if ids := professionalIDs(got); !reflect.DeepEqual(ids, []string{ps[4].ID, ps[0].ID}) {
		t.Fatalf("ProfessionalsByID = %v", ids)
	}
	sameProfessional(t, "ProfessionalsByID", got[0], ps[4])
	if got, err := db.ProfessionalsByID(ctx(t), nil); err != nil || len(got) != 0 {
		t.Fatalf("ProfessionalsByID(nil) = %v, %v", got, err)
	}
	for _, tt := range []struct {
		name         string
		state, after string
		limit        int
		want         []string
	}{
		{"29", "29", "", 10, []string{ps[5].ID, ps[3].ID, ps[1].ID}},
		{"all", "", "", 3, []string{ps[6].ID, ps[5].ID, ps[4].ID}},
		{"after", "27", ps[4].ID, 10, []string{ps[2].ID, ps[0].ID}},
		{"zero limit", "", "", 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ProfessionalsByStatus(ctx(t), registry.StatusPending, tt.state, tt.after, tt.limit)
			must(t, "ProfessionalsByStatus", err)
			if ids := professionalIDs(got); len(ids) != len(tt.want) || (len(ids) > 0 && !reflect.DeepEqual(ids, tt.want)) {
				t.Fatalf("ProfessionalsByStatus = %v, want %v", ids, tt.want)
			}
		})
	}
	verified, err := db.ProfessionalsByStatus(ctx(t), registry.StatusVerified, "29", "", 10)
	must(t, "ProfessionalsByStatus(verified)", err)
	if len(verified) != 1 {
		t.Fatalf("verified = %v", professionalIDs(verified))
	}
	sameProfessional(t, "verified", verified[0], ps[7])
	feed, err := db.ProfessionalsSince(ctx(t), 0, 100)
	must(t, "ProfessionalsSince", err)
	if ids := professionalIDs(feed); !reflect.DeepEqual(ids, professionalIDs(ps)) {
		t.Fatalf("ProfessionalsSince = %v, want import order", ids)
	}
	zero, err := db.ProfessionalsSince(ctx(t), 0, 0)
	must(t, "ProfessionalsSince(0)", err)
	if len(zero) != 0 {
		t.Fatal("ProfessionalsSince with limit 0 returned rows")
	}
}

func testRegistryImportProfessionals(t *testing.T, db *sqldb.DB) {
	const n = 1500
	ps := make([]*registry.Professional, n)
	hs := make([]registry.HistoryEntry, 0, n)
	for i := range ps {
		ps[i] = professional(i)
		if i%10 == 0 {
			ps[i].Handle = "" // several without a handle
		}
		hs = append(hs, registry.HistoryEntry{Kind: registry.KindProfessional, ID: ps[i].ID, At: ms(0), Actor: "import", Action: "imported"})
	}
	must(t, "ImportProfessionals", db.ImportProfessionals(ctx(t), ps, hs))
	for i := 1; i < n; i++ {
		if ps[i].Seq != ps[i-1].Seq+1 {
			t.Fatalf("import seqs not one block: %d then %d", ps[i-1].Seq, ps[i].Seq)
		}
	}
	for _, i := range []int{0, 1, 999, n - 1} {
		got, err := db.Professional(ctx(t), ps[i].ID)
		must(t, "Professional", err)
		sameProfessional(t, "imported", got, ps[i])
	}
	got, err := db.ProfessionalByHandle(ctx(t), ps[777].Handle)
	must(t, "ProfessionalByHandle", err)
	sameProfessional(t, "imported by handle", got, ps[777])

	for _, tt := range []struct {
		name  string
		batch func() []*registry.Professional
	}{
		{"duplicate handle in the batch", func() []*registry.Professional {
			a, b := professional(5001), professional(5002)
			b.Handle = a.Handle
			return []*registry.Professional{a, b}
		}},
		{"existing handle", func() []*registry.Professional {
			a, b := professional(5001), professional(5002)
			b.Handle = ps[3].Handle
			return []*registry.Professional{a, b}
		}},
		{"existing ID", func() []*registry.Professional { return []*registry.Professional{professional(5001), professional(3)} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			batch := tt.batch()
			hs := []registry.HistoryEntry{{Kind: registry.KindProfessional, ID: batch[0].ID, At: ms(0), Actor: "import", Action: "imported"}}
			err := db.ImportProfessionals(ctx(t), batch, hs)
			wantCode(t, "ImportProfessionals", err, arogya.ECONFLICT)
			noPersonalData(t, "ImportProfessionals", err, batch[1].Handle, batch[1].ID)
			_, np, err := db.RegistryCounts(ctx(t))
			must(t, "RegistryCounts", err)
			if np != n {
				t.Fatalf("after a failed import %d professionals, want %d", np, n)
			}
			if hist, err := db.History(ctx(t), registry.KindProfessional, batch[0].ID); err != nil || len(hist) != 0 {
				t.Fatalf("after a failed import History = %v, %v", hist, err)
			}
		})
	}
}

func testRegistryDrugs(t *testing.T, db *sqldb.DB) {
	_, err := db.Drug(ctx(t), "missing")
	wantCode(t, "Drug(missing)", err, arogya.ENOTFOUND)
	must(t, "PutDrugs(none)", db.PutDrugs(ctx(t), nil))
	para := &registry.Drug{ID: "paracetamol-tablet-500-mg", Generic: "Paracetamol", Brands: []string{"Crocin", "Dolo 650", "Calpol"},
		Form: "tablet", Strength: "500 mg", Route: "oral", Schedule: "OTC", Manufacturer: "GSK", ATC: "N02BE01", UpdatedAt: ms(0)}
	amox := &registry.Drug{ID: "amoxicillin-syrup-250-mg-5-ml", Generic: "Amoxicillin", Brands: []string{"Mox"},
		Form: "syrup", Strength: "250 mg/5 ml", Route: "oral", Schedule: "H", UpdatedAt: ms(time.Second)}
	bare := &registry.Drug{ID: "bare"}
	must(t, "PutDrugs", db.PutDrugs(ctx(t), []*registry.Drug{para, amox, bare}))
	if !(para.Seq > 0 && amox.Seq == para.Seq+1 && bare.Seq == amox.Seq+1) {
		t.Fatalf("PutDrugs seqs %d %d %d, want consecutive in order", para.Seq, amox.Seq, bare.Seq)
	}
	for _, d := range []*registry.Drug{para, amox, bare} {
		got, err := db.Drug(ctx(t), d.ID)
		must(t, "Drug", err)
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("Drug:\n got  %+v\n want %+v", got, d)
		}
	}
	// Replace: every field, and a new seq.
	para2 := &registry.Drug{ID: para.ID, Generic: "Paracetamol", Brands: nil, Form: "tablet", Strength: "500 mg", Schedule: "OTC", UpdatedAt: ms(time.Hour)}
	dup1 := &registry.Drug{ID: "dup", Generic: "first"}
	dup2 := &registry.Drug{ID: "dup", Generic: "second"}
	must(t, "PutDrugs(replace)", db.PutDrugs(ctx(t), []*registry.Drug{para2, dup1, dup2}))
	if para2.Seq <= bare.Seq {
		t.Fatalf("replaced drug has seq %d, want > %d", para2.Seq, bare.Seq)
	}
	got, err := db.Drug(ctx(t), para.ID)
	must(t, "Drug", err)
	if !reflect.DeepEqual(got, para2) {
		t.Fatalf("Drug after replace:\n got  %+v\n want %+v", got, para2)
	}
	got, err = db.Drug(ctx(t), "dup")
	must(t, "Drug(dup)", err)
	if got.Generic != "second" || dup1.Seq != dup2.Seq || got.Seq != dup2.Seq {
		t.Fatalf("Drug(dup) = %+v (seqs %d, %d), want the last of the two", got, dup1.Seq, dup2.Seq)
	}
	feed, err := db.DrugsSince(ctx(t), 0, 10)
	must(t, "DrugsSince", err)
	var ids []string
	for _, d := range feed {
		ids = append(ids, d.ID)
	}
	if want := []string{amox.ID, bare.ID, para.ID, "dup"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("DrugsSince = %v, want %v", ids, want)
	}
	page, err := db.DrugsSince(ctx(t), amox.Seq, 1)
	must(t, "DrugsSince(page)", err)
	if len(page) != 1 || page[0].ID != bare.ID {
		t.Fatalf("DrugsSince(after amox, 1) = %v", page)
	}
	if none, err := db.DrugsSince(ctx(t), 0, 0); err != nil || len(none) != 0 {
		t.Fatalf("DrugsSince(limit 0) = %v, %v", none, err)
	}
	// Many drugs in one call: more than one statement's worth.
	many := make([]*registry.Drug, 1000)
	for i := range many {
		many[i] = &registry.Drug{ID: fmt.Sprintf("drug-%04d", i), Generic: "G", Brands: []string{fmt.Sprintf("B%d", i)}}
	}
	must(t, "PutDrugs(many)", db.PutDrugs(ctx(t), many))
	all, err := db.DrugsSince(ctx(t), 0, 5000)
	must(t, "DrugsSince(all)", err)
	if len(all) != 1004 || all[len(all)-1].ID != "drug-0999" || !reflect.DeepEqual(all[len(all)-1].Brands, []string{"B999"}) {
		t.Fatalf("DrugsSince(all) = %d drugs, last %+v", len(all), all[len(all)-1])
	}
}

func testRegistryHistory(t *testing.T, db *sqldb.DB) {
	f := facility(1)
	p := professional(1)
	p.ID = f.ID // one ID in two kinds: histories are apart
	must(t, "CreateFacility", db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, ms(0))))
	must(t, "CreateProfessional", db.CreateProfessional(ctx(t), p, submitted(registry.KindProfessional, p.ID, ms(0))))
	// Events in one millisecond keep their order; an h without Kind or ID
	// gets the entry's.
	actions := []string{"rejected", "verified", "updated"}
	for i, a := range actions {
		f.Version++
		h := registry.HistoryEntry{At: ms(time.Minute), Actor: "operator", Action: a, Reason: fmt.Sprint("r", i)}
		must(t, "UpdateFacility", db.UpdateFacility(ctx(t), f, h))
	}
	hist, err := db.History(ctx(t), registry.KindFacility, f.ID)
	must(t, "History", err)
	want := []registry.HistoryEntry{submitted(registry.KindFacility, f.ID, ms(0))}
	for i, a := range actions {
		want = append(want, registry.HistoryEntry{Kind: registry.KindFacility, ID: f.ID, At: ms(time.Minute), Actor: "operator", Action: a, Reason: fmt.Sprint("r", i)})
	}
	if !reflect.DeepEqual(hist, want) {
		t.Fatalf("History:\n got  %+v\n want %+v", hist, want)
	}
	// Written out of time order, read back in time order.
	p.Version = 2
	must(t, "UpdateProfessional", db.UpdateProfessional(ctx(t), p, registry.HistoryEntry{Kind: registry.KindProfessional, ID: p.ID, At: ms(-time.Hour), Actor: "import", Action: "imported"}))
	hist, err = db.History(ctx(t), registry.KindProfessional, p.ID)
	must(t, "History(professional)", err)
	if len(hist) != 2 || hist[0].Action != "imported" || hist[1].Action != "submitted" || hist[0].Kind != registry.KindProfessional {
		t.Fatalf("History(professional) = %+v", hist)
	}
	none, err := db.History(ctx(t), registry.KindFacility, "IN2799999999")
	must(t, "History(unknown)", err)
	if len(none) != 0 {
		t.Fatalf("History(unknown) = %+v", none)
	}
}

func testRegistryVerifiers(t *testing.T, db *sqldb.DB) {
	_, err := db.Verifier(ctx(t), "vrf-000000000000")
	wantCode(t, "Verifier(missing)", err, arogya.ENOTFOUND)
	vs := []*registry.Verifier{
		{ID: "vrf-00000000000b", Name: "Ravi", StateCode: "29", KeyHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", CreatedAt: ms(0)},
		{ID: "vrf-00000000000c", Name: "Meera", StateCode: "27", KeyHash: "$argon2id$x", Disabled: true, CreatedAt: ms(time.Second)},
		{ID: "vrf-00000000000a", Name: "Anil", StateCode: "27", KeyHash: "$argon2id$y", CreatedAt: ms(2 * time.Second)},
	}
	for _, v := range vs {
		must(t, "CreateVerifier", db.CreateVerifier(ctx(t), v))
		got, err := db.Verifier(ctx(t), v.ID)
		must(t, "Verifier", err)
		if !reflect.DeepEqual(got, v) {
			t.Fatalf("Verifier:\n got  %+v\n want %+v", got, v)
		}
	}
	err = db.CreateVerifier(ctx(t), &registry.Verifier{ID: vs[0].ID, Name: "Someone Else", StateCode: "10"})
	wantCode(t, "CreateVerifier(duplicate)", err, arogya.ECONFLICT)
	noPersonalData(t, "CreateVerifier(duplicate)", err, "Someone Else")
	now := &registry.Verifier{ID: "vrf-00000000000d", StateCode: "10"}
	must(t, "CreateVerifier(zero time)", db.CreateVerifier(ctx(t), now))
	if now.CreatedAt.IsZero() || now.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreateVerifier set CreatedAt %v, want now in UTC", now.CreatedAt)
	}
	list, err := db.Verifiers(ctx(t))
	must(t, "Verifiers", err)
	var ids []string
	for _, v := range list {
		ids = append(ids, v.ID)
	}
	if want := []string{now.ID, vs[2].ID, vs[1].ID, vs[0].ID}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("Verifiers = %v, want %v (by state, then ID)", ids, want)
	}
	for _, disabled := range []bool{true, true, false} {
		must(t, "SetVerifierDisabled", db.SetVerifierDisabled(ctx(t), vs[0].ID, disabled))
		got, err := db.Verifier(ctx(t), vs[0].ID)
		must(t, "Verifier", err)
		if got.Disabled != disabled {
			t.Fatalf("after SetVerifierDisabled(%v) Disabled = %v", disabled, got.Disabled)
		}
	}
	wantCode(t, "SetVerifierDisabled(missing)", db.SetVerifierDisabled(ctx(t), "vrf-ffffffffffff", true), arogya.ENOTFOUND)
}

func testRegistryCounts(t *testing.T, db *sqldb.DB) {
	nf, np, err := db.RegistryCounts(ctx(t))
	must(t, "RegistryCounts", err)
	if nf != 0 || np != 0 {
		t.Fatalf("RegistryCounts(empty) = %d, %d", nf, np)
	}
	for i := range 3 {
		f := facility(i)
		f.Status = []registry.Status{registry.StatusPending, registry.StatusVerified, registry.StatusRejected}[i]
		must(t, "CreateFacility", db.CreateFacility(ctx(t), f, submitted(registry.KindFacility, f.ID, ms(0))))
	}
	must(t, "ImportProfessionals", db.ImportProfessionals(ctx(t), []*registry.Professional{professional(1), professional(2)}, nil))
	must(t, "PutDrugs", db.PutDrugs(ctx(t), []*registry.Drug{{ID: "d"}}))
	nf, np, err = db.RegistryCounts(ctx(t))
	must(t, "RegistryCounts", err)
	if nf != 3 || np != 2 {
		t.Fatalf("RegistryCounts = %d, %d; want 3, 2", nf, np)
	}
}
