package hip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/protocol"
)

// gatewayClient is the HIP bridge's side of the ABDM gateway, in v0.5 or
// v3: its session, its registration, the messages it sends and the checks
// of the gateway's own calls and signatures.
type gatewayClient struct {
	base     string // the v0.5 base, e.g. http://host/gateway
	base3    string // the v3 base, e.g. http://host/api/hiecm
	version  string // protocol.V05 or protocol.V3: how the session, the registration and the certs are reached
	cmID     string
	hc       *http.Client
	now      func() time.Time
	certs    *auth.RemoteJWKS
	clientID string
	secret   string

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

func newGatewayClient(version, base, base3, cmID, clientID, secret string, hc *http.Client, now func() time.Time) *gatewayClient {
	base, base3 = strings.TrimRight(base, "/"), strings.TrimRight(base3, "/")
	certs := base + "/v0.5/certs"
	if version == protocol.V3 {
		certs = base3 + "/gateway/v3/certs"
	}
	return &gatewayClient{base: base, base3: base3, version: version, cmID: cmID, hc: hc, now: now, clientID: clientID, secret: secret,
		certs: &auth.RemoteJWKS{URL: certs, HTTP: hc, Now: now}}
}

// V3Base derives the gateway's v3 base from its v0.5 base: ABDM serves
// both on one host, v0.5 under /gateway and v3 under /api/hiecm
// (abdm-protocol.md §1), and so does Arogya's gateway.
func V3Base(gatewayURL string) string {
	u := strings.TrimRight(gatewayURL, "/")
	u = strings.TrimSuffix(u, "/gateway")
	return u + protocol.V3Base
}

// v3Headers are the envelope headers of a v3 call made now: REQUEST-ID
// and TIMESTAMP, by protocol.Build's rules, and X-CM-ID.
func (g *gatewayClient) v3Headers(requestID string) (map[string]string, error) {
	h, _, err := protocol.Build(protocol.V3, requestID, g.now(), "", nil)
	if err != nil {
		return nil, err
	}
	h["X-CM-ID"] = g.cmID
	return h, nil
}

// do makes one request to the gateway and returns its status and body.
func (g *gatewayClient) do(ctx context.Context, method, url, token string, hdr map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CM-ID", g.cmID)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

// accessToken returns a session token, opening a session when the one held
// is near its end.
func (g *gatewayClient) accessToken(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.token != "" && g.now().Before(g.renewAt) {
		return g.token, nil
	}
	body, _ := json.Marshal(map[string]string{"clientId": g.clientID, "clientSecret": g.secret, "grantType": "client_credentials"})
	url, hdr := g.base+"/v0.5/sessions", map[string]string(nil)
	if g.version == protocol.V3 {
		url = g.base3 + "/gateway/v3/sessions"
		var err error
		if hdr, err = g.v3Headers(uuid.NewString()); err != nil {
			return "", err
		}
	}
	st, out, err := g.do(ctx, http.MethodPost, url, "", hdr, body)
	if err != nil {
		return "", fmt.Errorf("hip: gateway session: %w", err)
	}
	var s struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	if st != http.StatusOK || json.Unmarshal(out, &s) != nil || s.AccessToken == "" {
		return "", fmt.Errorf("hip: gateway session: HTTP %d", st)
	}
	life := time.Duration(s.ExpiresIn) * time.Second
	if life <= 0 {
		life = 10 * time.Minute
	}
	g.token, g.renewAt = s.AccessToken, g.now().Add(life*3/4)
	return g.token, nil
}

// forget drops the session token, after the gateway refused it.
func (g *gatewayClient) forget() {
	g.mu.Lock()
	g.token = ""
	g.mu.Unlock()
}

// call sends body to the gateway's url with the session token and the
// headers; a 401 renews the session once. hdr may be nil.
func (g *gatewayClient) call(ctx context.Context, method, url string, hdr map[string]string, body []byte) (int, []byte, error) {
	for try := 0; ; try++ {
		tok, err := g.accessToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		st, out, err := g.do(ctx, method, url, tok, hdr, body)
		if err == nil && st == http.StatusUnauthorized && try == 0 {
			g.forget()
			continue
		}
		return st, out, err
	}
}

// register sets the bridge's callback URL and declares the facilities as
// its HIP services: v0.5's PATCH /v1/bridges and addUpdateServices, or
// v3's gateway/v3/bridge/url and bridge-services (with v3 headers), which
// also tells the gateway to call this bridge in v3.
func (g *gatewayClient) register(ctx context.Context, callbackURL string, fs []*Facility) error {
	setURL, services := g.base+"/v1/bridges", g.base+"/v1/bridges/addUpdateServices"
	headers := func() (map[string]string, error) { return nil, nil }
	if g.version == protocol.V3 {
		setURL, services = g.base3+"/gateway/v3/bridge/url", g.base3+"/gateway/v3/bridge-services"
		headers = func() (map[string]string, error) { return g.v3Headers(uuid.NewString()) }
	}
	hdr, err := headers()
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"url": callbackURL})
	st, _, err := g.call(ctx, http.MethodPatch, setURL, hdr, b)
	if err != nil {
		return fmt.Errorf("hip: setting the bridge's callback URL: %w", err)
	} else if st/100 != 2 {
		return fmt.Errorf("hip: setting the bridge's callback URL: HTTP %d", st)
	}
	if len(fs) == 0 {
		return nil
	}
	list := make([]map[string]any, len(fs))
	for i, f := range fs {
		list[i] = map[string]any{"id": f.ID, "name": f.Name, "type": "HIP", "active": true}
	}
	if hdr, err = headers(); err != nil {
		return err
	}
	b, _ = json.Marshal(list)
	st, _, err = g.call(ctx, http.MethodPost, services, hdr, b)
	if err != nil {
		return fmt.Errorf("hip: registering HIP services: %w", err)
	} else if st/100 != 2 {
		return fmt.Errorf("hip: registering HIP services: HTTP %d", st)
	}
	return nil
}

// verify checks a compact RS256 JWS against the gateway's published keys
// and returns its payload.
func (g *gatewayClient) verify(ctx context.Context, jws string) ([]byte, error) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "not a signed token")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := decodeSegment(parts[0])
	if err != nil || json.Unmarshal(hb, &h) != nil || h.Alg != "RS256" || h.Kid == "" {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "the token is not an RS256 JWS with a key ID")
	}
	k, err := g.certs.Key(ctx, h.Kid)
	if errors.Is(err, auth.ErrUnknownKey) {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "the token is signed with a key the gateway does not publish")
	} else if err != nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the gateway's keys could not be fetched")
	}
	payload, _, err := auth.VerifyCompact(auth.JWKS{Keys: []auth.JWK{k}}, jws)
	if err != nil {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "the token's signature does not verify")
	}
	return payload, nil
}

// verifyToken checks the gateway's access token on a call to the bridge:
// signed by the gateway, for the gateway itself (not a bridge's session
// token, which the same key signs), and current.
func (g *gatewayClient) verifyToken(ctx context.Context, token string) error {
	payload, err := g.verify(ctx, token)
	if err != nil {
		return err
	}
	var c struct {
		Sub      string   `json:"sub"`
		ClientID string   `json:"clientId"`
		Exp      *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp == nil {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the token has no expiry")
	}
	if c.Sub != "gateway" && c.ClientID != "gateway" {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the token is not the gateway's")
	}
	if g.now().After(time.Unix(int64(*c.Exp), 0).Add(time.Minute)) {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the token has expired")
	}
	return nil
}

// verifyArtefact checks a consent artefact's signature: a JWS by the
// gateway whose payload is the consentDetail sent with it.
func (g *gatewayClient) verifyArtefact(ctx context.Context, detail []byte, signature string) error {
	payload, err := g.verify(ctx, signature)
	if err != nil {
		return err
	}
	var a, b any
	if json.Unmarshal(payload, &a) != nil || json.Unmarshal(detail, &b) != nil || !jsonEqual(a, b) {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the signature is not over this consentDetail")
	}
	return nil
}
