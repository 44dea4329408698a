package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Handler serves the gateway's sessions, keys and bridge self-service on
// ABDM's paths (v0.5 under /gateway, v3 under /api/hiecm), and the
// operator's bridge administration under /api/v1/admin/bridges.
type Handler struct {
	svc       *Service
	msgs      MessageStore // the outbox, for the operator's views; may be nil
	outbox    *Outbox      // kicked after a replay; may be nil
	publicURL string       // the node's public base URL, for jwks_uri
}

// NewHandler returns the handler; publicURL is the node's public base URL.
// msgs and outbox serve the operator's outbox views and may be nil.
func NewHandler(svc *Service, msgs MessageStore, outbox *Outbox, publicURL string) *Handler {
	if outbox != nil {
		svc.kick = outbox.Kick // what the person's calls enqueue goes out at once
		svc.outbox = outbox    // and approvals' notices are handed to it
	}
	return &Handler{svc: svc, msgs: msgs, outbox: outbox, publicURL: strings.TrimRight(publicURL, "/")}
}

// Register adds the routes to mux. requireOperator wraps the operator's
// routes (the node's admin-token check).
func (h *Handler) Register(mux *http.ServeMux, requireOperator func(http.Handler) http.Handler) {
	mux.HandleFunc("POST /gateway/v0.5/sessions", h.sessionsV05)
	mux.HandleFunc("POST /api/hiecm/gateway/v3/sessions", h.sessionsV3)
	mux.HandleFunc("GET /gateway/v0.5/certs", h.certs)
	mux.HandleFunc("GET /api/hiecm/gateway/v3/certs", h.certs)
	mux.HandleFunc("GET /gateway/v0.5/.well-known/openid-configuration", h.openid("/gateway/v0.5/certs"))
	mux.HandleFunc("GET /gateway/.well-known/openid-configuration", h.openid("/gateway/v0.5/certs"))
	mux.HandleFunc("GET /api/hiecm/gateway/.well-known/openid-configuration", h.openid("/api/hiecm/gateway/v3/certs"))

	mux.Handle("PATCH /gateway/v1/bridges", h.bridge(h.setURL(V05)))
	mux.Handle("PATCH /api/hiecm/gateway/v3/bridge/url", h.bridge(h.setURL(V3)))
	mux.Handle("POST /gateway/v1/bridges/addUpdateServices", h.bridge(h.addUpdateServices))
	mux.Handle("POST /api/hiecm/gateway/v3/bridge-services", h.bridge(h.addUpdateServices))
	mux.Handle("GET /gateway/v1/bridges/getServices", h.bridge(h.getServices))
	mux.Handle("GET /api/hiecm/gateway/v3/bridge-services", h.bridge(h.getServices))

	mux.Handle("POST /api/v1/admin/bridges", requireOperator(http.HandlerFunc(h.createBridge)))
	mux.Handle("GET /api/v1/admin/bridges", requireOperator(http.HandlerFunc(h.listBridges)))
	if h.msgs != nil {
		h.registerInbound(mux)
		h.registerPerson(mux)
		mux.Handle("GET /api/v1/admin/outbox", requireOperator(http.HandlerFunc(h.listOutbox)))
		mux.Handle("POST /api/v1/admin/outbox/{id}/replay", requireOperator(http.HandlerFunc(h.replay)))
	}
}

type outboundJSON struct {
	ID          int64  `json:"id"`
	RequestID   string `json:"requestId"`
	Bridge      string `json:"bridge"`
	Kind        string `json:"kind"`
	Target      string `json:"target,omitempty"`
	Status      string `json:"status"`
	Attempts    int    `json:"attempts"`
	LastError   string `json:"lastError,omitempty"`
	CreatedAt   string `json:"createdAt"`
	NextAt      string `json:"nextAt,omitempty"`
	DeliveredAt string `json:"deliveredAt,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// listOutbox lists outbound messages by status (DEAD by default), newest
// first, with counts of every status. Bodies are not shown: they may hold
// personal data.
func (h *Handler) listOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := strings.ToUpper(q.Get("status"))
	if status == "" {
		status = OutDead
	}
	if status != OutDead && status != OutPending && status != OutDelivered {
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "status must be PENDING, DELIVERED or DEAD"))
		return
	}
	var before int64
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "before must be a message id"))
			return
		}
		before = n
	}
	msgs, err := h.msgs.OutboundByStatus(r.Context(), status, before, 100)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	counts, err := h.msgs.OutboundCounts(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	items := make([]outboundJSON, len(msgs))
	for i, m := range msgs {
		items[i] = outboundJSON{ID: m.ID, RequestID: m.RequestID, Bridge: m.BridgeID, Kind: m.Kind, Target: m.TargetID,
			Status: m.Status, Attempts: m.Attempts, LastError: m.LastError, CreatedAt: rfc3339(m.CreatedAt),
			NextAt: rfc3339(m.NextAt), DeliveredAt: rfc3339(m.DeliveredAt)}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"counts": counts, "items": items})
}

// replay makes a dead message due again.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "id must be a message id"))
		return
	}
	if err := h.msgs.Replay(r.Context(), id, h.svc.cfg.Now()); err != nil {
		httpx.Error(w, r, err)
		return
	}
	_ = h.svc.audit.Record(r.Context(), auditOperator("gateway.outbox.replay", strconv.FormatInt(id, 10)))
	if h.outbox != nil {
		h.outbox.Kick()
	}
	w.WriteHeader(http.StatusNoContent)
}

type sessionRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	GrantType    string `json:"grantType"`
	RefreshToken string `json:"refreshToken"`
}

func (h *Handler) sessionsV05(w http.ResponseWriter, r *http.Request) {
	h.session(w, r)
}

// sessionsV3 is the v3 form: the same body, with REQUEST-ID, TIMESTAMP and
// X-CM-ID headers.
func (h *Handler) sessionsV3(w http.ResponseWriter, r *http.Request) {
	if err := CheckV3Headers(r, h.svc.CMID()); err != nil {
		httpx.ABDMError(w, r, err)
		return
	}
	h.session(w, r)
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	var req sessionRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.ABDMError(w, r, err)
		return
	}
	var (
		s   *Session
		err error
	)
	switch req.GrantType {
	case "client_credentials", "":
		if req.ClientID == "" || req.ClientSecret == "" {
			err = arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "clientId and clientSecret are required")
			break
		}
		s, err = h.svc.NewSession(r.Context(), req.ClientID, req.ClientSecret)
	case "refresh_token":
		if req.RefreshToken == "" {
			err = arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "refreshToken is required with grantType refresh_token")
			break
		}
		s, err = h.svc.Refresh(r.Context(), req.ClientID, req.RefreshToken)
	default:
		err = arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "grantType must be client_credentials or refresh_token")
	}
	if err != nil {
		httpx.ABDMError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, s)
}

func (h *Handler) certs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, http.StatusOK, h.svc.Certs())
}

func (h *Handler) openid(certsPath string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		httpx.WriteJSON(w, http.StatusOK, map[string]any{
			"issuer":                                h.svc.cfg.Issuer,
			"jwks_uri":                              h.publicURL + certsPath,
			"token_endpoint":                        h.publicURL + "/gateway/v0.5/sessions",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"grant_types_supported":                 []string{"client_credentials", "refresh_token"},
		})
	}
}

// bridge authenticates the caller by its gateway access token.
func (h *Handler) bridge(fn func(w http.ResponseWriter, r *http.Request, b *Bridge) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := httpx.BearerToken(r.Header.Get("Authorization"))
		if tok == "" {
			httpx.ABDMError(w, r, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "Authorization: Bearer <gateway token> is required"))
			return
		}
		b, err := h.svc.VerifyAccess(r.Context(), tok)
		if err == nil {
			err = fn(w, r, b)
		}
		if err != nil {
			httpx.ABDMError(w, r, err)
		}
	})
}

func (h *Handler) setURL(version string) func(w http.ResponseWriter, r *http.Request, b *Bridge) error {
	return func(w http.ResponseWriter, r *http.Request, b *Bridge) error {
		if version == V3 {
			if err := CheckV3Headers(r, h.svc.CMID()); err != nil {
				return err
			}
		}
		var req struct {
			URL string `json:"url"`
		}
		if err := httpx.DecodeJSON(r, &req); err != nil {
			return err
		}
		if err := h.svc.SetURL(r.Context(), b, req.URL, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// serviceJSON is an addUpdateServices entry: ABDM's v0.5 shape has one
// "type"; the v3 shape and getServices have "types".
type serviceJSON struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Type   string   `json:"type,omitempty"`
	Types  []string `json:"types,omitempty"`
	Active *bool    `json:"active,omitempty"`
}

func (h *Handler) addUpdateServices(w http.ResponseWriter, r *http.Request, b *Bridge) error {
	var in []serviceJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	ss := make([]ServiceInput, len(in))
	for i, s := range in {
		types := s.Types
		if s.Type != "" {
			types = append([]string{s.Type}, types...)
		}
		ss[i] = ServiceInput{ID: s.ID, Name: s.Name, Types: types, Active: s.Active == nil || *s.Active}
	}
	if err := h.svc.AddUpdateServices(r.Context(), b, ss); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getServices(w http.ResponseWriter, r *http.Request, b *Bridge) error {
	ss, err := h.svc.Services(r.Context(), b)
	if err != nil {
		return err
	}
	type service struct {
		ID        string   `json:"id"`
		Name      string   `json:"name"`
		Types     []string `json:"types"`
		Endpoints []any    `json:"endpoints"`
		Active    bool     `json:"active"`
	}
	out := make([]service, len(ss))
	for i, s := range ss {
		out[i] = service{ID: s.ID, Name: s.Name, Types: s.Types, Endpoints: []any{}, Active: s.Active}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"bridge":   map[string]any{"id": b.ID, "name": b.Name, "url": b.URL, "active": b.Active, "blocklisted": false},
		"services": out,
	})
	return nil
}

type bridgeJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	Version      string `json:"version,omitempty"`
	Active       bool   `json:"active"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret,omitempty"` // only when created
	CreatedAt    string `json:"createdAt"`
}

func toBridgeJSON(b *Bridge) bridgeJSON {
	return bridgeJSON{ID: b.ID, Name: b.Name, URL: b.URL, Version: b.Version, Active: b.Active, ClientID: b.ID,
		CreatedAt: b.CreatedAt.UTC().Format(time.RFC3339)}
}

func (h *Handler) createBridge(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	b, secret, err := h.svc.CreateBridge(r.Context(), req.ID, req.Name, req.URL)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := toBridgeJSON(b)
	out.ClientSecret = secret
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) listBridges(w http.ResponseWriter, r *http.Request) {
	bs, err := h.svc.Bridges(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]bridgeJSON, len(bs))
	for i, b := range bs {
		out[i] = toBridgeJSON(b)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// CheckV3Headers checks the headers every v3 message carries: REQUEST-ID
// (a UUID), TIMESTAMP (UTC, e.g. 2024-05-01T05:10:20.123Z) and X-CM-ID
// naming this consent manager. Hyphen and underscore spellings are both
// accepted.
func CheckV3Headers(r *http.Request, cmID string) error {
	if _, err := uuid.Parse(httpx.Header(r, "REQUEST-ID")); err != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "REQUEST-ID header must be a UUID")
	}
	if _, err := time.Parse(time.RFC3339Nano, httpx.Header(r, "TIMESTAMP")); err != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "TIMESTAMP header must be an ISO-8601 UTC time, e.g. 2024-05-01T05:10:20.123Z")
	}
	if got := httpx.Header(r, "X-CM-ID"); got != cmID {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "X-CM-ID header must be "+cmID)
	}
	return nil
}
