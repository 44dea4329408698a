package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// RunGatewayOps runs the conformance tests of gateway.OpsStore, the
// operator's views, each on a database of its own. (Apart from Run until
// they join its list.)
func RunGatewayOps(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *sqldb.DB)
	}{
		{"GatewayOpsOutboundTraffic", testOpsOutboundTraffic},
		{"GatewayOpsWindowSearch", testOpsWindowSearch},
		{"GatewayOpsInboundTraffic", testOpsInboundTraffic},
		{"GatewayOpsServices", testOpsServices},
		{"GatewayOpsConsentCounts", testOpsConsentCounts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// opsMsg is an outbound message of the kind and status created at ms(at),
// delivered lat later when DELIVERED.
func opsMsg(n int, kind, status string, at, lat time.Duration) *gateway.Outbound {
	o := outbound(n)
	o.Kind, o.Status, o.CreatedAt, o.NextAt = kind, status, ms(at), ms(at)
	if status == gateway.OutDelivered {
		o.DeliveredAt = ms(at + lat)
	}
	return o
}

// lat is a latency of the kind.
func lat(kind string, d time.Duration) gateway.Latency { return gateway.Latency{Kind: kind, D: d} }

func testOpsOutboundTraffic(t *testing.T, db *sqldb.DB) {
	const (
		init   = "consent-requests/on-init"
		notify = "consents/hiu/notify"
	)
	now := 48 * time.Hour // ms(now) is the time of the view
	enqueue(t, db,
		opsMsg(1, init, gateway.OutDelivered, now-30*time.Hour, time.Second), // before both windows
		opsMsg(2, init, gateway.OutDelivered, now-20*time.Hour, 2*time.Second),
		opsMsg(3, init, gateway.OutDead, now-10*time.Hour, 0),
		opsMsg(4, notify, gateway.OutPending, now-5*time.Hour, 0),
		opsMsg(5, init, gateway.OutDelivered, now-50*time.Minute, 300*time.Millisecond),
		opsMsg(6, init, gateway.OutDelivered, now-40*time.Minute, 100*time.Millisecond),
		opsMsg(7, notify, gateway.OutDead, now-30*time.Minute, 0),
		opsMsg(8, notify, gateway.OutPending, now-time.Minute, 0),
		opsMsg(9, init, gateway.OutDelivered, now-time.Minute+time.Millisecond, 200*time.Millisecond),
	)
	got, err := db.OutboundTraffic(ctx(t), ms(now-24*time.Hour), ms(now-time.Hour))
	must(t, "OutboundTraffic", err)
	slices.SortFunc(got, func(a, b gateway.TrafficCount) int {
		if a.Kind != b.Kind {
			return strings.Compare(a.Kind, b.Kind)
		}
		return strings.Compare(a.Status, b.Status)
	})
	want := []gateway.TrafficCount{
		{Kind: init, Status: gateway.OutDead, N: 1, Recent: 0},
		{Kind: init, Status: gateway.OutDelivered, N: 4, Recent: 3},
		{Kind: notify, Status: gateway.OutDead, N: 1, Recent: 1},
		{Kind: notify, Status: gateway.OutPending, N: 2, Recent: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OutboundTraffic:\n got  %+v\n want %+v", got, want)
	}

	for _, tc := range []struct {
		since time.Duration
		limit int
		want  []gateway.Latency
	}{
		{time.Hour, 10, []gateway.Latency{lat(init, 200*time.Millisecond), lat(init, 100*time.Millisecond), lat(init, 300*time.Millisecond)}},
		{24 * time.Hour, 10, []gateway.Latency{lat(init, 200*time.Millisecond), lat(init, 100*time.Millisecond),
			lat(init, 300*time.Millisecond), lat(init, 2*time.Second)}},
		{24 * time.Hour, 2, []gateway.Latency{lat(init, 200*time.Millisecond), lat(init, 100*time.Millisecond)}},
		{24 * time.Hour, 0, nil},
		{time.Second, 10, nil},
	} {
		got, err := db.DeliveryLatencies(ctx(t), ms(now-tc.since), tc.limit)
		must(t, "DeliveryLatencies", err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DeliveryLatencies(%s, %d) = %v, want %v", tc.since, tc.limit, got, tc.want)
		}
	}

	for status, want := range map[string]int{gateway.OutDelivered: 5, gateway.OutDead: 2, gateway.OutPending: 2} {
		n, err := db.CountOutbound(ctx(t), status)
		must(t, "CountOutbound", err)
		if n != want {
			t.Errorf("CountOutbound(%s) = %d, want %d", status, n, want)
		}
	}
}

// testOpsWindowSearch checks the search for a window's first message over
// many messages, one a minute for two days, some stored out of order by
// less than a minute, against a count by hand.
func testOpsWindowSearch(t *testing.T, db *sqldb.DB) {
	const n = 2 * 24 * 60
	var out []*gateway.Outbound
	for i := range n {
		at := time.Duration(i) * time.Minute
		if i%7 == 3 {
			at -= 90 * time.Second // stored after a younger message
		}
		status := gateway.OutDelivered
		if i%5 == 0 {
			status = gateway.OutPending
		}
		out = append(out, opsMsg(i, "k", status, at, time.Duration(i%100)*time.Millisecond))
	}
	for chunk := range slices.Chunk(out, 500) {
		enqueue(t, db, chunk...)
	}
	for _, since := range []time.Duration{-time.Hour, 0, 90*time.Second + time.Millisecond, 10 * time.Hour, 24*time.Hour + 10*time.Second, 47 * time.Hour, 48 * time.Hour} {
		var want, wantDelivered int
		for _, o := range out {
			if !o.CreatedAt.Before(ms(since)) {
				want++
				if o.Status == gateway.OutDelivered {
					wantDelivered++
				}
			}
		}
		got, err := db.OutboundTraffic(ctx(t), ms(since), ms(since))
		must(t, "OutboundTraffic", err)
		sum := 0
		for _, c := range got {
			sum += c.N
			if c.N != c.Recent {
				t.Errorf("since %s: %+v: recent differs", since, c)
			}
		}
		if sum != want {
			t.Errorf("since %s: %d messages, want %d", since, sum, want)
		}
		lat, err := db.DeliveryLatencies(ctx(t), ms(since), n)
		must(t, "DeliveryLatencies", err)
		if len(lat) != wantDelivered {
			t.Errorf("since %s: %d latencies, want %d", since, len(lat), wantDelivered)
		}
	}
}

func testOpsInboundTraffic(t *testing.T, db *sqldb.DB) {
	got, err := db.InboundTraffic(ctx(t), ms(0), ms(time.Hour))
	must(t, "InboundTraffic(empty)", err)
	if len(got) != 0 {
		t.Fatalf("empty inbox: %+v", got)
	}
	for i, in := range []struct {
		kind string
		at   time.Duration
	}{
		{"consent-requests/init", -time.Minute}, // before the window
		{"consent-requests/init", 0},
		{"consent-requests/init", 2 * time.Hour},
		{"health-information/notify", 90 * time.Minute},
		{"consents/fetch", 30 * time.Minute},
	} {
		m := inbound("hiu-bridge", fmt.Sprintf("in-%d", i))
		m.Kind, m.ReceivedAt = in.kind, ms(in.at)
		must(t, "Accept", db.Accept(ctx(t), m, gateway.Effects{}))
	}
	got, err = db.InboundTraffic(ctx(t), ms(0), ms(time.Hour))
	must(t, "InboundTraffic", err)
	slices.SortFunc(got, func(a, b gateway.TrafficCount) int { return strings.Compare(a.Kind, b.Kind) })
	want := []gateway.TrafficCount{
		{Kind: "consent-requests/init", N: 2, Recent: 1},
		{Kind: "consents/fetch", N: 1, Recent: 0},
		{Kind: "health-information/notify", N: 1, Recent: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("InboundTraffic:\n got  %+v\n want %+v", got, want)
	}
}

func testOpsServices(t *testing.T, db *sqldb.DB) {
	got, err := db.AllServices(ctx(t))
	must(t, "AllServices(none)", err)
	if len(got) != 0 {
		t.Fatalf("no bridges, services %+v", got)
	}
	for _, id := range []string{"b-bridge", "a-bridge", "c-bridge"} {
		must(t, "CreateBridge", db.CreateBridge(ctx(t), &gateway.Bridge{ID: id, Name: id, Active: true}))
	}
	must(t, "PutServices", db.PutServices(ctx(t), "b-bridge", []*gateway.HIService{
		{ID: "IN2810000002", Name: "Two", Types: []string{gateway.TypeHIP}, Active: true, UpdatedAt: ms(0)},
		{ID: "IN2810000001", Name: "One", Types: []string{gateway.TypeHIP, gateway.TypeHIU}, Active: false, UpdatedAt: ms(0)},
	}))
	must(t, "PutServices", db.PutServices(ctx(t), "a-bridge", []*gateway.HIService{
		{ID: "IN3610000009", Name: "Nine", Types: []string{gateway.TypeHIU}, Active: true, UpdatedAt: ms(0)},
	}))
	got, err = db.AllServices(ctx(t))
	must(t, "AllServices", err)
	var ids []string
	for _, s := range got {
		ids = append(ids, s.BridgeID+"/"+s.ID)
	}
	if want := []string{"a-bridge/IN3610000009", "b-bridge/IN2810000001", "b-bridge/IN2810000002"}; !slices.Equal(ids, want) {
		t.Fatalf("AllServices = %v, want %v", ids, want)
	}
	if s := got[1]; s.Name != "One" || s.Active || !slices.Equal(s.Types, []string{gateway.TypeHIP, gateway.TypeHIU}) || !s.UpdatedAt.Equal(ms(0)) {
		t.Errorf("service round trip: %+v", s)
	}
}

func testOpsConsentCounts(t *testing.T, db *sqldb.DB) {
	got, err := db.ConsentCounts(ctx(t))
	must(t, "ConsentCounts(none)", err)
	if len(got) != 0 {
		t.Fatalf("empty tables: %+v", got)
	}
	// Three requests by an HIU of Andhra Pradesh (28), one by one of
	// Delhi (07), one by an HIU whose ID is not a facility ID.
	var rs []*consent.Request
	for i, hiu := range []string{"IN2810014366", "IN2810014366", "IN2810099999", "IN0710000001", "hiu-x"} {
		r := consentReq(600 + i)
		r.HIU.ID = hiu
		rs = append(rs, r)
	}
	acceptConsents(t, db, rs...)
	// The first is granted with artefacts for HIPs in Maharashtra (27)
	// and Telangana (36); one is revoked.
	arts := []*consent.Artefact{
		{ID: "d1000000-0000-4000-8000-000000000001", HIPID: "IN2710001234"},
		{ID: "d1000000-0000-4000-8000-000000000002", HIPID: "IN3610005678"},
	}
	for _, a := range arts {
		a.RequestID, a.Status, a.Patient, a.HIUID, a.BridgeID = rs[0].ID, consent.StatusGranted, rs[0].Patient, rs[0].HIU.ID, rs[0].BridgeID
		a.EraseAt, a.Detail, a.Signature = ms(48*time.Hour), []byte(`{}`), "s"
	}
	must(t, "GrantConsentRequest", db.GrantConsentRequest(ctx(t), rs[0].ID, consent.StatusRequested, ms(time.Hour), arts, nil))
	must(t, "ChangeArtefacts", db.ChangeArtefacts(ctx(t), []string{arts[1].ID}, consent.StatusGranted, consent.StatusRevoked, ms(2*time.Hour), nil))
	must(t, "DecideConsentRequest", db.DecideConsentRequest(ctx(t), rs[1].ID, consent.StatusRequested, consent.StatusDenied, ms(time.Hour), nil))
	// Two transfers from the Maharashtra HIP; one is transferred.
	flows := []*consent.Flow{
		{TransactionID: "e1000000-0000-4000-8000-000000000001", ArtefactID: arts[0].ID, HIPID: "IN2710001234", HIUID: rs[0].HIU.ID,
			BridgeID: "hiu-bridge", From: ms(-time.Hour), To: ms(0), Status: consent.FlowRequested, RequestedAt: ms(3 * time.Hour)},
		{TransactionID: "e1000000-0000-4000-8000-000000000002", ArtefactID: arts[0].ID, HIPID: "IN2710001234", HIUID: rs[0].HIU.ID,
			BridgeID: "hiu-bridge", From: ms(-time.Hour), To: ms(0), Status: consent.FlowRequested, RequestedAt: ms(3 * time.Hour)},
	}
	must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", "ops-flows"), gateway.Effects{Flows: flows}))
	must(t, "Accept", db.Accept(ctx(t), inbound("hip-bridge", "ops-flow-update"), gateway.Effects{FlowUpdates: []consent.FlowUpdate{
		{TransactionID: flows[1].TransactionID, From: []string{consent.FlowRequested}, To: consent.FlowTransferred, At: ms(4 * time.Hour)}}}))

	got, err = db.ConsentCounts(ctx(t))
	must(t, "ConsentCounts", err)
	want := []gateway.ConsentCount{
		{Of: gateway.CountArtefacts, Status: consent.StatusGranted, State: "27", N: 1},
		{Of: gateway.CountArtefacts, Status: consent.StatusRevoked, State: "36", N: 1},
		{Of: gateway.CountFlows, Status: consent.FlowRequested, State: "27", N: 1},
		{Of: gateway.CountFlows, Status: consent.FlowTransferred, State: "27", N: 1},
		{Of: gateway.CountRequests, Status: consent.StatusDenied, State: "28", N: 1},
		{Of: gateway.CountRequests, Status: consent.StatusGranted, State: "28", N: 1},
		{Of: gateway.CountRequests, Status: consent.StatusRequested, State: "", N: 1},
		{Of: gateway.CountRequests, Status: consent.StatusRequested, State: "28", N: 1},
		{Of: gateway.CountRequests, Status: consent.StatusRequested, State: "7", N: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConsentCounts:\n got  %+v\n want %+v", got, want)
	}
}
