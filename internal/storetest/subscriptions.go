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

var subscriptionTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"Subscriptions", testSubscriptions},
	{"ConsentedCareContexts", testConsentedCareContexts},
}

// testSubscriptions: a request is written with its inbound message (a
// repeat writes nothing), read back whole by its ID, listed for its
// person with a status filter, granted once with its notice (a second
// decision from the same state is refused, as is one for a missing row),
// then found by its subscription ID and among the live grants until its
// last source ends.
func testSubscriptions(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	_, err := db.Subscription(c, "00000000-0000-4000-8000-000000000000")
	wantCode(t, "Subscription(missing)", err, arogya.ENOTFOUND)
	_, err = db.Subscription(c, "")
	wantCode(t, "Subscription(empty)", err, arogya.ENOTFOUND)

	req := func(id, patient string, created time.Duration) *consent.Subscription {
		return &consent.Subscription{ID: id, Patient: patient, Purpose: consent.Purpose{Code: "CAREMGT", Text: "Care Management"},
			HIU: consent.OrgRef{ID: "HIU1", Name: "Coastal"}, HIPs: []consent.OrgRef{{ID: "HIPA"}}, Categories: []string{consent.CategoryLink, consent.CategoryData},
			Period: consent.DateRange{From: ms(0), To: ms(48 * time.Hour)}, BridgeID: "hiu-bridge", CreatedAt: ms(created)}
	}
	a := req("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "asha@sbx", 0)
	in := func(rid string) *gateway.Inbound {
		return &gateway.Inbound{BridgeID: "hiu-bridge", RequestID: rid, Kind: "subscription-requests/cm/init", Version: "v0.5", ReceivedAt: ms(0)}
	}
	must(t, "Accept", db.Accept(c, in("11111111-1111-4111-8111-111111111111"), gateway.Effects{Subscriptions: []*consent.Subscription{a}}))
	if a.Status != consent.StatusRequested || !a.UpdatedAt.Equal(ms(0)) {
		t.Fatalf("written back: %+v", a)
	}
	dup := req("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "asha@sbx", time.Second)
	wantCode(t, "Accept(repeat)", db.Accept(c, in("11111111-1111-4111-8111-111111111111"), gateway.Effects{Subscriptions: []*consent.Subscription{dup}}), arogya.ECONFLICT)
	wantCode(t, "Accept(no ID)", db.Accept(c, in("22222222-2222-4222-8222-222222222222"),
		gateway.Effects{Subscriptions: []*consent.Subscription{req("", "asha@sbx", 0)}}), arogya.EINVALID)
	must(t, "Accept(second)", db.Accept(c, in("33333333-3333-4333-8333-333333333333"),
		gateway.Effects{Subscriptions: []*consent.Subscription{req("cccccccc-cccc-4ccc-8ccc-cccccccccccc", "asha@sbx", time.Minute),
			req("dddddddd-dddd-4ddd-8ddd-dddddddddddd", "ravi@sbx", time.Minute)}}))

	got, err := db.Subscription(c, a.ID)
	must(t, "Subscription", err)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("Subscription:\n got  %+v\n want %+v", got, a)
	}
	if _, err := db.Subscription(c, dup.ID); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("the repeat's request was written: %v", err)
	}
	list, err := db.SubscriptionsByPatient(c, "asha@sbx", "", 10, 0)
	must(t, "SubscriptionsByPatient", err)
	if len(list) != 2 || list[0].ID != "cccccccc-cccc-4ccc-8ccc-cccccccccccc" || list[1].ID != a.ID {
		t.Fatalf("list: %+v", list)
	}
	if list, _ := db.SubscriptionsByPatient(c, "asha@sbx", "", 1, 1); len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("second page: %+v", list)
	}

	// Grant it, with the notice to the HIU.
	g := *a
	g.Status, g.SubscriptionID, g.AllHIPs, g.Excluded = consent.StatusGranted, "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee", true, []string{"HIPX"}
	g.Sources = []consent.SubscriptionSource{
		{Categories: []string{consent.CategoryLink}, HITypes: []string{"Prescription"}, From: ms(0), To: ms(24 * time.Hour)},
		{HIP: "HIPA", Categories: []string{consent.CategoryData}, HITypes: []string{"Prescription", "Invoice"}, From: ms(time.Hour), To: ms(36 * time.Hour)},
	}
	g.GrantedAt, g.UpdatedAt = ms(time.Hour), ms(time.Hour)
	notice := &gateway.Outbound{RequestID: "ffffffff-ffff-4fff-8fff-ffffffffffff", BridgeID: "hiu-bridge", Kind: "subscription-requests/hiu/notify",
		TargetID: "HIU1", Body: []byte(`{}`), URL: "http://127.0.0.1:1/v0.5/subscription-requests/hiu/notify", CreatedAt: ms(time.Hour)}
	must(t, "DecideSubscription", db.DecideSubscription(c, &g, consent.StatusRequested, a.UpdatedAt, []*gateway.Outbound{notice}))
	if notice.ID == 0 {
		t.Fatal("the notice was not queued")
	}
	again := g
	wantCode(t, "DecideSubscription(again)", db.DecideSubscription(c, &again, consent.StatusRequested, a.UpdatedAt, nil), arogya.ECONFLICT)
	stale := g
	wantCode(t, "DecideSubscription(stale)", db.DecideSubscription(c, &stale, consent.StatusGranted, a.UpdatedAt, nil), arogya.ECONFLICT)
	missing := g
	missing.ID = "99999999-9999-4999-8999-999999999999"
	wantCode(t, "DecideSubscription(missing)", db.DecideSubscription(c, &missing, consent.StatusRequested, a.UpdatedAt, nil), arogya.ENOTFOUND)
	if n, err := db.OutboundCounts(c); err != nil || n[gateway.OutPending] != 1 {
		t.Fatalf("notices queued: %v %v", n, err)
	}

	byGrant, err := db.Subscription(c, g.SubscriptionID)
	must(t, "Subscription(by subscription ID)", err)
	if !reflect.DeepEqual(byGrant, &g) {
		t.Fatalf("granted:\n got  %+v\n want %+v", byGrant, &g)
	}
	if list, _ := db.SubscriptionsByPatient(c, "asha@sbx", consent.StatusGranted, 10, 0); len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("granted list: %+v", list)
	}

	// Live until the last source ends (36 h), whatever the others.
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{time.Hour, 1}, {30 * time.Hour, 1}, {36 * time.Hour, 1}, {36*time.Hour + time.Millisecond, 0}} {
		live, err := db.LiveSubscriptions(c, "asha@sbx", ms(tc.at))
		must(t, "LiveSubscriptions", err)
		if len(live) != tc.want {
			t.Fatalf("live at %s: %d, want %d", tc.at, len(live), tc.want)
		}
	}
	if live, _ := db.LiveSubscriptions(c, "ravi@sbx", ms(time.Hour)); len(live) != 0 {
		t.Fatalf("a request counted as live: %+v", live)
	}

	// A change of a granted one is a compare-and-swap on its last update.
	edit := g
	edit.Sources = g.Sources[:1]
	edit.UpdatedAt = ms(2 * time.Hour)
	must(t, "DecideSubscription(edit)", db.DecideSubscription(c, &edit, consent.StatusGranted, g.UpdatedAt, nil))
	wantCode(t, "DecideSubscription(edit, stale)", db.DecideSubscription(c, &edit, consent.StatusGranted, g.UpdatedAt, nil), arogya.ECONFLICT)
	if live, _ := db.LiveSubscriptions(c, "asha@sbx", ms(30*time.Hour)); len(live) != 0 {
		t.Fatalf("after narrowing to 24 h, live at 30 h: %+v", live)
	}
}

// testConsentedCareContexts: the care contexts an HIU holds granted,
// unexpired artefacts for, at one HIP, read from the signed detail.
func testConsentedCareContexts(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	r := &consent.Request{ID: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", Patient: "asha@sbx", Purpose: consent.Purpose{Code: "CAREMGT"},
		HIU: consent.OrgRef{ID: "HIU1"}, HITypes: []string{"Prescription"}, BridgeID: "hiu-bridge",
		Permission: consent.Permission{AccessMode: "VIEW", DateRange: consent.DateRange{From: ms(0), To: ms(time.Hour)}, DataEraseAt: ms(48 * time.Hour),
			Frequency: consent.Frequency{Unit: "HOUR", Value: 1}}}
	must(t, "Accept", db.Accept(c, &gateway.Inbound{BridgeID: "hiu-bridge", RequestID: "11111111-1111-4111-8111-111111111111",
		Kind: "consent-requests/init", Version: "v0.5", ReceivedAt: ms(0)}, gateway.Effects{ConsentRequests: []*consent.Request{r}}))
	art := func(id, hip, cc string, erase time.Duration) *consent.Artefact {
		return &consent.Artefact{ID: id, RequestID: r.ID, Status: consent.StatusGranted, Patient: "asha@sbx", HIPID: hip, HIUID: "HIU1",
			BridgeID: "hiu-bridge", EraseAt: ms(erase), Signature: "sig",
			Detail: []byte(`{"careContexts":[{"patientReference":"P1","careContextReference":"` + cc + `"}]}`)}
	}
	must(t, "GrantConsentRequest", db.GrantConsentRequest(c, r.ID, consent.StatusRequested, ms(time.Minute), []*consent.Artefact{
		art("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "HIPA", "OP-1", 48*time.Hour),
		art("cccccccc-cccc-4ccc-8ccc-cccccccccccc", "HIPA", "OP-2", 2*time.Hour),
		art("dddddddd-dddd-4ddd-8ddd-dddddddddddd", "HIPB", "OP-3", 48*time.Hour),
	}, nil))
	got, err := db.ConsentedCareContexts(c, "asha@sbx", "HIU1", "HIPA", ms(time.Hour))
	must(t, "ConsentedCareContexts", err)
	if len(got) != 2 {
		t.Fatalf("at HIPA: %+v", got)
	}
	if got, _ := db.ConsentedCareContexts(c, "asha@sbx", "HIU1", "HIPA", ms(3*time.Hour)); len(got) != 1 || got[0].CareContextReference != "OP-1" {
		t.Fatalf("after one was erased: %+v", got)
	}
	must(t, "ChangeArtefacts", db.ChangeArtefacts(c, []string{"bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"}, consent.StatusGranted, consent.StatusRevoked, ms(3*time.Hour), nil))
	if got, _ := db.ConsentedCareContexts(c, "asha@sbx", "HIU1", "HIPA", ms(3*time.Hour)); len(got) != 0 {
		t.Fatalf("a revoked artefact counted: %+v", got)
	}
	if got, _ := db.ConsentedCareContexts(c, "asha@sbx", "HIU2", "HIPB", ms(time.Hour)); len(got) != 0 {
		t.Fatalf("another HIU's: %+v", got)
	}
}
