package audit

import (
	"bytes"
	"context"
	"fmt"
)

// verifyPage is how many events Verify reads at a time.
const verifyPage = 1000

// Result is the outcome of Verify.
type Result struct {
	Checked  int64  // events found intact, from the start of the log
	BrokenAt int64  // sequence number of the first bad or missing event; 0 if intact
	Reason   string // why the chain breaks there; empty if intact
}

// Intact reports whether Verify found no break.
func (r Result) Intact() bool { return r.BrokenAt == 0 }

// Verify walks the whole log in order and checks that sequence numbers run
// 1, 2, 3… without gaps, that each event's PrevHash is the previous event's
// Hash (zeros for the first) and that each Hash matches the event's content.
// It reports the first break. Deleting events from the end of the log cannot
// be detected this way; compare the head with a copy kept elsewhere.
func Verify(ctx context.Context, store Store) (Result, error) {
	var res Result
	prev := make([]byte, HashSize)
	next := int64(1)
	for {
		events, err := store.AuditEvents(ctx, next-1, verifyPage)
		if err != nil {
			return res, fmt.Errorf("audit: verify: %w", err)
		}
		for i := range events {
			e := &events[i]
			if reason := check(e, next, prev); reason != "" {
				res.BrokenAt, res.Reason = next, reason
				return res, nil
			}
			prev = e.Hash
			next++
			res.Checked++
		}
		if len(events) < verifyPage {
			return res, nil
		}
	}
}

// check returns why e, expected at seq want after an event hashed prev,
// breaks the chain, or "".
func check(e *Event, want int64, prev []byte) string {
	switch {
	case e.Seq > want:
		return fmt.Sprintf("event %d is missing (the next stored event is %d)", want, e.Seq)
	case e.Seq < want:
		return fmt.Sprintf("event %d is out of order (found %d)", want, e.Seq)
	case !bytes.Equal(e.PrevHash, prev):
		if want == 1 {
			return "event 1 does not start the chain (previous hash is not zero)"
		}
		return fmt.Sprintf("event %d does not link to event %d (previous hash differs)", want, want-1)
	case !bytes.Equal(e.Hash, HashEvent(e)):
		return fmt.Sprintf("event %d was altered (hash does not match its content)", want)
	}
	return ""
}
