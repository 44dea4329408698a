package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// opsToken is the operator token of the test node.
const opsToken = "test-operator-token-0123456789"

// opsEnv is a real gateway on SQLite behind the operator's pages, served
// by an httptest server, with two bridges, outbound and inbound messages
// (one of them dead), and consents. bridge is a bridge's callback server
// that accepts everything; an outbox worker delivers to it when started.
type opsEnv struct {
	srv    *httptest.Server
	mux    *http.ServeMux
	db     *sqldb.DB
	svc    *gateway.Service
	ops    *gateway.Ops
	pages  *Ops
	op     context.Context // acts as the operator
	keys   *auth.Keys
	bridge *httptest.Server
	posts  atomic.Int64 // messages the bridge received
	dead   *gateway.Outbound
	outbox *gateway.Outbox
	secret []byte
}

// facilitiesOK says every facility is verified; the pages do not care.
type facilitiesOK struct{}

func (facilitiesOK) FacilityVerified(context.Context, string) (bool, error) { return true, nil }

// The seeded data's names, for the tests to look for.
const (
	opsHIPBridge = "apollo-hmis"
	opsHIUBridge = "citylab-hiu"
	opsHIP       = "IN2810014366" // Andhra Pradesh
	opsHIU       = "IN3610000012" // Telangana
	opsDeadKind  = "consents/hiu/notify"
)

// newOpsEnv builds the gateway, the operator's pages and the seed data.
func newOpsEnv(t testing.TB) *opsEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e := &opsEnv{db: sqlite.OpenTest(t), secret: []byte("ops test secret"),
		op: arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})}
	master, err := auth.LoadOrCreateMasterKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if e.keys, err = auth.NewKeys(ctx, e.db, master, auth.KeysOptions{}); err != nil {
		t.Fatal(err)
	}
	e.bridge = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		e.posts.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(e.bridge.Close)
	e.svc = gateway.NewService(gateway.Stores{Bridges: e.db, Consents: e.db, Person: e.db}, e.keys, facilitiesOK{}, nil,
		audit.NewLog(e.db, time.Now), gateway.Config{Issuer: "http://cm.test/gateway", CMID: "sbx",
			Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	e.outbox = gateway.NewOutbox(e.db, e.keys, "http://cm.test/gateway", gateway.OutboxConfig{
		PollEvery: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	e.ops = gateway.NewOps(e.svc, e.db, e.db, e.outbox)
	e.mux = http.NewServeMux()
	e.srv = httptest.NewServer(e.mux)
	t.Cleanup(e.srv.Close)
	e.pages = NewOps(e.ops, opsToken, Options{Secret: e.secret})
	e.pages.Register(e.mux)
	e.seed(t)
	return e
}

// runOutbox delivers the outbox until the test ends.
func (e *opsEnv) runOutbox(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.outbox.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// seed makes the bridges, messages and consents the pages show.
func (e *opsEnv) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	mk := func(id, name, version string, services ...gateway.ServiceInput) {
		b, _, err := e.svc.CreateBridge(e.op, id, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetURL(ctx, b, e.bridge.URL+"/"+id, version); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddUpdateServices(ctx, b, services); err != nil {
			t.Fatal(err)
		}
	}
	mk(opsHIPBridge, "Apollo Hospitals HMIS", gateway.V3,
		gateway.ServiceInput{ID: opsHIP, Name: "Apollo Health City Guntur", Types: []string{gateway.TypeHIP}, Active: true},
		gateway.ServiceInput{ID: "IN2810099999", Name: "Apollo Clinic Tenali", Types: []string{gateway.TypeHIP, gateway.TypeHIU}, Active: false})
	mk(opsHIUBridge, "City Diagnostics Lab System", gateway.V05,
		gateway.ServiceInput{ID: opsHIU, Name: "City Diagnostics Hyderabad", Types: []string{gateway.TypeHIU}, Active: true})

	// Outbound: three delivered in the last hour (120 ms, 250 ms, 2.5 s),
	// one delivered yesterday (40 s), one pending, one dead.
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 0
	msg := func(kind, bridge, status string, ago, latency time.Duration) *gateway.Outbound {
		n++
		o := &gateway.Outbound{RequestID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), BridgeID: bridge, Kind: kind,
			TargetID: opsHIU, Body: []byte(`{"patient":"ravi.kumar@sbx"}`), URL: e.bridge.URL + "/" + bridge + "/v0.5/" + kind,
			Headers: map[string]string{"Content-Type": "application/json"}, Status: status,
			CreatedAt: now.Add(-ago), NextAt: now.Add(-ago)}
		if status == gateway.OutDelivered {
			o.DeliveredAt = o.CreatedAt.Add(latency)
		}
		return o
	}
	e.dead = msg(opsDeadKind, opsHIUBridge, gateway.OutDead, 20*time.Minute, 0)
	e.dead.Attempts, e.dead.LastError = 1, "HTTP 404"
	out := []*gateway.Outbound{
		msg("consent-requests/on-init", opsHIUBridge, gateway.OutDelivered, 50*time.Minute, 120*time.Millisecond),
		msg("consent-requests/on-init", opsHIUBridge, gateway.OutDelivered, 40*time.Minute, 250*time.Millisecond),
		msg("consent-requests/on-init", opsHIUBridge, gateway.OutDelivered, 30*time.Minute, 2500*time.Millisecond),
		msg("consents/hip/notify", opsHIPBridge, gateway.OutDelivered, 20*time.Hour, 40*time.Second),
		msg("health-information/hip/request", opsHIPBridge, gateway.OutPending, 10*time.Minute, 0),
		e.dead,
	}
	// The pending message is not due for an hour, so a running outbox
	// leaves it alone.
	out[4].NextAt = now.Add(time.Hour)
	// Stored in the order they were made, as the gateway stores them
	// (the traffic view relies on IDs ascending with creation times).
	slices.SortStableFunc(out, func(a, b *gateway.Outbound) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if err := e.db.Enqueue(ctx, out); err != nil {
		t.Fatal(err)
	}

	// Inbound: two consent requests, one yesterday.
	for i, ago := range []time.Duration{5 * time.Minute, 22 * time.Hour} {
		in := &gateway.Inbound{BridgeID: opsHIUBridge, RequestID: fmt.Sprintf("in-%d", i), Kind: "consent-requests/init",
			Version: gateway.V05, ReceivedAt: now.Add(-ago)}
		if err := e.db.Accept(ctx, in, gateway.Effects{}); err != nil {
			t.Fatal(err)
		}
	}

	// Consents: three requests by the Telangana HIU, one by a Delhi HIU;
	// the first granted (an artefact for the Andhra Pradesh HIP, with one
	// transfer done), the second denied.
	var rs []*consent.Request
	for i, hiu := range []string{opsHIU, opsHIU, opsHIU, "IN0710000001"} {
		r := &consent.Request{ID: fmt.Sprintf("0c3b1f5e-7d2a-4c8e-9b61-%012d", i), Status: consent.StatusRequested,
			Patient: fmt.Sprintf("ravi.kumar%d@sbx", i), Purpose: consent.Purpose{Code: "CAREMGT", Text: "Care Management"},
			HIP: &consent.OrgRef{ID: opsHIP, Name: "Apollo Health City Guntur"}, HIU: consent.OrgRef{ID: hiu, Name: "City Diagnostics"},
			Requester: consent.Requester{Name: "Dr. Manju"}, HITypes: []string{"Prescription"},
			Permission: consent.Permission{AccessMode: "VIEW", DateRange: consent.DateRange{From: now.Add(-365 * 24 * time.Hour), To: now},
				DataEraseAt: now.Add(30 * 24 * time.Hour), Frequency: consent.Frequency{Unit: "HOUR", Value: 1}},
			BridgeID: opsHIUBridge, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
		rs = append(rs, r)
		in := &gateway.Inbound{BridgeID: opsHIUBridge, RequestID: "init-" + r.ID, Kind: "consent-requests/init", Version: gateway.V05, ReceivedAt: now.Add(-48 * time.Hour)}
		if err := e.db.Accept(ctx, in, gateway.Effects{ConsentRequests: []*consent.Request{r}}); err != nil {
			t.Fatal(err)
		}
	}
	art := &consent.Artefact{ID: "a1000000-0000-4000-8000-000000000001", RequestID: rs[0].ID, Status: consent.StatusGranted,
		Patient: rs[0].Patient, HIPID: opsHIP, HIUID: opsHIU, BridgeID: opsHIUBridge, EraseAt: now.Add(24 * time.Hour),
		Detail: []byte(`{}`), Signature: "h.p.s"}
	if err := e.db.GrantConsentRequest(ctx, rs[0].ID, consent.StatusRequested, now, []*consent.Artefact{art}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.db.DecideConsentRequest(ctx, rs[1].ID, consent.StatusRequested, consent.StatusDenied, now, nil); err != nil {
		t.Fatal(err)
	}
	flow := &consent.Flow{TransactionID: "e1000000-0000-4000-8000-000000000001", ArtefactID: art.ID, HIPID: opsHIP, HIUID: opsHIU,
		BridgeID: opsHIUBridge, From: now.Add(-time.Hour), To: now, Status: consent.FlowTransferred, RequestedAt: now}
	in := &gateway.Inbound{BridgeID: opsHIUBridge, RequestID: "hi-request", Kind: "health-information/cm/request", Version: gateway.V05, ReceivedAt: now.Add(-48 * time.Hour)}
	if err := e.db.Accept(ctx, in, gateway.Effects{Flows: []*consent.Flow{flow}}); err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client for the operator's pages (see helpers_test.go).
func (e *opsEnv) browser(t testing.TB) *browser {
	return (&testEnv{srv: e.srv}).browser(t)
}

// signIn signs b in as the operator.
func (e *opsEnv) signIn(t testing.TB, b *browser) {
	t.Helper()
	b.get("/cm/ops/login")
	p := b.post("/cm/ops/login", url.Values{"token": {opsToken}})
	if p.status != http.StatusSeeOther || p.location != "/cm/ops/?notice=ops.signedin" {
		t.Fatalf("sign in: %d %q\n%s", p.status, p.location, p.body)
	}
	b.get("/cm/ops/") // for the CSRF token of the signed-in pages
}
