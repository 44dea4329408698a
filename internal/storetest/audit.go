package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// sealer returns a seal function for e in the manner of package audit: a
// SHA-256 over the previous hash, the sequence number and the fields.
func sealer(e *audit.Event) func(prev []byte, seq int64) {
	return func(prev []byte, seq int64) {
		e.Hash = hashEvent(e, prev, seq)
	}
}

func hashEvent(e *audit.Event, prev []byte, seq int64) []byte {
	h := sha256.New()
	h.Write(prev)
	binary.Write(h, binary.BigEndian, seq)
	binary.Write(h, binary.BigEndian, e.At.UnixMilli())
	for _, s := range []string{e.Actor, e.Action, e.Subject, e.Outcome, e.Detail} {
		binary.Write(h, binary.BigEndian, uint32(len(s)))
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

func appendN(t *testing.T, db *sqldb.DB, n int, actor string) {
	t.Helper()
	for i := range n {
		e := &audit.Event{At: ms(time.Duration(i) * time.Second), Actor: actor, Action: "abha.login",
			Subject: fmt.Sprintf("h:%d", i), Outcome: "ok"}
		must(t, "AppendAudit", db.AppendAudit(ctx(t), e, sealer(e)))
	}
}

// verifyChain checks that events are 1..n, gap-free, each linked to the
// one before and sealed over what was stored.
func verifyChain(t *testing.T, events []audit.Event, n int) {
	t.Helper()
	if len(events) != n {
		t.Fatalf("got %d events, want %d", len(events), n)
	}
	prev := make([]byte, 32)
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has Seq %d, want %d", i, e.Seq, i+1)
		}
		if !bytes.Equal(e.PrevHash, prev) {
			t.Fatalf("event %d: PrevHash %x, want %x", e.Seq, e.PrevHash, prev)
		}
		if want := hashEvent(&e, prev, e.Seq); !bytes.Equal(e.Hash, want) {
			t.Fatalf("event %d: stored hash does not match its stored fields", e.Seq)
		}
		prev = e.Hash
	}
}

func testAuditAppend(t *testing.T, db *sqldb.DB) {
	e := &audit.Event{At: time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("IST", 19800)),
		Actor: "operator", Action: "abha.enrol", Subject: "h:abc", Outcome: "ok", Detail: "mobile"}
	must(t, "AppendAudit", db.AppendAudit(ctx(t), e, sealer(e)))
	if e.Seq != 1 || !bytes.Equal(e.PrevHash, make([]byte, 32)) || len(e.Hash) != 32 {
		t.Fatalf("first event: Seq %d PrevHash %x Hash %x", e.Seq, e.PrevHash, e.Hash)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 678_000_000 {
		t.Fatalf("At = %v, want UTC at millisecond precision", e.At)
	}
	appendN(t, db, 4, "system")
	events, err := db.AuditEvents(ctx(t), 0, 100)
	must(t, "AuditEvents", err)
	verifyChain(t, events, 5)
	if got := events[0]; !got.At.Equal(e.At) || got.Actor != e.Actor || got.Detail != "mobile" || got.Action != e.Action {
		t.Fatalf("stored event = %+v, want %+v", got, *e)
	}

	bad := &audit.Event{Actor: "system", Action: "x", Outcome: "ok"}
	if err := db.AppendAudit(ctx(t), bad, func([]byte, int64) {}); err == nil {
		t.Fatal("AppendAudit with a seal that sets no hash succeeded")
	}
	events, err = db.AuditEvents(ctx(t), 0, 100)
	must(t, "AuditEvents", err)
	verifyChain(t, events, 5)
}

func testAuditConcurrent(t *testing.T, db *sqldb.DB) {
	const workers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e := &audit.Event{At: ms(time.Duration(i) * time.Millisecond), Actor: fmt.Sprintf("client:%d", w),
					Action: "hip.fetch", Subject: fmt.Sprintf("h:%d", i), Outcome: "ok"}
				if err := db.AppendAudit(ctx(t), e, sealer(e)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AppendAudit: %v", err)
	}
	events, err := db.AuditEvents(ctx(t), 0, 1000)
	must(t, "AuditEvents", err)
	verifyChain(t, events, workers*each)
}

// testAuditBatch: a batch shares one transaction, continues the chain after
// single appends, and is stored whole or not at all.
func testAuditBatch(t *testing.T, db *sqldb.DB) {
	appendN(t, db, 2, "system")
	batch := make([]*audit.Event, 5)
	for i := range batch {
		batch[i] = &audit.Event{At: ms(time.Duration(i) * time.Millisecond), Actor: "citizen:**1234",
			Action: "abha.profile.read", Subject: fmt.Sprintf("abha:%d", i), Outcome: "ok"}
	}
	seal := func(e *audit.Event, prev []byte, seq int64) { e.Hash = hashEvent(e, prev, seq) }
	must(t, "AppendAuditBatch", db.AppendAuditBatch(ctx(t), batch, seal))
	for i, e := range batch {
		if e.Seq != int64(3+i) {
			t.Fatalf("batch event %d has seq %d, want %d", i, e.Seq, 3+i)
		}
	}
	// A batch whose third event is left unsealed stores nothing.
	bad := []*audit.Event{{Action: "a"}, {Action: "b"}, {Action: "c"}}
	n := 0
	err := db.AppendAuditBatch(ctx(t), bad, func(e *audit.Event, prev []byte, seq int64) {
		if n++; n < 3 {
			e.Hash = hashEvent(e, prev, seq)
		}
	})
	if err == nil {
		t.Fatal("a batch with an unsealed event succeeded")
	}
	events, err := db.AuditEvents(ctx(t), 0, 100)
	must(t, "AuditEvents", err)
	verifyChain(t, events, 7)
}

func testAuditPaging(t *testing.T, db *sqldb.DB) {
	appendN(t, db, 7, "system")
	var all []audit.Event
	after := int64(0)
	for page := 0; ; page++ {
		events, err := db.AuditEvents(ctx(t), after, 3)
		must(t, "AuditEvents", err)
		if len(events) == 0 {
			break
		}
		if page > 3 || len(events) > 3 {
			t.Fatalf("page %d has %d events", page, len(events))
		}
		all = append(all, events...)
		after = events[len(events)-1].Seq
	}
	verifyChain(t, all, 7)
	events, err := db.AuditEvents(ctx(t), 5, 10)
	must(t, "AuditEvents(after 5)", err)
	if len(events) != 2 || events[0].Seq != 6 {
		t.Fatalf("AuditEvents(5, 10) = %d events starting at %v", len(events), events)
	}
	events, err = db.AuditEvents(ctx(t), 0, 0)
	must(t, "AuditEvents(limit 0)", err)
	if len(events) != 0 {
		t.Fatalf("AuditEvents(0, 0) = %d events", len(events))
	}
}
