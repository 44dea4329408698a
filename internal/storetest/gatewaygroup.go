package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// holdWriter holds the database's write lock until release: on SQLite the
// one write connection, in an IMMEDIATE transaction; on PostgreSQL a lock
// on gateway_inbox that its INSERTs wait for. Accepts sent meanwhile queue
// and then share transactions.
func holdWriter(t *testing.T, db *sqldb.DB) (release func()) {
	t.Helper()
	tx, err := db.SQL().BeginTx(ctx(t), nil)
	must(t, "begin", err)
	if db.Dialect().Name == "postgres" {
		_, err := tx.ExecContext(ctx(t), "LOCK TABLE gateway_inbox IN SHARE ROW EXCLUSIVE MODE")
		must(t, "lock gateway_inbox", err)
	}
	return func() { must(t, "rollback", tx.Rollback()) }
}

// testGatewayAcceptGroupCommit sends many messages at once while the
// writer is held, so that they queue and go out in shared transactions:
// new messages, repeats of a stored one, repeats among themselves, and (in
// the second round) one that fails. Each call must get its own answer, and
// every accepted message be stored exactly once, with its effects; nothing
// of a repeat or of the failed one.
func testGatewayAcceptGroupCommit(t *testing.T, db *sqldb.DB) {
	type call struct {
		in  *gateway.Inbound
		eff gateway.Effects
		err error
	}
	msg := func(requestID string, n int) *call {
		return &call{in: inbound("hiu-bridge", requestID), eff: gateway.Effects{
			ConsentRequests: []*consent.Request{consentReq(n)}, Outbound: []*gateway.Outbound{outbound(n)}}}
	}
	stored := msg("stored", 0)
	must(t, "Accept", db.Accept(ctx(t), stored.in, stored.eff))
	pending := 1

	// send makes the calls concurrently behind the held writer.
	send := func(calls []*call) {
		t.Helper()
		release := holdWriter(t, db)
		var started, done sync.WaitGroup
		started.Add(len(calls))
		for _, c := range calls {
			done.Go(func() {
				started.Done()
				c.err = db.Accept(ctx(t), c.in, c.eff)
			})
		}
		started.Wait()
		time.Sleep(100 * time.Millisecond) // let them queue
		release()
		done.Wait()
	}
	// check checks the answers: every call in ok accepted, exactly one of
	// each group in once, none in repeat; then the store.
	ids := map[int64]bool{}
	check := func(ok []*call, once [][]*call, repeat []*call) {
		t.Helper()
		var accepted []*call
		for _, c := range ok {
			must(t, "Accept("+c.in.RequestID+")", c.err)
			accepted = append(accepted, c)
		}
		for _, group := range once {
			var n int
			for _, c := range group {
				if c.err == nil {
					n++
					accepted = append(accepted, c)
				} else {
					repeat = append(repeat, c)
				}
			}
			if n != 1 {
				t.Fatalf("%d of %d Accepts of request %s succeeded, want 1", n, len(group), group[0].in.RequestID)
			}
		}
		for _, c := range repeat {
			wantCode(t, "Accept(repeat of "+c.in.RequestID+")", c.err, arogya.ECONFLICT)
			if id := c.eff.Outbound[0].ID; id != 0 {
				t.Fatalf("a repeat of %s got outbound ID %d", c.in.RequestID, id)
			}
			_, err := db.ConsentRequest(ctx(t), c.eff.ConsentRequests[0].ID)
			wantCode(t, "ConsentRequest(of a repeat)", err, arogya.ENOTFOUND)
		}
		for _, c := range accepted {
			o := c.eff.Outbound[0]
			if o.ID == 0 || ids[o.ID] {
				t.Fatalf("Accept(%s): outbound ID %d, want a new one", c.in.RequestID, o.ID)
			}
			ids[o.ID] = true
			got, err := db.Outbound(ctx(t), o.ID)
			must(t, "Outbound", err)
			sameOutbound(t, "stored outbound of "+c.in.RequestID, got, o)
			wantConsent(t, db, c.eff.ConsentRequests[0])
			kind, _, _ := inboxRow(t, db, c.in.BridgeID, c.in.RequestID)
			if kind != c.in.Kind {
				t.Fatalf("inbox row of %s: kind %q", c.in.RequestID, kind)
			}
		}
		pending += len(accepted)
		wantCounts(t, db, counts(pending, 0, 0))
		if n := consentCount(t, db); n != pending {
			t.Fatalf("consent_requests has %d rows, want %d", n, pending)
		}
	}

	t.Run("new and repeated", func(t *testing.T) {
		var all, ok, repeat []*call
		var twice []*call
		for i := 1; i <= 40; i++ {
			ok = append(ok, msg(fmt.Sprintf("r-%d", i), i))
		}
		for i := range 4 {
			repeat = append(repeat, msg("stored", 101+i))
		}
		for i := range 3 {
			twice = append(twice, msg("twice", 111+i))
		}
		// Interleaved, so that repeats sit between the messages they repeat.
		all = append(all, ok[:10]...)
		all = append(all, twice[0], repeat[0], repeat[1])
		all = append(all, ok[10:30]...)
		all = append(all, twice[1], repeat[2])
		all = append(all, ok[30:]...)
		all = append(all, twice[2], repeat[3])
		send(all)
		check(ok, [][]*call{twice}, repeat)
	})
	t.Run("one fails", func(t *testing.T) {
		var ok, twice []*call
		for i := 1; i <= 20; i++ {
			ok = append(ok, msg(fmt.Sprintf("s-%d", i), 200+i))
		}
		for i := range 2 {
			twice = append(twice, msg("twice-2", 231+i))
		}
		// A consent ID already stored (a UUID collision) fails its message,
		// and only its message.
		bad := msg("collides", 299)
		bad.eff.ConsentRequests[0] = consentReq(1)
		bad.eff.ConsentRequests[0].Patient = "someone.else@sbx"
		all := append(append(append([]*call{}, ok[:10]...), twice[0], bad, twice[1]), ok[10:]...)
		send(all)
		if bad.err == nil || arogya.ErrorCode(bad.err) == arogya.ECONFLICT {
			t.Fatalf("Accept(colliding consent ID) = %v, want an error other than %s", bad.err, arogya.ECONFLICT)
		}
		if id := bad.eff.Outbound[0].ID; id != 0 {
			t.Fatalf("the failed message's outbound got ID %d", id)
		}
		noInboxRow(t, db, bad.in.BridgeID, bad.in.RequestID)
		wantConsent(t, db, msg("r-1", 1).eff.ConsentRequests[0]) // untouched
		check(ok, [][]*call{twice}, nil)
	})
	t.Run("given up while queued", func(t *testing.T) {
		// A caller that gives up while its message waits for a batch gets
		// an error and its message is never written.
		release := holdWriter(t, db)
		first := msg("q-first", 300)
		firstDone := make(chan error, 1)
		go func() { firstDone <- db.Accept(ctx(t), first.in, first.eff) }() // the writer, blocked
		time.Sleep(50 * time.Millisecond)
		quitter := msg("q-quit", 301)
		qctx, cancel := context.WithCancel(ctx(t))
		quitDone := make(chan error, 1)
		go func() { quitDone <- db.Accept(qctx, quitter.in, quitter.eff) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case err := <-quitDone:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Accept given up: %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Accept given up did not return while the writer was held")
		}
		release()
		must(t, "Accept(the writer)", <-firstDone)
		noInboxRow(t, db, quitter.in.BridgeID, quitter.in.RequestID)
		if id := quitter.eff.Outbound[0].ID; id != 0 {
			t.Fatalf("the given-up message's outbound got ID %d", id)
		}
		check([]*call{first}, nil, nil)
	})
	t.Run("deliveries ride along", func(t *testing.T) {
		// MarkDeliveredBatch calls made while Accepts queue share their
		// batch; an ID of no message is skipped.
		var ok []*call
		for i := 1; i <= 8; i++ {
			ok = append(ok, msg(fmt.Sprintf("d-%d", i), 400+i))
		}
		var delivered []int64
		for id := range ids {
			if len(delivered) < 6 {
				delivered = append(delivered, id)
			}
		}
		at := time.UnixMilli(1_700_000_123_456).UTC()
		release := holdWriter(t, db)
		var done sync.WaitGroup
		for _, c := range ok {
			done.Go(func() { c.err = db.Accept(ctx(t), c.in, c.eff) })
		}
		var markErrs [3]error
		done.Go(func() { markErrs[0] = db.MarkDeliveredBatch(ctx(t), delivered[:3], at) })
		done.Go(func() { markErrs[1] = db.MarkDeliveredBatch(ctx(t), delivered[3:], at) })
		done.Go(func() { markErrs[2] = db.MarkDeliveredBatch(ctx(t), []int64{1 << 40}, at) })
		time.Sleep(100 * time.Millisecond) // let them queue
		release()
		done.Wait()
		for i, err := range markErrs {
			must(t, fmt.Sprintf("MarkDeliveredBatch #%d", i), err)
		}
		for _, id := range delivered {
			got, err := db.Outbound(ctx(t), id)
			must(t, "Outbound", err)
			if got.Status != gateway.OutDelivered || !got.DeliveredAt.Equal(at) {
				t.Fatalf("message %d after MarkDeliveredBatch: %s at %v, want %s at %v", id, got.Status, got.DeliveredAt, gateway.OutDelivered, at)
			}
		}
		for _, c := range ok {
			must(t, "Accept("+c.in.RequestID+")", c.err)
			if _, err := db.Outbound(ctx(t), c.eff.Outbound[0].ID); err != nil {
				t.Fatalf("outbound of %s: %v", c.in.RequestID, err)
			}
		}
		pending += len(ok) - len(delivered)
		wantCounts(t, db, counts(pending, len(delivered), 0))
	})
}
