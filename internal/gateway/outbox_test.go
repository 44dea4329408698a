package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// bridgeServer is a bridge's callback server whose answers the test sets
// per path, recording what it receives.
type bridgeServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string][]int // path → statuses to answer in turn (the last repeats)
	got     map[string][]*http.Request
	bodies  map[string][]string
}

func newBridgeServer(t *testing.T) *bridgeServer {
	b := &bridgeServer{answers: map[string][]int{}, got: map[string][]*http.Request{}, bodies: map[string][]string{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got[r.URL.Path] = append(b.got[r.URL.Path], r)
		b.bodies[r.URL.Path] = append(b.bodies[r.URL.Path], string(body))
		st := http.StatusAccepted
		if a := b.answers[r.URL.Path]; len(a) > 0 {
			st = a[0]
			if len(a) > 1 {
				b.answers[r.URL.Path] = a[1:]
			}
		}
		b.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *bridgeServer) count(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got[path])
}

func TestOutboxDelivery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	br := newBridgeServer(t)
	br.answers["/flaky"] = []int{500, 503, 202}
	br.answers["/bad"] = []int{400}
	br.answers["/down"] = []int{503}

	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{
		MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute, Now: clock,
	})
	var out []*gateway.Outbound
	for _, p := range []string{"/ok", "/flaky", "/bad", "/down"} {
		rid := uuid.NewString()
		body, _ := json.Marshal(map[string]any{"requestId": rid, "timestamp": "2026-11-29T10:00:00.000Z", "resp": map[string]string{"requestId": uuid.NewString()}})
		out = append(out, &gateway.Outbound{RequestID: rid, BridgeID: "hiu-bridge", Kind: "consent-requests/on-init", TargetID: "IN2800000001",
			Body: body, Headers: map[string]string{"X-HIU-ID": "IN2800000001"}, URL: br.URL + p, CreatedAt: clock(), NextAt: clock()})
	}
	if err := e.db.Enqueue(ctx, out); err != nil {
		t.Fatal(err)
	}
	status := func(i int) *gateway.Outbound {
		m, err := e.db.Outbound(ctx, out[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Attempt 1: ok delivered; bad refused for good; flaky and down wait.
	if n, err := ob.RunOnce(ctx); err != nil || n != 4 {
		t.Fatalf("first round: %d %v", n, err)
	}
	if m := status(0); m.Status != gateway.OutDelivered || m.DeliveredAt.IsZero() {
		t.Fatalf("ok: %+v", m)
	}
	if m := status(2); m.Status != gateway.OutDead || !strings.Contains(m.LastError, "400") {
		t.Fatalf("bad: %+v", m)
	}
	for _, i := range []int{1, 3} {
		m := status(i)
		if wait := m.NextAt.Sub(clock()); m.Status != gateway.OutPending || m.Attempts != 1 || wait < 800*time.Millisecond || wait > 1200*time.Millisecond {
			t.Fatalf("message %d after one failure: %+v (retry in %s)", i, m, wait)
		}
	}
	// Nothing is due before the backoff has passed.
	if n, _ := ob.RunOnce(ctx); n != 0 {
		t.Fatalf("%d messages retried before their time", n)
	}
	e.now.Add(1300)
	ob.RunOnce(ctx) // attempt 2: both fail again
	if m := status(1); m.Attempts != 2 || m.NextAt.Sub(clock()) < 1500*time.Millisecond {
		t.Fatalf("backoff did not grow: %+v", m)
	}
	e.now.Add(2500)
	ob.RunOnce(ctx) // attempt 3: flaky succeeds, down is dead
	if m := status(1); m.Status != gateway.OutDelivered || m.Attempts != 2 {
		t.Fatalf("flaky after three tries: %+v", m)
	}
	if m := status(3); m.Status != gateway.OutDead || m.Attempts != 3 || !strings.Contains(m.LastError, "503") {
		t.Fatalf("down after three tries: %+v", m)
	}

	// Every retry carried the same body (same requestId) and the gateway's
	// token, which verifies against the published certs.
	br.mu.Lock()
	bodies, reqs := br.bodies["/flaky"], br.got["/flaky"]
	br.mu.Unlock()
	if len(bodies) != 3 || bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("retries differ: %q", bodies)
	}
	if reqs[0].Header.Get("X-HIU-ID") != "IN2800000001" {
		t.Fatalf("routing header missing: %v", reqs[0].Header)
	}
	tok := strings.TrimPrefix(reqs[2].Header.Get("Authorization"), "Bearer ")
	claims, err := e.keys.ParseJWT(tok, jwt.WithTimeFunc(clock))
	if err != nil || claims["sub"] != "gateway" {
		t.Fatalf("delivery token: %v %v", err, claims)
	}

	// The operator sees the dead letters and replays one once the bridge is
	// back.
	var list struct {
		Counts map[string]int `json:"counts"`
		Items  []struct {
			ID        int64  `json:"id"`
			Status    string `json:"status"`
			LastError string `json:"lastError"`
		} `json:"items"`
	}
	if st := e.call("GET", "/api/v1/admin/outbox?status=dead", bearer("op"), nil, &list); st != 200 || len(list.Items) != 2 || list.Counts["DEAD"] != 2 || list.Counts["DELIVERED"] != 2 {
		t.Fatalf("dead letters: %d %+v", st, list)
	}
	if st := e.call("POST", "/api/v1/admin/outbox/"+strconv.FormatInt(out[3].ID, 10)+"/replay", nil, nil, nil); st != 401 {
		t.Fatalf("replay without the operator token: %d", st)
	}
	br.mu.Lock()
	br.answers["/down"] = []int{202}
	br.mu.Unlock()
	if st := e.call("POST", "/api/v1/admin/outbox/"+strconv.FormatInt(out[3].ID, 10)+"/replay", bearer("op"), nil, nil); st != 204 {
		t.Fatalf("replay: %d", st)
	}
	if st := e.call("POST", "/api/v1/admin/outbox/"+strconv.FormatInt(out[0].ID, 10)+"/replay", bearer("op"), nil, nil); st != 409 {
		t.Fatalf("replaying a delivered message: %d", st)
	}
	ob.RunOnce(ctx)
	if m := status(3); m.Status != gateway.OutDelivered || br.count("/down") != 4 {
		t.Fatalf("after replay: %+v, %d attempts seen", m, br.count("/down"))
	}
}

// TestOutboxHandoff: messages leased before they are stored go to a worker
// once committed without being claimed; a claim passes over them while the
// lease runs, and takes them once it is over (the node died first); the
// outbox holds at most Handoff of them, the rest wait for a claim; places
// of messages never committed are given back.
func TestOutboxHandoff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	br := newBridgeServer(t)
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Handoff: 2, Lease: 30 * time.Second, Now: clock})
	msg := func(path string) *gateway.Outbound {
		rid := uuid.NewString()
		return &gateway.Outbound{RequestID: rid, BridgeID: "hiu-bridge", Kind: "consent-requests/on-init", TargetID: "IN2800000001",
			Body: []byte(`{"requestId":"` + rid + `"}`), URL: br.URL + path, CreatedAt: clock()}
	}

	three := []*gateway.Outbound{msg("/a"), msg("/b"), msg("/c")}
	leased := ob.Prelease(three, clock())
	if len(leased) != 2 || leased[0] != three[0] || leased[1] != three[1] {
		t.Fatalf("Prelease leased %d of 3 with room for 2", len(leased))
	}
	if want := clock().Add(30 * time.Second); !three[0].NextAt.Equal(want) || !three[2].NextAt.IsZero() {
		t.Fatalf("NextAt after Prelease: %v, %v; want the lease's end and zero", three[0].NextAt, three[2].NextAt)
	}
	if more := ob.Prelease([]*gateway.Outbound{msg("/d")}, clock()); len(more) != 0 {
		t.Fatal("Prelease leased beyond Handoff")
	}
	if err := e.db.Enqueue(ctx, three); err != nil {
		t.Fatal(err)
	}
	// A claim now takes only the one not leased.
	claimed, err := e.db.ClaimDue(ctx, clock(), clock().Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != three[2].ID {
		t.Fatalf("ClaimDue while leased: %d messages, %v; want only the unleased one", len(claimed), err)
	}
	ob.Hand(leased)
	if n, err := ob.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("RunOnce after Hand: %d %v, want the 2 handed", n, err)
	}
	for i, p := range []string{"/a", "/b"} {
		if br.count(p) != 1 {
			t.Fatalf("%s delivered %d times", p, br.count(p))
		}
		if m, _ := e.db.Outbound(ctx, three[i].ID); m.Status != gateway.OutDelivered {
			t.Fatalf("%s: %s after delivery", p, m.Status)
		}
	}

	// Not committed: the places come back.
	lost := ob.Prelease([]*gateway.Outbound{msg("/e"), msg("/f")}, clock())
	if len(lost) != 2 {
		t.Fatalf("Prelease after the hand-off: %d of 2", len(lost))
	}
	ob.Release(lost)
	// Committed, but the node dies before handing it over: claimed once
	// the lease is over, not before.
	orphan := msg("/g")
	if got := ob.Prelease([]*gateway.Outbound{orphan}, clock()); len(got) != 1 {
		t.Fatal("Prelease after Release found no room")
	}
	if err := e.db.Enqueue(ctx, []*gateway.Outbound{orphan}); err != nil {
		t.Fatal(err)
	}
	other := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock}) // another node
	if n, _ := other.RunOnce(ctx); n != 0 {
		t.Fatalf("another node delivered %d messages while the lease ran", n)
	}
	e.now.Add((31 * time.Second).Milliseconds())
	if n, _ := other.RunOnce(ctx); n != 1 || br.count("/g") != 1 {
		t.Fatalf("after the lease: another node delivered %d, /g reached %d times", n, br.count("/g"))
	}
}
