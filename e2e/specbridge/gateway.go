// Package specbridge is the code the stand-in ABDM bridges e2e/spechip
// and e2e/spechiu share: a bridge's side of the gateway (the session, the
// callback URL and service registration, sending messages, checking what
// the gateway signs) and the serving of the gateway's messages. The two
// programs stand in for foreign software, so they share only this package,
// written from the spec (abdm-protocol.md §2 and ndhm-devservice.yml), and
// nothing of Arogya: it imports the standard library alone.
package specbridge

// This file is the bridge's side of the ABDM gateway: the session, the
// callback URL and service registration, sending messages, and checking
// what the gateway signs. Sources: abdm-protocol.md §2 and
// ndhm-devservice.yml.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Protocol versions a bridge may speak, as --version takes them and
// Inbound.Version reports them.
const (
	V05 = "v0.5"
	V3  = "v3"
)

// Config is what a bridge needs to reach the gateway.
type Config struct {
	BaseURL      string // the gateway's host: v0.5 under /gateway, v3 under /api/hiecm
	Version      string // V05 or V3
	CMID         string // the consent manager's ID, sent as X-CM-ID
	ClientID     string
	ClientSecret string
	// ServiceHeader and ServiceID name the bridge's service on v3 calls:
	// "X-HIP-ID" or "X-HIU-ID", and the service's ID (§2.3).
	ServiceHeader, ServiceID string
}

// Gateway is a bridge's connection to the gateway. Make one with
// NewGateway; it is safe for concurrent use.
type Gateway struct {
	base         string // the gateway's host: v0.5 under /gateway, v3 under /api/hiecm
	version      string
	cmID         string
	clientID     string
	clientSecret string
	// serviceHeader and serviceID name this bridge's service on v3 calls
	// (X-HIP-ID or X-HIU-ID), as v3 clients send them (§2.3).
	serviceHeader, serviceID string
	hc                       *http.Client

	mu      sync.Mutex
	token   string
	renewAt time.Time
	keys    map[string]*rsa.PublicKey // the gateway's RS256 keys by kid
	keysAt  time.Time                 // when keys were last fetched
	waiting map[string]chan *Inbound  // Asks awaiting their callback, by request ID
}

// NewGateway returns the bridge's connection to the gateway c describes.
// No session is opened until the first call that needs one.
func NewGateway(c Config) *Gateway {
	return &Gateway{base: strings.TrimRight(c.BaseURL, "/"), version: c.Version, cmID: c.CMID, clientID: c.ClientID,
		clientSecret: c.ClientSecret, serviceHeader: c.ServiceHeader, serviceID: c.ServiceID, hc: &http.Client{Timeout: 30 * time.Second}}
}

// url is the address of an API: p05 under /gateway for v0.5 bridges, p3
// under /api/hiecm for v3.
func (g *Gateway) url(p05, p3 string) string {
	if g.version == V3 {
		return g.base + "/api/hiecm" + p3
	}
	return g.base + "/gateway" + p05
}

// Timestamp formats t as ABDM's TimestampSchema: UTC with milliseconds.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// NewUUID returns a random (version 4) UUID, as ABDM's request IDs are.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// do sends one request with a JSON body and returns the status and body.
func (g *Gateway) do(ctx context.Context, method, url string, hdr map[string]string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

// v3Headers are the headers of every v3 call: REQUEST-ID, TIMESTAMP and
// X-CM-ID, with the hyphens the working clients send (§2.3).
func (g *Gateway) v3Headers(requestID string) map[string]string {
	return map[string]string{"REQUEST-ID": requestID, "TIMESTAMP": Timestamp(time.Now()), "X-CM-ID": g.cmID}
}

// accessToken returns the session token, opening a new session once
// three quarters of the old one's life has passed.
func (g *Gateway) accessToken(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.token != "" && time.Now().Before(g.renewAt) {
		return g.token, nil
	}
	var hdr map[string]string
	if g.version == V3 {
		hdr = g.v3Headers(NewUUID())
	}
	body := map[string]string{"clientId": g.clientID, "clientSecret": g.clientSecret, "grantType": "client_credentials"}
	st, out, err := g.do(ctx, http.MethodPost, g.url("/v0.5/sessions", "/gateway/v3/sessions"), hdr, body)
	if err != nil {
		return "", fmt.Errorf("session: %w", err)
	}
	var s struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	if st != http.StatusOK || json.Unmarshal(out, &s) != nil || s.AccessToken == "" {
		return "", fmt.Errorf("session: status %d: %s", st, out)
	}
	life := time.Duration(s.ExpiresIn) * time.Second
	if life <= 0 {
		life = 10 * time.Minute
	}
	g.token, g.renewAt = s.AccessToken, time.Now().Add(life*3/4)
	return g.token, nil
}

// authed sends a request with the session token.
func (g *Gateway) authed(ctx context.Context, method, url string, hdr map[string]string, body any) (int, []byte, error) {
	tok, err := g.accessToken(ctx)
	if err != nil {
		return 0, nil, err
	}
	h := map[string]string{"Authorization": "Bearer " + tok}
	for k, v := range hdr {
		h[k] = v
	}
	return g.do(ctx, method, url, h, body)
}

// Register points the bridge at callbackURL and registers its service id,
// named name, of type typ ("HIP" or "HIU") (ndhm-devservice.yml: PATCH
// /v1/bridges, POST /v1/bridges/addUpdateServices; their v3 forms
// bridge/url and bridge-services, §0).
func (g *Gateway) Register(ctx context.Context, callbackURL, id, name, typ string) error {
	var hdr map[string]string
	if g.version == V3 {
		hdr = g.v3Headers(NewUUID())
	}
	st, out, err := g.authed(ctx, http.MethodPatch, g.url("/v1/bridges", "/gateway/v3/bridge/url"), hdr, map[string]string{"url": callbackURL})
	if err != nil || st/100 != 2 {
		return fmt.Errorf("setting the callback URL: %d %v: %s", st, err, out)
	}
	if g.version == V3 {
		hdr = g.v3Headers(NewUUID())
	}
	services := []map[string]any{{"id": id, "name": name, "type": typ, "active": true}}
	st, out, err = g.authed(ctx, http.MethodPost, g.url("/v1/bridges/addUpdateServices", "/gateway/v3/bridge-services"), hdr, services)
	if err != nil || st/100 != 2 {
		return fmt.Errorf("registering the %s service: %d %v: %s", typ, st, err, out)
	}
	return nil
}

// Send posts a message to the gateway in the bridge's version, at p05
// under /gateway for v0.5 or p3 under /api/hiecm for v3: v0.5 puts
// requestId, timestamp and resp:{requestId} in the body; v3 puts REQUEST-ID
// and TIMESTAMP in headers and response:{requestId} in the body (§2.2,
// §2.3). inResponseTo is "" for a request. It returns the gateway's status.
func (g *Gateway) Send(ctx context.Context, requestID, inResponseTo, p05, p3 string, payload map[string]any) (int, error) {
	st, _, err := g.Post(ctx, requestID, inResponseTo, Call{P05: p05, P3: p3, Payload: payload})
	return st, err
}

// Call is one message a bridge sends the gateway.
type Call struct {
	// P05 is its path under /gateway in v0.5, P3 under /api/hiecm in v3.
	// A message §3.8 gives no v3 form (P3 "", e.g. patients/find) goes in
	// its v0.5 form from a v3 bridge too, the only form the spec has.
	P05, P3 string
	// Header holds headers beyond the envelope's and the service's, e.g.
	// X-LINK-TOKEN (§2.3).
	Header  map[string]string
	Payload map[string]any // the message's own fields
}

// Post sends c as Send does, with c's extra headers, and returns the
// gateway's status and its synchronous answer (an error body, if any).
func (g *Gateway) Post(ctx context.Context, requestID, inResponseTo string, c Call) (int, []byte, error) {
	version := g.version
	if version == V3 && c.P3 == "" {
		version = V05
	}
	msg := make(map[string]any, len(c.Payload)+3)
	for k, v := range c.Payload {
		msg[k] = v
	}
	hdr := map[string]string{"X-CM-ID": g.cmID}
	url := g.base + "/gateway" + c.P05
	if version == V3 {
		url = g.base + "/api/hiecm" + c.P3
		hdr = g.v3Headers(requestID)
		hdr[g.serviceHeader] = g.serviceID
		if inResponseTo != "" {
			msg["response"] = map[string]string{"requestId": inResponseTo}
		}
	} else {
		msg["requestId"], msg["timestamp"] = requestID, Timestamp(time.Now())
		if inResponseTo != "" {
			msg["resp"] = map[string]string{"requestId": inResponseTo}
		}
	}
	for k, v := range c.Header {
		hdr[k] = v
	}
	return g.authed(ctx, http.MethodPost, url, hdr, msg)
}

// verifyToken checks the token on a call from the gateway: an RS256 JWT
// signed with a key of GET /v0.5/certs, not expired (§2.1).
func (g *Gateway) verifyToken(ctx context.Context, token string) error {
	payload, err := g.verifyJWS(ctx, token)
	if err != nil {
		return err
	}
	var claims struct {
		Exp *float64 `json:"exp"`
		Nbf float64  `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return errors.New("the token's claims are not JSON")
	}
	const leeway = time.Minute
	now := time.Now()
	if claims.Exp == nil || now.After(time.Unix(int64(*claims.Exp), 0).Add(leeway)) {
		return errors.New("the token has expired")
	}
	if claims.Nbf != 0 && now.Add(leeway).Before(time.Unix(int64(claims.Nbf), 0)) {
		return errors.New("the token is not valid yet")
	}
	return nil
}

// verifyJWS checks a compact RS256 JWS against the gateway's keys and
// returns its payload.
func (g *Gateway) verifyJWS(ctx context.Context, jws string) ([]byte, error) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, errors.New("the JWS is not base64url")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "RS256" {
		return nil, errors.New("the JWS is not RS256")
	}
	key, err := g.key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errors.New("the JWS signature does not verify")
	}
	return payload, nil
}

// key returns the gateway's key with the kid, fetching the certs again
// when the kid is new (the gateway may have rotated), at most every 5 s.
func (g *Gateway) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if k, ok := g.keys[kid]; ok {
		return k, nil
	}
	if time.Since(g.keysAt) < 5*time.Second {
		return nil, errors.New("unknown signing key")
	}
	g.keysAt = time.Now()
	st, out, err := g.do(ctx, http.MethodGet, g.base+"/gateway/v0.5/certs", nil, nil)
	if err != nil || st != http.StatusOK {
		return nil, fmt.Errorf("fetching the gateway's certs: %d %v", st, err)
	}
	var jwks struct {
		Keys []struct{ Kty, Kid, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal(out, &jwks); err != nil {
		return nil, errors.New("the gateway's certs are not a JWKS")
	}
	g.keys = map[string]*rsa.PublicKey{}
	for _, k := range jwks.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if k.Kty != "RSA" || err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		g.keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	if k, ok := g.keys[kid]; ok {
		return k, nil
	}
	return nil, errors.New("unknown signing key")
}

// VerifyArtefact checks a consent artefact's signature: a compact RS256
// JWS by the gateway whose payload is the consentDetail sent beside it
// (the spec says only "signature: string"; Arogya signs the detail's
// compact JSON, §4).
func (g *Gateway) VerifyArtefact(ctx context.Context, detail json.RawMessage, signature string) error {
	payload, err := g.verifyJWS(ctx, signature)
	if err != nil {
		return err
	}
	var want bytes.Buffer
	if err := json.Compact(&want, detail); err != nil {
		return errors.New("the consentDetail is not JSON")
	}
	if !bytes.Equal(payload, want.Bytes()) {
		return errors.New("the signature is over something other than the consentDetail")
	}
	return nil
}
