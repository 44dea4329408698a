package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OutboxConfig tunes delivery.
type OutboxConfig struct {
	Workers     int           // concurrent deliveries; 0 means 32
	Batch       int           // messages claimed at once; 0 means 256
	Lease       time.Duration // how long a claimed message is ours; 0 means 30 s
	PollEvery   time.Duration // idle poll interval; 0 means 250 ms
	MaxAttempts int           // attempts before a message is dead; 0 means 12 (about 5 hours with the default delays)
	BaseDelay   time.Duration // first retry delay; 0 means 1 s, doubling
	MaxDelay    time.Duration // retry delay cap; 0 means 1 hour
	Timeout     time.Duration // per delivery; 0 means 10 s
	Handoff     int           // messages handed over in memory awaiting a worker; 0 means 1024
	HTTP        *http.Client  // nil means a client with Timeout
	Logger      *slog.Logger
	Now         func() time.Time
}

// Outbox delivers the gateway's outbound messages to bridges.
type Outbox struct {
	store  MessageStore
	keys   Keys
	issuer string
	cfg    OutboxConfig
	kick   chan struct{}
	tok    ownToken

	// handed carries messages committed already leased to this outbox
	// (Prelease, Hand): they go to a worker without a claim transaction.
	// reserved counts the places in it promised or taken.
	handed   chan *Outbound
	reserved atomic.Int64
}

// NewOutbox returns an outbox over store; keys sign the gateway's own
// token that every delivery carries, with issuer as iss.
func NewOutbox(store MessageStore, keys Keys, issuer string, cfg OutboxConfig) *Outbox {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 250 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: cfg.Workers, IdleConnTimeout: 90 * time.Second,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		}}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Handoff <= 0 {
		cfg.Handoff = 1024
	}
	return &Outbox{store: store, keys: keys, issuer: issuer, cfg: cfg, kick: make(chan struct{}, 1),
		handed: make(chan *Outbound, cfg.Handoff)}
}

// Prelease leases to this outbox, before they are stored, the messages of
// out that are due at once (zero NextAt), as many as it has room to hold:
// their NextAt becomes the lease's end, so no claim takes them, and once
// they are committed Hand gives them straight to a worker, with no claim
// transaction. It returns the leased messages, to pass to Hand if they
// were committed or to Release if not. If this node stops before
// delivering them, the lease runs out and any node's outbox claims them:
// at least once, as with claimed messages. A nil outbox leases nothing.
func (o *Outbox) Prelease(out []*Outbound, now time.Time) []*Outbound {
	if o == nil {
		return nil
	}
	var leased []*Outbound
	until := now.Add(o.cfg.Lease)
	for _, m := range out {
		if !m.NextAt.IsZero() {
			continue
		}
		if o.reserved.Add(1) > int64(o.cfg.Handoff) {
			o.reserved.Add(-1)
			break // busy: the rest wait in the database for a claim
		}
		m.NextAt = until
		leased = append(leased, m)
	}
	return leased
}

// Hand gives the outbox messages Prelease leased, once they are committed
// (their IDs set).
func (o *Outbox) Hand(leased []*Outbound) {
	for _, m := range leased {
		o.handed <- m // never blocks: Prelease reserved the place
	}
}

// Release gives back the places of messages Prelease leased that were not
// committed.
func (o *Outbox) Release(leased []*Outbound) {
	if len(leased) == 0 {
		return
	}
	o.reserved.Add(-int64(len(leased)))
}

// takeHanded takes m out of the handed messages and reports whether it may
// still be delivered: one that waited for a worker through half its lease
// is left to be claimed again once the lease is over, so that it is not
// delivered by this node and by the claim at the same time.
func (o *Outbox) takeHanded(m *Outbound) bool {
	o.reserved.Add(-1)
	return o.cfg.Now().Add(o.cfg.Lease / 2).Before(m.NextAt)
}

// Kick wakes the outbox: something was just enqueued. It may be nil.
func (o *Outbox) Kick() {
	if o == nil {
		return
	}
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// DeliveredBatcher is a MessageStore that records many deliveries in one
// transaction. Run then marks delivered messages in batches: while one
// batch waits for the database, the next gathers, so under load a message
// costs a share of a transaction instead of one of its own.
type DeliveredBatcher interface {
	// MarkDeliveredBatch records that messages ids were delivered at at;
	// IDs of no message are skipped.
	MarkDeliveredBatch(ctx context.Context, ids []int64, at time.Time) error
}

// Run delivers until ctx ends: the messages handed to it (Hand) as they
// come, and those due in the database, claimed when kicked and every
// PollEvery.
func (o *Outbox) Run(ctx context.Context) {
	sem := make(chan struct{}, o.cfg.Workers)
	var wg sync.WaitGroup
	var delivered chan int64 // to the marker, if the store batches
	if b, ok := o.store.(DeliveredBatcher); ok {
		delivered = make(chan int64, o.cfg.Batch)
		marked := make(chan struct{})
		go func() {
			defer close(marked)
			o.markDelivered(ctx, b, delivered)
		}()
		defer func() { <-marked }()
		defer close(delivered) // after the deliveries have finished
	}
	defer wg.Wait()
	dispatch := func(m *Outbound) bool {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o.deliver(ctx, m, delivered)
		}()
		return true
	}
	poll := time.NewTimer(0) // claim at once: what an earlier run left
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-o.handed:
			if o.takeHanded(m) && !dispatch(m) {
				return
			}
			continue
		case <-o.kick:
		case <-poll.C:
		}
		for ctx.Err() == nil {
			now := o.cfg.Now()
			msgs, err := o.store.ClaimDue(ctx, now, now.Add(o.cfg.Lease), o.cfg.Batch)
			if err != nil {
				if ctx.Err() == nil {
					o.cfg.Logger.Warn("gateway outbox: claiming messages", "err", err)
				}
				msgs = nil
			}
			for _, m := range msgs {
				if !dispatch(m) {
					return
				}
			}
			if len(msgs) < o.cfg.Batch {
				break
			}
			// More are due; let handed messages through meanwhile.
			for len(o.handed) > 0 {
				if m := <-o.handed; o.takeHanded(m) && !dispatch(m) {
					return
				}
			}
		}
		poll.Reset(o.cfg.PollEvery) // since Go 1.23 a Reset drops a tick not yet received
	}
}

// RunOnce claims and delivers what is due now, waiting for the
// deliveries; for tests and the command line.
func (o *Outbox) RunOnce(ctx context.Context) (int, error) {
	var msgs []*Outbound
	for len(o.handed) > 0 {
		if m := <-o.handed; o.takeHanded(m) {
			msgs = append(msgs, m)
		}
	}
	now := o.cfg.Now()
	claimed, err := o.store.ClaimDue(ctx, now, now.Add(o.cfg.Lease), o.cfg.Batch)
	if err != nil {
		return 0, err
	}
	msgs = append(msgs, claimed...)
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() { o.deliver(ctx, m, nil) })
	}
	wg.Wait()
	return len(msgs), nil
}

// markDelivered records the deliveries sent on ids, as many at a time as
// have gathered, until ids is closed. A batch that fails to be recorded is
// delivered again when its lease runs out: at least once.
func (o *Outbox) markDelivered(ctx context.Context, b DeliveredBatcher, ids <-chan int64) {
	batch := make([]int64, 0, o.cfg.Batch)
	for id := range ids {
		batch = append(batch[:0], id)
	gather:
		for len(batch) < cap(batch) {
			select {
			case id, ok := <-ids:
				if !ok {
					break gather
				}
				batch = append(batch, id)
			default:
				break gather
			}
		}
		if err := b.MarkDeliveredBatch(ctx, batch, o.cfg.Now()); err != nil && ctx.Err() == nil {
			o.cfg.Logger.Warn("gateway outbox: recording deliveries", "messages", len(batch), "err", err)
		}
	}
}

// deliver makes one attempt and records its outcome; a delivery is
// recorded by sending the message's ID on delivered if that is not nil.
func (o *Outbox) deliver(ctx context.Context, m *Outbound, delivered chan<- int64) {
	status, err := o.post(ctx, m)
	attempts := m.Attempts + 1
	var record error
	switch {
	case err == nil && status >= 200 && status < 300 && delivered != nil:
		delivered <- m.ID
	case err == nil && status >= 200 && status < 300:
		record = o.store.MarkDelivered(ctx, m.ID, o.cfg.Now())
	case err == nil && permanent(status):
		// The bridge refuses the message itself: retrying cannot help.
		record = o.store.MarkDead(ctx, m.ID, attempts, "refused: HTTP "+strconv.Itoa(status))
	default:
		reason := "HTTP " + strconv.Itoa(status)
		if err != nil {
			reason = errorClass(err)
		}
		if attempts >= o.cfg.MaxAttempts {
			record = o.store.MarkDead(ctx, m.ID, attempts, reason)
		} else {
			record = o.store.MarkRetry(ctx, m.ID, attempts, o.cfg.Now().Add(o.backoff(attempts)), reason)
		}
	}
	if record != nil && ctx.Err() == nil {
		// The lease runs out and the message is tried again: at least once.
		o.cfg.Logger.Warn("gateway outbox: recording a delivery", "kind", m.Kind, "err", record)
	}
}

// permanent reports whether a bridge's answer means the message will never
// be accepted.
func permanent(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusGone,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// backoff is the delay before attempt n+1: BaseDelay doubling per attempt,
// capped, with ±20 % jitter so that a bridge coming back is not hit by
// every message at once.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := o.cfg.BaseDelay << min(attempts-1, 30)
	if d <= 0 || d > o.cfg.MaxDelay {
		d = o.cfg.MaxDelay
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (o *Outbox) post(ctx context.Context, m *Outbound) (int, error) {
	tok, err := o.token()
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range m.Headers {
		req.Header.Set(k, v)
	}
	resp, err := o.cfg.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// token returns the gateway's own access token.
func (o *Outbox) token() (string, error) {
	return o.tok.get(o.cfg.Now(), func(now, exp time.Time) (string, error) {
		return o.keys.SignJWT(jwt.MapClaims{
			"iss": o.issuer, "sub": "gateway", "clientId": "gateway", "typ": "Bearer",
			"iat": now.Unix(), "exp": exp.Unix(),
		})
	})
}

// ownToken caches a token the consent manager signs for itself, renewed a
// few minutes before it expires.
type ownToken struct {
	mu  sync.Mutex
	tok string
	exp time.Time
}

// get returns the token, signing a new one for 20 minutes once the one it
// has ends within 5, so no call goes out with a token about to expire.
func (t *ownToken) get(now time.Time, sign func(now, exp time.Time) (string, error)) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != "" && now.Before(t.exp.Add(-5*time.Minute)) {
		return t.tok, nil
	}
	exp := now.Add(20 * time.Minute)
	tok, err := sign(now, exp)
	if err != nil {
		return "", err
	}
	t.tok, t.exp = tok, exp
	return tok, nil
}

// errorClass names a network error without its text (which may hold a
// URL): timeout, refused, or other.
func errorClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "network: timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "network: connection refused"
	default:
		return "network: error"
	}
}
