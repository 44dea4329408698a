package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// consentTests are the conformance tests of consent.Store and of the
// consent requests gateway.MessageStore.Accept writes; Run runs them with
// the rest.
var consentTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"ConsentAccept", testConsentAccept},
	{"ConsentAcceptDuplicate", testConsentAcceptDuplicate},
	{"ConsentIDCollision", testConsentIDCollision},
	{"ConsentRoundTrip", testConsentRoundTrip},
	{"ConsentNotFound", testConsentNotFound},
	{"ConsentAcceptConcurrent", testConsentAcceptConcurrent},
	{"ConsentByPatient", testConsentByPatient},
	{"ConsentDecide", testConsentDecide},
	{"ConsentGrant", testConsentGrant},
	{"ConsentArtefactEnd", testConsentArtefactEnd},
	{"ConsentFlows", testConsentFlows},
	{"ConsentAccessLog", testConsentAccessLog},
	{"ConsentLock", testConsentLock},
	{"ConsentPIN", testConsentPIN},
}

// identified returns a requester with an identifier.
func identified(name, typ, value, system string) consent.Requester {
	r := consent.Requester{Name: name}
	r.Identifier = &struct {
		Type   string `json:"type"`
		Value  string `json:"value"`
		System string `json:"system,omitempty"`
	}{typ, value, system}
	return r
}

// consentReq returns a complete consent request numbered n, made at ms(0)
// and updated at ms(1s), as ParseInit would make it plus an ID and bridge.
func consentReq(n int) *consent.Request {
	return &consent.Request{
		ID: fmt.Sprintf("0c3b1f5e-7d2a-4c8e-9b61-%012d", n), Status: consent.StatusRequested,
		Patient: fmt.Sprintf("ravi.kumar%d@sbx", n),
		Purpose: consent.Purpose{Code: "CAREMGT", Text: "Care Management", RefURI: "http://terminology.hl7.org/ValueSet/v3-PurposeOfUse"},
		HIP:     &consent.OrgRef{ID: "IN2710001234", Name: "Apollo Hospitals"},
		CareContexts: []consent.CareContextRef{{PatientReference: "PAT-1", CareContextReference: "OP-2026-01"},
			{PatientReference: "PAT-1", CareContextReference: "IP-2025-07"}},
		HIU:       consent.OrgRef{ID: "IN2810014366", Name: "City Diagnostics"},
		Requester: identified("Dr. Manju", "REGNO", "MH1001", "https://www.mciindia.org"),
		HITypes:   []string{"Prescription", "OPConsultation", "Invoice"},
		Permission: consent.Permission{AccessMode: "VIEW",
			DateRange:   consent.DateRange{From: ms(-365 * 24 * time.Hour), To: ms(0)},
			DataEraseAt: ms(30 * 24 * time.Hour),
			Frequency:   consent.Frequency{Unit: "HOUR", Value: 1, Repeats: 0}},
		BridgeID:  "hiu-bridge",
		CreatedAt: ms(0), UpdatedAt: ms(time.Second),
	}
}

// cloneConsent returns a deep copy of r.
func cloneConsent(r *consent.Request) *consent.Request {
	c := *r
	if r.HIP != nil {
		hip := *r.HIP
		c.HIP = &hip
	}
	c.CareContexts = slices.Clone(r.CareContexts)
	if r.Requester.Identifier != nil {
		id := *r.Requester.Identifier
		c.Requester.Identifier = &id
	}
	c.HITypes = slices.Clone(r.HITypes)
	return &c
}

func sameConsent(t *testing.T, what string, got, want *consent.Request) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// wantConsent fails unless the stored request id is want.
func wantConsent(t *testing.T, db *sqldb.DB, want *consent.Request) {
	t.Helper()
	got, err := db.ConsentRequest(ctx(t), want.ID)
	must(t, "ConsentRequest", err)
	sameConsent(t, "stored consent request", got, want)
}

// consentCount counts consent_requests' rows straight from the table.
func consentCount(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	must(t, "count consent_requests", db.SQL().QueryRowContext(ctx(t), "SELECT COUNT(*) FROM consent_requests").Scan(&n))
	return n
}

// noInboxRow fails if (bridge, request ID) is in the inbox.
func noInboxRow(t *testing.T, db *sqldb.DB, bridgeID, requestID string) {
	t.Helper()
	var one int
	err := db.SQL().QueryRowContext(ctx(t), "SELECT 1 FROM gateway_inbox WHERE bridge_id = $1 AND request_id = $2",
		bridgeID, requestID).Scan(&one)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("inbox row (%s, %s): err = %v, want none", bridgeID, requestID, err)
	}
}

func testConsentAccept(t *testing.T, db *sqldb.DB) {
	t.Run("with outbound", func(t *testing.T) {
		in := inbound("hiu-bridge", "r-1")
		c, o := consentReq(1), outbound(1)
		want := cloneConsent(c)
		must(t, "Accept", db.Accept(ctx(t), in, gateway.Effects{ConsentRequests: []*consent.Request{c},
			Outbound: []*gateway.Outbound{o}}))
		sameConsent(t, "written back", c, want)
		wantConsent(t, db, want)
		if o.ID == 0 {
			t.Fatal("outbound: no ID written back")
		}
		got, err := db.Outbound(ctx(t), o.ID)
		must(t, "Outbound", err)
		sameOutbound(t, "outbound stored", got, o)
		if kind, _, _ := inboxRow(t, db, in.BridgeID, in.RequestID); kind != in.Kind {
			t.Fatalf("inbox kind = %q, want %q", kind, in.Kind)
		}
	})
	t.Run("several, defaults", func(t *testing.T) {
		in := inbound("hiu-bridge", "r-2")
		in.ReceivedAt = ms(time.Minute)
		a, b := consentReq(2), consentReq(3)
		a.Status, a.CreatedAt, a.UpdatedAt = "", time.Time{}, time.Time{}
		b.UpdatedAt = time.Time{}
		wantA, wantB := cloneConsent(a), cloneConsent(b)
		wantA.Status, wantA.CreatedAt, wantA.UpdatedAt = consent.StatusRequested, ms(time.Minute), ms(time.Minute)
		wantB.UpdatedAt = wantB.CreatedAt
		must(t, "Accept", db.Accept(ctx(t), in, gateway.Effects{ConsentRequests: []*consent.Request{a, b},
			Outbound: []*gateway.Outbound{outbound(2), outbound(3)}}))
		sameConsent(t, "first written back", a, wantA)
		sameConsent(t, "second written back", b, wantB)
		wantConsent(t, db, wantA)
		wantConsent(t, db, wantB)
	})
	t.Run("received now", func(t *testing.T) {
		before := time.Now()
		in := &gateway.Inbound{BridgeID: "hiu-bridge", RequestID: "r-now"}
		c := consentReq(4)
		c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
		must(t, "Accept", db.Accept(ctx(t), in, gateway.Effects{ConsentRequests: []*consent.Request{c}}))
		wantNow(t, "CreatedAt", c.CreatedAt, before, time.Now())
		if !c.CreatedAt.Equal(in.ReceivedAt) || !c.UpdatedAt.Equal(in.ReceivedAt) {
			t.Fatalf("CreatedAt %v, UpdatedAt %v; want ReceivedAt %v", c.CreatedAt, c.UpdatedAt, in.ReceivedAt)
		}
		wantConsent(t, db, c)
	})
	t.Run("invalid", func(t *testing.T) {
		noID := consentReq(5)
		noID.ID = ""
		for i, rs := range [][]*consent.Request{{noID}, {consentReq(6), nil}} {
			in := inbound("hiu-bridge", fmt.Sprintf("r-invalid-%d", i))
			err := db.Accept(ctx(t), in, gateway.Effects{ConsentRequests: rs, Outbound: []*gateway.Outbound{outbound(9)}})
			wantCode(t, "Accept(consent request without ID)", err, arogya.EINVALID)
			noInboxRow(t, db, in.BridgeID, in.RequestID)
		}
		_, err := db.ConsentRequest(ctx(t), consentReq(6).ID)
		wantCode(t, "ConsentRequest(of an invalid Accept)", err, arogya.ENOTFOUND)
	})
	if n := consentCount(t, db); n != 4 {
		t.Fatalf("consent_requests has %d rows, want 4", n)
	}
	wantCounts(t, db, counts(3, 0, 0))
}

func testConsentAcceptDuplicate(t *testing.T, db *sqldb.DB) {
	first := inbound("hiu-bridge", "a2c6d0f8-0b8e-4e43-9c1e-1f8f3a6b0001")
	stored := consentReq(1)
	must(t, "Accept", db.Accept(ctx(t), first, gateway.Effects{ConsentRequests: []*consent.Request{cloneConsent(stored)},
		Outbound: []*gateway.Outbound{outbound(1)}}))

	changed := consentReq(1)
	changed.Status, changed.Patient, changed.HIP = consent.StatusDenied, "other@sbx", nil
	fresh := consentReq(2)
	fresh.CreatedAt, fresh.Status = time.Time{}, ""
	tests := []struct {
		name string
		rs   []*consent.Request
	}{
		{"same request again", []*consent.Request{consentReq(1)}},
		{"same ID, changed", []*consent.Request{changed}},
		{"new ID", []*consent.Request{fresh}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := make([]*consent.Request, len(tt.rs))
			for i, r := range tt.rs {
				before[i] = cloneConsent(r)
			}
			err := db.Accept(ctx(t), inbound("hiu-bridge", first.RequestID),
				gateway.Effects{ConsentRequests: tt.rs, Outbound: []*gateway.Outbound{outbound(2)}})
			wantCode(t, "Accept(duplicate)", err, arogya.ECONFLICT)
			for i, r := range tt.rs {
				sameConsent(t, "duplicate's request (nothing written back)", r, before[i])
			}
			wantConsent(t, db, stored)
			if n := consentCount(t, db); n != 1 {
				t.Fatalf("consent_requests has %d rows, want the first's 1", n)
			}
			wantCounts(t, db, counts(1, 0, 0))
		})
	}
	_, err := db.ConsentRequest(ctx(t), fresh.ID)
	wantCode(t, "ConsentRequest(of a duplicate)", err, arogya.ENOTFOUND)
}

// testConsentIDCollision: a consent ID already stored (a UUID collision)
// fails Accept as a whole, and not with ECONFLICT, which would have the
// gateway answer the message as a duplicate.
func testConsentIDCollision(t *testing.T, db *sqldb.DB) {
	stored := consentReq(1)
	must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", "r-1"),
		gateway.Effects{ConsentRequests: []*consent.Request{cloneConsent(stored)}}))

	other := consentReq(1)
	other.Patient, other.HIU.ID = "asha@sbx", "IN9999999999"
	tests := []struct {
		name string
		rs   []*consent.Request
	}{
		{"ID stored", []*consent.Request{consentReq(2), other}},
		{"ID twice in one message", []*consent.Request{consentReq(3), consentReq(3)}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inbound("hiu-bridge", fmt.Sprintf("r-collide-%d", i))
			err := db.Accept(ctx(t), in, gateway.Effects{ConsentRequests: tt.rs, Outbound: []*gateway.Outbound{outbound(i)}})
			if err == nil {
				t.Fatal("Accept with a colliding consent ID succeeded")
			}
			if code := arogya.ErrorCode(err); code == arogya.ECONFLICT {
				t.Fatalf("Accept with a colliding consent ID: code %s (%v), want anything but %s", code, err, arogya.ECONFLICT)
			}
			noInboxRow(t, db, in.BridgeID, in.RequestID)
			wantConsent(t, db, stored)
			for _, id := range []string{consentReq(2).ID, consentReq(3).ID} {
				_, err := db.ConsentRequest(ctx(t), id)
				wantCode(t, "ConsentRequest(of a failed Accept)", err, arogya.ENOTFOUND)
			}
			wantCounts(t, db, counts(0, 0, 0))
		})
	}
	// The failed transactions left the store usable.
	must(t, "Accept(after collisions)", db.Accept(ctx(t), inbound("hiu-bridge", "r-after"),
		gateway.Effects{ConsentRequests: []*consent.Request{consentReq(4)}}))
	if n := consentCount(t, db); n != 2 {
		t.Fatalf("consent_requests has %d rows, want 2", n)
	}
}

func testConsentRoundTrip(t *testing.T, db *sqldb.DB) {
	ist := time.FixedZone("IST", 5*3600+1800)
	at := func(ns int) time.Time { return time.Date(2026, 3, 14, 15, 0, 0, ns, ist) }
	utcMS := func(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
	many := make([]consent.CareContextRef, 1000)
	for i := range many {
		many[i] = consent.CareContextRef{PatientReference: "PAT-7", CareContextReference: fmt.Sprintf("CC-%04d", i)}
	}
	tests := []struct {
		name string
		edit func(r *consent.Request)
		// want edits the expected request, a copy of the edited one, where
		// storing changes it.
		want func(r *consent.Request)
	}{
		{"complete", nil, nil},
		{"no HIP, care contexts, identifier or names", func(r *consent.Request) {
			r.HIP, r.CareContexts, r.Requester = nil, nil, consent.Requester{Name: "Dr. Manju"}
			r.Purpose.RefURI, r.HIU.Name = "", ""
		}, nil},
		{"HIP without name", func(r *consent.Request) { r.HIP = &consent.OrgRef{ID: "IN2710001234"} }, nil},
		{"HIP without ID", func(r *consent.Request) { r.HIP = &consent.OrgRef{} }, nil},
		{"identifier without system", func(r *consent.Request) {
			r.Requester = identified("Dr. Manju", "REGNO", "MH1001", "")
		}, nil},
		{"empty identifier", func(r *consent.Request) { r.Requester = identified("", "", "", "") }, nil},
		{"every HI type, out of order", func(r *consent.Request) {
			r.HITypes = []string{"WellnessRecord", "Invoice", "DiagnosticReport", "OPConsultation",
				"ImmunizationRecord", "Prescription", "HealthDocumentRecord", "DischargeSummary"}
		}, nil},
		{"times in IST with nanoseconds", func(r *consent.Request) {
			r.Permission.DateRange = consent.DateRange{From: time.Date(1965, 8, 15, 10, 30, 0, 999_999_999, ist), To: at(123_456_789)}
			r.Permission.DataEraseAt = at(1)
			r.CreatedAt, r.UpdatedAt = at(999_999), at(5_000_001)
		}, func(r *consent.Request) {
			p := &r.Permission
			p.DateRange.From, p.DateRange.To, p.DataEraseAt = utcMS(p.DateRange.From), utcMS(p.DateRange.To), utcMS(p.DataEraseAt)
			r.CreatedAt, r.UpdatedAt = utcMS(r.CreatedAt), utcMS(r.UpdatedAt)
		}},
		{"zero permission", func(r *consent.Request) { r.Permission = consent.Permission{} }, nil},
		{"other values", func(r *consent.Request) {
			r.Status, r.Purpose = consent.StatusGranted, consent.Purpose{Code: "BTG", Text: "Break the Glass"}
			r.Permission.AccessMode, r.Permission.Frequency = "STREAM", consent.Frequency{Unit: "YEAR", Value: 1000, Repeats: 100000}
			r.BridgeID = ""
		}, nil},
		{"odd text", func(r *consent.Request) {
			odd := `"quoted" \back\ <tag> & अपोलो` + "\n\t\u2028\x01"
			r.Purpose.Text, r.Purpose.RefURI, r.HIU.Name, r.HIP.Name = odd, odd, odd, odd
			r.Requester = identified(odd, odd, odd, odd)
			r.CareContexts = []consent.CareContextRef{{PatientReference: odd, CareContextReference: "ओपीडी/1"}}
			r.Patient, r.BridgeID = "रवि@sbx", odd
		}, nil},
		{"1000 care contexts", func(r *consent.Request) { r.CareContexts = many }, nil},
		{"empty lists", func(r *consent.Request) {
			r.CareContexts, r.HITypes = []consent.CareContextRef{}, []string{}
		}, func(r *consent.Request) { r.CareContexts, r.HITypes = nil, nil }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := consentReq(i)
			if tt.edit != nil {
				tt.edit(r)
			}
			want := cloneConsent(r)
			if tt.want != nil {
				tt.want(want)
			}
			must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", fmt.Sprintf("r-%d", i)),
				gateway.Effects{ConsentRequests: []*consent.Request{r}}))
			wantConsent(t, db, want)
			for _, tm := range []time.Time{r.CreatedAt, r.UpdatedAt, r.Permission.DateRange.From,
				r.Permission.DateRange.To, r.Permission.DataEraseAt} {
				if !tm.IsZero() && (tm.Location() != time.UTC || tm.Nanosecond()%1e6 != 0) {
					t.Fatalf("time written back as %v, want UTC at ms precision", tm)
				}
			}
			if tt.name != "empty lists" {
				sameConsent(t, "written back", r, want)
			}
		})
	}
}

func testConsentNotFound(t *testing.T, db *sqldb.DB) {
	_, err := db.ConsentRequest(ctx(t), consentReq(1).ID)
	wantCode(t, "ConsentRequest(empty store)", err, arogya.ENOTFOUND)
	must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", "r-1"),
		gateway.Effects{ConsentRequests: []*consent.Request{consentReq(1)}}))
	for _, id := range []string{consentReq(2).ID, "", "0C3B1F5E-7D2A-4C8E-9B61-000000000001"} {
		_, err := db.ConsentRequest(ctx(t), id)
		wantCode(t, fmt.Sprintf("ConsentRequest(%q)", id), err, arogya.ENOTFOUND)
	}
}

func testConsentAcceptConcurrent(t *testing.T, db *sqldb.DB) {
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				err := db.Accept(ctx(t), inbound("hiu-bridge", fmt.Sprintf("r-%d", n)),
					gateway.Effects{ConsentRequests: []*consent.Request{consentReq(n)}, Outbound: []*gateway.Outbound{outbound(n)}})
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		must(t, "Accept", err)
	}
	if n := consentCount(t, db); n != workers*each {
		t.Fatalf("consent_requests has %d rows, want %d", n, workers*each)
	}
	wantCounts(t, db, counts(workers*each, 0, 0))
	wantConsent(t, db, consentReq(workers*each-1))
}
