package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is an in-memory Store: a test fixture for the storage interface,
// whose real implementations pass the conformance suite in internal/storetest.
type memStore struct {
	mu     sync.Mutex
	events []Event
	reads  int // AuditEvents calls
}

func (s *memStore) AppendAudit(_ context.Context, e *Event, seal func(prev []byte, seq int64)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var prev []byte
	var seq int64 = 1
	if n := len(s.events); n > 0 {
		prev, seq = s.events[n-1].Hash, s.events[n-1].Seq+1
	}
	seal(prev, seq)
	s.events = append(s.events, *e)
	return nil
}

func (s *memStore) AppendAuditBatch(ctx context.Context, events []*Event, seal func(e *Event, prev []byte, seq int64)) error {
	for _, e := range events {
		if err := s.AppendAudit(ctx, e, func(prev []byte, seq int64) { seal(e, prev, seq) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) AuditEvents(_ context.Context, after int64, limit int) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	var out []Event
	for _, e := range s.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

type failingStore struct{ memStore }

func (*failingStore) AuditEvents(context.Context, int64, int) ([]Event, error) {
	return nil, errors.New("disk on fire")
}

// lazyStore never calls seal.
type lazyStore struct{ memStore }

func (*lazyStore) AppendAudit(context.Context, *Event, func([]byte, int64)) error { return nil }

func (*lazyStore) AppendAuditBatch(context.Context, []*Event, func(*Event, []byte, int64)) error {
	return nil
}

var t0 = time.Date(2026, 4, 1, 9, 30, 0, 123456789, time.FixedZone("IST", 19800))

// mustLog returns a store holding n recorded events.
func mustLog(tb testing.TB, n int) *memStore {
	tb.Helper()
	store := &memStore{}
	tick := t0
	log := NewLog(store, func() time.Time { tick = tick.Add(time.Second); return tick })
	for i := range n {
		e := Event{Actor: "citizen:**********5116", Action: "abha.profile.read", Subject: fmt.Sprintf("abha:%d", i), Outcome: "ok", Detail: "via web"}
		if err := log.Record(context.Background(), e); err != nil {
			tb.Fatal(err)
		}
	}
	return store
}

func TestRecord(t *testing.T) {
	store := mustLog(t, 3)
	e := store.events[0]
	if e.Seq != 1 || !bytes.Equal(e.PrevHash, make([]byte, 32)) {
		t.Errorf("first event: seq %d prev %x", e.Seq, e.PrevHash)
	}
	if want := t0.Add(time.Second).UTC().Truncate(time.Millisecond); !e.At.Equal(want) || e.At.Location() != time.UTC {
		t.Errorf("At = %v, want %v in UTC", e.At, want)
	}
	if e.At.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("At %v has sub-millisecond precision", e.At)
	}
	for i, e := range store.events {
		if e.Seq != int64(i+1) || len(e.Hash) != 32 || !bytes.Equal(e.Hash, HashEvent(&e)) {
			t.Errorf("event %d: seq %d hash %x", i, e.Seq, e.Hash)
		}
		if i > 0 && !bytes.Equal(e.PrevHash, store.events[i-1].Hash) {
			t.Errorf("event %d does not link to its predecessor", e.Seq)
		}
	}

	log := NewLog(store, nil)
	if err := log.Record(context.Background(), Event{Actor: "system"}); err == nil {
		t.Error("Record accepted an event without an action")
	}
	if err := NewLog(&lazyStore{}, nil).Record(context.Background(), Event{Action: "x"}); err == nil {
		t.Error("Record accepted a store that never sealed")
	}
	// Caller-supplied chain fields are ignored.
	if err := log.Record(context.Background(), Event{Action: "x", Seq: 99, Hash: []byte("forged")}); err != nil {
		t.Fatal(err)
	}
	if last := store.events[len(store.events)-1]; last.Seq != 4 || bytes.Equal(last.Hash, []byte("forged")) {
		t.Errorf("last event = seq %d hash %x", last.Seq, last.Hash)
	}
}

func TestRecordConcurrent(t *testing.T) {
	store := &memStore{}
	log := NewLog(store, time.Now)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := log.Record(context.Background(), Event{Action: "a", Detail: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if r, err := Verify(context.Background(), store); err != nil || !r.Intact() || r.Checked != 50 {
		t.Errorf("Verify = %+v, %v", r, err)
	}
}

func TestHashEventGolden(t *testing.T) {
	e := Event{Seq: 1, At: time.UnixMilli(1767225600000), Actor: "system", Action: "node.start", Subject: "", Outcome: "ok", PrevHash: make([]byte, 32)}
	// Pinned so that a change to the encoding, which would invalidate every
	// stored chain, cannot pass unnoticed.
	// The value was computed independently from the documented encoding.
	const want = "bd4d93bb1c8c3f33206167e062ed46af69417d104a8068f46dc9db90c38e14aa"
	if got := hex.EncodeToString(HashEvent(&e)); got != want {
		t.Errorf("HashEvent = %s, want %s", got, want)
	}

	// Moving bytes between adjacent fields changes the hash.
	a := Event{Actor: "ab", Action: "c"}
	b := Event{Actor: "a", Action: "bc"}
	if bytes.Equal(HashEvent(&a), HashEvent(&b)) {
		t.Error("field boundaries are ambiguous")
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"91123456785116", "**********5116"},
		{"91-1234-5678-5116", "*************5116"},
		{"abcd", "****"},
		{"", ""},
		{"नमस्ते1234", "******1234"},
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if strings.Contains(MaskID("91123456785116"), "9112345678") {
		t.Error("MaskID leaks the prefix")
	}
}

func TestVerifyIntact(t *testing.T) {
	for _, n := range []int{0, 1, 999, 1000, 1001, 2500} {
		store := mustLog(t, n)
		r, err := Verify(context.Background(), store)
		if err != nil || !r.Intact() || r.Checked != int64(n) || r.Reason != "" {
			t.Errorf("n=%d: Verify = %+v, %v", n, r, err)
		}
		if want := n/verifyPage + 1; store.reads != want {
			t.Errorf("n=%d: %d page reads, want %d", n, store.reads, want)
		}
	}
	if _, err := Verify(context.Background(), &failingStore{}); err == nil {
		t.Error("Verify hid a store error")
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	const n = 1200
	tests := []struct {
		name   string
		tamper func(events []Event) []Event
		want   int64
		reason string
	}{
		{"actor", func(ev []Event) []Event { ev[4].Actor = "operator"; return ev }, 5, "altered"},
		{"action", func(ev []Event) []Event { ev[0].Action = "abha.delete"; return ev }, 1, "altered"},
		{"subject", func(ev []Event) []Event { ev[1100].Subject = "abha:x"; return ev }, 1101, "altered"},
		{"outcome", func(ev []Event) []Event { ev[9].Outcome = "forbidden"; return ev }, 10, "altered"},
		{"detail", func(ev []Event) []Event { ev[9].Detail = ""; return ev }, 10, "altered"},
		{"at", func(ev []Event) []Event { ev[2].At = ev[2].At.Add(time.Millisecond); return ev }, 3, "altered"},
		{"hash", func(ev []Event) []Event { ev[6].Hash[0] ^= 1; return ev }, 7, "altered"},
		{"prev hash", func(ev []Event) []Event { ev[7].PrevHash[31] ^= 1; return ev }, 8, "link"},
		{"first prev hash", func(ev []Event) []Event { ev[0].PrevHash[0] = 1; return ev }, 1, "start"},
		{"seq", func(ev []Event) []Event { ev[5].Seq = 60; return ev }, 6, "missing"},
		{"deleted middle", func(ev []Event) []Event { return slices.Delete(ev, 20, 21) }, 21, "missing"},
		{"deleted first", func(ev []Event) []Event { return ev[1:] }, 1, "missing"},
		{"deleted across page", func(ev []Event) []Event { return slices.Delete(ev, 999, 1001) }, 1000, "missing"},
		{"swapped", func(ev []Event) []Event { ev[3], ev[4] = ev[4], ev[3]; return ev }, 4, "missing"},
		{
			"deleted and renumbered", func(ev []Event) []Event {
				ev = slices.Delete(ev, 30, 31)
				for i := 30; i < len(ev); i++ {
					ev[i].Seq--
				}
				return ev
			}, 31, "link",
		},
		{
			"altered and rehashed", func(ev []Event) []Event {
				ev[40].Subject = "abha:other"
				ev[40].Hash = HashEvent(&ev[40])
				return ev
			}, 42, "link",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := mustLog(t, n)
			store.events = tt.tamper(store.events)
			r, err := Verify(context.Background(), store)
			if err != nil {
				t.Fatal(err)
			}
			if r.BrokenAt != tt.want || r.Checked != tt.want-1 || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("Verify = %+v, want BrokenAt %d, Checked %d, reason mentioning %q", r, tt.want, tt.want-1, tt.reason)
			}
		})
	}
}

// gateStore holds its first batch until released and counts batches.
type gateStore struct {
	memStore
	gate    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	batches []int
}

func (g *gateStore) AppendAuditBatch(ctx context.Context, events []*Event, seal func(*Event, []byte, int64)) error {
	g.mu.Lock()
	first := len(g.batches) == 0
	g.batches = append(g.batches, len(events))
	g.mu.Unlock()
	if first {
		close(g.entered)
		<-g.gate
	}
	return g.memStore.AppendAuditBatch(ctx, events, seal)
}

// TestRecordGroupCommit: events recorded while a batch is being written go
// out together in the next one, and the caller that wrote the first batch
// returns without waiting for theirs.
func TestRecordGroupCommit(t *testing.T) {
	g := &gateStore{gate: make(chan struct{}), entered: make(chan struct{})}
	l := NewLog(g, nil)
	firstDone := make(chan error, 1)
	go func() { firstDone <- l.Record(context.Background(), Event{Action: "first"}) }()
	<-g.entered // the first event's batch is being written, and held
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := l.Record(context.Background(), Event{Action: "later", Subject: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	// Wait until all of them are queued behind the held batch.
	for {
		l.mu.Lock()
		queued := len(l.queue)
		l.mu.Unlock()
		if queued == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.batches) != 2 || g.batches[0] != 1 || g.batches[1] != n {
		t.Fatalf("batches %v, want [1 %d]", g.batches, n)
	}
	res, err := Verify(context.Background(), &g.memStore)
	if err != nil || !res.Intact() || res.Checked != n+1 {
		t.Fatalf("verify: %v %+v", err, res)
	}
}
