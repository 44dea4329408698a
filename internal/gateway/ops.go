package gateway

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/arogya-health/arogya"
)

// The operator's views of the consent manager (the pages under /cm/ops/ in
// internal/web): every bridge with its services, message traffic and
// delivery latency, dead letters and their replay, and counts of consent
// requests, artefacts and data transfers by status and by the state of the
// facility concerned. Every method is for the operator only.

// OpsStore is what the operator's views read beyond Store and
// MessageStore. *sqldb.DB implements it (internal/sqldb/gateway_ops.go).
type OpsStore interface {
	// AllServices lists the services of every bridge, by bridge ID, then ID.
	AllServices(ctx context.Context) ([]*HIService, error)
	// OutboundTraffic counts the outbound messages created at or after
	// since by kind and status; Recent counts again those created at or
	// after recent (later than since).
	OutboundTraffic(ctx context.Context, since, recent time.Time) ([]TrafficCount, error)
	// DeliveryLatencies returns the delivery latency (DeliveredAt -
	// CreatedAt) of at most limit DELIVERED messages created at or after
	// since, the newest first.
	DeliveryLatencies(ctx context.Context, since time.Time, limit int) ([]Latency, error)
	// InboundTraffic counts the inbound messages received at or after
	// since by kind; Recent those received at or after recent.
	InboundTraffic(ctx context.Context, since, recent time.Time) ([]TrafficCount, error)
	// CountOutbound counts the outbound messages with the status.
	CountOutbound(ctx context.Context, status string) (int, error)
	// ConsentCounts counts consent requests, artefacts and transfers by
	// status and by the state code in their facility's ID.
	ConsentCounts(ctx context.Context) ([]ConsentCount, error)
}

// TrafficCount is how many messages of a kind (and, outbound, a status)
// were seen in a window (N) and in its recent part (Recent).
type TrafficCount struct {
	Kind   string
	Status string // outbound only
	N      int
	Recent int
}

// Latency is one delivered message's delivery latency.
type Latency struct {
	Kind string
	D    time.Duration
}

// What a ConsentCount counts.
const (
	CountRequests  = "requests"  // consent requests, by the requesting HIU's state
	CountArtefacts = "artefacts" // consent artefacts, by their HIP's state
	CountFlows     = "flows"     // data transfers (health-information requests), by their HIP's state
)

// ConsentCount is the number of requests, artefacts or flows with a status
// whose facility is in a state.
type ConsentCount struct {
	Of     string // CountRequests, CountArtefacts or CountFlows
	Status string
	// State is the LGD state code in the facility ID ("28" of
	// IN2810014366): the facility is the requesting HIU for requests, the
	// HIP for artefacts and flows. Empty when the ID is not of that form.
	State string
	N     int
}

// StateOfFacility returns the LGD state code in a facility ID of the
// registry's form, "IN" + two digits + eight digits ("28" of
// IN2810014366), without a leading zero as internal/india has it; "" for
// any other ID.
func StateOfFacility(id string) string {
	if len(id) < 4 || id[0] != 'I' || id[1] != 'N' || !digit(id[2]) || !digit(id[3]) {
		return ""
	}
	if id[2] == '0' {
		return id[3:4]
	}
	return id[2:4]
}

func digit(c byte) bool { return '0' <= c && c <= '9' }

// Ops serves the operator's views over the gateway's stores.
type Ops struct {
	svc    *Service
	msgs   MessageStore
	store  OpsStore
	outbox *Outbox // kicked after a replay; may be nil
	// Sample bounds the delivered messages whose latencies are sorted for
	// each window's percentiles.
	Sample int
	// InboundBudget bounds the inbound count, which scans gateway_inbox
	// (it has no index on received_at); past it the count is left out.
	InboundBudget time.Duration
}

// Defaults of Ops.Sample and Ops.InboundBudget.
const (
	DefaultLatencySample = 10000
	DefaultInboundBudget = 3 * time.Second
)

// NewOps returns the operator's views. outbox may be nil.
func NewOps(svc *Service, msgs MessageStore, store OpsStore, outbox *Outbox) *Ops {
	return &Ops{svc: svc, msgs: msgs, store: store, outbox: outbox,
		Sample: DefaultLatencySample, InboundBudget: DefaultInboundBudget}
}

var errOpsForbidden = arogya.Errorf(arogya.EFORBIDDEN, "Only the operator may see this.")

// operator refuses anyone but the operator.
func operator(ctx context.Context) error {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return errOpsForbidden
	}
	return nil
}

// BridgeServices is a bridge with its services.
type BridgeServices struct {
	*Bridge
	Services []*HIService
}

// Bridges lists every bridge, by ID, with its services.
func (o *Ops) Bridges(ctx context.Context) ([]BridgeServices, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	bs, err := o.svc.store.Bridges(ctx)
	if err != nil {
		return nil, err
	}
	ss, err := o.store.AllServices(ctx)
	if err != nil {
		return nil, err
	}
	by := make(map[string][]*HIService, len(bs))
	for _, s := range ss {
		by[s.BridgeID] = append(by[s.BridgeID], s)
	}
	out := make([]BridgeServices, len(bs))
	for i, b := range bs {
		out[i] = BridgeServices{Bridge: b, Services: by[b.ID]}
	}
	return out, nil
}

// DeadCount is the number of dead outbound messages.
func (o *Ops) DeadCount(ctx context.Context) (int, error) {
	if err := operator(ctx); err != nil {
		return 0, err
	}
	return o.store.CountOutbound(ctx, OutDead)
}

// DeadLetters lists dead outbound messages with an ID below before (0:
// the newest), newest first, at most limit.
func (o *Ops) DeadLetters(ctx context.Context, before int64, limit int) ([]*Outbound, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	return o.msgs.OutboundByStatus(ctx, OutDead, before, limit)
}

// Replay makes dead message id due again and wakes the outbox worker, as
// POST /api/v1/admin/outbox/{id}/replay does. ENOTFOUND if there is no
// such message, ECONFLICT if it is not dead (replayed meanwhile).
func (o *Ops) Replay(ctx context.Context, id int64) error {
	if err := operator(ctx); err != nil {
		return err
	}
	if err := o.msgs.Replay(ctx, id, o.svc.cfg.Now()); err != nil {
		return err
	}
	_ = o.svc.audit.Record(ctx, auditOperator("gateway.outbox.replay", strconv.FormatInt(id, 10)))
	if o.outbox != nil {
		o.outbox.Kick()
	}
	return nil
}

// Traffic is the message traffic of the last hour and the last day.
type Traffic struct {
	At      time.Time
	Windows []TrafficWindow // the last hour, then the last 24 hours
	Sample  int             // the bound on each window's latency sample
}

// TrafficWindow is the traffic of the messages created (outbound) or
// received (inbound) in the Span up to Traffic.At.
type TrafficWindow struct {
	Span     time.Duration
	Outbound []KindTraffic // by kind
	Total    KindTraffic   // every kind; Kind is ""
	// Inbound counts inbound messages by kind; InboundTotal every kind.
	// InboundSkipped is true when counting took longer than the budget.
	Inbound        []TrafficCount
	InboundTotal   int
	InboundSkipped bool
}

// KindTraffic is one kind's outbound messages in a window: how many are
// delivered, still pending and dead, and the delivery latency of the
// delivered ones in the window's sample.
type KindTraffic struct {
	Kind                     string
	Delivered, Pending, Dead int
	// Sampled is how many of the delivered messages the percentiles are
	// of: all of them, unless the window has more than Traffic.Sample
	// delivered messages of every kind together, in which case the latest
	// Traffic.Sample are.
	Sampled       int
	P50, P95, P99 time.Duration
}

// Traffic counts the outbound messages created in the last hour and last
// 24 hours by kind and status, with percentiles of delivery latency
// (nearest rank, over the latest Sample delivered in each window, computed
// here rather than in SQL: SQLite has no percentile function), and the
// inbound messages received in those windows by kind.
func (o *Ops) Traffic(ctx context.Context) (*Traffic, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	now := o.svc.now()
	spans := []time.Duration{time.Hour, 24 * time.Hour}
	day, hour := now.Add(-spans[1]), now.Add(-spans[0])
	t := &Traffic{At: now, Sample: o.Sample, Windows: []TrafficWindow{{Span: spans[0]}, {Span: spans[1]}}}

	counts, err := o.store.OutboundTraffic(ctx, day, hour)
	if err != nil {
		return nil, err
	}
	for i, since := range []time.Time{hour, day} {
		w := &t.Windows[i]
		lat, err := o.store.DeliveryLatencies(ctx, since, o.Sample)
		if err != nil {
			return nil, err
		}
		w.Outbound, w.Total = kindTraffic(counts, i == 0, lat)
	}

	ictx, cancel := context.WithTimeout(ctx, o.InboundBudget)
	defer cancel()
	in, err := o.store.InboundTraffic(ictx, day, hour)
	switch {
	case err != nil && ctx.Err() == nil && (ictx.Err() != nil || errors.Is(err, context.DeadlineExceeded)):
		t.Windows[0].InboundSkipped, t.Windows[1].InboundSkipped = true, true
	case err != nil:
		return nil, err
	default:
		for _, c := range in {
			for i, n := range []int{c.Recent, c.N} {
				if n > 0 {
					t.Windows[i].Inbound = append(t.Windows[i].Inbound, TrafficCount{Kind: c.Kind, N: n})
					t.Windows[i].InboundTotal += n
				}
			}
		}
		for i := range t.Windows {
			slices.SortFunc(t.Windows[i].Inbound, func(a, b TrafficCount) int { return cmp.Compare(a.Kind, b.Kind) })
		}
	}
	return t, nil
}

// kindTraffic folds counts (of the recent window, or the whole) and a
// latency sample into one KindTraffic per kind, by kind, and their total.
func kindTraffic(counts []TrafficCount, recent bool, sample []Latency) ([]KindTraffic, KindTraffic) {
	by := map[string]*KindTraffic{}
	get := func(kind string) *KindTraffic {
		k, ok := by[kind]
		if !ok {
			k = &KindTraffic{Kind: kind}
			by[kind] = k
		}
		return k
	}
	for _, c := range counts {
		n := c.N
		if recent {
			n = c.Recent
		}
		if n == 0 {
			continue
		}
		k := get(c.Kind)
		switch c.Status {
		case OutDelivered:
			k.Delivered += n
		case OutDead:
			k.Dead += n
		default:
			k.Pending += n
		}
	}
	lat := map[string][]time.Duration{}
	all := make([]time.Duration, 0, len(sample))
	for _, l := range sample {
		lat[l.Kind] = append(lat[l.Kind], l.D)
		all = append(all, l.D)
		get(l.Kind) // a message delivered after the counts were read still gets its row
	}
	out := make([]KindTraffic, 0, len(by))
	var total KindTraffic
	for _, k := range by {
		k.Sampled, k.P50, k.P95, k.P99 = percentiles(lat[k.Kind])
		total.Delivered += k.Delivered
		total.Pending += k.Pending
		total.Dead += k.Dead
		out = append(out, *k)
	}
	total.Sampled, total.P50, total.P95, total.P99 = percentiles(all)
	slices.SortFunc(out, func(a, b KindTraffic) int { return cmp.Compare(a.Kind, b.Kind) })
	return out, total
}

// percentiles sorts ds and returns its length and its 50th, 95th and 99th
// percentiles by nearest rank (the smallest value with at least p% of the
// values at or below it); zeros when ds is empty.
func percentiles(ds []time.Duration) (n int, p50, p95, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(ds)
	rank := func(p int) time.Duration {
		i := (p*len(ds)+99)/100 - 1 // ceil(p/100 × n) - 1
		return ds[max(i, 0)]
	}
	return len(ds), rank(50), rank(95), rank(99)
}

// ConsentCounts counts consent requests, artefacts and transfers by status
// and state.
func (o *Ops) ConsentCounts(ctx context.Context) ([]ConsentCount, error) {
	if err := operator(ctx); err != nil {
		return nil, err
	}
	return o.store.ConsentCounts(ctx)
}
