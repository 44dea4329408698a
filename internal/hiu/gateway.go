package hiu

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
	"strings"
	"sync"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// This file is a copy of internal/hip's v0.5 gateway client (at the
// commit before its v3 work), adapted to declare HIU services: the two
// belong in a role-neutral package once internal/hip's v3 settles.

// gatewayClient is the HIU bridge's side of the ABDM v0.5 gateway: its
// session, its registration, the messages it sends and the checks of the
// gateway's own calls and signatures.
type gatewayClient struct {
	base     string // the v0.5 base, e.g. http://host/gateway
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

func newGatewayClient(base, cmID, clientID, secret string, hc *http.Client, now func() time.Time) *gatewayClient {
	base = strings.TrimRight(base, "/")
	return &gatewayClient{base: base, cmID: cmID, hc: hc, now: now, clientID: clientID, secret: secret,
		certs: &auth.RemoteJWKS{URL: base + "/v0.5/certs", HTTP: hc, Now: now}}
}

// do makes one request to the gateway and returns its status and body.
func (g *gatewayClient) do(ctx context.Context, method, url, token string, body []byte, hdr map[string]string) (int, []byte, error) {
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
	st, out, err := g.do(ctx, http.MethodPost, g.base+"/v0.5/sessions", "", body, nil)
	if err != nil {
		return "", fmt.Errorf("hiu: gateway session: %w", err)
	}
	var s struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	if st != http.StatusOK || json.Unmarshal(out, &s) != nil || s.AccessToken == "" {
		return "", fmt.Errorf("hiu: gateway session: HTTP %d", st)
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

// call sends body to the gateway path with the session token; a 401
// renews the session once.
func (g *gatewayClient) call(ctx context.Context, method, path string, body []byte, hdr map[string]string) (int, []byte, error) {
	for try := 0; ; try++ {
		tok, err := g.accessToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		st, out, err := g.do(ctx, method, g.base+path, tok, body, hdr)
		if err == nil && st == http.StatusUnauthorized && try == 0 {
			g.forget()
			continue
		}
		return st, out, err
	}
}

// register sets the bridge's callback URL and declares the facilities as
// its HIU services. It returns the facilities the gateway would not take
// because another bridge serves them.
func (g *gatewayClient) register(ctx context.Context, callbackURL string, fs []*Facility) ([]string, error) {
	b, _ := json.Marshal(map[string]string{"url": callbackURL})
	st, _, err := g.call(ctx, http.MethodPatch, "/v1/bridges", b, nil)
	if err != nil {
		return nil, fmt.Errorf("hiu: setting the bridge's callback URL: %w", err)
	} else if st/100 != 2 {
		return nil, fmt.Errorf("hiu: setting the bridge's callback URL: HTTP %d", st)
	}
	if len(fs) == 0 {
		return nil, nil
	}
	b, _ = json.Marshal(services(fs))
	st, _, err = g.call(ctx, http.MethodPost, "/v1/bridges/addUpdateServices", b, nil)
	if err != nil {
		return nil, fmt.Errorf("hiu: registering HIU services: %w", err)
	}
	if st != http.StatusConflict {
		if st/100 != 2 {
			return nil, fmt.Errorf("hiu: registering HIU services: HTTP %d", st)
		}
		return nil, nil
	}
	// The gateway refuses the whole list if one ID is another bridge's
	// service (a facility this node also serves as HIP, whose bridge is
	// another): declare them one by one, so the others are not held up.
	var taken []string
	for _, f := range fs {
		b, _ = json.Marshal(services([]*Facility{f}))
		st, _, err = g.call(ctx, http.MethodPost, "/v1/bridges/addUpdateServices", b, nil)
		switch {
		case err != nil:
			return taken, fmt.Errorf("hiu: registering HIU services: %w", err)
		case st == http.StatusConflict:
			taken = append(taken, f.ID)
		case st/100 != 2:
			return taken, fmt.Errorf("hiu: registering HIU services: HTTP %d", st)
		}
	}
	return taken, nil
}

func services(fs []*Facility) []map[string]any {
	out := make([]map[string]any, len(fs))
	for i, f := range fs {
		out[i] = map[string]any{"id": f.ID, "name": f.Name, "type": "HIU", "active": true}
	}
	return out
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

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
