package gateway

import (
	"context"
	"time"

	"github.com/arogya-health/arogya/internal/consent"
)

// Durable messaging. A message a bridge sends is answered 202 only once it
// is committed together with everything it causes: state changes and the
// outbound messages (callbacks, notifications) for other bridges. A worker
// then delivers the outbound messages with retries and exponential
// backoff; one that keeps failing is parked as dead for the operator to
// see and replay. Inbound messages are de-duplicated on (bridge, request
// ID), so a bridge retrying after a lost 202 causes nothing twice.

// Inbound is a message a bridge sent to the gateway.
type Inbound struct {
	BridgeID   string
	RequestID  string // requestId (v0.5 body) or REQUEST-ID (v3 header)
	Kind       string // the protocol message, e.g. "consent-requests/init"
	Version    string // V05 or V3
	ReceivedAt time.Time
}

// Outbound statuses.
const (
	OutPending   = "PENDING"
	OutDelivered = "DELIVERED"
	OutDead      = "DEAD"
)

// Outbound is a message the gateway owes a bridge.
type Outbound struct {
	ID          int64  // set by the store
	RequestID   string // the message's own requestId: the same on every retry, so the receiver can drop repeats
	BridgeID    string
	Kind        string // e.g. "consent-requests/on-init"
	TargetID    string // the HIP or HIU ID put in X-HIP-ID / X-HIU-ID
	Body        []byte // the JSON body as sent (for v0.5 it includes requestId and timestamp)
	Headers     map[string]string
	URL         string // the full URL it is POSTed to, fixed when enqueued
	Attempts    int
	NextAt      time.Time // not before
	Status      string
	LastError   string // short and free of personal data: status code or network error class
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// Effects are the state changes an inbound message causes, committed with
// it. New flows add fields.
type Effects struct {
	Outbound        []*Outbound
	ConsentRequests []*consent.Request // new consent requests (consent-requests/init)
	Flows           []*consent.Flow    // new health-information requests
	FlowUpdates     []consent.FlowUpdate
	NewLinkTxns     []*LinkTxn   // authentications started (users/auth/init)
	LinkResults     []LinkResult // answers to the person's discovery and linking
	Links           []*Link      // care contexts newly linked to a person
	DataNotes       []DataNote   // what linked care contexts hold (links/context/notify)

	// Subscriptions are new subscription requests
	// (subscription-requests/cm/init).
	Subscriptions []*consent.Subscription

	// After runs once the effects are committed, not for a repeat: work
	// that may fail without undoing the message (auto-approval).
	After func(ctx context.Context)
}

// MessageStore keeps the inbox and the outbox.
type MessageStore interface {
	// Accept records in and applies its effects in one transaction. If the
	// bridge sent this request ID before, nothing changes and ECONFLICT is
	// returned (the caller answers the duplicate as it did the first).
	Accept(ctx context.Context, in *Inbound, eff Effects) error
	// Enqueue adds outbound messages outside any inbound one (a scheduler's
	// expiry notices, an operator's replay).
	Enqueue(ctx context.Context, out []*Outbound) error
	// ClaimDue returns up to limit PENDING messages whose NextAt has come,
	// oldest first, and leases them until leaseUntil by moving NextAt there,
	// so another worker (another node, on PostgreSQL with FOR UPDATE SKIP
	// LOCKED) does not take them meanwhile.
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Outbound, error)
	// MarkDelivered, MarkRetry and MarkDead record an attempt's outcome.
	MarkDelivered(ctx context.Context, id int64, at time.Time) error
	MarkRetry(ctx context.Context, id int64, attempts int, nextAt time.Time, lastError string) error
	MarkDead(ctx context.Context, id int64, attempts int, lastError string) error
	// Outbound returns one message; ENOTFOUND when absent.
	Outbound(ctx context.Context, id int64) (*Outbound, error)
	// OutboundByStatus lists messages with the status, newest first, with
	// ID below before (0 for the newest), at most limit.
	OutboundByStatus(ctx context.Context, status string, before int64, limit int) ([]*Outbound, error)
	// Replay makes a DEAD message PENDING again, due at once, with its
	// attempts reset; ENOTFOUND if absent, ECONFLICT if it is not dead.
	Replay(ctx context.Context, id int64, now time.Time) error
	// OutboundCounts counts messages by status.
	OutboundCounts(ctx context.Context) (map[string]int, error)
}
