// Package bridgeclient is a bridge's client of the ABDM gateway, whichever
// role the bridge plays (HIP or HIU): its session, in v0.5 or v3, with
// renewal and one retry on a 401; setting its callback URL and declaring
// its services; and the checks of the gateway's own calls and consent
// artefact signatures against the keys the gateway publishes.
//
// It knows no role: internal/hip and internal/hiu each build a Client and
// say what they are (Config.Role, the type of the services they declare).
package bridgeclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/protocol"
)

// Config is how a bridge reaches the gateway.
type Config struct {
	// Role prefixes the client's errors: "hip" or "hiu".
	Role string
	// Version is how the session, the registration and the certs are
	// reached: protocol.V05 (the default when empty) or protocol.V3.
	Version string
	Base    string // the gateway's v0.5 base, e.g. http://host/gateway
	V3Base  string // the gateway's v3 base, e.g. http://host/api/hiecm; "" derives it from Base (V3Base)
	CMID    string // X-CM-ID

	// ClientID and Secret open sessions; a client without them only
	// verifies the gateway's tokens and signatures (WithCredentials).
	ClientID, Secret string

	HTTP *http.Client     // nil: http.DefaultClient
	Now  func() time.Time // nil: time.Now
}

// Client is a bridge's side of the ABDM gateway.
type Client struct {
	role     string
	base     string // the v0.5 base
	base3    string // the v3 base
	version  string
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

// New returns the client of cfg.
func New(cfg Config) *Client {
	if cfg.Version == "" {
		cfg.Version = protocol.V05
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.V3Base == "" {
		cfg.V3Base = V3Base(cfg.Base)
	}
	base, base3 := strings.TrimRight(cfg.Base, "/"), strings.TrimRight(cfg.V3Base, "/")
	certs := base + "/v0.5/certs"
	if cfg.Version == protocol.V3 {
		certs = base3 + "/gateway/v3/certs"
	}
	return &Client{role: cfg.Role, base: base, base3: base3, version: cfg.Version, cmID: cfg.CMID, hc: cfg.HTTP, now: cfg.Now,
		clientID: cfg.ClientID, secret: cfg.Secret, certs: &auth.RemoteJWKS{URL: certs, HTTP: cfg.HTTP, Now: cfg.Now}}
}

// WithCredentials returns a client like c with these credentials and no
// session yet, sharing c's cache of the gateway's keys.
func (c *Client) WithCredentials(clientID, secret string) *Client {
	return &Client{role: c.role, base: c.base, base3: c.base3, version: c.version, cmID: c.cmID, hc: c.hc, now: c.now,
		certs: c.certs, clientID: clientID, secret: secret}
}

// V3Base derives the gateway's v3 base from its v0.5 base: ABDM serves
// both on one host, v0.5 under /gateway and v3 under /api/hiecm
// (abdm-protocol.md §1), and so does Arogya's gateway.
func V3Base(gatewayURL string) string {
	u := strings.TrimRight(gatewayURL, "/")
	u = strings.TrimSuffix(u, "/gateway")
	return u + protocol.V3Base
}

// Base is the gateway's v0.5 base, without a trailing slash.
func (c *Client) Base() string { return c.base }

// Base3 is the gateway's v3 base, without a trailing slash.
func (c *Client) Base3() string { return c.base3 }

// V3Headers are the envelope headers of a v3 call made now: REQUEST-ID
// and TIMESTAMP, by protocol.Build's rules, and X-CM-ID.
func (c *Client) V3Headers(requestID string) (map[string]string, error) {
	h, _, err := protocol.Build(protocol.V3, requestID, c.now(), "", nil)
	if err != nil {
		return nil, err
	}
	h["X-CM-ID"] = c.cmID
	return h, nil
}

// maxAnswer bounds what is read of the gateway's answer.
const maxAnswer = 1 << 20

// do makes one request to the gateway and returns its status and body.
func (c *Client) do(ctx context.Context, method, url, token string, hdr map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CM-ID", c.cmID)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, out, err
}

// defaultLife is a session's life when the gateway does not say.
const defaultLife = 10 * time.Minute

// parseSession reads the gateway's answer to a session request: the token
// and how long it lasts (defaultLife when the answer has no positive
// expiresIn). ok is false when the answer is not a session.
func parseSession(body []byte) (token string, life time.Duration, ok bool) {
	var s struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	if json.Unmarshal(body, &s) != nil || s.AccessToken == "" {
		return "", 0, false
	}
	life = time.Duration(s.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultLife
	}
	return s.AccessToken, life, true
}

// AccessToken returns a session token, opening a session (v0.5 or v3, as
// the client speaks) when the one held is within the last quarter of its
// life.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.renewAt) {
		return c.token, nil
	}
	body, _ := json.Marshal(map[string]string{"clientId": c.clientID, "clientSecret": c.secret, "grantType": "client_credentials"})
	url, hdr := c.base+"/v0.5/sessions", map[string]string(nil)
	if c.version == protocol.V3 {
		url = c.base3 + "/gateway/v3/sessions"
		var err error
		if hdr, err = c.V3Headers(uuid.NewString()); err != nil {
			return "", err
		}
	}
	st, out, err := c.do(ctx, http.MethodPost, url, "", hdr, body)
	if err != nil {
		return "", fmt.Errorf("%s: gateway session: %w", c.role, err)
	}
	tok, life, ok := parseSession(out)
	if st != http.StatusOK || !ok {
		return "", fmt.Errorf("%s: gateway session: HTTP %d", c.role, st)
	}
	c.token, c.renewAt = tok, c.now().Add(life*3/4)
	return c.token, nil
}

// forget drops the session token, after the gateway refused it.
func (c *Client) forget() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// Call sends body to the gateway's url with the session token and the
// headers (hdr may be nil) and returns the answer's status and body; a
// 401 renews the session once.
func (c *Client) Call(ctx context.Context, method, url string, hdr map[string]string, body []byte) (int, []byte, error) {
	for try := 0; ; try++ {
		tok, err := c.AccessToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		st, out, err := c.do(ctx, method, url, tok, hdr, body)
		if err == nil && st == http.StatusUnauthorized && try == 0 {
			c.forget()
			continue
		}
		return st, out, err
	}
}

// headers are the headers of a registration call: none in v0.5, a new
// request's v3 headers in v3.
func (c *Client) headers() (map[string]string, error) {
	if c.version == protocol.V3 {
		return c.V3Headers(uuid.NewString())
	}
	return nil, nil
}

// SetCallbackURL sets the bridge's callback URL: v0.5's PATCH /v1/bridges,
// or v3's PATCH gateway/v3/bridge/url (with v3 headers), which also tells
// the gateway to call this bridge in v3.
func (c *Client) SetCallbackURL(ctx context.Context, callbackURL string) error {
	url := c.base + "/v1/bridges"
	if c.version == protocol.V3 {
		url = c.base3 + "/gateway/v3/bridge/url"
	}
	hdr, err := c.headers()
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"url": callbackURL})
	st, _, err := c.Call(ctx, http.MethodPatch, url, hdr, b)
	if err != nil {
		return fmt.Errorf("%s: setting the bridge's callback URL: %w", c.role, err)
	} else if st/100 != 2 {
		return fmt.Errorf("%s: setting the bridge's callback URL: HTTP %d", c.role, st)
	}
	return nil
}

// Service types a bridge declares.
const (
	HIP = "HIP"
	HIU = "HIU"
)

// Service is a facility a bridge declares as its service, with the types
// it has there (HIP, HIU, or both when one bridge serves the facility in
// both roles).
type Service struct {
	ID, Name string
	Types    []string
}

// maxEntries is how many entries one addUpdateServices call carries: the
// gateway takes 1 to 100.
const maxEntries = 100

// postServices declares ss, active, in one call: v0.5's
// addUpdateServices or v3's bridge-services (with v3 headers), one entry
// per service and type, as ABDM registers a service once per type (the
// gateway merges a service's entries within one call).
func (c *Client) postServices(ctx context.Context, ss []Service) (int, error) {
	url := c.base + "/v1/bridges/addUpdateServices"
	if c.version == protocol.V3 {
		url = c.base3 + "/gateway/v3/bridge-services"
	}
	hdr, err := c.headers()
	if err != nil {
		return 0, err
	}
	var list []map[string]any
	for _, s := range ss {
		for _, t := range s.Types {
			list = append(list, map[string]any{"id": s.ID, "name": s.Name, "type": t, "active": true})
		}
	}
	b, _ := json.Marshal(list)
	st, _, err := c.Call(ctx, http.MethodPost, url, hdr, b)
	if err != nil {
		return 0, fmt.Errorf("%s: registering %s services: %w", c.role, typesOf(ss), err)
	}
	return st, nil
}

// typesOf names the types of ss for errors: "HIP", or "HIP and HIU".
func typesOf(ss []Service) string {
	var ts []string
	for _, s := range ss {
		for _, t := range s.Types {
			if !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
	}
	return strings.Join(ts, " and ")
}

// batches splits ss into calls of at most maxEntries entries, keeping
// each service's entries in one call (a later call would replace its
// types).
func batches(ss []Service) [][]Service {
	var out [][]Service
	start, n := 0, 0
	for i, s := range ss {
		if k := max(len(s.Types), 1); n+k > maxEntries && i > start {
			out = append(out, ss[start:i])
			start, n = i, 0
		}
		n += max(len(s.Types), 1)
	}
	if start < len(ss) {
		out = append(out, ss[start:])
	}
	return out
}

// withType returns ss, each with the one type typ.
func withType(typ string, ss []Service) []Service {
	out := make([]Service, len(ss))
	for i, s := range ss {
		out[i] = Service{ID: s.ID, Name: s.Name, Types: []string{typ}}
	}
	return out
}

// AddServices declares ss as the bridge's services of type typ (HIP or
// HIU), in as few calls as the gateway's limit allows; none is no call.
func (c *Client) AddServices(ctx context.Context, typ string, ss []Service) error {
	_, err := c.declare(ctx, withType(typ, ss), false)
	return err
}

// AddServicesEach is AddServices, except that when the gateway refuses
// the list (409) because an ID in it is another bridge's service (a
// facility this node also serves in another role, through another
// bridge), it declares them one by one, so that the others are not held
// up. It returns the IDs the gateway would not take.
func (c *Client) AddServicesEach(ctx context.Context, typ string, ss []Service) ([]string, error) {
	return c.declare(ctx, withType(typ, ss), true)
}

// Declare is AddServicesEach for services that each carry their own
// types: a bridge that serves some facilities as both HIP and HIU.
func (c *Client) Declare(ctx context.Context, ss []Service) ([]string, error) {
	return c.declare(ctx, ss, true)
}

// declare posts ss in batches; each, it retries a batch refused with 409
// one service at a time and returns the IDs refused.
func (c *Client) declare(ctx context.Context, ss []Service, each bool) ([]string, error) {
	var taken []string
	for _, batch := range batches(ss) {
		st, err := c.postServices(ctx, batch)
		switch {
		case err != nil:
			return taken, err
		case st/100 == 2:
			continue
		case st != http.StatusConflict || !each:
			return taken, fmt.Errorf("%s: registering %s services: HTTP %d", c.role, typesOf(batch), st)
		}
		for _, s := range batch {
			st, err := c.postServices(ctx, []Service{s})
			switch {
			case err != nil:
				return taken, err
			case st == http.StatusConflict:
				taken = append(taken, s.ID)
			case st/100 != 2:
				return taken, fmt.Errorf("%s: registering %s services: HTTP %d", c.role, typesOf([]Service{s}), st)
			}
		}
	}
	return taken, nil
}

// jwsHeader reads a compact JWS's header: its alg and kid. ok is false
// when the token is not three segments or its header is not JSON.
func jwsHeader(jws string) (alg, kid string, ok bool) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return "", "", false
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &h) != nil {
		return "", "", true
	}
	return h.Alg, h.Kid, true
}

// Verify checks a compact RS256 JWS against the gateway's published keys
// and returns its payload. Its errors are EUNAUTHORIZED for the token,
// EUNAVAILABLE when the keys could not be fetched.
func (c *Client) Verify(ctx context.Context, jws string) ([]byte, error) {
	alg, kid, ok := jwsHeader(jws)
	if !ok {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "not a signed token")
	}
	if alg != "RS256" || kid == "" {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "the token is not an RS256 JWS with a key ID")
	}
	k, err := c.certs.Key(ctx, kid)
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

// tokenClaims reads what VerifyGatewayToken checks of a token's payload
// and says what is wrong with it at now ("" for nothing).
func tokenClaims(payload []byte, now time.Time) string {
	var c struct {
		Sub      string   `json:"sub"`
		ClientID string   `json:"clientId"`
		Exp      *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp == nil {
		return "the token has no expiry"
	}
	if c.Sub != "gateway" && c.ClientID != "gateway" {
		return "the token is not the gateway's"
	}
	if now.After(time.Unix(int64(*c.Exp), 0).Add(time.Minute)) {
		return "the token has expired"
	}
	return ""
}

// VerifyGatewayToken checks the gateway's access token on a call to the
// bridge: signed by the gateway, for the gateway itself (not a bridge's
// session token, which the same key signs), and current (a minute's
// leeway).
func (c *Client) VerifyGatewayToken(ctx context.Context, token string) error {
	payload, err := c.Verify(ctx, token)
	if err != nil {
		return err
	}
	if msg := tokenClaims(payload, c.now()); msg != "" {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "%s", msg)
	}
	return nil
}

// VerifyArtefact checks a consent artefact's signature: a JWS by the
// gateway whose payload is, as JSON, the consentDetail sent with it.
func (c *Client) VerifyArtefact(ctx context.Context, detail []byte, signature string) error {
	payload, err := c.Verify(ctx, signature)
	if err != nil {
		return err
	}
	var a, b any
	if json.Unmarshal(payload, &a) != nil || json.Unmarshal(detail, &b) != nil || !reflect.DeepEqual(a, b) {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the signature is not over this consentDetail")
	}
	return nil
}
