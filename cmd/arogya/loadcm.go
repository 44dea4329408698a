package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// cmScenarios load the HIE-CM gateway.
var cmScenarios = []string{"consent-init"}

// callbackWait bounds the wait for a message's callback.
const callbackWait = 30 * time.Second

// cmLoad is an HIU bridge as the consent-init scenario plays it: one
// verified facility registered as its HIU service, a session, and a
// callback listener that hands each on-init to the operation waiting for it.
type cmLoad struct {
	hc       *http.Client
	base     string
	cmID     string
	clientID string
	secret   string
	hiuID    string

	mu      sync.Mutex
	tok     string
	refresh string
	renewAt time.Time // renew the session from here on

	// The body of consent-requests/init is tmpl[0] + requestId + tmpl[1] +
	// timestamp + tmpl[2]: marshalled once, only the envelope differs.
	tmpl [3][]byte

	wmu     sync.Mutex
	waiting map[string]chan struct{} // requestId → the operation waiting for its on-init

	accepted  atomic.Int64 // 202s
	callbacks atomic.Int64 // on-init callbacks matched to a waiting operation
	unmatched atomic.Int64 // on-init for no waiting operation (late, repeated, or from an earlier run)
	badCB     atomic.Int64 // callbacks the listener could not read or that had no token
}

// runConsentInit sets up an HIU (untimed), then sends consent-requests/init
// and counts a message as done when its on-init callback has arrived.
func runConsentInit(ctx context.Context, hc *http.Client, o loadOptions) (*loadResult, error) {
	if o.AdminToken == "" {
		return nil, fmt.Errorf("consent-init needs the node's operator token: --admin-token or AROGYA_ADMIN_TOKEN")
	}
	if err := checkLoopbackHost(hostOnly(o.CallbackListen)); err != nil {
		return nil, fmt.Errorf("--callback-listen: %w", err)
	}
	c := &cmLoad{hc: hc, base: strings.TrimRight(o.Target, "/"), cmID: o.CMID, waiting: map[string]chan struct{}{}}
	if c.cmID == "" {
		c.cmID = "sbx"
	}
	ln, err := net.Listen("tcp", o.CallbackListen)
	if err != nil {
		return nil, fmt.Errorf("--callback-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v0.5/consent-requests/on-init", c.onInit)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if err := c.setup(ctx, o.AdminToken, "http://"+ln.Addr().String()); err != nil {
		return nil, fmt.Errorf("consent-init setup: %w", err)
	}
	op := func(ctx context.Context, _ int) opResult { return c.consentInit(ctx) }
	var res *loadResult
	if o.Rate > 0 {
		res = runOpsAt(ctx, o.Scenario, o.Concurrency, o.Duration, o.Rate, op)
	} else {
		res = runOps(ctx, o.Scenario, o.Concurrency, o.Duration, op)
	}
	res.Accepted, res.Callbacks = int(c.accepted.Load()), int(c.callbacks.Load())
	res.Unmatched = int(c.unmatched.Load() + c.badCB.Load())
	return res, nil
}

// setup submits and verifies a facility, creates a bridge for it, opens a
// session, points the bridge at callbackURL and registers the facility as
// its HIU.
func (c *cmLoad) setup(ctx context.Context, adminToken, callbackURL string) error {
	var r [4]byte
	_, _ = rand.Read(r[:])
	suffix := hex.EncodeToString(r[:])
	admin := "Bearer " + adminToken

	var fac struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/facilities", "", map[string]any{
		"name": "Load Test HIU " + suffix, "type": "hospital", "ownership": "private", "systemsOfMedicine": []string{"modern"},
		"address": map[string]string{"stateCode": "28", "districtCode": "520", "pin": "530002"},
	}, http.StatusCreated, &fac); err != nil {
		return fmt.Errorf("submitting a facility: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/facilities/"+fac.ID+"/verification", admin,
		map[string]string{"decision": "VERIFIED"}, http.StatusOK, nil); err != nil {
		return fmt.Errorf("verifying facility %s: %w", fac.ID, err)
	}
	var br struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/admin/bridges", admin,
		map[string]string{"id": "load-hiu-" + suffix, "name": "Load HIU " + suffix}, http.StatusCreated, &br); err != nil {
		return fmt.Errorf("creating a bridge: %w", err)
	}
	c.clientID, c.secret, c.hiuID = br.ClientID, br.ClientSecret, fac.ID
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	if err := c.do(ctx, http.MethodPatch, "/gateway/v1/bridges", "Bearer "+tok,
		map[string]string{"url": callbackURL}, http.StatusOK, nil); err != nil {
		return fmt.Errorf("setting the bridge's URL: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/gateway/v1/bridges/addUpdateServices", "Bearer "+tok,
		[]map[string]any{{"id": fac.ID, "name": "Load Test HIU " + suffix, "type": "HIU", "active": true}}, http.StatusOK, nil); err != nil {
		return fmt.Errorf("registering the HIU service: %w", err)
	}
	return c.makeTemplate()
}

// makeTemplate marshals the consent request once and splits it around the
// envelope's requestId and timestamp.
func (c *cmLoad) makeTemplate() error {
	now := time.Now().UTC()
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }
	consentJSON, err := json.Marshal(map[string]any{
		"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"},
		"patient": map[string]string{"id": "load.patient@" + c.cmID},
		"hiu":     map[string]string{"id": c.hiuID},
		"requester": map[string]any{"name": "Dr. Load Test",
			"identifier": map[string]string{"type": "REGNO", "value": "AP1001", "system": "https://www.nmc.org.in"}},
		"hiTypes": []string{"Prescription", "DiagnosticReport"},
		"permission": map[string]any{"accessMode": "VIEW",
			"dateRange":   map[string]string{"from": ts(now.AddDate(-2, 0, 0)), "to": ts(now)},
			"dataEraseAt": ts(now.AddDate(1, 0, 0)),
			"frequency":   map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
	})
	if err != nil {
		return err
	}
	c.tmpl[0] = []byte(`{"requestId":"`)
	c.tmpl[1] = []byte(`","timestamp":"`)
	c.tmpl[2] = append(append([]byte(`","consent":`), consentJSON...), '}')
	// The template must be what json.Marshal of the whole body would be.
	var check struct {
		RequestID string          `json:"requestId"`
		Timestamp string          `json:"timestamp"`
		Consent   json.RawMessage `json:"consent"`
	}
	if err := json.Unmarshal(c.body(uuid.NewString(), ts(now)), &check); err != nil || len(check.Consent) == 0 {
		return fmt.Errorf("consent-init: bad body template: %v", err)
	}
	return nil
}

// body is one consent-requests/init body.
func (c *cmLoad) body(requestID, timestamp string) []byte {
	b := make([]byte, 0, len(c.tmpl[0])+len(c.tmpl[1])+len(c.tmpl[2])+len(requestID)+len(timestamp))
	b = append(b, c.tmpl[0]...)
	b = append(b, requestID...)
	b = append(b, c.tmpl[1]...)
	b = append(b, timestamp...)
	return append(b, c.tmpl[2]...)
}

// token returns a gateway access token, opening or renewing the session a
// minute before the current one expires (refresh token first, then the
// client credentials).
func (c *cmLoad) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != "" && time.Now().Before(c.renewAt) {
		return c.tok, nil
	}
	var s struct {
		AccessToken  string `json:"accessToken"`
		ExpiresIn    int    `json:"expiresIn"`
		RefreshToken string `json:"refreshToken"`
	}
	err := errSessionNone
	if c.refresh != "" {
		err = c.do(ctx, http.MethodPost, "/gateway/v0.5/sessions", "",
			map[string]string{"clientId": c.clientID, "grantType": "refresh_token", "refreshToken": c.refresh}, http.StatusOK, &s)
	}
	if err != nil {
		err = c.do(ctx, http.MethodPost, "/gateway/v0.5/sessions", "",
			map[string]string{"clientId": c.clientID, "clientSecret": c.secret, "grantType": "client_credentials"}, http.StatusOK, &s)
	}
	if err != nil {
		return "", fmt.Errorf("opening a gateway session: %w", err)
	}
	if s.AccessToken == "" {
		return "", fmt.Errorf("opening a gateway session: no accessToken")
	}
	life := time.Duration(max(s.ExpiresIn, 60)) * time.Second
	c.tok, c.refresh, c.renewAt = s.AccessToken, s.RefreshToken, time.Now().Add(life-min(time.Minute, life/2))
	return c.tok, nil
}

var errSessionNone = errors.New("no session")

// expire drops tok so that the next message renews the session (after a
// 401: the node restarted with new keys, or the clock jumped).
func (c *cmLoad) expire(tok string) {
	c.mu.Lock()
	if c.tok == tok {
		c.renewAt = time.Time{}
	}
	c.mu.Unlock()
}

// do makes one set-up request and decodes the answer into out.
func (c *cmLoad) do(ctx context.Context, method, path, authz string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// consentInit sends one consent-requests/init and waits for its on-init.
func (c *cmLoad) consentInit(ctx context.Context) opResult {
	tok, err := c.token(ctx)
	if err != nil {
		return opResult{Kind: "session"}
	}
	rid := uuid.NewString()
	done := make(chan struct{})
	c.wmu.Lock()
	c.waiting[rid] = done // before sending: the callback may beat the 202
	c.wmu.Unlock()
	forget := func() {
		c.wmu.Lock()
		delete(c.waiting, rid)
		c.wmu.Unlock()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/gateway/v0.5/consent-requests/init",
		bytes.NewReader(c.body(rid, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))))
	if err != nil {
		forget()
		return opResult{Kind: "request"}
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Authorization"] = []string{"Bearer " + tok}
	req.Header["X-Cm-Id"] = []string{c.cmID}
	resp, err := c.hc.Do(req)
	if err != nil {
		forget()
		return opResult{Kind: "network", Requests: 1}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		forget()
		return opResult{Kind: "network", Requests: 1}
	}
	if resp.StatusCode != http.StatusAccepted {
		forget()
		if resp.StatusCode == http.StatusUnauthorized {
			c.expire(tok)
		}
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return opResult{Kind: strings.TrimSpace("init " + strconv.Itoa(resp.StatusCode) + " " + e.Error.Code), Requests: 1}
	}
	c.accepted.Add(1)
	t := time.NewTimer(callbackWait)
	defer t.Stop()
	select {
	case <-done:
		return opResult{OK: true, Requests: 1}
	case <-t.C:
		forget()
		return opResult{Kind: "callback timeout", Requests: 1}
	case <-ctx.Done():
		forget()
		return opResult{Kind: "cancelled", Requests: 1}
	}
}

// onInit receives the gateway's consent-requests/on-init and wakes the
// operation waiting for the request it answers (resp.requestId).
func (c *cmLoad) onInit(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Resp struct {
			RequestID string `json:"requestId"`
		} `json:"resp"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(data, &m) != nil || m.Resp.RequestID == "" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		c.badCB.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	c.wmu.Lock()
	done := c.waiting[m.Resp.RequestID]
	delete(c.waiting, m.Resp.RequestID)
	c.wmu.Unlock()
	if done != nil {
		c.callbacks.Add(1)
		close(done)
	} else {
		c.unmatched.Add(1)
	}
	w.WriteHeader(http.StatusAccepted)
}
