package hip

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/bridgeclient"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/protocol"
)

// BridgeConfig is how the HIP bridge reaches the gateway.
type BridgeConfig struct {
	// Version is the protocol the bridge speaks to the gateway:
	// protocol.V05 (the default when empty) or protocol.V3. A v3 bridge
	// opens its session and sets its callback URL the v3 way (which tells
	// the gateway to call it in v3), sends every message at its v3 path
	// with v3 headers (in its v0.5 form only where v3 has none), and links
	// new visits with v3 link tokens. Either way the node takes the
	// gateway's callbacks in both versions.
	Version     string
	GatewayURL  string // the gateway's v0.5 base, e.g. https://cm.example/gateway
	V3URL       string // the gateway's v3 base, e.g. https://cm.example/api/hiecm; "" derives it from GatewayURL (bridgeclient.V3Base)
	CMID        string // X-CM-ID
	CallbackURL string // where the gateway calls this node: <public URL>/hip

	// ClientID and ClientSecret are the bridge's credentials at a remote
	// gateway. When they are empty, Provision creates a bridge (at a
	// gateway this node runs, with the operator token) the first time, and
	// its credentials are kept sealed in the store.
	ClientID, ClientSecret string
	Provision              func(ctx context.Context) (id, clientID, secret string, err error)

	SecretKey []byte // seals the provisioned client secret
	OTPKey    []byte // keys the HMAC of link OTPs
	TokenKey  []byte // seals v3 link tokens at rest; nil derives one from SecretKey

	// AllowPrivatePush lets data pushes go to loopback and private
	// addresses (a demo, tests, a deployment inside one private network).
	// Without it the bridge pushes only to public addresses: the
	// dataPushUrl is the HIU's choice (pushguard.go).
	AllowPrivatePush bool

	// Shared, when set, is the node's one bridge, shared with its HIU
	// role: its client, callback URL and declaration of services are
	// used instead of the credentials, callback URL and registration
	// above, so that a facility can be both HIP and HIU (Version must be
	// the shared client's).
	Shared *bridgeclient.Shared

	SMS    notify.SMS
	Logger *slog.Logger
	HTTP   *http.Client // nil: a client with a 15 s timeout
}

// Bridge is the HIP side of the ABDM protocol: it registers this node's
// facilities with the gateway, takes the gateway's callbacks and does
// their work durably, through jobs a worker runs with retries.
type Bridge struct {
	svc  *Service
	cfg  BridgeConfig
	log  *slog.Logger
	push *http.Client // data pushes to HIUs: public addresses only, unless AllowPrivatePush

	gw *bridgeclient.Lazy // the gateway client; gw.Certs checks the gateway's calls before a session exists

	kick       chan struct{} // wakes the worker of messages
	kickXfer   chan struct{} // wakes the worker of transfers
	registered chan struct{} // kicked when the facilities must be declared again
}

// NewBridge returns the bridge over svc; Run starts it.
func NewBridge(svc *Service, cfg BridgeConfig) *Bridge {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = protocol.V05
	}
	if cfg.V3URL == "" {
		cfg.V3URL = bridgeclient.V3Base(cfg.GatewayURL)
	}
	if cfg.TokenKey == nil {
		cfg.TokenKey = auth.DeriveKey(cfg.SecretKey, "hip/link-token")
	}
	b := &Bridge{svc: svc, cfg: cfg, log: cfg.Logger, push: pushClient(cfg.HTTP, cfg.AllowPrivatePush), kick: make(chan struct{}, 1), kickXfer: make(chan struct{}, 1), registered: make(chan struct{}, 1)}
	if cfg.Shared != nil {
		b.gw = cfg.Shared.Gateway()
		svc.onFacility = cfg.Shared.Join(bridgeclient.HIP, b.services, b.Kick)
	} else {
		b.gw = bridgeclient.NewLazy(bridgeclient.Config{Role: "hip", Version: cfg.Version, Base: cfg.GatewayURL, V3Base: cfg.V3URL, CMID: cfg.CMID, HTTP: cfg.HTTP, Now: svc.cfg.Now},
			svc.BridgeCredentials(cfg))
		svc.onFacility = func() { signal(b.registered) }
	}
	svc.newContext = b.linkJob
	svc.kick = b.Kick
	return b
}

// BridgeCredentials are the HIP bridge's credentials: cfg's, or those the
// store keeps once cfg.Provision has made them. The node's shared bridge
// (BridgeConfig.Shared) is the HIP's bridge, and uses them too.
func (s *Service) BridgeCredentials(cfg BridgeConfig) bridgeclient.Credentials {
	return bridgeclient.Credentials{Role: "hip", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, SecretKey: cfg.SecretKey, Provision: cfg.Provision,
		Stored: func(ctx context.Context) (string, []byte, error) {
			c, err := s.store.HIPBridge(ctx)
			if err != nil {
				return "", nil, err
			}
			return c.ClientID, c.Secret, nil
		},
		Store: func(ctx context.Context, id, clientID string, sealed []byte) error {
			return s.store.PutHIPBridge(ctx, &BridgeCreds{ID: id, ClientID: clientID, Secret: sealed, GatewayURL: cfg.GatewayURL, CreatedAt: s.now()})
		}}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Kick wakes the workers: a job is due now.
func (b *Bridge) Kick() {
	signal(b.kick)
	signal(b.kickXfer)
}

// Run registers the bridge and runs the job workers until ctx ends: one
// for messages, and transferWorkers for transfers, so that a long transfer
// never holds up the answer to a discovery the person is waiting for.
func (b *Bridge) Run(ctx context.Context) {
	if b.cfg.Shared == nil { // else the node runs the shared bridge's registration
		signal(b.registered)
		go b.registerLoop(ctx)
	}
	for range transferWorkers {
		go b.work(ctx, b.kickXfer, true)
	}
	b.work(ctx, b.kick, false)
}

// registerLoop declares the callback URL and the facilities whenever they
// change, retrying with backoff while the gateway cannot be reached.
func (b *Bridge) registerLoop(ctx context.Context) {
	bridgeclient.RegisterLoop(ctx, "hip", b.log, b.registered, b.register, b.Kick)
}

// register sets the callback URL and declares the facilities as the
// bridge's HIP services.
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
	return gw.AddServices(ctx, bridgeclient.HIP, ss)
}

// services are the facilities served as HIP, as the bridge declares them.
func (b *Bridge) services(ctx context.Context) ([]bridgeclient.Service, error) {
	fs, err := b.svc.store.HIPFacilities(ctx)
	if err != nil {
		return nil, err
	}
	ss := make([]bridgeclient.Service, len(fs))
	for i, f := range fs {
		ss[i] = bridgeclient.Service{ID: f.ID, Name: f.Name}
	}
	return ss, nil
}

// transferWorkers is how many transfers a node runs at once: a consent
// covering several of its facilities is answered by all of them together,
// and one large transfer does not hold up the others.
const transferWorkers = 3

// Retry schedule of jobs: doubling from 1 s to 10 min, 16 attempts. A
// claim holds messages for 2 minutes and a transfer (claimed alone) for
// 15: after a crash, the longest wait before another node takes them.
const (
	jobFirstDelay  = time.Second
	jobMaxDelay    = 10 * time.Minute
	jobMaxAttempts = 16
	jobLease       = 2 * time.Minute
	transferLease  = 15 * time.Minute
	leaseMargin    = 30 * time.Second // a claimed job not started this close to its lease's end is left to the next claim
)

// permanentError is a failure that retrying cannot mend.
type permanentError struct{ error }

// keepDone is how long finished jobs are kept: a callback the gateway
// delivers again within it (its retries last hours) is recognised by its
// requestId and not done twice. Discoveries are kept as long.
const keepDone = 7 * 24 * time.Hour

func (b *Bridge) work(ctx context.Context, kick chan struct{}, transfers bool) {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	if transfers {
		purge.Stop() // one worker purges
	}
	for {
		for b.runDue(ctx, transfers) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-poll.C:
		case <-purge.C:
			now := b.svc.now()
			if _, err := b.svc.store.PurgeHIP(ctx, now.Add(-keepDone), now); err != nil && ctx.Err() == nil {
				b.log.Warn("hip: purging finished work", "err", err)
			}
		}
	}
}

// runDue claims and runs due jobs (transfers one at a time); it returns
// how many it claimed.
func (b *Bridge) runDue(ctx context.Context, transfers bool) int {
	now := b.svc.now()
	limit, lease := 16, jobLease
	if transfers {
		limit, lease = 1, transferLease
	}
	jobs, err := b.svc.store.ClaimHIPJobs(ctx, now, now.Add(lease), limit, transfers)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("hip: claiming jobs", "err", err)
		}
		return 0
	}
	if transfers && len(jobs) > 0 {
		signal(b.kickXfer) // another worker may take the next transfer meanwhile
	}
	for _, j := range jobs {
		if b.svc.now().After(now.Add(lease - leaseMargin)) {
			break // the lease is ending: another claim may take the rest
		}
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
		fx, err = b.send(ctx, j)
	case JobTransfer:
		fx, err = b.transfer(ctx, j)
	case JobLink:
		fx, err = b.link(ctx, j)
	default:
		err = permanentError{fmt.Errorf("unknown job kind %q", j.Kind)}
	}
	if err == nil {
		err = b.svc.store.FinishHIPJob(ctx, j.ID, b.svc.now(), fx)
		if err == nil {
			if fx != nil && len(fx.Jobs) > 0 {
				b.Kick()
			}
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	var wait waitError
	if errors.As(err, &wait) {
		if rerr := b.svc.store.RetryHIPJob(ctx, j.ID, j.Attempts, b.svc.now().Add(wait.after), err.Error(), false); rerr != nil {
			b.log.Warn("hip: putting a job off", "err", rerr)
		}
		return
	}
	attempts := j.Attempts + 1
	var perm permanentError
	dead := errors.As(err, &perm) || attempts >= jobMaxAttempts
	delay := min(jobFirstDelay<<min(attempts-1, 20), jobMaxDelay)
	if n, err := rand.Int(rand.Reader, big.NewInt(int64(delay/4)+1)); err == nil {
		delay += time.Duration(n.Int64())
	}
	b.log.Warn("hip: job failed", "kind", j.Kind, "path", j.Path, "attempt", attempts, "dead", dead, "err", err)
	if rerr := b.svc.store.RetryHIPJob(ctx, j.ID, attempts, b.svc.now().Add(delay), err.Error(), dead); rerr != nil {
		b.log.Warn("hip: recording a job's failure", "err", rerr)
	}
}

// send POSTs a message to the gateway: a v0.5 one under the v0.5 base, a
// v3 one (its Path under protocol.V3Base) under the v3 base with v3
// headers: REQUEST-ID (the job's, so a retry is the same message),
// TIMESTAMP, X-HIP-ID and, for /hip/v3/link/carecontext, the person's link
// token in X-LINK-TOKEN. Refusals (400, 404, 409, 422) are not retried. A
// carecontext refused for its link token (401 or 403 with a fresh session)
// asks for a new token once (linkTokenRefused), which changes state:
// hence the effects.
func (b *Bridge) send(ctx context.Context, j *Job) (*Effects, error) {
	gw, err := b.gw.Client(ctx)
	if err != nil {
		return nil, err
	}
	url, hdr := gw.Base()+j.Path, map[string]string(nil)
	rest, v3 := strings.CutPrefix(j.Path, protocol.V3Base+"/")
	if v3 {
		url = gw.Base3() + "/" + rest
		if hdr, err = gw.V3Headers(strings.TrimPrefix(j.ID, "out:")); err != nil {
			return nil, permanentError{err}
		}
		hdr["X-HIP-ID"] = j.FacilityID
	}
	carecontext := v3 && "/"+rest == carecontextPath
	if carecontext {
		tok, err := b.jobLinkToken(ctx, j)
		if errors.Is(err, errNoLinkToken) {
			return b.linkTokenRefused(ctx, j)
		} else if err != nil {
			return nil, err
		}
		hdr["X-LINK-TOKEN"] = tok
	}
	st, _, err := gw.Call(ctx, http.MethodPost, url, hdr, j.Body)
	switch {
	case err != nil:
		return nil, err
	case st/100 == 2:
		return nil, nil
	case carecontext && (st == http.StatusUnauthorized || st == http.StatusForbidden):
		// Call renewed the session on the first 401: the link token is
		// what the gateway refuses.
		return b.linkTokenRefused(ctx, j)
	case st == http.StatusBadRequest || st == http.StatusNotFound || st == http.StatusConflict || st == http.StatusUnprocessableEntity:
		return b.refused(ctx, j, st)
	}
	return nil, fmt.Errorf("the gateway answered %s with HTTP %d", j.Path, st)
}

// refused ends a message the gateway refused outright. A step of the
// HIP's own linking is marked FAILED, so that its care context shows
// LINK_FAILED rather than waiting for an answer that will not come; any
// other message's job dies.
func (b *Bridge) refused(ctx context.Context, j *Job, status int) (*Effects, error) {
	err := permanentError{fmt.Errorf("the gateway refused %s: HTTP %d", j.Path, status)}
	s, lerr := b.svc.store.HIPLinkStep(ctx, strings.TrimPrefix(j.ID, "out:"))
	if lerr != nil || s.Status != "SENT" {
		return nil, err
	}
	s.Status = "FAILED"
	b.log.Warn("hip: the gateway refused a linking message", "step", s.Step, "status", status)
	b.svc.auditEvent(ctx, "hip.link.by-hip", s.FacilityID, "failed", s.Step+": refused by the gateway")
	return &Effects{LinkSteps: []*LinkStep{s}}, nil
}

// message builds a message to the gateway as a send job, in the version
// the bridge speaks (v0.5 where the message has no v3 form, as the gateway
// expects): protocol.Build's envelope (requestId, timestamp, resp in a
// v0.5 body; response in a v3 body, its REQUEST-ID and TIMESTAMP made from
// the job when it is sent) around payload's fields.
func (b *Bridge) message(facilityID, kind, inResponseTo string, payload map[string]any) *Job {
	id := uuid.NewString()
	now := b.svc.now()
	version, path := b.cfg.Version, ""
	if route, ok := protocol.ByKind(kind); ok {
		path = protocol.GatewayPath(route, version)
		if path == "" && version == protocol.V3 {
			version = protocol.V05
			path = protocol.GatewayPath(route, version)
		}
		if path != "" && version == protocol.V3 {
			path = protocol.V3Base + path
		}
	}
	if path == "" {
		path = "/" + protocol.V05 + "/" + kind // not a message to the gateway: a bug, which the gateway refuses
	}
	_, body, err := protocol.Build(version, id, now, inResponseTo, payload)
	if err != nil {
		b.log.Error("hip: building a message", "kind", kind, "err", err)
	}
	return &Job{ID: "out:" + id, Kind: JobSend, FacilityID: facilityID, Path: path, Body: body, NextAt: now, CreatedAt: now}
}

// abdmError is a callback's error object: v0.5 codes are numbers.
func abdmError(code int, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

// ABDM's HIP error codes (ProjectEKA's hip-service numbering, which the
// v0.5 spec's Error.code enum starts: 1000 and up).
const (
	codeNoPatient        = 1000
	codeMultiplePatients = 1001
	codeNoCareContext    = 1002
	codeOTPInvalid       = 1003
	codeOTPExpired       = 1004
	codeOTPFailed        = 1005
	codeNoLinkRequest    = 1006
	codeInternal         = 1007
	codeNoDiscovery      = 1008
	codeNoConsent        = 1009
)

// maxInbound bounds a callback's body.
const maxInbound = 1 << 20

// accept checks a callback from the gateway and stores it as a job: the
// gateway's token, a facility this node serves in X-HIP-ID, the envelope
// of the version it came in. path is the job's Path: the kind for v0.5,
// the v3 bridge path for v3. A repeated requestId changes nothing.
func (b *Bridge) accept(ctx context.Context, path, version string, h http.Header, body []byte) error {
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
	hipID := normalFacility(httpx.Header(&http.Request{Header: h}, "X-HIP-ID"))
	if hipID == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "X-HIP-ID is required")
	}
	if _, err := b.svc.facility(ctx, hipID); err != nil {
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1020", "X-HIP-ID is not a facility this HIP serves")
		}
		return err
	}
	env, err := protocol.ReadEnvelope(version, h, body)
	if err != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", arogya.ErrorMessage(err))
	}
	now := b.svc.now()
	j := &Job{ID: "in:" + env.RequestID, Kind: JobInbound, FacilityID: hipID, Path: path, Body: bytes.Clone(body), NextAt: now, CreatedAt: now}
	if _, err := b.svc.store.AddHIPJobs(ctx, j); err != nil {
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
