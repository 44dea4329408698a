package main

// The data flow on the HIU side (abdm-protocol.md §3.6 step 1;
// ndhm-hiu.yml health-information/cm/request, …/hiu/on-request).

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// hiRequest is a health-information request this HIU made, with the
// consent manager's answer. The key would decrypt the pushed records.
type hiRequest struct {
	ConsentID     string `json:"consentId"`
	TransactionID string `json:"transactionId,omitempty"`
	SessionStatus string `json:"sessionStatus,omitempty"`
	Error         string `json:"error,omitempty"`
	key           *ecdh.PrivateKey
	nonce         []byte
}

// testHIRequest sends health-information/cm/request for an artefact's
// whole date range and answers with on-request's hiRequest.
func (u *hiu) testHIRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ConsentID string `json:"consentId"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	u.mu.Lock()
	a := u.artefacts[in.ConsentID]
	u.mu.Unlock()
	if a == nil || a.FetchError != "" {
		controlError(w, http.StatusNotFound, "no fetched artefact with that consentId")
		return
	}
	km, key, nonce, err := newKeyMaterial(time.Now())
	if err != nil {
		controlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	req := &hiRequest{ConsentID: in.ConsentID, key: key, nonce: nonce}
	payload := map[string]any{"hiRequest": map[string]any{
		"consent":     map[string]string{"id": in.ConsentID},
		"dateRange":   map[string]string{"from": specbridge.Timestamp(a.dateRange.From), "to": specbridge.Timestamp(a.dateRange.To)},
		"dataPushUrl": u.self + "/data/push",
		"keyMaterial": km,
	}}
	var out struct {
		HIRequest struct {
			TransactionID string `json:"transactionId"`
			SessionStatus string `json:"sessionStatus"`
		} `json:"hiRequest"`
		Error json.RawMessage `json:"error"`
	}
	if !u.ask(r.Context(), w, "/v0.5/health-information/cm/request", "/data-flow/v3/health-information/request", payload, &out) {
		return
	}
	req.TransactionID, req.SessionStatus = out.HIRequest.TransactionID, out.HIRequest.SessionStatus
	if out.Error != nil {
		req.Error = string(out.Error)
	}
	u.mu.Lock()
	u.hiRequests = append(u.hiRequests, req)
	u.mu.Unlock()
	if req.Error != "" {
		controlError(w, http.StatusBadGateway, "on-request: "+req.Error)
		return
	}
	specbridge.WriteJSON(w, http.StatusOK, out.HIRequest)
}

// newKeyMaterial makes the HIU's key material (§5): a Curve25519 key pair
// and a 32-byte nonce. Fidelius works on the short-Weierstrass form of
// the curve and sends the public key as an uncompressed point 0x04‖X‖Y
// (65 bytes, 88 base64 characters, §5.2). The pair is made with X25519,
// whose clamped scalar is a valid Fidelius private key, and its
// Montgomery u is mapped to Weierstrass (x = u + A/3, y = v, §5.1).
func newKeyMaterial(now time.Time) (map[string]any, *ecdh.PrivateKey, []byte, error) {
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	le := key.PublicKey().Bytes() // u, little-endian
	be := make([]byte, len(le))
	for i, b := range le {
		be[len(le)-1-i] = b
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	A := big.NewInt(486662)
	u := new(big.Int).SetBytes(be)
	// v² = u³ + A·u² + u on the Montgomery curve (B = 1).
	v2 := new(big.Int).Mul(u, u)
	v2.Mul(v2, new(big.Int).Add(u, A)).Add(v2, u).Mod(v2, p)
	v := new(big.Int).ModSqrt(v2, p)
	if v == nil {
		return nil, nil, nil, errNotOnCurve
	}
	third := new(big.Int).ModInverse(big.NewInt(3), p)
	x := new(big.Int).Mul(A, third)
	x.Add(x, u).Mod(x, p)
	point := slices.Concat([]byte{4}, x.FillBytes(make([]byte, 32)), v.FillBytes(make([]byte, 32)))
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, nil, err
	}
	km := map[string]any{
		"cryptoAlg": "ECDH",
		"curve":     "Curve25519",
		"dhPublicKey": map[string]string{
			"expiry":     specbridge.Timestamp(now.Add(time.Hour)),
			"parameters": "Curve25519/32byte random key",
			"keyValue":   base64.StdEncoding.EncodeToString(point),
		},
		"nonce": base64.StdEncoding.EncodeToString(nonce),
	}
	return km, key, nonce, nil
}

// state shows the test what the HIU has received: IDs and statuses only.
func (u *hiu) state(w http.ResponseWriter, _ *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	artefacts := make([]artefact, 0, len(u.artefacts))
	for _, a := range u.artefacts {
		artefacts = append(artefacts, *a)
	}
	specbridge.WriteJSON(w, http.StatusOK, map[string]any{"consentRequests": u.requests, "notices": u.notices,
		"artefacts": artefacts, "hiRequests": u.hiRequests, "pushes": u.pushes})
}

var errNotOnCurve = errors.New("the X25519 public key is not on the curve")
