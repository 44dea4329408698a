package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/auth"
)

// cmScenarios load the HIE-CM gateway.
var cmScenarios = []string{"consent-init", "consent-approve"}

// callbackWait bounds the wait for a message's callback.
const callbackWait = 30 * time.Second

// cmLoad is an HIU bridge as the consent-init scenario plays it: one
// verified facility registered as its HIU service, a session, and a
// callback listener that hands each on-init to the operation waiting for it.
type cmLoad struct {
	hc    *http.Client
	base  string
	cmID  string
	hiu   *bridgeSession // the HIU bridge that sends consent-requests/init
	hiuID string

	// The body of consent-requests/init is tmpl[0] + requestId + tmpl[1] +
	// timestamp + tmpl[2] + patient + tmpl[3]: marshalled once, only the
	// envelope and the person differ.
	tmpl    [4][]byte
	patient func() string // the person a request is for

	wmu     sync.Mutex
	waiting map[string]chan string // requestId → the operation waiting for its on-init, which is sent the consent request ID

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
	c := newCMLoad(hc, o)
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
	// Requests for many people, as a gateway sees them: each one's rows
	// land in their own place of the indexes by person.
	patients := max(o.Patients, 1)
	c.patient = func() string { return "load.p" + strconv.Itoa(rand.IntN(patients)) + "@" + c.cmID }
	if err := c.makeTemplate(); err != nil {
		return nil, err
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

func newCMLoad(hc *http.Client, o loadOptions) *cmLoad {
	c := &cmLoad{hc: hc, base: strings.TrimRight(o.Target, "/"), cmID: o.CMID, waiting: map[string]chan string{}}
	if c.cmID == "" {
		c.cmID = "sbx"
	}
	return c
}

// setup makes the HIU: a verified facility registered as the HIU service of
// a new bridge, with a session and its URL pointed at callbackURL.
func (c *cmLoad) setup(ctx context.Context, adminToken, callbackURL string) error {
	b, fac, err := c.setupBridge(ctx, adminToken, callbackURL, "hiu", "HIU")
	if err != nil {
		return err
	}
	c.hiu, c.hiuID = b, fac
	return nil
}

// setupBridge submits and verifies a facility, creates a bridge for it,
// opens a session, points the bridge at callbackURL and registers the
// facility as its service of type typ. It returns the bridge's session and
// the facility's ID.
func (c *cmLoad) setupBridge(ctx context.Context, adminToken, callbackURL, role, typ string) (*bridgeSession, string, error) {
	var r [4]byte
	_, _ = crand.Read(r[:])
	suffix := hex.EncodeToString(r[:])
	admin := "Bearer " + adminToken
	name := "Load Test " + typ + " " + suffix

	var fac struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/facilities", "", map[string]any{
		"name": name, "type": "hospital", "ownership": "private", "systemsOfMedicine": []string{"modern"},
		"address": map[string]string{"stateCode": "28", "districtCode": "520", "pin": "530002"},
	}, http.StatusCreated, &fac); err != nil {
		return nil, "", fmt.Errorf("submitting a facility: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/facilities/"+fac.ID+"/verification", admin,
		map[string]string{"decision": "VERIFIED"}, http.StatusOK, nil); err != nil {
		return nil, "", fmt.Errorf("verifying facility %s: %w", fac.ID, err)
	}
	var br struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/admin/bridges", admin,
		map[string]string{"id": "load-" + role + "-" + suffix, "name": "Load " + typ + " " + suffix}, http.StatusCreated, &br); err != nil {
		return nil, "", fmt.Errorf("creating a bridge: %w", err)
	}
	b := &bridgeSession{c: c, clientID: br.ClientID, secret: br.ClientSecret}
	tok, err := b.token(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := c.do(ctx, http.MethodPatch, "/gateway/v1/bridges", "Bearer "+tok,
		map[string]string{"url": callbackURL}, http.StatusOK, nil); err != nil {
		return nil, "", fmt.Errorf("setting the bridge's URL: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, "/gateway/v1/bridges/addUpdateServices", "Bearer "+tok,
		[]map[string]any{{"id": fac.ID, "name": name, "type": typ, "active": true}}, http.StatusOK, nil); err != nil {
		return nil, "", fmt.Errorf("registering the %s service: %w", typ, err)
	}
	return b, fac.ID, nil
}

// makeTemplate marshals the consent request once and splits it around the
// envelope's requestId and timestamp and the patient's ID.
func (c *cmLoad) makeTemplate() error {
	const mark = "patient.placeholder@load"
	now := time.Now().UTC()
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }
	consentJSON, err := json.Marshal(map[string]any{
		"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"},
		"patient": map[string]string{"id": mark},
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
	before, after, ok := bytes.Cut(consentJSON, []byte(mark))
	if !ok {
		return fmt.Errorf("consent-init: bad body template")
	}
	c.tmpl[0] = []byte(`{"requestId":"`)
	c.tmpl[1] = []byte(`","timestamp":"`)
	c.tmpl[2] = append([]byte(`","consent":`), before...)
	c.tmpl[3] = append(after, '}')
	// The template must be what json.Marshal of the whole body would be.
	var check struct {
		RequestID string `json:"requestId"`
		Timestamp string `json:"timestamp"`
		Consent   struct {
			Patient struct{ ID string } `json:"patient"`
		} `json:"consent"`
	}
	want := c.patient()
	if err := json.Unmarshal(c.bodyFor(uuid.NewString(), ts(now), want), &check); err != nil || check.Consent.Patient.ID != want {
		return fmt.Errorf("consent-init: bad body template: %v", err)
	}
	return nil
}

// body is one consent-requests/init body, for a person c.patient draws.
func (c *cmLoad) body(requestID, timestamp string) []byte {
	return c.bodyFor(requestID, timestamp, c.patient())
}

// bodyFor is one consent-requests/init body for patient, a JSON-safe ID.
func (c *cmLoad) bodyFor(requestID, timestamp, patient string) []byte {
	b := make([]byte, 0, len(c.tmpl[0])+len(c.tmpl[1])+len(c.tmpl[2])+len(c.tmpl[3])+len(requestID)+len(timestamp)+len(patient))
	b = append(b, c.tmpl[0]...)
	b = append(b, requestID...)
	b = append(b, c.tmpl[1]...)
	b = append(b, timestamp...)
	b = append(b, c.tmpl[2]...)
	b = append(b, patient...)
	return append(b, c.tmpl[3]...)
}

// bridgeSession is a bridge's gateway session.
type bridgeSession struct {
	c                *cmLoad
	clientID, secret string

	mu      sync.Mutex
	tok     string
	refresh string
	renewAt time.Time // renew the session from here on
}

// token returns a gateway access token, opening or renewing the session a
// minute before the current one expires (refresh token first, then the
// client credentials).
func (b *bridgeSession) token(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tok != "" && time.Now().Before(b.renewAt) {
		return b.tok, nil
	}
	var s struct {
		AccessToken  string `json:"accessToken"`
		ExpiresIn    int    `json:"expiresIn"`
		RefreshToken string `json:"refreshToken"`
	}
	err := errSessionNone
	if b.refresh != "" {
		err = b.c.do(ctx, http.MethodPost, "/gateway/v0.5/sessions", "",
			map[string]string{"clientId": b.clientID, "grantType": "refresh_token", "refreshToken": b.refresh}, http.StatusOK, &s)
	}
	if err != nil {
		err = b.c.do(ctx, http.MethodPost, "/gateway/v0.5/sessions", "",
			map[string]string{"clientId": b.clientID, "clientSecret": b.secret, "grantType": "client_credentials"}, http.StatusOK, &s)
	}
	if err != nil {
		return "", fmt.Errorf("opening a gateway session: %w", err)
	}
	if s.AccessToken == "" {
		return "", fmt.Errorf("opening a gateway session: no accessToken")
	}
	life := time.Duration(max(s.ExpiresIn, 60)) * time.Second
	b.tok, b.refresh, b.renewAt = s.AccessToken, s.RefreshToken, time.Now().Add(life-min(time.Minute, life/2))
	return b.tok, nil
}

var errSessionNone = errors.New("no session")

// expire drops tok so that the next message renews the session (after a
// 401: the node restarted with new keys, or the clock jumped).
func (b *bridgeSession) expire(tok string) {
	b.mu.Lock()
	if b.tok == tok {
		b.renewAt = time.Time{}
	}
	b.mu.Unlock()
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
	r, _ := c.consentInitID(ctx)
	return r
}

// consentInitID is consentInit that also returns the new consent
// request's ID, from the on-init.
func (c *cmLoad) consentInitID(ctx context.Context) (opResult, string) {
	tok, err := c.hiu.token(ctx)
	if err != nil {
		return opResult{Kind: "session"}, ""
	}
	rid := uuid.NewString()
	done := make(chan string, 1)
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
		return opResult{Kind: "request"}, ""
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Authorization"] = []string{"Bearer " + tok}
	req.Header["X-Cm-Id"] = []string{c.cmID}
	resp, err := c.hc.Do(req)
	if err != nil {
		forget()
		return opResult{Kind: "network", Requests: 1}, ""
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		forget()
		return opResult{Kind: "network", Requests: 1}, ""
	}
	if resp.StatusCode != http.StatusAccepted {
		forget()
		if resp.StatusCode == http.StatusUnauthorized {
			c.hiu.expire(tok)
		}
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return opResult{Kind: strings.TrimSpace("init " + strconv.Itoa(resp.StatusCode) + " " + e.Error.Code), Requests: 1}, ""
	}
	c.accepted.Add(1)
	t := time.NewTimer(callbackWait)
	defer t.Stop()
	select {
	case id := <-done:
		return opResult{OK: true, Requests: 1}, id
	case <-t.C:
		forget()
		return opResult{Kind: "callback timeout", Requests: 1}, ""
	case <-ctx.Done():
		forget()
		return opResult{Kind: "cancelled", Requests: 1}, ""
	}
}

// onInit receives the gateway's consent-requests/on-init and hands the
// consent request's ID to the operation waiting for the request it answers
// (resp.requestId).
func (c *cmLoad) onInit(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ConsentRequest struct {
			ID string `json:"id"`
		} `json:"consentRequest"`
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
		done <- m.ConsentRequest.ID
	} else {
		c.unmatched.Add(1)
	}
	w.WriteHeader(http.StatusAccepted)
}

// ---- consent-approve ----

// The consent-approve scenario plays a person approving consent requests
// through the consent manager's API, and the bridges that hear of it. Set-up
// (untimed): an HIU bridge and a HIP bridge, each with a verified facility
// as its service, both calling back to the tool's listener; a person
// enrolled at ABHA by Aadhaar OTP (the node's SMS webhook comes to the
// tool), given an ABHA address and signed in for an X-token; their consent
// PIN set and verified for a temporary token (X-AUTH-TOKEN, scope
// consentrequest.approve, renewed every 4 minutes); one care context found
// at the HIP and linked to them (discover, link init, link confirm, the
// tool answering as the HIP); and a pool of consent requests for them, made
// by the HIU with consent-requests/init. Then each operation approves one
// request (POST /cm/consent-requests/{id}/approve, sharing the linked care
// context with the HIP) and ends once both notices it causes have reached
// the bridges: consents/hiu/notify with the artefact's ID, and
// consents/hip/notify with the signed artefact.

const (
	loadPIN        = "4826"
	loadPatientRef = "PAT-LOAD-1"
	loadCareCtx    = "CC-LOAD-1"
	pinRenew       = 4 * time.Minute // the temporary token lives 5
)

// approveLoad is the consent-approve scenario's state.
type approveLoad struct {
	*cmLoad
	hip   *bridgeSession
	hipID string

	xtoken string // the person's ABHA X-token
	body   []byte // the approval, the same for every request

	pinMu    sync.Mutex
	pinTok   string
	pinRenew time.Time

	pool chan string // consent requests to approve

	nmu        sync.Mutex
	byRequest  map[string]*approval // consent request ID → approval waiting for its notices
	byArtefact map[string]*approval // artefact ID → approval waiting for its HIP notice
	early      map[string]bool      // artefact IDs whose HIP notice came before the HIU's

	approved  atomic.Int64 // approvals answered 200
	notices   atomic.Int64 // notices matched to an approval
	unmatched atomic.Int64 // notices for nothing waiting, or unreadable
}

// approval is one approval waiting for its two notices.
type approval struct {
	left int // notices still to come; under nmu
	done chan struct{}
}

// runConsentApprove sets up (untimed), says so on progress, then approves
// consent requests until the duration has passed.
func runConsentApprove(ctx context.Context, hc *http.Client, o loadOptions, inbox *smsInbox, progress io.Writer) (*loadResult, error) {
	if o.AdminToken == "" {
		return nil, fmt.Errorf("consent-approve needs the node's operator token: --admin-token or AROGYA_ADMIN_TOKEN")
	}
	if inbox == nil {
		return nil, fmt.Errorf("consent-approve needs the SMS inbox")
	}
	if err := checkLoopbackHost(hostOnly(o.CallbackListen)); err != nil {
		return nil, fmt.Errorf("--callback-listen: %w", err)
	}
	a := &approveLoad{cmLoad: newCMLoad(hc, o), byRequest: map[string]*approval{},
		byArtefact: map[string]*approval{}, early: map[string]bool{}}
	ln, err := net.Listen("tcp", o.CallbackListen)
	if err != nil {
		return nil, fmt.Errorf("--callback-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v0.5/consent-requests/on-init", a.onInit)
	mux.HandleFunc("POST /v0.5/consents/hiu/notify", a.onHIUNotify)
	mux.HandleFunc("POST /v0.5/consents/hip/notify", a.onHIPNotify)
	mux.HandleFunc("POST /v0.5/care-contexts/discover", a.hipAnswer("care-contexts/on-discover"))
	mux.HandleFunc("POST /v0.5/links/link/init", a.hipAnswer("links/link/on-init"))
	mux.HandleFunc("POST /v0.5/links/link/confirm", a.hipAnswer("links/link/on-confirm"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if err := a.setupApprove(ctx, o, "http://"+ln.Addr().String(), inbox); err != nil {
		return nil, fmt.Errorf("consent-approve setup: %w", err)
	}
	fmt.Fprintf(progress, "consent-approve: set up, %d consent requests to approve; approving for %s\n", len(a.pool), o.Duration)
	// Only what the timed part does counts.
	a.callbacks.Store(0)
	a.unmatched.Store(0)
	a.badCB.Store(0)
	op := func(ctx context.Context, _ int) opResult { return a.approve(ctx) }
	var res *loadResult
	if o.Rate > 0 {
		res = runOpsAt(ctx, o.Scenario, o.Concurrency, o.Duration, o.Rate, op)
	} else {
		res = runOps(ctx, o.Scenario, o.Concurrency, o.Duration, op)
	}
	a.nmu.Lock()
	early := len(a.early)
	a.nmu.Unlock()
	res.Accepted, res.Callbacks = int(a.approved.Load()), int(a.notices.Load())
	res.Unmatched = int(a.unmatched.Load()+a.badCB.Load()) + early
	return res, nil
}

// poolSize is how many consent requests to make before the timed part.
func poolSize(o loadOptions) int {
	if o.Requests > 0 {
		return o.Requests
	}
	if o.Rate > 0 {
		return int(o.Rate*o.Duration.Seconds()*1.1) + 100
	}
	return max(2000, int(1000*o.Duration.Seconds()))
}

func (a *approveLoad) setupApprove(ctx context.Context, o loadOptions, callbackURL string, inbox *smsInbox) error {
	if err := a.setup(ctx, o.AdminToken, callbackURL); err != nil {
		return err
	}
	hip, hipID, err := a.setupBridge(ctx, o.AdminToken, callbackURL, "hip", "HIP")
	if err != nil {
		return err
	}
	a.hip, a.hipID = hip, hipID
	ac, err := newABDMClient(ctx, a.hc, a.base, inbox)
	if err != nil {
		return err
	}
	address, err := a.enrolPerson(ctx, ac)
	if err != nil {
		return fmt.Errorf("enrolling the person: %w", err)
	}
	person := "Bearer " + a.xtoken
	if err := a.do(ctx, http.MethodPost, "/cm/patients/pin", person, map[string]string{"pin": loadPIN}, http.StatusNoContent, nil); err != nil {
		return fmt.Errorf("setting the consent PIN: %w", err)
	}
	if _, err := a.pinToken(ctx); err != nil {
		return err
	}
	if err := a.link(ctx); err != nil {
		return fmt.Errorf("linking a care context: %w", err)
	}
	body, err := json.Marshal(map[string]any{"consents": []map[string]any{{
		"hip":          map[string]string{"id": a.hipID},
		"careContexts": []map[string]string{{"patientReference": loadPatientRef, "careContextReference": loadCareCtx}},
		"hiTypes":      []string{"Prescription", "DiagnosticReport"},
	}}})
	if err != nil {
		return err
	}
	a.body = body
	a.patient = func() string { return address }
	if err := a.makeTemplate(); err != nil {
		return err
	}
	return a.fillPool(ctx, poolSize(o))
}

// enrolPerson enrols a person by Aadhaar OTP, gives them an ABHA address
// and signs them in with it; it sets a.xtoken and returns the address.
func (a *approveLoad) enrolPerson(ctx context.Context, ac *abdmClient) (string, error) {
	var lastErr error
	for range 3 { // a synthetic identity may be held as a probable duplicate
		aadhaar := randomAadhaar()
		id, err := ac.kyc.Lookup(ctx, aadhaar)
		if err != nil {
			return "", err
		}
		loginID, err := auth.EncryptOAEP(ac.pub, []byte(aadhaar))
		if err != nil {
			return "", err
		}
		var txn struct {
			TxnID string `json:"txnId"`
		}
		otp, err := a.withOTP(ctx, ac, id.Mobile, "/v3/enrollment/request/otp", map[string]any{
			"txnId": "", "scope": []string{"abha-enrol"}, "loginHint": "aadhaar", "loginId": loginID, "otpSystem": "aadhaar"}, &txn)
		if err != nil {
			return "", err
		}
		otpValue, err := auth.EncryptOAEP(ac.pub, []byte(otp))
		if err != nil {
			return "", err
		}
		var enrol struct {
			TxnID string `json:"txnId"`
		}
		status, kind := ac.call(ctx, http.MethodPost, "/v3/enrollment/enrol/byAadhaar", map[string]any{
			"authData": map[string]any{"authMethods": []string{"otp"},
				"otp": map[string]string{"txnId": txn.TxnID, "otpValue": otpValue, "mobile": id.Mobile}},
			"consent": map[string]string{"code": "abha-enrollment", "version": "1.4"},
		}, &enrol)
		if status == http.StatusConflict {
			lastErr = errors.New("held as a probable duplicate")
			continue
		} else if kind != "" {
			return "", fmt.Errorf("enrol/byAadhaar: %s", kind)
		}
		var sugg struct {
			List []string `json:"abhaAddressList"`
		}
		if err := a.abdm(ctx, http.MethodGet, "/v3/enrollment/enrol/suggestion", map[string]string{"TRANSACTION_ID": enrol.TxnID}, nil, &sugg); err != nil {
			return "", err
		}
		if len(sugg.List) == 0 {
			return "", errors.New("no ABHA address suggested")
		}
		if err := a.abdm(ctx, http.MethodPost, "/v3/enrollment/enrol/abha-address", nil,
			map[string]any{"txnId": enrol.TxnID, "abhaAddress": sugg.List[0], "preferred": 1}, nil); err != nil {
			return "", err
		}
		address := sugg.List[0] + "@" + a.cmID
		enc, err := auth.EncryptOAEP(ac.pub, []byte(address))
		if err != nil {
			return "", err
		}
		scope := []string{"abha-login", "mobile-verify"}
		var login struct {
			TxnID string `json:"txnId"`
			Token string `json:"token"`
		}
		if otp, err = a.withOTP(ctx, ac, id.Mobile, "/v3/profile/login/request/otp", map[string]any{
			"scope": scope, "loginHint": "abha-address", "loginId": enc, "otpSystem": "abdm"}, &login); err != nil {
			return "", err
		}
		if otpValue, err = auth.EncryptOAEP(ac.pub, []byte(otp)); err != nil {
			return "", err
		}
		if _, kind := ac.call(ctx, http.MethodPost, "/v3/profile/login/verify", map[string]any{"scope": scope,
			"authData": map[string]any{"authMethods": []string{"otp"}, "otp": map[string]any{"txnId": login.TxnID, "otpValue": otpValue}}},
			&login); kind != "" || login.Token == "" {
			return "", fmt.Errorf("login/verify: %s", kind)
		}
		a.xtoken = login.Token
		return address, nil
	}
	return "", lastErr
}

// withOTP makes the ABHA call that sends an OTP to mobile and returns the
// OTP, read from the node's SMS.
func (a *approveLoad) withOTP(ctx context.Context, ac *abdmClient, mobile, path string, body, out any) (string, error) {
	otpc, done := ac.inbox.expect(mobile)
	defer done()
	if _, kind := ac.call(ctx, http.MethodPost, path, body, out); kind != "" {
		return "", fmt.Errorf("%s: %s", path, kind)
	}
	select {
	case otp := <-otpc:
		return otp, nil
	case <-time.After(otpWait):
		return "", fmt.Errorf("%s: no SMS came (is the node started with --sms-webhook http://127.0.0.1:9099/sms?)", path)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// abdm makes an ABHA call with the ABDM headers and extra ones.
func (a *approveLoad) abdm(ctx context.Context, method, path string, headers map[string]string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	setABDMHeaders(req, "")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// pinToken returns the person's temporary token for approving, verifying
// the PIN again when it is about to expire.
func (a *approveLoad) pinToken(ctx context.Context) (string, error) {
	a.pinMu.Lock()
	defer a.pinMu.Unlock()
	if a.pinTok != "" && time.Now().Before(a.pinRenew) {
		return a.pinTok, nil
	}
	var out struct {
		TemporaryToken string `json:"temporaryToken"`
	}
	if err := a.do(ctx, http.MethodPost, "/cm/patients/verify-pin", "Bearer "+a.xtoken,
		map[string]string{"pin": loadPIN, "scope": "consentrequest.approve"}, http.StatusOK, &out); err != nil {
		return "", fmt.Errorf("verifying the consent PIN: %w", err)
	}
	a.pinTok, a.pinRenew = out.TemporaryToken, time.Now().Add(pinRenew)
	return a.pinTok, nil
}

// link links the HIP's one care context to the person: discover, link
// init, link confirm. The tool answers the HIP's side (hipAnswer).
func (a *approveLoad) link(ctx context.Context) error {
	person := "Bearer " + a.xtoken
	var disc struct {
		TransactionID string `json:"transactionId"`
	}
	if err := a.do(ctx, http.MethodPost, "/cm/v1/care-contexts/discover", person, map[string]any{
		"requestId": uuid.NewString(), "hip": map[string]string{"id": a.hipID}, "unverifiedIdentifiers": []any{}}, http.StatusOK, &disc); err != nil {
		return err
	}
	var init struct {
		Link struct {
			ReferenceNumber string `json:"referenceNumber"`
		} `json:"link"`
	}
	if err := a.do(ctx, http.MethodPost, "/cm/v1/links/link/init", person, map[string]any{
		"requestId": uuid.NewString(), "transactionId": disc.TransactionID,
		"patient": map[string]any{"referenceNumber": loadPatientRef, "careContexts": []map[string]string{{"referenceNumber": loadCareCtx}}},
	}, http.StatusOK, &init); err != nil {
		return err
	}
	return a.do(ctx, http.MethodPost, "/cm/v1/links/link/confirm/"+url.PathEscape(init.Link.ReferenceNumber), person,
		map[string]string{"token": "123456"}, http.StatusOK, nil)
}

// hipAnswer plays the HIP bridge for discovery and linking: it accepts the
// gateway's message and answers it with the callback kind, from its own
// session, after the 202.
func (a *approveLoad) hipAnswer(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			RequestID     string `json:"requestId"`
			TransactionID string `json:"transactionId"`
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || json.Unmarshal(data, &m) != nil || m.RequestID == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		patient := map[string]any{"referenceNumber": loadPatientRef, "display": "Load Patient",
			"careContexts": []map[string]string{{"referenceNumber": loadCareCtx, "display": "OPD visit"}}}
		body := map[string]any{"requestId": uuid.NewString(), "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
			"resp": map[string]string{"requestId": m.RequestID}}
		switch kind {
		case "care-contexts/on-discover":
			patient["matchedBy"] = []string{"MOBILE"}
			body["transactionId"], body["patient"] = m.TransactionID, patient
		case "links/link/on-init":
			body["transactionId"] = m.TransactionID
			body["link"] = map[string]any{"referenceNumber": uuid.NewString(), "authenticationType": "DIRECT",
				"meta": map[string]string{"communicationMedium": "MOBILE", "communicationHint": "OTP",
					"communicationExpiry": time.Now().Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")}}
		case "links/link/on-confirm":
			body["patient"] = patient
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tok, err := a.hip.token(ctx)
			if err != nil {
				return
			}
			_ = a.doCM(ctx, "/gateway/v0.5/"+kind, "Bearer "+tok, body)
		}()
	}
}

// doCM sends a bridge's message to the gateway, expecting 202.
func (a *approveLoad) doCM(ctx context.Context, path, authz string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authz)
	req.Header.Set("X-CM-ID", a.cmID)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: %s", path, resp.Status)
	}
	return nil
}

// fillPool makes n consent requests for the person, 64 at a time.
func (a *approveLoad) fillPool(ctx context.Context, n int) error {
	a.pool = make(chan string, n)
	var (
		wg     sync.WaitGroup
		next   atomic.Int64
		failed atomic.Int64
	)
	for range min(64, n) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				r, id := a.consentInitID(ctx)
				if !r.OK || id == "" {
					if failed.Add(1) > 100 {
						return
					}
					next.Add(-1)
					continue
				}
				a.pool <- id
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(a.pool) < n {
		return fmt.Errorf("made %d of %d consent requests (%d failed)", len(a.pool), n, failed.Load())
	}
	return nil
}

var poolEmpty = opResult{Stop: true} // every request made is approved

// approve approves one consent request from the pool and waits for its
// two notices.
func (a *approveLoad) approve(ctx context.Context) opResult {
	var id string
	select {
	case id = <-a.pool:
	default:
		return poolEmpty
	}
	pin, err := a.pinToken(ctx)
	if err != nil {
		return opResult{Kind: "verify-pin"}
	}
	p := &approval{left: 2, done: make(chan struct{})}
	a.nmu.Lock()
	a.byRequest[id] = p // before sending: a notice may beat the answer
	a.nmu.Unlock()
	forget := func() {
		a.nmu.Lock()
		delete(a.byRequest, id)
		a.nmu.Unlock()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/cm/consent-requests/"+id+"/approve", bytes.NewReader(a.body))
	if err != nil {
		forget()
		return opResult{Kind: "request"}
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Authorization"] = []string{"Bearer " + a.xtoken}
	req.Header["X-Auth-Token"] = []string{pin}
	resp, err := a.hc.Do(req)
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
	if resp.StatusCode != http.StatusOK {
		forget()
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return opResult{Kind: strings.TrimSpace("approve " + strconv.Itoa(resp.StatusCode) + " " + e.Error.Code), Requests: 1}
	}
	a.approved.Add(1)
	t := time.NewTimer(callbackWait)
	defer t.Stop()
	select {
	case <-p.done:
		return opResult{OK: true, Requests: 1}
	case <-t.C:
		forget()
		return opResult{Kind: "notify timeout", Requests: 1}
	case <-ctx.Done():
		forget()
		return opResult{Kind: "cancelled", Requests: 1}
	}
}

// notice counts one of p's notices; under nmu.
func (a *approveLoad) notice(p *approval) {
	a.notices.Add(1)
	if p.left--; p.left == 0 {
		close(p.done)
	}
}

// onHIUNotify receives consents/hiu/notify: the request is GRANTED with
// these artefacts.
func (a *approveLoad) onHIUNotify(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Notification struct {
			ConsentRequestID string `json:"consentRequestId"`
			Status           string `json:"status"`
			Artefacts        []struct {
				ID string `json:"id"`
			} `json:"consentArtefacts"`
		} `json:"notification"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(data, &m) != nil || m.Notification.Status != "GRANTED" || len(m.Notification.Artefacts) == 0 {
		a.badCB.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	n := m.Notification
	a.nmu.Lock()
	if p := a.byRequest[n.ConsentRequestID]; p != nil {
		delete(a.byRequest, n.ConsentRequestID)
		for _, art := range n.Artefacts {
			if a.early[art.ID] {
				delete(a.early, art.ID)
				a.notice(p)
			} else {
				a.byArtefact[art.ID] = p
			}
		}
		a.notice(p)
	} else {
		a.unmatched.Add(1)
	}
	a.nmu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// onHIPNotify receives consents/hip/notify: the signed artefact.
func (a *approveLoad) onHIPNotify(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Notification struct {
			Status    string `json:"status"`
			ConsentID string `json:"consentId"`
			Signature string `json:"signature"`
		} `json:"notification"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(data, &m) != nil || m.Notification.Status != "GRANTED" || m.Notification.ConsentID == "" ||
		strings.Count(m.Notification.Signature, ".") != 2 {
		a.badCB.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := m.Notification.ConsentID
	a.nmu.Lock()
	if p := a.byArtefact[id]; p != nil {
		delete(a.byArtefact, id)
		a.notice(p)
	} else {
		a.early[id] = true // its HIU notice is still to come
	}
	a.nmu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}
