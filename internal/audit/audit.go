// Package audit keeps the append-only, hash-chained audit log. Each event
// carries the SHA-256 hash of the previous event, so any change, insertion or
// deletion in the stored log breaks the chain at a point Verify reports.
//
// Events never hold personal data in clear: subjects are referred to by a
// keyed hash or a masked identifier chosen by the caller.
package audit

import (
	"context"
	"time"
)

// Event is one audit record.
type Event struct {
	Seq      int64     // assigned by the store, 1-based, gap-free
	At       time.Time // UTC, millisecond precision
	Actor    string    // "citizen:<masked>", "operator", "client:<id>", "system"
	Action   string    // e.g. "abha.enrol", "abha.login", "abha.profile.read"
	Subject  string    // what was acted on, masked or hashed
	Outcome  string    // "ok" or an error code
	Detail   string    // short non-personal detail, may be empty
	PrevHash []byte    // hash of event Seq-1 (32 zero bytes for the first)
	Hash     []byte    // SHA-256 over the canonical encoding of this event incl. PrevHash
}

// Store persists events. Append must be atomic with respect to other appends:
// it reads the current head, calls seal with the head's hash and the next
// sequence number, and inserts the sealed event, all in one transaction.
type Store interface {
	AppendAudit(ctx context.Context, e *Event, seal func(prev []byte, seq int64)) error
	// AppendAuditBatch appends events in order in one transaction, calling
	// seal for each with the hash of the event before it; all or none are
	// stored. It lets many concurrent records share one commit.
	AppendAuditBatch(ctx context.Context, events []*Event, seal func(e *Event, prev []byte, seq int64)) error
	// AuditEvents returns up to limit events with Seq > after, in order.
	AuditEvents(ctx context.Context, after int64, limit int) ([]Event, error)
}
