package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// HashSize is the length of Event.Hash and Event.PrevHash.
const HashSize = sha256.Size

// Log records audit events into a Store, sealing each into the hash chain.
// It is safe for concurrent use as far as the Store is.
type Log struct {
	store Store
	now   func() time.Time
}

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
	err := l.store.AppendAudit(ctx, &e, func(prev []byte, seq int64) {
		e.Seq = seq
		if len(prev) == 0 {
			prev = make([]byte, HashSize) // the first event links to zeros
		}
		e.PrevHash = append([]byte(nil), prev...)
		e.Hash = HashEvent(&e)
	})
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	if e.Hash == nil {
		return errors.New("audit: record: the store did not seal the event")
	}
	return nil
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
