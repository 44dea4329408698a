package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// Inbound messages. A bridge POSTs a message; the gateway checks the
// bridge's token, the envelope (requestId and timestamp, in the body for
// v0.5 and in headers for v3) and the message itself, works out what it
// causes, commits all of it with the inbox row, and only then answers 202.
// The outbox delivers the callbacks afterwards.

// maxMessage bounds an inbound message body.
const maxMessage = 1 << 20

// message is one inbound message being handled.
type message struct {
	Route   protocol.Route
	Version string
	Env     protocol.Envelope
	Body    []byte
	Header  http.Header // for the few messages that carry more in headers (X-HIP-ID, X-LINK-TOKEN)
	Bridge  *Bridge
}

// header reads a header of the message in either spelling (X-HIP-ID or
// X_HIP_ID).
func (m *message) header(name string) string {
	return strings.TrimSpace(httpx.Header(&http.Request{Header: m.Header}, name))
}

// handlerFunc works out what a message causes. It must not write anything
// itself: the effects are committed with the message.
type handlerFunc func(ctx context.Context, m *message) (Effects, error)

// handlers are the messages the consent manager takes so far, by kind.
func (s *Service) handlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"consent-requests/init":   s.consentInit,
		"consent-requests/status": s.consentStatus,
		"consents/fetch":          s.consentFetch,

		"health-information/cm/request":     s.healthInfoRequest,
		"health-information/hip/on-request": s.hipOnRequest,
		"health-information/notify":         s.hiNotify,

		"care-contexts/on-discover": s.onDiscover,
		"links/link/on-init":        s.onLinkInit,
		"links/link/on-confirm":     s.onLinkConfirm,

		"users/auth/fetch-modes":  s.authFetchModes,
		"users/auth/init":         s.authInit,
		"users/auth/confirm":      s.authConfirm,
		"links/link/add-contexts": s.addContexts,
		"v3/token/generate-token": s.generateToken,
		"links/context/notify":    s.contextNotify,
		"patients/sms/notify":     s.smsNotify,

		"patients/profile/on-share": s.onShare,
		"patients/find":             s.patientsFind,
		"consents/hiu/on-notify":    s.acknowledge,
		"consents/hip/on-notify":    s.acknowledge,

		"subscription-requests/cm/init":       s.subscriptionInit,
		"subscription-requests/hiu/on-notify": s.acknowledge,
		"subscriptions/hiu/on-notify":         s.acknowledge,
	}
}

// reachesOut are the messages whose handling does something outside the
// database (ABHA sends an OTP, an SMS goes out): a repeat is recognised
// before, not only when the inbox row is written, so it does not happen
// twice. Two copies racing in at once can still both do it; the inbox
// keeps only one.
var reachesOut = map[string]bool{"users/auth/init": true, "patients/sms/notify": true}

// inboxReader tells whether a message was taken before.
type inboxReader interface {
	SeenInbound(ctx context.Context, bridgeID, requestID string) (bool, error)
}

// registerInbound mounts every handled message at its v0.5 path under
// /gateway and, where it has one, its v3 path under /api/hiecm.
func (h *Handler) registerInbound(mux *http.ServeMux) {
	for kind, fn := range h.svc.handlers() {
		route, ok := protocol.ByKind(kind)
		if !ok || route.Dir != protocol.ToCM {
			panic("gateway: no inbound route for " + kind)
		}
		if p := protocol.GatewayPath(route, V05); p != "" {
			mux.Handle("POST /gateway"+p, h.bridge(h.inbound(route, V05, fn)))
		}
		if p := protocol.GatewayPath(route, V3); p != "" {
			mux.Handle("POST "+protocol.V3Base+p, h.bridge(h.inbound(route, V3, fn)))
		}
	}
}

func (h *Handler) inbound(route protocol.Route, version string, fn handlerFunc) func(w http.ResponseWriter, r *http.Request, b *Bridge) error {
	return func(w http.ResponseWriter, r *http.Request, b *Bridge) error {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMessage))
		if err != nil {
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the message is larger than 1 MiB or was cut short")
		}
		if version == V3 {
			if err := CheckV3Headers(r, h.svc.CMID()); err != nil {
				return err
			}
		} else if got := httpx.Header(r, "X-CM-ID"); got != h.svc.CMID() {
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "X-CM-ID header must be "+h.svc.CMID())
		}
		env, err := protocol.ReadEnvelope(version, r.Header, body)
		if err != nil {
			return err
		}
		m := &message{Route: route, Version: version, Env: env, Body: body, Header: r.Header, Bridge: b}
		if reachesOut[route.Kind] {
			if seen, ok := h.msgs.(inboxReader); ok {
				dup, err := seen.SeenInbound(r.Context(), b.ID, env.RequestID)
				if err != nil {
					return err
				}
				if dup {
					w.WriteHeader(http.StatusAccepted) // answered the first time
					return nil
				}
			}
		}
		eff, err := fn(r.Context(), m)
		if err != nil {
			return err
		}
		in := &Inbound{BridgeID: b.ID, RequestID: env.RequestID, Kind: route.Kind, Version: version, ReceivedAt: h.svc.now()}
		leased := h.outbox.Prelease(eff.Outbound, in.ReceivedAt) // handed to this node's outbox once committed
		err = h.msgs.Accept(r.Context(), in, eff)
		if err != nil {
			h.outbox.Release(leased)
			if arogya.ErrorCode(err) != arogya.ECONFLICT {
				return err
			}
		}
		// A repeat (ECONFLICT) was handled the first time: it gets the
		// same 202 and causes nothing new.
		if err == nil {
			h.outbox.Hand(leased)
			if len(eff.Outbound) > len(leased) {
				h.outbox.Kick() // the rest wait in the database
			}
			if eff.After != nil {
				eff.After(r.Context())
			}
		}
		for _, lr := range eff.LinkResults {
			h.svc.waiting.wake(lr.RequestID) // a person waiting on this node reads the answer now
		}
		if route.Kind == "health-information/notify" {
			w.WriteHeader(http.StatusNoContent) // the one message ABDM answers 204
			return nil
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
}

// callback builds an outbound message of the given kind for bridge b, in
// the version b speaks, answering the message with request ID inResponseTo.
func (s *Service) callback(b *Bridge, kind, targetID, inResponseTo string, payload map[string]any) (*Outbound, error) {
	route, ok := protocol.ByKind(kind)
	if !ok || route.Dir != protocol.ToBridge {
		return nil, errors.New("gateway: no outbound route for " + kind)
	}
	if b.URL == "" {
		return nil, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1021", "the bridge has no callback URL: set it with PATCH /gateway/v1/bridges first")
	}
	version := b.Version
	if version == "" {
		version = V05
	}
	path := protocol.BridgePath(route, version)
	if path == "" && version == V3 {
		// Messages v3 has no form of (users/auth, subscriptions) reach a
		// v3 bridge in their v0.5 form, which is how it sent the request.
		version = V05
		path = protocol.BridgePath(route, version)
	}
	if path == "" {
		return nil, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1021", "this message has no "+version+" form")
	}
	now := s.now()
	rid := uuid.NewString()
	headers, body, err := protocol.Build(version, rid, now, inResponseTo, payload)
	if err != nil {
		return nil, err
	}
	if h := protocol.TargetHeader(route.Target); h != "" {
		headers[h] = targetID
	}
	headers["X-CM-ID"] = s.cfg.CMID
	return &Outbound{RequestID: rid, BridgeID: b.ID, Kind: kind, TargetID: targetID, Body: body, Headers: headers,
		URL: b.URL + path, Status: OutPending, CreatedAt: now, NextAt: now}, nil
}

// servesAs reports whether service id belongs to bridge b with the type.
func (s *Service) servesAs(ctx context.Context, b *Bridge, id, typ string) error {
	svc, err := s.service(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (svc.BridgeID != b.ID || !svc.Active || !slices.Contains(svc.Types, typ))) {
		return arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1020", "the "+typ+" id is not an active "+typ+" service of this bridge")
	}
	return err
}

// newRowID returns the ID of a consent request or artefact: a version 7
// UUID, ordered by time, so that the rows a batch writes sit together at
// the end of their primary key's index instead of each dirtying a page of
// its own (as random version 4 IDs do). The time it shows is when the
// gateway made the row, which the row's holders know anyway.
func newRowID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// service returns the service with the ID, read at most once a second
// (accessCacheTTL) on this node: a message names its sender's service, so a
// bridge's stream of messages reads it once a second, not once each. This
// node's own addUpdateServices shows at once; another node's within the
// second.
func (s *Service) service(ctx context.Context, id string) (*HIService, error) {
	now := s.cfg.Now()
	v, gen, ok := s.services.get(id, now)
	if ok {
		return &v, nil
	}
	svc, err := s.store.Service(ctx, id)
	if err != nil {
		return nil, err
	}
	s.services.put(id, *svc, now, now.Add(accessCacheTTL), gen)
	return svc, nil
}

// consentInit takes consent-requests/init from an HIU: a new consent
// request for a person, answered on-init with its ID.
func (s *Service) consentInit(ctx context.Context, m *message) (Effects, error) {
	req, err := consent.ParseInit(m.Body, s.cfg.CMID, s.now())
	if err != nil {
		return Effects{}, err
	}
	if err := s.servesAs(ctx, m.Bridge, req.HIU.ID, TypeHIU); err != nil {
		return Effects{}, err
	}
	if _, locked, err := s.person.ConsentLock(ctx, req.Patient); err != nil {
		return Effects{}, err
	} else if locked {
		// The person has locked their ABHA: the request is answered and
		// kept nowhere, so it never reaches their inbox.
		out, err := s.callback(m.Bridge, "consent-requests/on-init", req.HIU.ID, m.Env.RequestID, map[string]any{
			"error": map[string]any{"code": "ABDM-1130", "message": "the person does not accept new consent requests"}})
		if err != nil {
			return Effects{}, err
		}
		return Effects{Outbound: []*Outbound{out}}, nil
	}
	req.ID, req.BridgeID = newRowID(), m.Bridge.ID
	out, err := s.callback(m.Bridge, "consent-requests/on-init", req.HIU.ID, m.Env.RequestID,
		map[string]any{"consentRequest": map[string]string{"id": req.ID}})
	if err != nil {
		return Effects{}, err
	}
	return Effects{ConsentRequests: []*consent.Request{req}, Outbound: []*Outbound{out},
		After: func(ctx context.Context) { s.autoApprove(ctx, req) }}, nil
}

// consentStatus takes consent-requests/status: the HIU asks where its
// request stands, answered on-status.
func (s *Service) consentStatus(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		ConsentRequestID string `json:"consentRequestId"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || !protocol.IsUUID(body.ConsentRequestID) {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "consentRequestId must be a consent request id (a UUID)")
	}
	var payload map[string]any
	target := s.askingHIU(ctx, m)
	req, err := s.consents.ConsentRequest(ctx, body.ConsentRequestID)
	switch {
	case err == nil && req.BridgeID == m.Bridge.ID:
		target = req.HIU.ID
		arts, err := s.person.ArtefactsByRequest(ctx, req.ID)
		if err != nil {
			return Effects{}, err
		}
		refs := make([]map[string]string, len(arts))
		for i, a := range arts {
			refs[i] = map[string]string{"id": a.ID}
		}
		payload = map[string]any{"consentRequest": map[string]any{"id": req.ID, "status": req.Status, "consentArtefacts": refs}}
	case err == nil || arogya.ErrorCode(err) == arogya.ENOTFOUND:
		// Another HIU's request is as unknown as a missing one.
		payload = map[string]any{"error": map[string]any{"code": "ABDM-1009", "message": "no consent request with that id was made by this HIU"}}
	default:
		return Effects{}, err
	}
	out, err := s.callback(m.Bridge, "consent-requests/on-status", target, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	return Effects{Outbound: []*Outbound{out}}, nil
}

// consentFetch takes consents/fetch: the HIU asks for an artefact it was
// told of, answered on-fetch with its status, consentDetail and signature.
func (s *Service) consentFetch(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		ConsentID string `json:"consentId"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || !protocol.IsUUID(body.ConsentID) {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "consentId must be a consent artefact id (a UUID)")
	}
	var payload map[string]any
	target := s.askingHIU(ctx, m)
	a, err := s.person.Artefact(ctx, body.ConsentID)
	switch {
	case err == nil && a.BridgeID == m.Bridge.ID:
		target = a.HIUID
		payload = map[string]any{"consent": map[string]any{"status": a.Status, "consentDetail": json.RawMessage(a.Detail), "signature": a.Signature}}
	case err == nil || arogya.ErrorCode(err) == arogya.ENOTFOUND:
		payload = map[string]any{"error": map[string]any{"code": "ABDM-1010", "message": "no consent artefact with that id was granted to this HIU"}}
	default:
		return Effects{}, err
	}
	out, err := s.callback(m.Bridge, "consents/on-fetch", target, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	return Effects{Outbound: []*Outbound{out}}, nil
}

// askingHIU is the HIU an answer goes to when the message named nothing
// the gateway knows (an unknown consent request or artefact): the X-HIU-ID
// the bridge sent, if it is one of its HIUs, or else its first active HIU,
// so the bridge can still route the error.
func (s *Service) askingHIU(ctx context.Context, m *message) string {
	if id := strings.ToUpper(m.header("X-HIU-ID")); id != "" && s.servesAs(ctx, m.Bridge, id, TypeHIU) == nil {
		return id
	}
	svcs, err := s.store.Services(ctx, m.Bridge.ID)
	if err != nil {
		return ""
	}
	for _, svc := range svcs {
		if svc.Active && slices.Contains(svc.Types, TypeHIU) {
			return svc.ID
		}
	}
	return ""
}

// acknowledge takes a bridge's acknowledgement of a notice the gateway
// sent (consents/hiu/on-notify, consents/hip/on-notify, an HIU's
// subscription-requests/hiu/on-notify and subscriptions/hiu/on-notify):
// it must name the request it answers, and causes nothing more. Whether
// the gateway sent this bridge that request is not checked.
func (s *Service) acknowledge(ctx context.Context, m *message) (Effects, error) {
	if m.Env.InResponseTo == "" {
		return Effects{}, invalidMsg("resp.requestId is required: the requestId of the notice this acknowledges")
	}
	return Effects{}, nil
}
