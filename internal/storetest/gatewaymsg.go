package storetest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// gatewayMsgTests are the conformance tests of gateway.MessageStore; Run
// runs them with the rest.
var gatewayMsgTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"GatewayAccept", testGatewayAccept},
	{"GatewayAcceptDuplicate", testGatewayAcceptDuplicate},
	{"GatewayAcceptGroupCommit", testGatewayAcceptGroupCommit},
	{"GatewayOutboundRoundTrip", testGatewayOutboundRoundTrip},
	{"GatewayClaimDue", testGatewayClaimDue},
	{"GatewayMark", testGatewayMark},
	{"GatewayMarkDeliveredBatch", testGatewayMarkDeliveredBatch},
	{"GatewayReplay", testGatewayReplay},
	{"GatewayOutboundByStatus", testGatewayOutboundByStatus},
	{"GatewayOutboundCounts", testGatewayOutboundCounts},
	{"GatewayClaimConcurrent", testGatewayClaimConcurrent},
}

// inbound returns an inbound message of the bridge, received at ms(0).
func inbound(bridgeID, requestID string) *gateway.Inbound {
	return &gateway.Inbound{BridgeID: bridgeID, RequestID: requestID, Kind: "consent-requests/init",
		Version: gateway.V3, ReceivedAt: ms(0)}
}

// outbound returns a complete PENDING outbound message numbered n, due and
// created at ms(n seconds).
func outbound(n int) *gateway.Outbound {
	return &gateway.Outbound{
		RequestID: fmt.Sprintf("5f7a535d-a3fd-416b-b069-%012d", n), BridgeID: "hiu-bridge",
		Kind: "consent-requests/on-init", TargetID: "IN2810014366",
		Body:    []byte(fmt.Sprintf(`{"requestId":"%d","consentRequest":{"id":"c-%d"}}`, n, n)),
		Headers: map[string]string{"X-HIU-ID": "IN2810014366", "Content-Type": "application/json"},
		URL:     "https://hiu.example.org/v0.5/consent-requests/on-init",
		NextAt:  ms(time.Duration(n) * time.Second), Status: gateway.OutPending,
		CreatedAt: ms(time.Duration(n) * time.Second),
	}
}

// cloneOutbound returns a deep copy of o.
func cloneOutbound(o *gateway.Outbound) *gateway.Outbound {
	c := *o
	c.Body = slices.Clone(o.Body)
	c.Headers = maps.Clone(o.Headers)
	return &c
}

func sameOutbound(t *testing.T, what string, got, want *gateway.Outbound) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func outIDs(os []*gateway.Outbound) []int64 {
	out := make([]int64, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

// enqueue enqueues out and returns the IDs the store gave them.
func enqueue(t *testing.T, db *sqldb.DB, out ...*gateway.Outbound) []int64 {
	t.Helper()
	must(t, "Enqueue", db.Enqueue(ctx(t), out))
	return outIDs(out)
}

// wantCounts fails unless OutboundCounts is want.
func wantCounts(t *testing.T, db *sqldb.DB, want map[string]int) {
	t.Helper()
	got, err := db.OutboundCounts(ctx(t))
	must(t, "OutboundCounts", err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OutboundCounts = %v, want %v", got, want)
	}
}

func counts(pending, delivered, dead int) map[string]int {
	return map[string]int{gateway.OutPending: pending, gateway.OutDelivered: delivered, gateway.OutDead: dead}
}

// inboxRow reads the inbox row of (bridge, request ID) straight from the
// table: the store has no reader of its own for it.
func inboxRow(t *testing.T, db *sqldb.DB, bridgeID, requestID string) (kind, version string, receivedAt int64) {
	t.Helper()
	err := db.SQL().QueryRowContext(ctx(t), "SELECT kind, version, received_at FROM gateway_inbox WHERE bridge_id = $1 AND request_id = $2",
		bridgeID, requestID).Scan(&kind, &version, &receivedAt)
	must(t, "read gateway_inbox", err)
	return kind, version, receivedAt
}

func testGatewayAccept(t *testing.T, db *sqldb.DB) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name string
		in   *gateway.Inbound
		out  []*gateway.Outbound
		// want is what out should be once accepted, written back and stored.
		want func(in *gateway.Inbound, out []*gateway.Outbound) []*gateway.Outbound
	}{
		{"no effects", inbound("hmis", "r-1"), nil, nil},
		{"one outbound", inbound("hmis", "r-2"), []*gateway.Outbound{outbound(1)},
			func(_ *gateway.Inbound, out []*gateway.Outbound) []*gateway.Outbound { return out }},
		{"several, times defaulted", &gateway.Inbound{BridgeID: "hmis", RequestID: "r-3", Kind: "k", Version: gateway.V05,
			ReceivedAt: time.Date(2026, 3, 14, 15, 0, 0, 123_456_789, ist)},
			[]*gateway.Outbound{
				{BridgeID: "a", Kind: "on-init"},
				{BridgeID: "b", Kind: "notify", NextAt: ms(time.Hour)},
				{BridgeID: "c", Kind: "on-fetch", CreatedAt: ms(-time.Hour), Status: gateway.OutDead, Attempts: 9, LastError: "503"},
			},
			func(in *gateway.Inbound, out []*gateway.Outbound) []*gateway.Outbound {
				at := time.Date(2026, 3, 14, 9, 30, 0, 123_000_000, time.UTC)
				return []*gateway.Outbound{
					{BridgeID: "a", Kind: "on-init", Status: gateway.OutPending, CreatedAt: at, NextAt: at},
					{BridgeID: "b", Kind: "notify", Status: gateway.OutPending, CreatedAt: at, NextAt: ms(time.Hour)},
					{BridgeID: "c", Kind: "on-fetch", Status: gateway.OutDead, CreatedAt: ms(-time.Hour), NextAt: ms(-time.Hour),
						Attempts: 9, LastError: "503"},
				}
			}},
		{"same request ID, other bridge", inbound("lab", "r-1"), []*gateway.Outbound{outbound(2)},
			func(_ *gateway.Inbound, out []*gateway.Outbound) []*gateway.Outbound { return out }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []*gateway.Outbound
			if tt.want != nil {
				orig := make([]*gateway.Outbound, len(tt.out))
				for i, o := range tt.out {
					orig[i] = cloneOutbound(o)
				}
				want = tt.want(tt.in, orig)
			}
			wantReceived := tt.in.ReceivedAt.UTC().Truncate(time.Millisecond)
			must(t, "Accept", db.Accept(ctx(t), tt.in, gateway.Effects{Outbound: tt.out}))
			if !tt.in.ReceivedAt.Equal(wantReceived) || tt.in.ReceivedAt.Location() != time.UTC {
				t.Fatalf("ReceivedAt written back as %v, want %v", tt.in.ReceivedAt, wantReceived)
			}
			kind, version, at := inboxRow(t, db, tt.in.BridgeID, tt.in.RequestID)
			if kind != tt.in.Kind || version != tt.in.Version || at != wantReceived.UnixMilli() {
				t.Fatalf("inbox row = %q %q %d, want %q %q %d", kind, version, at, tt.in.Kind, tt.in.Version, wantReceived.UnixMilli())
			}
			for i, o := range tt.out {
				if o.ID == 0 {
					t.Fatalf("outbound %d: no ID written back", i)
				}
				want[i].ID = o.ID
				sameOutbound(t, fmt.Sprintf("outbound %d written back", i), o, want[i])
				got, err := db.Outbound(ctx(t), o.ID)
				must(t, "Outbound", err)
				sameOutbound(t, fmt.Sprintf("outbound %d stored", i), got, want[i])
			}
		})
	}
	wantCounts(t, db, counts(4, 0, 1))

	t.Run("zero time", func(t *testing.T) {
		before := time.Now()
		in := &gateway.Inbound{BridgeID: "hmis", RequestID: "r-now"}
		o := &gateway.Outbound{BridgeID: "x"}
		must(t, "Accept", db.Accept(ctx(t), in, gateway.Effects{Outbound: []*gateway.Outbound{o}}))
		wantNow(t, "ReceivedAt", in.ReceivedAt, before, time.Now())
		if !o.CreatedAt.Equal(in.ReceivedAt) || !o.NextAt.Equal(in.ReceivedAt) {
			t.Fatalf("outbound CreatedAt %v, NextAt %v; want ReceivedAt %v", o.CreatedAt, o.NextAt, in.ReceivedAt)
		}
		got, err := db.Outbound(ctx(t), o.ID)
		must(t, "Outbound", err)
		sameOutbound(t, "stored", got, o)
	})
	t.Run("invalid", func(t *testing.T) {
		for _, in := range []*gateway.Inbound{{BridgeID: "hmis"}, {RequestID: "r-9"}} {
			err := db.Accept(ctx(t), in, gateway.Effects{Outbound: []*gateway.Outbound{outbound(9)}})
			wantCode(t, "Accept(no bridge or request ID)", err, arogya.EINVALID)
		}
		wantCounts(t, db, counts(5, 0, 1))
	})
}

func testGatewayAcceptDuplicate(t *testing.T, db *sqldb.DB) {
	first := inbound("hmis", "a2c6d0f8-0b8e-4e43-9c1e-1f8f3a6b0001")
	firstOut := []*gateway.Outbound{outbound(1), outbound(2)}
	must(t, "Accept", db.Accept(ctx(t), first, gateway.Effects{Outbound: firstOut}))
	stored := make([]*gateway.Outbound, len(firstOut))
	for i, o := range firstOut {
		stored[i] = cloneOutbound(o)
	}

	tests := []struct {
		name string
		in   *gateway.Inbound
		out  []*gateway.Outbound
	}{
		{"same message again", inbound("hmis", first.RequestID), []*gateway.Outbound{outbound(1), outbound(2)}},
		{"other kind and effects", &gateway.Inbound{BridgeID: "hmis", RequestID: first.RequestID, Kind: "other",
			Version: gateway.V05, ReceivedAt: ms(time.Hour)}, []*gateway.Outbound{outbound(3), outbound(4), outbound(5)}},
		{"no effects", inbound("hmis", first.RequestID), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Accept(ctx(t), tt.in, gateway.Effects{Outbound: tt.out})
			wantCode(t, "Accept(duplicate)", err, arogya.ECONFLICT)
			for _, o := range tt.out {
				if o.ID != 0 {
					t.Fatalf("duplicate's outbound got ID %d", o.ID)
				}
			}
			// Nothing written: the inbox row is the first's, the outbox has
			// the first's messages only.
			kind, version, at := inboxRow(t, db, first.BridgeID, first.RequestID)
			if kind != first.Kind || version != first.Version || at != first.ReceivedAt.UnixMilli() {
				t.Fatalf("inbox row = %q %q %d, want the first's", kind, version, at)
			}
			wantCounts(t, db, counts(2, 0, 0))
			got, err := db.OutboundByStatus(ctx(t), gateway.OutPending, 0, 10)
			must(t, "OutboundByStatus", err)
			if len(got) != 2 {
				t.Fatalf("outbox holds %v, want the first's %v", outIDs(got), outIDs(stored))
			}
			sameOutbound(t, "first's outbound", got[0], stored[1])
			sameOutbound(t, "first's outbound", got[1], stored[0])
		})
	}
	// Request IDs are per bridge and case-sensitive.
	must(t, "Accept(other bridge)", db.Accept(ctx(t), inbound("lab", first.RequestID), gateway.Effects{}))
	must(t, "Accept(other case)", db.Accept(ctx(t), inbound("hmis", "A2C6D0F8-0B8E-4E43-9C1E-1F8F3A6B0001"), gateway.Effects{}))
}

func testGatewayOutboundRoundTrip(t *testing.T, db *sqldb.DB) {
	_, err := db.Outbound(ctx(t), 1)
	wantCode(t, "Outbound(missing)", err, arogya.ENOTFOUND)
	must(t, "Enqueue(nothing)", db.Enqueue(ctx(t), nil))
	wantCounts(t, db, counts(0, 0, 0))

	ist := time.FixedZone("IST", 5*3600+1800)
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	full := outbound(1)
	full.Body = binary
	full.Headers = map[string]string{"X-HIP-ID": "IN2810014366", "REQUEST-ID": full.RequestID,
		"X-Odd": `"quoted" \back\ <tag> & अपोलो` + "\n\t\u2028", "": "empty name", "Empty-Value": ""}
	full.URL = "https://hip.example.org/api/v3/hip/health-information/request?x=1&y=é"
	full.Attempts, full.LastError = 3, "HTTP 503"
	full.NextAt = time.Date(2026, 3, 14, 15, 0, 0, 123_456_789, ist)
	full.CreatedAt = full.NextAt.Add(-time.Minute)
	full.DeliveredAt = full.NextAt.Add(time.Second)

	tests := []struct {
		name string
		o    *gateway.Outbound
		// want, if set, returns what o is stored as; else it is o itself.
		want func(o *gateway.Outbound) *gateway.Outbound
	}{
		{"full, binary body", full, func(o *gateway.Outbound) *gateway.Outbound {
			w := cloneOutbound(o)
			w.NextAt = time.Date(2026, 3, 14, 9, 30, 0, 123_000_000, time.UTC)
			w.CreatedAt, w.DeliveredAt = w.NextAt.Add(-time.Minute), w.NextAt.Add(time.Second)
			return w
		}},
		{"JSON body", outbound(2), nil},
		{"no body, no headers", &gateway.Outbound{BridgeID: "b", Kind: "k", URL: "http://10.0.0.5:8080/x",
			CreatedAt: ms(0), NextAt: ms(time.Minute), Status: gateway.OutPending}, nil},
		{"empty body and headers", &gateway.Outbound{BridgeID: "b", Body: []byte{}, Headers: map[string]string{},
			CreatedAt: ms(0)}, func(o *gateway.Outbound) *gateway.Outbound {
			return &gateway.Outbound{BridgeID: "b", Status: gateway.OutPending, CreatedAt: ms(0), NextAt: ms(0)}
		}},
		{"dead", &gateway.Outbound{RequestID: "r", BridgeID: "b", Status: gateway.OutDead, Attempts: 12,
			LastError: "dial tcp: connection refused", CreatedAt: ms(0), NextAt: ms(time.Hour)}, nil},
		{"delivered", &gateway.Outbound{RequestID: "r", BridgeID: "b", Status: gateway.OutDelivered, Attempts: 1,
			CreatedAt: ms(0), NextAt: ms(0), DeliveredAt: ms(time.Second)}, nil},
	}
	var ids []int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := cloneOutbound(tt.o)
			if tt.want != nil {
				want = tt.want(cloneOutbound(tt.o))
			}
			enqueue(t, db, tt.o)
			if tt.o.ID == 0 || slices.Contains(ids, tt.o.ID) {
				t.Fatalf("ID %d written back, after %v", tt.o.ID, ids)
			}
			ids = append(ids, tt.o.ID)
			want.ID = tt.o.ID
			// Body and Headers are the caller's, left as they were.
			wb := cloneOutbound(want)
			wb.Body, wb.Headers = tt.o.Body, tt.o.Headers
			sameOutbound(t, "written back", tt.o, wb)
			got, err := db.Outbound(ctx(t), tt.o.ID)
			must(t, "Outbound", err)
			sameOutbound(t, "Outbound", got, want)
		})
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("IDs %v not ascending in insertion order", ids)
	}

	t.Run("batch, zero times", func(t *testing.T) {
		before := time.Now()
		batch := []*gateway.Outbound{{BridgeID: "x"}, {BridgeID: "y", NextAt: ms(time.Hour)}, outbound(3)}
		enqueue(t, db, batch...)
		wantNow(t, "CreatedAt", batch[0].CreatedAt, before, time.Now())
		if !batch[0].NextAt.Equal(batch[0].CreatedAt) || !batch[1].CreatedAt.Equal(batch[0].CreatedAt) {
			t.Fatalf("zero times written back as %+v, %+v", batch[0], batch[1])
		}
		if !(batch[0].ID < batch[1].ID && batch[1].ID < batch[2].ID) {
			t.Fatalf("IDs %v not ascending in batch order", outIDs(batch))
		}
		for _, o := range batch {
			got, err := db.Outbound(ctx(t), o.ID)
			must(t, "Outbound", err)
			sameOutbound(t, "Outbound", got, o)
		}
	})
}

func testGatewayClaimDue(t *testing.T, db *sqldb.DB) {
	// Due times out of ID order, with ties; see due.
	due := []time.Duration{5, 1, 3, 1, 9, 60, 2}
	var out []*gateway.Outbound
	for i, d := range due {
		o := outbound(i)
		o.NextAt = ms(d * time.Minute)
		out = append(out, o)
	}
	ids := enqueue(t, db, out...)
	// Neither delivered nor dead messages are claimed, however due.
	delivered, dead := outbound(100), outbound(101)
	delivered.Status, delivered.NextAt = gateway.OutDelivered, ms(0)
	dead.Status, dead.NextAt = gateway.OutDead, ms(0)
	enqueue(t, db, delivered, dead)

	got, err := db.ClaimDue(ctx(t), ms(time.Hour), ms(2*time.Hour), 0)
	must(t, "ClaimDue(limit 0)", err)
	if len(got) != 0 {
		t.Fatalf("ClaimDue(limit 0) = %v", outIDs(got))
	}

	lease := func(m int) time.Time { return ms(time.Duration(m) * time.Minute) }
	steps := []struct {
		name       string
		now, until time.Time
		limit      int
		want       []int // indices into out
	}{
		{"nothing due yet", lease(0), lease(100), 10, nil},
		{"oldest first, ties by ID", lease(4), lease(6), 2, []int{1, 3}},
		{"leased ones skipped", lease(4), lease(6), 10, []int{6, 2}},
		{"nothing else due before the leases end", lease(5).Add(-time.Millisecond), lease(100), 10, nil},
		{"at the lease's end, claimed again", lease(6), lease(7), 3, []int{0, 1, 2}},
		{"limit", lease(6), lease(8), 1, []int{3}},
		{"rest due", lease(10), lease(20), 10, []int{6, 0, 1, 2, 3, 4}},
		{"leases ending together, by ID", lease(60), lease(61), 10, []int{0, 1, 2, 3, 4, 6, 5}},
		{"all leased", lease(61).Add(-time.Millisecond), lease(100), 10, nil},
		{"everything", lease(100), lease(200), 100, []int{0, 1, 2, 3, 4, 5, 6}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := db.ClaimDue(ctx(t), st.now, st.until, st.limit)
			must(t, "ClaimDue", err)
			var want []int64
			for _, i := range st.want {
				want = append(want, ids[i])
			}
			if g := outIDs(got); !slices.Equal(g, want) {
				t.Fatalf("ClaimDue(%v, limit %d) = %v, want %v", st.now, st.limit, g, want)
			}
			for _, o := range got {
				i := slices.Index(ids, o.ID)
				w := cloneOutbound(out[i])
				w.NextAt = st.until
				sameOutbound(t, "claimed", o, w)
				stored, err := db.Outbound(ctx(t), o.ID)
				must(t, "Outbound", err)
				sameOutbound(t, "stored after claim", stored, w)
			}
		})
	}
	// Leases never change the status.
	wantCounts(t, db, counts(len(due), 1, 1))
}

func testGatewayMark(t *testing.T, db *sqldb.DB) {
	for _, err := range []error{
		db.MarkDelivered(ctx(t), 1, ms(0)),
		db.MarkRetry(ctx(t), 1, 1, ms(0), "x"),
		db.MarkDead(ctx(t), 1, 1, "x"),
	} {
		wantCode(t, "Mark(missing)", err, arogya.ENOTFOUND)
	}

	type mark func(id int64) error
	tests := []struct {
		name  string
		marks []mark
		// apply changes the message as the marks should have.
		apply func(o *gateway.Outbound)
		// claimAt, if set, is when the message is due again.
		claimAt time.Time
	}{
		{"delivered", []mark{func(id int64) error { return db.MarkDelivered(ctx(t), id, ms(time.Minute)) }},
			func(o *gateway.Outbound) { o.Status, o.DeliveredAt = gateway.OutDelivered, ms(time.Minute) }, time.Time{}},
		{"retry", []mark{func(id int64) error { return db.MarkRetry(ctx(t), id, 1, ms(time.Hour), "HTTP 502") }},
			func(o *gateway.Outbound) { o.Attempts, o.NextAt, o.LastError = 1, ms(time.Hour), "HTTP 502" }, ms(time.Hour)},
		{"retries, then delivered", []mark{
			func(id int64) error { return db.MarkRetry(ctx(t), id, 1, ms(time.Hour), "HTTP 502") },
			func(id int64) error { return db.MarkRetry(ctx(t), id, 2, ms(2*time.Hour), "timeout") },
			func(id int64) error { return db.MarkDelivered(ctx(t), id, ms(3*time.Hour)) },
		}, func(o *gateway.Outbound) {
			o.Attempts, o.NextAt, o.LastError = 2, ms(2*time.Hour), "timeout"
			o.Status, o.DeliveredAt = gateway.OutDelivered, ms(3*time.Hour)
		}, time.Time{}},
		{"retries, then dead", []mark{
			func(id int64) error { return db.MarkRetry(ctx(t), id, 1, ms(time.Hour), "HTTP 502") },
			func(id int64) error { return db.MarkDead(ctx(t), id, 2, "HTTP 400") },
		}, func(o *gateway.Outbound) {
			o.Attempts, o.NextAt, o.LastError, o.Status = 2, ms(time.Hour), "HTTP 400", gateway.OutDead
		}, time.Time{}},
		{"retry clears the error", []mark{
			func(id int64) error { return db.MarkRetry(ctx(t), id, 1, ms(time.Minute), "HTTP 502") },
			func(id int64) error { return db.MarkRetry(ctx(t), id, 2, ms(2*time.Minute), "") },
		}, func(o *gateway.Outbound) { o.Attempts, o.NextAt, o.LastError = 2, ms(2*time.Minute), "" }, ms(2 * time.Minute)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outbound(i)
			enqueue(t, db, o)
			other := outbound(i + 100)
			enqueue(t, db, other)
			for _, m := range tt.marks {
				must(t, "mark", m(o.ID))
			}
			want := cloneOutbound(o)
			tt.apply(want)
			got, err := db.Outbound(ctx(t), o.ID)
			must(t, "Outbound", err)
			sameOutbound(t, "after marks", got, want)
			got, err = db.Outbound(ctx(t), other.ID)
			must(t, "Outbound(other)", err)
			sameOutbound(t, "other message", got, other)

			// Claimable again only when PENDING, and not before NextAt.
			if !tt.claimAt.IsZero() {
				c, err := db.ClaimDue(ctx(t), tt.claimAt.Add(-time.Millisecond), ms(1000*time.Hour), 100)
				must(t, "ClaimDue", err)
				if slices.Contains(outIDs(c), o.ID) {
					t.Fatalf("claimed before its retry time")
				}
			}
			c, err := db.ClaimDue(ctx(t), ms(500*time.Hour), ms(1000*time.Hour), 100)
			must(t, "ClaimDue", err)
			if got := slices.Contains(outIDs(c), o.ID); got != (want.Status == gateway.OutPending) {
				t.Fatalf("claimed = %v with status %s", got, want.Status)
			}
			// Leave nothing due for the next case.
			for _, c := range c {
				must(t, "MarkDelivered", db.MarkDelivered(ctx(t), c.ID, ms(0)))
			}
		})
	}
}

// testGatewayMarkDeliveredBatch: the batch marks exactly its messages, skips
// IDs of none, and leaves the others as they were.
func testGatewayMarkDeliveredBatch(t *testing.T, db *sqldb.DB) {
	must(t, "MarkDeliveredBatch(none)", db.MarkDeliveredBatch(ctx(t), nil, ms(0)))
	var out []*gateway.Outbound
	for i := range 5 {
		out = append(out, outbound(i))
	}
	ids := enqueue(t, db, out...)
	must(t, "MarkDeliveredBatch", db.MarkDeliveredBatch(ctx(t), []int64{ids[0], ids[2], ids[4], ids[4] + 1000}, ms(time.Minute)))
	for i, o := range out {
		want := cloneOutbound(o)
		if i%2 == 0 {
			want.Status, want.DeliveredAt = gateway.OutDelivered, ms(time.Minute)
		}
		got, err := db.Outbound(ctx(t), o.ID)
		must(t, "Outbound", err)
		sameOutbound(t, fmt.Sprintf("message %d", i), got, want)
	}
	wantCounts(t, db, counts(2, 3, 0))
	c, err := db.ClaimDue(ctx(t), ms(time.Hour), ms(2*time.Hour), 100)
	must(t, "ClaimDue", err)
	if got := outIDs(c); !slices.Equal(got, []int64{ids[1], ids[3]}) {
		t.Fatalf("claimed %v after the batch, want %v", got, []int64{ids[1], ids[3]})
	}
}

func testGatewayReplay(t *testing.T, db *sqldb.DB) {
	wantCode(t, "Replay(missing)", db.Replay(ctx(t), 1, ms(0)), arogya.ENOTFOUND)
	dead := outbound(1)
	pending, delivered := outbound(2), outbound(3)
	enqueue(t, db, dead, pending, delivered)
	must(t, "MarkDead", db.MarkDead(ctx(t), dead.ID, 8, "HTTP 500"))
	must(t, "MarkDelivered", db.MarkDelivered(ctx(t), delivered.ID, ms(time.Minute)))

	tests := []struct {
		name string
		id   int64
		code string // "" for success
	}{
		{"pending", pending.ID, arogya.ECONFLICT},
		{"delivered", delivered.ID, arogya.ECONFLICT},
		{"missing", delivered.ID + 100, arogya.ENOTFOUND},
		{"dead", dead.ID, ""},
		{"dead, replayed already", dead.ID, arogya.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before *gateway.Outbound
			if tt.code != arogya.ENOTFOUND {
				var err error
				before, err = db.Outbound(ctx(t), tt.id)
				must(t, "Outbound", err)
			}
			err := db.Replay(ctx(t), tt.id, ms(time.Hour))
			if tt.code != "" {
				wantCode(t, "Replay", err, tt.code)
				if before != nil {
					got, err := db.Outbound(ctx(t), tt.id)
					must(t, "Outbound", err)
					sameOutbound(t, "after failed replay", got, before)
				}
				return
			}
			must(t, "Replay", err)
			want := cloneOutbound(before)
			want.Status, want.Attempts, want.NextAt = gateway.OutPending, 0, ms(time.Hour)
			got, err := db.Outbound(ctx(t), tt.id)
			must(t, "Outbound", err)
			sameOutbound(t, "after replay (LastError kept)", got, want)
		})
	}
	// Due at once: claimed with the pending one.
	c, err := db.ClaimDue(ctx(t), ms(time.Hour), ms(2*time.Hour), 10)
	must(t, "ClaimDue", err)
	if got, want := outIDs(c), []int64{pending.ID, dead.ID}; !slices.Equal(got, want) {
		t.Fatalf("ClaimDue after replay = %v, want %v", got, want)
	}
	wantCounts(t, db, counts(2, 1, 0))
}

func testGatewayOutboundByStatus(t *testing.T, db *sqldb.DB) {
	got, err := db.OutboundByStatus(ctx(t), gateway.OutDead, 0, 10)
	must(t, "OutboundByStatus(empty)", err)
	if len(got) != 0 {
		t.Fatalf("OutboundByStatus(empty) = %v", outIDs(got))
	}
	var all []*gateway.Outbound
	for i := range 12 {
		o := outbound(i)
		if i%3 == 1 {
			o.Status, o.Attempts, o.LastError = gateway.OutDead, 5, fmt.Sprintf("HTTP 5%02d", i)
		}
		all = append(all, o)
	}
	enqueue(t, db, all...)
	byStatus := func(status string) []*gateway.Outbound { // newest first
		var out []*gateway.Outbound
		for _, o := range slices.Backward(all) {
			if o.Status == status {
				out = append(out, o)
			}
		}
		return out
	}
	pending, dead := byStatus(gateway.OutPending), byStatus(gateway.OutDead)

	tests := []struct {
		name   string
		status string
		before int64
		limit  int
		want   []*gateway.Outbound
	}{
		{"dead, all", gateway.OutDead, 0, 10, dead},
		{"dead, first page", gateway.OutDead, 0, 2, dead[:2]},
		{"dead, second page", gateway.OutDead, dead[1].ID, 2, dead[2:4]},
		{"dead, past the end", gateway.OutDead, dead[3].ID, 2, nil},
		{"pending, all", gateway.OutPending, 0, 100, pending},
		{"pending, page of 3", gateway.OutPending, pending[2].ID, 3, pending[3:6]},
		{"pending, before a dead one's ID", gateway.OutPending, dead[0].ID, 1, pending[1:2]},
		{"pending, last page short", gateway.OutPending, pending[5].ID, 5, pending[6:]},
		{"limit 0", gateway.OutPending, 0, 0, nil},
		{"delivered: none", gateway.OutDelivered, 0, 10, nil},
		{"unknown status", "pending", 0, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.OutboundByStatus(ctx(t), tt.status, tt.before, tt.limit)
			must(t, "OutboundByStatus", err)
			if !slices.Equal(outIDs(got), outIDs(tt.want)) {
				t.Fatalf("OutboundByStatus(%s, %d, %d) = %v, want %v", tt.status, tt.before, tt.limit, outIDs(got), outIDs(tt.want))
			}
			for i := range got {
				sameOutbound(t, "listed", got[i], tt.want[i])
			}
		})
	}
	// Paging through the pending ones.
	var paged []int64
	for before := int64(0); ; {
		page, err := db.OutboundByStatus(ctx(t), gateway.OutPending, before, 3)
		must(t, "OutboundByStatus", err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, outIDs(page)...)
		before = page[len(page)-1].ID
	}
	if !slices.Equal(paged, outIDs(pending)) {
		t.Fatalf("paged %v, want %v", paged, outIDs(pending))
	}
}

func testGatewayOutboundCounts(t *testing.T, db *sqldb.DB) {
	wantCounts(t, db, counts(0, 0, 0))
	var ids []int64
	for i := range 6 {
		ids = append(ids, enqueue(t, db, outbound(i))...)
	}
	steps := []struct {
		name string
		do   func() error
		want map[string]int
	}{
		{"none yet", func() error { return nil }, counts(6, 0, 0)},
		{"delivered", func() error { return db.MarkDelivered(ctx(t), ids[0], ms(0)) }, counts(5, 1, 0)},
		{"retry", func() error { return db.MarkRetry(ctx(t), ids[1], 1, ms(time.Hour), "x") }, counts(5, 1, 0)},
		{"dead", func() error { return db.MarkDead(ctx(t), ids[1], 2, "x") }, counts(4, 1, 1)},
		{"dead too", func() error { return db.MarkDead(ctx(t), ids[2], 2, "x") }, counts(3, 1, 2)},
		{"replayed", func() error { return db.Replay(ctx(t), ids[1], ms(0)) }, counts(4, 1, 1)},
		{"accepted", func() error {
			return db.Accept(ctx(t), inbound("hmis", "r"), gateway.Effects{Outbound: []*gateway.Outbound{outbound(7), outbound(8)}})
		}, counts(6, 1, 1)},
		{"all delivered", func() error {
			c, err := db.ClaimDue(ctx(t), ms(1000*time.Hour), ms(1001*time.Hour), 100)
			for _, o := range c {
				err = cmpErr(err, db.MarkDelivered(ctx(t), o.ID, ms(0)))
			}
			return err
		}, counts(0, 7, 1)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			must(t, st.name, st.do())
			wantCounts(t, db, st.want)
		})
	}
}

// cmpErr returns the first non-nil of a and b.
func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// testGatewayClaimConcurrent has workers claim from many due messages at
// once: none may be claimed twice while leased, and every one is claimed.
// Once the leases end, each is claimed exactly once more.
func testGatewayClaimConcurrent(t *testing.T, db *sqldb.DB) {
	const messages, workers, batch = 200, 4, 7
	out := make([]*gateway.Outbound, messages)
	for i := range out {
		out[i] = outbound(i)
	}
	enqueue(t, db, out...)

	for round, now := range []time.Time{ms(time.Hour), ms(3 * time.Hour)} {
		until := now.Add(time.Hour)
		claimed := make([][]int64, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				<-start
				for {
					c, err := db.ClaimDue(ctx(t), now, until, batch)
					if err != nil {
						errs[w] = err
						return
					}
					if len(c) == 0 {
						return
					}
					if len(c) > batch {
						errs[w] = fmt.Errorf("claimed %d, limit %d", len(c), batch)
						return
					}
					for _, o := range c {
						if !o.NextAt.Equal(until) {
							errs[w] = fmt.Errorf("claimed %d with NextAt %v, want the lease's end %v", o.ID, o.NextAt, until)
							return
						}
					}
					claimed[w] = append(claimed[w], outIDs(c)...)
				}
			})
		}
		close(start)
		wg.Wait()
		seen := map[int64]int{}
		for w := range workers {
			must(t, fmt.Sprintf("round %d: worker %d", round, w), errs[w])
			for _, id := range claimed[w] {
				if other, dup := seen[id]; dup {
					t.Fatalf("round %d: message %d claimed by workers %d and %d", round, id, other, w)
				}
				seen[id] = w
			}
		}
		if len(seen) != messages {
			t.Fatalf("round %d: %d messages claimed, want %d", round, len(seen), messages)
		}
		c, err := db.ClaimDue(ctx(t), until.Add(-time.Millisecond), until.Add(time.Hour), messages)
		must(t, "ClaimDue(leased)", err)
		if len(c) != 0 {
			t.Fatalf("round %d: %d leased messages claimed again before the lease's end", round, len(c))
		}
	}
}
