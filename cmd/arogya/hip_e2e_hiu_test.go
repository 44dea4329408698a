package main

// A small HIU for TestHIPEndToEnd: a bridge at the gateway, written from
// the v0.5 spec, that requests consent, asks for data with Fidelius key
// material and keeps the pages the HIP pushes to its dataPushUrl.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/fidelius"
)

// testHIU is the HIU bridge: its callbacks and data pushes, as received.
type testHIU struct {
	t        testing.TB
	base, id string
	token    string
	srv      *httptest.Server

	repeats int // the consent's frequency: requests allowed an hour, beyond the first

	mu        sync.Mutex
	callbacks map[string]json.RawMessage // by resp.requestId
	pushes    []hiuPush
}

// hiuPush is one data push as it arrived.
type hiuPush struct {
	PageNumber    int    `json:"pageNumber"`
	PageCount     int    `json:"pageCount"`
	TransactionID string `json:"transactionId"`
	Entries       []struct {
		Content              string `json:"content"`
		Media                string `json:"media"`
		Checksum             string `json:"checksum"`
		CareContextReference string `json:"careContextReference"`
	} `json:"entries"`
	KeyMaterial   fidelius.KeyMaterial `json:"keyMaterial"`
	Authorization string               `json:"-"`
}

// newTestHIU creates the HIU's bridge with the operator token, opens a
// session, sets its callback URL and registers hiuID as its HIU service.
func newTestHIU(t testing.TB, base string, op map[string]string, hiuID string) *testHIU {
	t.Helper()
	h := &testHIU{t: t, base: base, id: hiuID, callbacks: map[string]json.RawMessage{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	var creds struct{ ClientID, ClientSecret string }
	jsonCall(t, "POST", base+"/api/v1/admin/bridges", op, map[string]string{"id": "test-hiu", "name": "Test HIU bridge"}, 201, &creds)
	var s struct{ AccessToken string }
	jsonCall(t, "POST", base+"/gateway/v0.5/sessions", nil, map[string]string{"clientId": creds.ClientID, "clientSecret": creds.ClientSecret,
		"grantType": "client_credentials"}, 200, &s)
	h.token = s.AccessToken
	auth := map[string]string{"Authorization": "Bearer " + h.token, "X-CM-ID": "sbx"}
	if st, b := jsonDo(t, "PATCH", base+"/gateway/v1/bridges", auth, map[string]string{"url": h.srv.URL}); st/100 != 2 {
		t.Fatalf("HIU: setting the callback URL: %d %s", st, b)
	}
	if st, b := jsonDo(t, "POST", base+"/gateway/v1/bridges/addUpdateServices", auth,
		[]map[string]any{{"id": hiuID, "name": "Test Review Clinic", "type": "HIU", "active": true}}); st/100 != 2 {
		t.Fatalf("HIU: registering the service: %d %s", st, b)
	}
	return h
}

func (h *testHIU) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if r.URL.Path == "/data/push" {
		var p hiuPush
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad push", http.StatusBadRequest)
			return
		}
		p.Authorization = r.Header.Get("Authorization")
		h.mu.Lock()
		h.pushes = append(h.pushes, p)
		h.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var m struct {
		Resp struct {
			RequestID string `json:"requestId"`
		} `json:"resp"`
	}
	_ = json.Unmarshal(body, &m)
	if m.Resp.RequestID != "" {
		h.mu.Lock()
		h.callbacks[m.Resp.RequestID] = body
		h.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

// ask sends a v0.5 message to the gateway and waits for the callback
// answering it.
func (h *testHIU) ask(path string, payload map[string]any, out any) {
	h.t.Helper()
	id := uuid.NewString()
	payload["requestId"], payload["timestamp"] = id, time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	b, _ := json.Marshal(payload)
	req, _ := http.NewRequest("POST", h.base+"/gateway/v0.5/"+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("X-CM-ID", "sbx")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("HIU %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		h.t.Fatalf("HIU %s: HTTP %d", path, resp.StatusCode)
	}
	var got json.RawMessage
	waitFor(h.t, "the answer to "+path, func() string {
		h.mu.Lock()
		defer h.mu.Unlock()
		if got = h.callbacks[id]; got == nil {
			return "no callback yet"
		}
		return ""
	})
	if err := json.Unmarshal(got, out); err != nil {
		h.t.Fatalf("HIU %s: the callback: %v", path, err)
	}
}

// requestConsent asks the person for consent; it returns the request's ID.
func (h *testHIU) requestConsent(patient, hipID string, hiTypes []string, from, to, eraseAt string) string {
	h.t.Helper()
	var out struct {
		ConsentRequest struct{ ID string } `json:"consentRequest"`
		Error          json.RawMessage     `json:"error"`
	}
	h.ask("consent-requests/init", map[string]any{"consent": map[string]any{
		"purpose":   map[string]string{"code": "CAREMGT", "text": "Care Management"},
		"patient":   map[string]string{"id": patient},
		"hip":       map[string]string{"id": hipID},
		"hiu":       map[string]string{"id": h.id},
		"requester": map[string]any{"name": "Dr. Meera Iyer", "identifier": map[string]string{"type": "REGNO", "value": "MH-2011-04417", "system": "https://www.nmc.org.in"}},
		"hiTypes":   hiTypes,
		"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": from, "to": to}, "dataEraseAt": eraseAt,
			"frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": h.repeats}},
	}}, &out)
	if out.ConsentRequest.ID == "" {
		h.t.Fatalf("consent-requests/on-init: %s", out.Error)
	}
	return out.ConsentRequest.ID
}

// hiRequest asks for the data of an artefact with fresh Fidelius key
// material; it returns the transaction, the key and nonce that decrypt
// the pushes, and the error the gateway answered, if any.
func (h *testHIU) hiRequest(consentID, from, to string) (string, *fidelius.PrivateKey, []byte, string) {
	h.t.Helper()
	key, err := fidelius.GenerateKey(rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	nonce, err := fidelius.NewNonce(rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	km, err := fidelius.NewKeyMaterial(key.Public(), fidelius.RawKey, nonce, time.Now().Add(time.Hour))
	if err != nil {
		h.t.Fatal(err)
	}
	var out struct {
		HIRequest struct{ TransactionID, SessionStatus string } `json:"hiRequest"`
		Error     json.RawMessage                               `json:"error"`
	}
	h.ask("health-information/cm/request", map[string]any{"hiRequest": map[string]any{
		"consent": map[string]string{"id": consentID}, "dateRange": map[string]string{"from": from, "to": to},
		"dataPushUrl": h.srv.URL + "/data/push", "keyMaterial": km}}, &out)
	if e := strings.TrimSpace(string(out.Error)); e != "" && e != "null" {
		return "", nil, nil, e
	}
	return out.HIRequest.TransactionID, key, nonce, ""
}

// pages returns the pushes of a transaction.
func (h *testHIU) pages(tx string) []hiuPush {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hiuPush
	for _, p := range h.pushes {
		if p.TransactionID == tx {
			out = append(out, p)
		}
	}
	return out
}

// decrypt opens a pushed entry with the HIU's key and nonce and the HIP's
// key material.
func decrypt(t testing.TB, key *fidelius.PrivateKey, nonce []byte, p hiuPush, content string) []byte {
	t.Helper()
	hipKey, hipNonce, err := p.KeyMaterial.Parse()
	if err != nil {
		t.Fatalf("the push's keyMaterial: %v", err)
	}
	ct, err := decodeStd(content)
	if err != nil {
		t.Fatalf("the entry's content is not base64: %v", err)
	}
	plain, err := fidelius.Decrypt(key, nonce, hipKey, hipNonce, ct)
	if err != nil {
		t.Fatalf("decrypting page %d: %v", p.PageNumber, err)
	}
	return plain
}

func decodeStd(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
