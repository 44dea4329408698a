package hiu_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

// TestEraseScheduler: the bridge's own loop erases the records received
// under an artefact once its dataEraseAt has passed, with the artefact's
// copy, and audits it with counts only; before then it erases nothing.
func TestEraseScheduler(t *testing.T) {
	c := &clock{at: time.Now()}
	e := newPushEnvClock(t, c.now, 10*time.Millisecond)
	hip := newHIPSide(t, e.hiuKey)
	if st := e.post(hip.page(t, e, uuid.NewString(), 1, 1, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})); st != http.StatusAccepted {
		t.Fatalf("page: HTTP %d", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.bridge.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(100 * time.Millisecond)
	if len(e.records()) != 1 {
		t.Fatal("a record was erased before its dataEraseAt")
	}
	c.set(time.Now().Add(31 * 24 * time.Hour)) // past the artefact's dataEraseAt
	deadline := time.Now().Add(10 * time.Second)
	for len(e.records()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not erase the record past its dataEraseAt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.db.HIUArtefact(context.Background(), e.artefact); err == nil {
		t.Fatal("the artefact's copy outlived its dataEraseAt")
	}
	events, err := e.db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range events {
		if ev.Action == "hiu.erase.due" {
			found = true
			if !strings.Contains(ev.Detail, "records 1") || strings.Contains(ev.Detail, "asha") {
				t.Errorf("the erasure's audit detail: %q", ev.Detail)
			}
		}
	}
	if !found {
		t.Fatal("the erasure was not audited")
	}
}
