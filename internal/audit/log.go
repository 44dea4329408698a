package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
)

// HashSize is the length of Event.Hash and Event.PrevHash.
const HashSize = sha256.Size

// Log records audit events into a Store, sealing each into the hash chain.
// It is safe for concurrent use. Concurrent records share commits (group
// commit): while one batch is being written, newer events queue and go out
// together in the next transaction. Record returns only once its event is
// durably stored, so nothing is acknowledged that could be lost.
type Log struct {
	store Store
	now   func() time.Time

	mu       sync.Mutex
	queue    []*pending
	flushing bool
}

type pending struct {
	e    *Event
	done chan error
}

// maxBatch bounds how many events share one transaction.
const maxBatch = 512

// NewLog returns a Log over store; now is the clock (time.Now if nil).
func NewLog(store Store, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, now: now}
}

// Record appends e to the log. It sets At to the current time (UTC,
// millisecond precision) and, inside the store's append transaction, Seq,
// PrevHash and Hash; any values the caller put there are ignored. Action is
// required.
func (l *Log) Record(ctx context.Context, e Event) error {
	if e.Action == "" {
		return errors.New("audit: record: event has no action")
	}
	e.At = l.now().UTC().Truncate(time.Millisecond)
	e.Seq, e.PrevHash, e.Hash = 0, nil, nil
	p := &pending{e: &e, done: make(chan error, 1)}

	l.mu.Lock()
	l.queue = append(l.queue, p)
	if l.flushing {
		// Another caller is writing; it will take this event in its next
		// batch.
		l.mu.Unlock()
		select {
		case err := <-p.done:
			return err
		case <-ctx.Done():
			// The event may still be written; the caller must treat
			// the operation as failed.
			return fmt.Errorf("audit: record %s: %w", e.Action, ctx.Err())
		}
	}
	l.flushing = true
	l.mu.Unlock()
	l.flush(context.WithoutCancel(ctx), p)
	return <-p.done
}

// flush writes queued batches. The caller that became the flusher writes
// the batch holding its own event; if more events queued meanwhile, it hands
// the flushing over to a new goroutine and returns, so that no caller is
// kept writing other callers' events under sustained load.
func (l *Log) flush(ctx context.Context, own *pending) {
	for {
		l.mu.Lock()
		batch := l.queue
		if len(batch) > maxBatch {
			batch = batch[:maxBatch]
		}
		l.queue = l.queue[len(batch):]
		l.mu.Unlock()
		l.write(ctx, batch)
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		if own != nil && len(own.done) > 0 {
			l.mu.Unlock()
			go l.flush(ctx, nil)
			return
		}
		l.mu.Unlock()
	}
}

// write stores a batch and tells each waiting caller how it went.
func (l *Log) write(ctx context.Context, batch []*pending) {
	events := make([]*Event, len(batch))
	for i, p := range batch {
		events[i] = p.e
	}
	err := l.store.AppendAuditBatch(ctx, events, func(e *Event, prev []byte, seq int64) {
		e.Seq = seq
		if len(prev) == 0 {
			prev = make([]byte, HashSize) // the first event links to zeros
		}
		e.PrevHash = append([]byte(nil), prev...)
		e.Hash = HashEvent(e)
	})
	for _, p := range batch {
		switch {
		case err != nil:
			p.done <- fmt.Errorf("audit: record %s: %w", p.e.Action, err)
		case p.e.Hash == nil:
			p.done <- errors.New("audit: record: the store did not seal the event")
		default:
			p.done <- nil
		}
	}
}

// HashEvent returns the SHA-256 of e's canonical encoding: each of seq, at
// (Unix milliseconds), actor, action, subject, outcome, detail and prevHash,
// in that order, as an 8-byte big-endian length followed by its bytes, the
// two integers as 8-byte big-endian values. The encoding is unambiguous, so
// no two different events hash alike by shifting bytes between fields.
func HashEvent(e *Event) []byte {
	h := sha256.New()
	var n [8]byte
	writeInt := func(v int64) {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		writeField(h, n[:])
	}
	writeInt(e.Seq)
	writeInt(e.At.UnixMilli())
	for _, s := range []string{e.Actor, e.Action, e.Subject, e.Outcome, e.Detail} {
		writeField(h, []byte(s))
	}
	writeField(h, e.PrevHash)
	return h.Sum(nil)
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// MaskID hides all but the last four characters of an identifier such as an
// ABHA number: MaskID("91123456785116") == "**********5116". Identifiers of
// four characters or fewer are masked entirely.
func MaskID(s string) string {
	r := []rune(s)
	keep := 4
	if len(r) <= keep {
		keep = 0
	}
	return strings.Repeat("*", len(r)-keep) + string(r[len(r)-keep:])
}
