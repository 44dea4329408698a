package hiu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/bridgeclient"
	"github.com/arogya-health/arogya/internal/protocol"
)

// BridgeConfig is how the HIU bridge reaches the gateway.
type BridgeConfig struct {
	GatewayURL  string // the gateway's v0.5 base, e.g. https://cm.example/gateway
	CMID        string // X-CM-ID
	CallbackURL string // where the gateway calls this node: <public URL>/hiu

	// ClientID and ClientSecret are the bridge's credentials at a remote
	// gateway. When empty, Provision creates a bridge (at a gateway this
	// node runs) the first time; its credentials are kept sealed.
	ClientID, ClientSecret string
	Provision              func(ctx context.Context) (id, clientID, secret string, err error)

	SecretKey []byte // seals the provisioned client secret

	// Shared, when set, is the node's one bridge, shared with its HIP
	// role: its client, callback URL and declaration of services are used
	// instead of the credentials and registration above, so that a
	// facility can be both HIP and HIU. CallbackURL still gives the
	// dataPushUrl (PushURL).
	Shared *bridgeclient.Shared

	// EraseEvery is how often erasure runs (default a minute).
	EraseEvery time.Duration
	Logger     *slog.Logger
	HTTP       *http.Client // nil: a client with a 15 s timeout
}

// Bridge is the HIU side of the ABDM protocol (v0.5): it registers this
// node's HIU facilities with the gateway, sends the clinicians' requests,
// takes the gateway's callbacks and the HIPs' data pushes, and erases
// what is due. Callbacks and messages are durable jobs with retries.
type Bridge struct {
	svc *Service
	cfg BridgeConfig
	log *slog.Logger

	mu sync.Mutex         // guards waiters
	gw *bridgeclient.Lazy // the gateway client; gw.Certs checks the gateway's calls before a session exists

	kick       chan struct{}
	registered chan struct{}
	changed    func()                     // the facilities changed: declare them again
	waiters    map[string][]chan struct{} // callbacks waited for, by the requestId they answer

	pushMu   sync.Mutex // one page at a time: a transfer's state is read, changed and written
	sessions map[string]*session
	inflight map[string]bool // pages being opened, by transaction ID/page number
}

// NewBridge returns the bridge over svc; Run starts it.
func NewBridge(svc *Service, cfg BridgeConfig) *Bridge {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.EraseEvery <= 0 {
		cfg.EraseEvery = time.Minute
	}
	b := &Bridge{svc: svc, cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1), registered: make(chan struct{}, 1),
		waiters: map[string][]chan struct{}{}, sessions: map[string]*session{}, inflight: map[string]bool{}}
	if cfg.Shared != nil {
		b.gw = cfg.Shared.Gateway()
		b.changed = cfg.Shared.Join(bridgeclient.HIU, b.services, b.Kick)
	} else {
		b.gw = bridgeclient.NewLazy(bridgeclient.Config{Role: "hiu", Version: protocol.V05, Base: cfg.GatewayURL, CMID: cfg.CMID, HTTP: cfg.HTTP, Now: svc.cfg.Now},
			bridgeclient.Credentials{Role: "hiu", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, SecretKey: cfg.SecretKey, Provision: cfg.Provision,
				Stored: func(ctx context.Context) (string, []byte, error) {
					c, err := svc.store.HIUBridge(ctx)
					if err != nil {
						return "", nil, err
					}
					return c.ClientID, c.Secret, nil
				},
				Store: func(ctx context.Context, id, clientID string, sealed []byte) error {
					return svc.store.PutHIUBridge(ctx, &BridgeCreds{ID: id, ClientID: clientID, Secret: sealed, GatewayURL: cfg.GatewayURL, CreatedAt: svc.now()})
				}})
		b.changed = func() { signal(b.registered) }
	}
	svc.bridge = b
	return b
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Kick wakes the worker: a job is due now.
func (b *Bridge) Kick() { signal(b.kick) }

// Run registers the bridge and runs the worker and the erasure until ctx
// ends.
func (b *Bridge) Run(ctx context.Context) {
	if b.cfg.Shared == nil { // else the node runs the shared bridge's registration
		signal(b.registered)
		go b.registerLoop(ctx)
	}
	go b.eraseLoop(ctx)
	b.work(ctx)
}

// registerLoop declares the callback URL and the facilities whenever they
// change, retrying with backoff while the gateway cannot be reached.
func (b *Bridge) registerLoop(ctx context.Context) {
	bridgeclient.RegisterLoop(ctx, "hiu", b.log, b.registered, b.register, b.Kick)
}

// register sets the callback URL and declares the facilities as the
// bridge's HIU services, one by one if the gateway refuses the list for
// a facility another bridge has (served as HIP by a bridge of its own:
// BridgeConfig.Shared is how one node serves a facility in both roles).
func (b *Bridge) register(ctx context.Context) error {
	gw, err := b.gw.Client(ctx)
	if err != nil {
		return err
	}
	ss, err := b.services(ctx)
	if err != nil {
		return err
	}
	if err := gw.SetCallbackURL(ctx, b.cfg.CallbackURL); err != nil {
		return err
	}
	taken, err := gw.AddServicesEach(ctx, bridgeclient.HIU, ss)
	for _, id := range taken {
		b.log.Warn("hiu: the gateway has this facility as another bridge's service: it is not an HIU of this bridge (a node serving it as HIP too must share one bridge between its roles)", "facility", id)
	}
	return err
}

// services are the facilities served as HIU, as the bridge declares them.
func (b *Bridge) services(ctx context.Context) ([]bridgeclient.Service, error) {
	fs, err := b.svc.store.HIUFacilities(ctx)
	if err != nil {
		return nil, err
	}
	ss := make([]bridgeclient.Service, len(fs))
	for i, f := range fs {
		ss[i] = bridgeclient.Service{ID: f.ID, Name: f.Name}
	}
	return ss, nil
}

// Retry schedule of jobs: doubling from 1 s to 10 min, 16 attempts.
const (
	jobFirstDelay  = time.Second
	jobMaxDelay    = 10 * time.Minute
	jobMaxAttempts = 16
	jobLease       = 2 * time.Minute
	keepDone       = 7 * 24 * time.Hour
)

type permanentError struct{ error }

func (b *Bridge) work(ctx context.Context) {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	for {
		for b.runDue(ctx) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-poll.C:
		case <-purge.C:
			if _, err := b.svc.store.PurgeHIU(ctx, b.svc.now().Add(-keepDone)); err != nil && ctx.Err() == nil {
				b.log.Warn("hiu: purging finished work", "err", err)
			}
		}
	}
}

func (b *Bridge) runDue(ctx context.Context) int {
	now := b.svc.now()
	jobs, err := b.svc.store.ClaimHIUJobs(ctx, now, now.Add(jobLease), 16)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("hiu: claiming jobs", "err", err)
		}
		return 0
	}
	for _, j := range jobs {
		b.runJob(ctx, j)
	}
	return len(jobs)
}

func (b *Bridge) runJob(ctx context.Context, j *Job) {
	var fx *Effects
	var err error
	switch j.Kind {
	case JobInbound:
		fx, err = b.handle(ctx, j)
	case JobSend:
		err = b.send(ctx, j)
	default:
		err = permanentError{fmt.Errorf("unknown job kind %q", j.Kind)}
	}
	if err == nil {
		if err = b.svc.store.FinishHIUJob(ctx, j.ID, b.svc.now(), fx); err == nil {
			if fx != nil && len(fx.Jobs) > 0 {
				b.Kick()
			}
			if j.Kind == JobInbound {
				b.wake(j)
			}
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	attempts := j.Attempts + 1
	var perm permanentError
	dead := errors.As(err, &perm) || attempts >= jobMaxAttempts
	delay := min(jobFirstDelay<<min(attempts-1, 20), jobMaxDelay)
	if n, err := rand.Int(rand.Reader, big.NewInt(int64(delay/4)+1)); err == nil {
		delay += time.Duration(n.Int64())
	}
	b.log.Warn("hiu: job failed", "kind", j.Kind, "path", j.Path, "attempt", attempts, "dead", dead, "err", err)
	if rerr := b.svc.store.RetryHIUJob(ctx, j.ID, attempts, b.svc.now().Add(delay), err.Error(), dead); rerr != nil {
		b.log.Warn("hiu: recording a job's failure", "err", rerr)
	}
}

// wait returns a channel closed when a callback answering requestID has
// been handled (on this node); done forgets it.
func (b *Bridge) wait(requestID string) (<-chan struct{}, func()) {
	c := make(chan struct{})
	b.mu.Lock()
	b.waiters[requestID] = append(b.waiters[requestID], c)
	b.mu.Unlock()
	return c, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		list := b.waiters[requestID]
		for i, w := range list {
			if w == c {
				b.waiters[requestID] = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(b.waiters[requestID]) == 0 {
			delete(b.waiters, requestID)
		}
	}
}

// wake closes the waiters of the request an inbound job answered.
func (b *Bridge) wake(j *Job) {
	env, err := protocol.ReadEnvelope(protocol.V05, nil, j.Body)
	if err != nil || env.InResponseTo == "" {
		return
	}
	b.mu.Lock()
	list := b.waiters[env.InResponseTo]
	delete(b.waiters, env.InResponseTo)
	b.mu.Unlock()
	for _, c := range list {
		close(c)
	}
}

// send POSTs a message to the gateway. Refusals (400, 404, 409, 422) are
// not retried.
func (b *Bridge) send(ctx context.Context, j *Job) error {
	gw, err := b.gw.Client(ctx)
	if err != nil {
		return err
	}
	hdr := map[string]string{}
	if j.FacilityID != "" {
		hdr["X-HIU-ID"] = j.FacilityID
	}
	st, _, err := gw.Call(ctx, http.MethodPost, gw.Base()+j.Path, hdr, j.Body)
	switch {
	case err != nil:
		return err
	case st/100 == 2:
		return nil
	case st == http.StatusBadRequest || st == http.StatusNotFound || st == http.StatusConflict || st == http.StatusUnprocessableEntity || st == http.StatusForbidden:
		return permanentError{fmt.Errorf("the gateway refused %s: HTTP %d", j.Path, st)}
	}
	return fmt.Errorf("the gateway answered %s with HTTP %d", j.Path, st)
}

// message builds a v0.5 message to the gateway as a send job; id is its
// requestId ("" for a new one).
func (b *Bridge) message(facilityID, path, id, inResponseTo string, payload map[string]any) *Job {
	if id == "" {
		id = uuid.NewString()
	}
	msg := make(map[string]any, len(payload)+3)
	for k, v := range payload {
		msg[k] = v
	}
	now := b.svc.now()
	msg["requestId"], msg["timestamp"] = id, now.Format(protocol.TimestampLayout)
	if inResponseTo != "" {
		msg["resp"] = map[string]string{"requestId": inResponseTo}
	}
	body, _ := json.Marshal(msg)
	return &Job{ID: "out:" + id, Kind: JobSend, FacilityID: facilityID, Path: "/v0.5/" + path, Body: body, NextAt: now, CreatedAt: now}
}

// maxInbound bounds a callback's body.
const maxInbound = 1 << 20

// accept checks a callback from the gateway and stores it as a job: the
// gateway's token, a facility this node serves in X-HIU-ID, the v0.5
// envelope. A repeated requestId changes nothing.
func (b *Bridge) accept(ctx context.Context, kind string, h http.Header, body []byte) error {
	tok := bearer(h.Get("Authorization"))
	if tok == "" {
		return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "Authorization: Bearer <gateway token> is required")
	}
	if err := b.gw.Certs.VerifyGatewayToken(ctx, tok); err != nil {
		if arogya.ErrorCode(err) == arogya.EUNAUTHORIZED {
			return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", arogya.ErrorMessage(err))
		}
		return err
	}
	hiuID := normalFacility(h.Get("X-HIU-ID"))
	if hiuID == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "X-HIU-ID is required")
	}
	if _, err := b.svc.facility(ctx, hiuID); err != nil {
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1020", "X-HIU-ID is not a facility this HIU serves")
		}
		return err
	}
	env, err := protocol.ReadEnvelope(protocol.V05, h, body)
	if err != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", arogya.ErrorMessage(err))
	}
	now := b.svc.now()
	j := &Job{ID: "in:" + env.RequestID, Kind: JobInbound, FacilityID: hiuID, Path: kind, Body: bytes.Clone(body), NextAt: now, CreatedAt: now}
	if _, err := b.svc.store.AddHIUJobs(ctx, j); err != nil {
		return err
	}
	b.Kick()
	return nil
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
