package main

import (
	"cmp"
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/bridgeclient"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/phr"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/web"
)

//go:embed openapi.json
var openapiJSON []byte

// node is one running Arogya node: its storage, keys and HTTP handler.
// Everything is wired here and nowhere else.
type node struct {
	cfg       Config
	log       *slog.Logger
	db        *sqldb.DB
	auditDB   *sqldb.DB // the audit log's database: db itself on PostgreSQL
	stores    *stores   // owns db and auditDB
	keys      *auth.Keys
	audit     *audit.Log
	sms       notify.SMS
	abha      *abha.Service
	registry  *registry.Service
	gateway   *gateway.Service
	outbox    *gateway.Outbox
	hip       *hip.Service
	hipBridge *hip.Bridge
	bridge    *bridgeclient.Shared // the bridge the HIP and HIU roles share; nil when the node is not both
	hiu       *hiu.Service
	hiuBridge *hiu.Bridge
	phrPages  *web.PHR           // the person's app, under /abha/
	phrHIU    *phr.HIU           // the PHR's own HIU's API, when it has one
	bg        context.Context    // lives until Close: background work runs under it
	stop      context.CancelFunc // ends background work (the registry's index follower)
	webSecret []byte             // signs the registry's verifier sessions; derived from the master key, so shared by nodes
	admin     string             // operator token
	opsSecret []byte             // signs the cm operator's page sessions; derived from the master key, so shared by nodes
	emrSecret []byte             // signs the facility staff's EMR page sessions; derived from the master key, so shared by nodes
	hiuSecret []byte             // signs the clinicians' HIU page sessions; derived from the master key, so shared by nodes
	handler   http.Handler
	closeSMS  func() error
}

// nodeOptions lets tests speed up slow defaults.
type nodeOptions struct {
	Argon auth.ArgonParams
	Now   func() time.Time
}

func newNode(ctx context.Context, cfg Config, logger *slog.Logger, opt nodeOptions) (_ *node, err error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := ensureDataDir(cfg.Data); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	n := &node{cfg: cfg, log: logger}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.stores, err = openStores(ctx, cfg.DB, true); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	n.db, n.auditDB = n.stores.db, n.stores.audit
	master, err := auth.LoadOrCreateMasterKey(cfg.MasterKeyFile)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if n.keys, err = auth.NewKeys(ctx, n.db, master, auth.KeysOptions{Now: opt.Now}); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if n.admin, _, err = adminToken(&cfg); err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	n.audit = audit.NewLog(n.auditDB, opt.Now)
	kind, target := "log", ""
	if cfg.SMSOutbox != "" {
		kind, target = "file", cfg.SMSOutbox
	} else if cfg.SMSWebhook != "" {
		kind, target = "webhook", cfg.SMSWebhook
	}
	if n.sms, err = notify.FromConfig(kind, target, logger); err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	if c, ok := n.sms.(interface{ Close() error }); ok {
		n.closeSMS = c.Close
	}
	var kyc abha.KYC = abha.NewSandboxKYC()
	if cfg.KYCFixtures != "" {
		if kyc, err = abha.LoadKYCFixtures(cfg.KYCFixtures); err != nil {
			return nil, fmt.Errorf("--kyc-fixtures: %w", err)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.Addr
		n.cfg.PublicURL = cfg.PublicURL
	}
	gatewayURL := cfg.GatewayURL
	if gatewayURL == "" {
		gatewayURL = cfg.PublicURL // the cm role of this node, reached over HTTP like any other
	}
	n.abha = abha.NewService(n.db, kyc, n.sms, n.audit, n.keys, abha.Config{
		CMID: cfg.CMID, Issuer: cfg.PublicURL, Secret: auth.DeriveKey(master, "abha"), Argon: opt.Argon, Now: opt.Now,
		GatewayURL: gatewayURL,
	})
	// Background work (the registry's index follower, the gateway's outbox)
	// lives until Close.
	n.bg, n.stop = context.WithCancel(context.WithoutCancel(ctx))
	if cfg.has("registry") {
		n.webSecret = auth.DeriveKey(master, "registry/web-session")
		n.registry = registry.NewService(n.db, n.audit, registry.Config{Argon: opt.Argon, Logger: logger, Now: opt.Now})
		if err := n.registry.Start(n.bg); err != nil {
			return nil, fmt.Errorf("registry: loading the search index: %w", err)
		}
	}
	if cfg.has("cm") {
		regURL := cfg.RegistryURL
		if regURL == "" {
			regURL = cfg.PublicURL // the registry role of this node, reached over HTTP like any other
		}
		issuer := strings.TrimRight(cfg.PublicURL, "/") + "/gateway"
		abhaURL := cfg.ABHAURL
		if abhaURL == "" {
			abhaURL = cfg.PublicURL // the abha role of this node, over HTTP
		}
		users := &gateway.ABHAKeys{BaseURL: abhaURL, Issuer: abhaURL, Now: opt.Now}
		n.gateway = gateway.NewService(gateway.Stores{Bridges: n.db, Consents: n.db, Person: n.db, Links: n.db, Auto: n.db, Subs: n.db}, n.keys,
			&gateway.RegistryClient{BaseURL: regURL}, users, n.audit, gateway.Config{
				Issuer: issuer, CMID: cfg.CMID, Argon: opt.Argon, Now: opt.Now, AuditKey: auth.DeriveKey(master, "cm/audit-subject"),
				SMS: n.sms, PHRURL: strings.TrimRight(cfg.PublicURL, "/") + "/abha/",
			})
		lease, err := time.ParseDuration(cfg.OutboxLease)
		if cfg.OutboxLease == "" {
			lease, err = 30*time.Second, nil
		}
		if err != nil || lease < time.Second {
			return nil, fmt.Errorf("--outbox-lease must be a duration of at least 1s, e.g. 30s")
		}
		n.outbox = gateway.NewOutbox(n.db, n.keys, issuer, gateway.OutboxConfig{Logger: logger, Now: opt.Now,
			Lease: lease, Timeout: min(10*time.Second, lease/3)})
		go n.outbox.Run(n.bg)
		go n.expireConsents(logger)
	}
	n.opsSecret = auth.DeriveKey(master, "cm/ops-session") // the operator's pages: the cm's, or the staff pages alone
	if cfg.has("hip") {
		n.wireHIP(master, opt)
	}
	if cfg.has("hiu") {
		n.wireHIU(master, opt)
	}
	if n.bridge != nil {
		go n.bridge.Run(n.bg) // after both roles have joined it
	}
	if cfg.has("phr") {
		if err := n.wirePHR(master, opt); err != nil {
			return nil, err
		}
	}
	n.handler = n.routes()
	return n, nil
}

func (n *node) routes() http.Handler {
	mux := http.NewServeMux()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpx.NewMetrics(reg)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := n.db.Ping(ctx); err != nil {
			httpx.Error(w, r, arogya.Errorf(arogya.EUNAVAILABLE, "database not reachable"))
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(n.keys.JWKSJSON())
	})
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiJSON)
	})
	mux.Handle("POST /api/v1/admin/keys/rotate", n.requireAdmin(http.HandlerFunc(n.rotateKey)))
	mux.Handle("GET /api/v1/admin/audit/verify", n.requireAdmin(http.HandlerFunc(n.verifyAudit)))

	if n.cfg.has("abha") {
		abha.NewHandler(n.abha, n.keys).Register(mux, n.requireAdmin)
		web.NewABHA(n.abha, web.Options{CMID: n.cfg.CMID}).Register(mux)
	}
	if n.phrPages != nil {
		n.phrPages.Register(mux)
	}
	if n.cfg.has("cm") {
		gateway.NewHandler(n.gateway, n.db, n.outbox, n.cfg.PublicURL).Register(mux, n.requireAdmin)
	}
	n.opsPages().Register(mux)
	if n.cfg.has("hip") {
		hip.NewHandler(n.hip, n.admin).Register(mux, n.requireAdmin)
		n.hipBridge.Register(mux)
		if n.bridge != nil {
			n.hipBridge.RegisterAt(mux, sharedCallbackPath)
		}
		web.NewEMR(n.hip, web.Options{Secret: n.emrSecret}).Register(mux)
	}
	if n.cfg.has("hiu") {
		hiu.NewHandler(n.hiu).Register(mux, n.requireAdmin)
		n.hiuBridge.Register(mux)
		if n.bridge != nil {
			n.hiuBridge.RegisterAt(mux, sharedCallbackPath)
		}
		web.NewHIU(n.hiu, web.Options{Secret: n.hiuSecret}).Register(mux)
	}
	if n.cfg.has("registry") {
		registry.NewHandler(n.registry, n.admin).Register(mux)
		web.NewRegistry(n.registry, web.Options{Secret: n.webSecret}).Register(mux)
	}
	return httpx.Chain(mux, httpx.RequestID, metrics.Observe(n.log), securityHeaders)
}

// opsPages are the operator's pages under /cm/ops/: the consent
// manager's, with the staff pages of the facilities served as HIP and HIU;
// on a node that is not a consent manager, the staff pages alone.
func (n *node) opsPages() interface{ Register(*http.ServeMux) } {
	var ops *web.Ops
	switch {
	case n.cfg.has("cm"):
		ops = web.NewOps(gateway.NewOps(n.gateway, n.db, n.db, n.outbox), n.admin, web.Options{Secret: n.opsSecret})
	case n.hip != nil || n.hiu != nil:
		ops = web.NewOps(nil, n.admin, web.Options{Secret: n.opsSecret})
	default:
		return noPages{}
	}
	if n.hip != nil {
		ops.WithStaff(n.hip)
	}
	if n.hiu != nil {
		ops.WithClinicians(n.hiu)
	}
	return ops
}

// noPages registers nothing.
type noPages struct{}

func (noPages) Register(*http.ServeMux) {}

// wireHIP makes the hip role: the facilities' records and the HIP bridge,
// which reaches the gateway (this node's cm role or a remote one) and the
// registry over HTTP only.
func (n *node) wireHIP(master []byte, opt nodeOptions) {
	cfg := n.cfg
	public := strings.TrimRight(cfg.PublicURL, "/")
	reg := &registryapi.Client{BaseURL: cmp.Or(cfg.RegistryURL, public)}
	n.hip = hip.NewService(n.db, reg, hip.FHIRBundles{}, n.audit,
		hip.Config{WrapKey: auth.DeriveKey(master, "hip/data-keys"), Now: opt.Now})
	n.hip.EnableStaff(hip.StaffConfig{Store: n.db, Professionals: reg, TokenKey: auth.DeriveKey(master, "hip/staff-token"), Argon: opt.Argon})
	n.emrSecret = auth.DeriveKey(master, "hip/emr-session")
	bc := hip.BridgeConfig{
		Version:    cfg.HIPVersion,
		GatewayURL: cmp.Or(cfg.HIPGatewayURL, public+"/gateway"), CMID: cfg.CMID, CallbackURL: public + "/hip",
		ClientID: cfg.HIPClientID, ClientSecret: cfg.HIPClientSecret,
		SecretKey: auth.DeriveKey(master, "hip/bridge-secret"), OTPKey: auth.DeriveKey(master, "hip/link-otp"),
		TokenKey: auth.DeriveKey(master, "hip/link-token"),
		SMS:      n.sms, Logger: n.log,
		AllowPrivatePush: cfg.HIPPushPrivate == "yes" || (cfg.HIPPushPrivate != "no" && privateURL(public)), // "" is auto
	}
	if cfg.HIPClientID == "" && cfg.has("cm") {
		id := "arogya-hip-" + auth.KeyedHash(auth.DeriveKey(master, "hip/node-id"), "hip")[:8]
		bc.Provision = func(ctx context.Context) (string, string, string, error) {
			return n.provisionBridge(ctx, public, id, "Arogya HIP bridge")
		}
	}
	n.bridge = n.sharedBridge(bc, opt.Now) // nil unless the node is both HIP and HIU
	bc.Shared = n.bridge
	n.hipBridge = hip.NewBridge(n.hip, bc)
	go n.hipBridge.Run(n.bg)
}

// securityHeaders sets headers every response should carry.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// requireAdmin lets through only requests bearing the operator token.
func (n *node) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := httpx.BearerToken(r.Header.Get("Authorization"))
		if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(n.admin)) != 1 {
			httpx.Error(w, r, arogya.Errorf(arogya.EUNAUTHORIZED, "operator token required"))
			return
		}
		next.ServeHTTP(w, r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorOperator})))
	})
}

func (n *node) rotateKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Purpose string `json:"purpose"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	switch req.Purpose {
	case auth.PurposeSign, auth.PurposeEncrypt, auth.PurposeCard, auth.PurposeUser:
	default:
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "purpose must be sign, encrypt, card or user"))
		return
	}
	if err := n.keys.Rotate(r.Context(), req.Purpose); err != nil {
		httpx.Error(w, r, err)
		return
	}
	_ = n.audit.Record(r.Context(), audit.Event{Actor: "operator", Action: "keys.rotate", Subject: req.Purpose, Outcome: "ok"})
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"purpose": req.Purpose, "kid": n.keys.ActiveKeyID(req.Purpose)})
}

func (n *node) verifyAudit(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), n.auditDB)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"checked": res.Checked, "intact": res.Intact(), "brokenAt": res.BrokenAt, "reason": res.Reason})
}

// expireConsents ends granted consent artefacts whose erase time has
// come, every minute, until the node closes.
func (n *node) expireConsents(logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-n.bg.Done():
			return
		case <-t.C:
			k, err := n.gateway.ExpireDue(n.bg)
			if err != nil && n.bg.Err() == nil {
				logger.Warn("cm: expiring consents", "err", err)
			}
			if k > 0 {
				n.outbox.Kick()
			}
		}
	}
}

// Close releases the node's resources.
func (n *node) Close() error {
	var err error
	if n.stop != nil {
		n.stop()
	}
	if n.closeSMS != nil {
		err = n.closeSMS()
	}
	if n.stores != nil {
		err = errors.Join(err, n.stores.Close())
	}
	return err
}

// privateURL reports whether u names this machine or a private network:
// localhost, or an IP address that is not public. A node reached that way
// serves a demo, tests or one private network, whose HIUs are private too.
func privateURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	h := p.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return false // a name: a node others reach on the internet
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
}
