package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

var linkTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"LinkTxns", testLinkTxns},
	{"AutoPolicies", testAutoPolicies},
}

// testAutoPolicies: one policy per person and HIU (a second replaces the
// first and keeps its ID), sources round-trip, enabling is a
// compare-and-swap, and an HIU has policies while one of them is enabled.
func testAutoPolicies(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	p := &consent.AutoPolicy{ID: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", Patient: "asha@sbx", HIUID: "HIU1", AllHIPs: true, Enabled: true,
		Included: []consent.AutoSource{{Purpose: "CAREMGT", HITypes: []string{"Prescription"}, From: ms(0), To: ms(time.Hour)}}, CreatedAt: ms(0)}
	must(t, "PutAutoPolicy", db.PutAutoPolicy(c, p))
	again := &consent.AutoPolicy{ID: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", Patient: "asha@sbx", HIUID: "HIU1", Enabled: true,
		Included: []consent.AutoSource{{Purpose: "BTG", HITypes: []string{"OPConsultation"}, HIP: "HIPA", From: ms(0), To: ms(time.Hour)}},
		Excluded: []consent.AutoSource{{Purpose: "BTG", HITypes: []string{"Invoice"}, HIP: "HIPB"}}, CreatedAt: ms(time.Second)}
	must(t, "PutAutoPolicy(replace)", db.PutAutoPolicy(c, again))
	if again.ID != p.ID {
		t.Fatalf("the replacement has ID %s, want the first's %s", again.ID, p.ID)
	}
	must(t, "PutAutoPolicy(other person)", db.PutAutoPolicy(c, &consent.AutoPolicy{ID: "cccccccc-cccc-4ccc-8ccc-cccccccccccc", Patient: "ravi@sbx",
		HIUID: "HIU1", Included: again.Included, CreatedAt: ms(0)}))
	ps, err := db.AutoPolicies(c, "asha@sbx")
	must(t, "AutoPolicies", err)
	if len(ps) != 1 || ps[0].AllHIPs || !ps[0].Enabled || len(ps[0].Included) != 1 || ps[0].Included[0].HIP != "HIPA" ||
		!ps[0].Included[0].To.Equal(ms(time.Hour)) || len(ps[0].Excluded) != 1 || ps[0].Excluded[0].HIP != "HIPB" {
		t.Fatalf("policies: %+v", ps)
	}
	hasPolicies := func(hiu string, want bool) {
		t.Helper()
		has, err := db.HIUHasAutoPolicies(c, hiu)
		must(t, "HIUHasAutoPolicies", err)
		if has != want {
			t.Fatalf("HIUHasAutoPolicies(%s) = %v, want %v", hiu, has, want)
		}
	}
	hasPolicies("HIU1", true)
	hasPolicies("HIU2", false)
	must(t, "SetAutoPolicyEnabled(off)", db.SetAutoPolicyEnabled(c, p.ID, false, ms(time.Minute)))
	hasPolicies("HIU1", false) // ravi's is not enabled
	wantCode(t, "SetAutoPolicyEnabled(off again)", db.SetAutoPolicyEnabled(c, p.ID, false, ms(time.Minute)), arogya.ECONFLICT)
	wantCode(t, "SetAutoPolicyEnabled(missing)", db.SetAutoPolicyEnabled(c, "dddddddd-dddd-4ddd-8ddd-dddddddddddd", true, ms(time.Minute)), arogya.ENOTFOUND)
	got, err := db.AutoPolicy(c, p.ID)
	must(t, "AutoPolicy", err)
	if got.Enabled || !got.UpdatedAt.Equal(ms(time.Minute)) {
		t.Fatalf("after disabling: %+v", got)
	}
}

// testLinkTxns: a discovery and its link request are recorded with their
// messages, answered once through Accept (a late repeat changes nothing),
// found by transaction ID and link reference, and the linked care contexts
// enter the index once however often they are linked.
func testLinkTxns(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	_, err := db.LinkTxn(c, "00000000-0000-4000-8000-000000000000")
	wantCode(t, "LinkTxn(missing)", err, arogya.ENOTFOUND)

	out := func(rid string) *gateway.Outbound {
		return &gateway.Outbound{RequestID: rid, BridgeID: "hmis", Kind: "care-contexts/discover", TargetID: "IN2810000001",
			Body: []byte(`{}`), URL: "http://127.0.0.1:1/v0.5/care-contexts/discover", CreatedAt: ms(0)}
	}
	disc := &gateway.LinkTxn{RequestID: "11111111-1111-4111-8111-111111111111", Kind: gateway.LinkDiscover, Patient: "asha@sbx",
		HIPID: "IN2810000001", BridgeID: "hmis", TransactionID: "22222222-2222-4222-8222-222222222222", Status: gateway.LinkPending,
		CreatedAt: ms(0), UpdatedAt: ms(0)}
	must(t, "StartLinkTxn", db.StartLinkTxn(c, disc, out(disc.RequestID)))
	got, err := db.LinkTxn(c, disc.RequestID)
	must(t, "LinkTxn", err)
	want := *disc
	if got.CreatedAt.Equal(want.CreatedAt) && got.UpdatedAt.Equal(want.UpdatedAt) {
		got.CreatedAt, got.UpdatedAt = want.CreatedAt, want.UpdatedAt // DeepEqual would compare locations
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("LinkTxn:\n got  %+v\n want %+v", got, &want)
	}
	if n, err := db.OutboundCounts(c); err != nil || n[gateway.OutPending] != 1 {
		t.Fatalf("the discover message was not queued with it: %v %v", n, err)
	}

	answer := func(rid string, res gateway.LinkResult, links ...*gateway.Link) error {
		return db.Accept(c, &gateway.Inbound{BridgeID: "hmis", RequestID: rid, Kind: "care-contexts/on-discover", Version: "v0.5", ReceivedAt: ms(time.Second)},
			gateway.Effects{LinkResults: []gateway.LinkResult{res}, Links: links})
	}
	must(t, "Accept(on-discover)", answer("33333333-3333-4333-8333-333333333333",
		gateway.LinkResult{RequestID: disc.RequestID, Status: gateway.LinkDone, Result: []byte(`{"referenceNumber":"P1"}`), At: ms(time.Second)}))
	// A second answer (another requestId) to the same discovery, racing
	// in, fails whole: nothing of it is written.
	wantCode(t, "Accept(late)", answer("44444444-4444-4444-8444-444444444444",
		gateway.LinkResult{RequestID: disc.RequestID, Status: gateway.LinkFailed, Result: []byte(`{"error":{}}`), At: ms(2 * time.Second)},
		&gateway.Link{Patient: "asha@sbx", HIPID: "IN2810000001", PatientRef: "P1", CareContextRef: "LATE", LinkedAt: ms(2 * time.Second)}), arogya.EGONE)
	if ls, _ := db.Links(c, "asha@sbx"); len(ls) != 0 {
		t.Fatalf("the late answer's links were written: %+v", ls)
	}
	got, err = db.LatestLinkTxn(c, "asha@sbx", gateway.LinkDiscover, disc.TransactionID, "")
	must(t, "LatestLinkTxn", err)
	if got.Status != gateway.LinkDone || string(got.Result) != `{"referenceNumber":"P1"}` || !got.UpdatedAt.Equal(ms(time.Second)) {
		t.Fatalf("answered discovery: %+v", got)
	}
	_, err = db.LatestLinkTxn(c, "ravi@sbx", gateway.LinkDiscover, disc.TransactionID, "")
	wantCode(t, "LatestLinkTxn(another person)", err, arogya.ENOTFOUND)

	// The link request, answered with a link reference.
	init := &gateway.LinkTxn{RequestID: "55555555-5555-4555-8555-555555555555", Kind: gateway.LinkInit, Patient: "asha@sbx",
		HIPID: "IN2810000001", BridgeID: "hmis", TransactionID: disc.TransactionID, Status: gateway.LinkPending,
		Asked: []byte(`{"referenceNumber":"P1"}`), CreatedAt: ms(3 * time.Second)}
	must(t, "StartLinkTxn(init)", db.StartLinkTxn(c, init, out(init.RequestID)))
	must(t, "Accept(on-init)", answer("66666666-6666-4666-8666-666666666666",
		gateway.LinkResult{RequestID: init.RequestID, Status: gateway.LinkDone, LinkRef: "REF-9", Result: []byte(`{}`), At: ms(4 * time.Second)}))
	got, err = db.LatestLinkTxn(c, "asha@sbx", gateway.LinkInit, "", "REF-9")
	must(t, "LatestLinkTxn(by ref)", err)
	if got.RequestID != init.RequestID || string(got.Asked) != `{"referenceNumber":"P1"}` {
		t.Fatalf("by link ref: %+v", got)
	}

	// Links: the same care context twice stays one entry, with the latest
	// display name.
	link := func(cc, display string) *gateway.Link {
		return &gateway.Link{Patient: "asha@sbx", HIPID: "IN2810000001", PatientRef: "P1", PatientDisplay: "Asha",
			CareContextRef: cc, CareContextDisplay: display, LinkedAt: ms(5 * time.Second)}
	}
	conf := &gateway.LinkTxn{RequestID: "77777777-7777-4777-8777-777777777777", Kind: gateway.LinkConfirm, Patient: "asha@sbx",
		HIPID: "IN2810000001", BridgeID: "hmis", TransactionID: disc.TransactionID, LinkRef: "REF-9", Status: gateway.LinkPending, CreatedAt: ms(5 * time.Second)}
	must(t, "StartLinkTxn(confirm)", db.StartLinkTxn(c, conf, out(conf.RequestID)))
	must(t, "Accept(on-confirm)", answer("88888888-8888-4888-8888-888888888888",
		gateway.LinkResult{RequestID: conf.RequestID, Status: gateway.LinkDone, At: ms(5 * time.Second)}, link("OPD-2", "Old"), link("OPD-1", "Visit 1")))
	// Linked again (as add-contexts does, without a link transaction).
	must(t, "Accept(relink)", db.Accept(c, &gateway.Inbound{BridgeID: "hmis", RequestID: "99999999-9999-4999-8999-999999999999",
		Kind: "links/link/add-contexts", Version: "v0.5", ReceivedAt: ms(6 * time.Second)}, gateway.Effects{Links: []*gateway.Link{link("OPD-2", "Visit 2")}}))
	ls, err := db.Links(c, "asha@sbx")
	must(t, "Links", err)
	if len(ls) != 2 || ls[0].CareContextRef != "OPD-1" || ls[1].CareContextRef != "OPD-2" || ls[1].CareContextDisplay != "Visit 2" ||
		!ls[0].LinkedAt.Equal(ms(5*time.Second)) {
		t.Fatalf("links: %+v %+v", ls[0], ls[len(ls)-1])
	}
	if ls, err := db.Links(c, "ravi@sbx"); err != nil || len(ls) != 0 {
		t.Fatalf("another person's links: %v %v", ls, err)
	}

	// The sweep removes transactions older than the cutoff only.
	n, err := db.SweepLinkTxns(c, ms(4*time.Second))
	must(t, "SweepLinkTxns", err)
	if n != 2 {
		t.Fatalf("swept %d, want the discovery and the link request", n)
	}
	if _, err := db.LinkTxn(c, conf.RequestID); err != nil {
		t.Fatalf("the newer transaction was swept: %v", err)
	}
}
