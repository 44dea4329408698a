package main

// The data flow on the HIU side (abdm-protocol.md §3.6; ndhm-hiu.yml
// health-information/cm/request, …/hiu/on-request, the data push to
// dataPushUrl).

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// hiRequest is a health-information request this HIU made, with the
// consent manager's answer, and the key and nonce that decrypt the
// records pushed for it.
type hiRequest struct {
	ConsentID     string    `json:"consentId"`
	DateRange     dateRange `json:"dateRange"`
	TransactionID string    `json:"transactionId,omitempty"`
	SessionStatus string    `json:"sessionStatus,omitempty"`
	Error         string    `json:"error,omitempty"`
	// NotifyStatus is the gateway's answer to this HIU's own
	// health-information/notify, sent once every page has come (§3.6
	// step 5); 0 until then.
	NotifyStatus int `json:"notifyStatus,omitempty"`
	key          *fideliusKey
	nonce        []byte
	pages        map[int]bool // page numbers received
	entries      []entry      // what they decrypted to, for the notify
}

// page is one data push as received (ciphertext only).
type page struct {
	PageNumber    int    `json:"pageNumber"`
	PageCount     int    `json:"pageCount"`
	TransactionID string `json:"transactionId"`
	Entries       []struct {
		Content              string `json:"content"`
		Link                 string `json:"link"`
		Media                string `json:"media"`
		Checksum             string `json:"checksum"`
		CareContextReference string `json:"careContextReference"`
	} `json:"entries"`
	KeyMaterial *keyMaterial `json:"keyMaterial"`
}

// entry is what the HIU made of one pushed entry. It holds no
// plaintext: only its SHA-256, its length and whether it decrypted.
type entry struct {
	PageNumber           int    `json:"pageNumber"`
	PageCount            int    `json:"pageCount"`
	CareContextReference string `json:"careContextReference"`
	Media                string `json:"media"`
	Decrypted            bool   `json:"decrypted"`
	SHA256               string `json:"sha256,omitempty"` // of the decrypted content
	Length               int    `json:"length"`
	// ChecksumMatches is whether checksum is the MD5 of the plaintext, hex
	// or base64. The spec's senders often send a placeholder (§3.6 step
	// 3), so it is reported, never required.
	ChecksumMatches bool   `json:"checksumMatches"`
	Error           string `json:"error,omitempty"`
}

// testHIRequest sends health-information/cm/request for an artefact, for
// the date range given or else the artefact's whole range, and answers
// with on-request's hiRequest.
func (u *hiu) testHIRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ConsentID string     `json:"consentId"`
		DateRange *dateRange `json:"dateRange"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	u.mu.Lock()
	a := u.artefacts[in.ConsentID]
	u.mu.Unlock()
	if a == nil || a.FetchError != "" {
		controlError(w, http.StatusNotFound, "no fetched artefact with that consentId")
		return
	}
	dr := a.dateRange
	if in.DateRange != nil {
		dr = *in.DateRange
	}
	km, key, nonce, err := newKeyMaterial(time.Now())
	if err != nil {
		controlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	req := &hiRequest{ConsentID: in.ConsentID, DateRange: dr, key: key, nonce: nonce}
	payload := map[string]any{"hiRequest": map[string]any{
		"consent":     map[string]string{"id": in.ConsentID},
		"dateRange":   map[string]string{"from": specbridge.Timestamp(dr.From), "to": specbridge.Timestamp(dr.To)},
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
	if e := strings.TrimSpace(string(out.Error)); e != "" && e != "null" {
		req.Error = e
	}
	u.mu.Lock()
	u.hiRequests = append(u.hiRequests, req)
	// Pages may come before on-request does: open those kept for it.
	if req.TransactionID != "" {
		for _, p := range u.unclaimed[req.TransactionID] {
			u.received(req, p)
		}
		delete(u.unclaimed, req.TransactionID)
	}
	u.mu.Unlock()
	if req.Error != "" {
		controlError(w, http.StatusBadGateway, "on-request: "+req.Error)
		return
	}
	specbridge.WriteJSON(w, http.StatusOK, out.HIRequest)
}

// dataPush takes a page the HIP pushes to dataPushUrl (§3.6 step 3) and
// decrypts its entries with the key of the request it answers.
func (u *hiu) dataPush(w http.ResponseWriter, r *http.Request) {
	var p page
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil || json.Unmarshal(body, &p) != nil || p.TransactionID == "" {
		controlError(w, http.StatusBadRequest, "the push is not a data push with a transactionId")
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.pushes++
	var req *hiRequest
	for _, q := range u.hiRequests {
		if q.TransactionID == p.TransactionID {
			req = q
		}
	}
	if req == nil {
		if len(u.unclaimed) >= 1000 {
			controlError(w, http.StatusNotFound, "no such transaction")
			return
		}
		u.unclaimed[p.TransactionID] = append(u.unclaimed[p.TransactionID], &p)
	} else {
		u.received(req, &p)
	}
	w.WriteHeader(http.StatusAccepted)
}

// received opens a page of the request's transfer; once every page has
// come, it tells the consent manager how each care context went
// (health-information/notify with notifier HIU, §3.6 step 5). u.mu is held.
func (u *hiu) received(req *hiRequest, p *page) {
	es := openPage(req, p)
	u.data[p.TransactionID] = append(u.data[p.TransactionID], es...)
	if req.pages == nil {
		req.pages = map[int]bool{}
	}
	req.pages[p.PageNumber] = true
	req.entries = append(req.entries, es...)
	if p.PageCount <= 0 || len(req.pages) != p.PageCount || req.NotifyStatus != 0 {
		return
	}
	req.NotifyStatus = -1 // being sent
	var responses []map[string]string
	status := "TRANSFERRED"
	for _, e := range req.entries {
		hi, why := "OK", "decrypted"
		if !e.Decrypted {
			hi, why, status = "ERRORED", "did not decrypt", "FAILED"
		}
		responses = append(responses, map[string]string{"careContextReference": e.CareContextReference, "hiStatus": hi, "description": why})
	}
	notice := map[string]any{"notification": map[string]any{
		"consentId":          req.ConsentID,
		"transactionId":      req.TransactionID,
		"doneAt":             specbridge.Timestamp(time.Now()),
		"notifier":           map[string]string{"type": "HIU", "id": u.id},
		"statusNotification": map[string]any{"sessionStatus": status, "hipId": u.hipOf(req.ConsentID), "statusResponses": responses},
	}}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := u.g.Send(ctx, specbridge.NewUUID(), "", "/v0.5/health-information/notify", "/data-flow/v3/health-information/notify", notice)
		if err != nil {
			st = -2
		}
		u.mu.Lock()
		req.NotifyStatus = st
		u.mu.Unlock()
	}()
}

// hipOf is the HIP of a fetched artefact. u.mu is held.
func (u *hiu) hipOf(consentID string) string {
	if a := u.artefacts[consentID]; a != nil {
		return a.HIPID
	}
	return ""
}

// openPage decrypts a page's entries with the request's key and nonce and
// the HIP's key material in the page (X.509 or raw key, §5.2).
func openPage(req *hiRequest, p *page) []entry {
	out := make([]entry, 0, len(p.Entries))
	var (
		hipKey   *point
		hipNonce []byte
		kmErr    string
	)
	switch {
	case p.KeyMaterial == nil || p.KeyMaterial.DHPublicKey.KeyValue == "":
		kmErr = "the page carries no keyMaterial: the content is not encrypted for this HIU"
	default:
		var err error
		if hipKey, err = parsePublicKey(p.KeyMaterial.DHPublicKey.KeyValue); err != nil {
			kmErr = "the HIP's key: " + err.Error()
		} else if hipNonce, err = base64.StdEncoding.DecodeString(p.KeyMaterial.Nonce); err != nil || len(hipNonce) < 20 {
			kmErr = "the HIP's nonce is not base64 of at least 20 bytes"
		}
	}
	for _, e := range p.Entries {
		x := entry{PageNumber: p.PageNumber, PageCount: p.PageCount, CareContextReference: e.CareContextReference, Media: e.Media}
		switch {
		case e.Link != "" && e.Content == "":
			x.Error = "a link entry: not fetched"
		case kmErr != "":
			x.Error = kmErr
		default:
			ct, err := base64.StdEncoding.DecodeString(e.Content)
			if err != nil {
				x.Error = "the content is not base64"
				break
			}
			plain, err := fideliusDecrypt(req.key, req.nonce, hipKey, hipNonce, ct)
			if err != nil {
				x.Error = err.Error()
				break
			}
			sum, md := sha256.Sum256(plain), md5.Sum(plain)
			x.Decrypted, x.SHA256, x.Length = true, hex.EncodeToString(sum[:]), len(plain)
			x.ChecksumMatches = strings.EqualFold(e.Checksum, hex.EncodeToString(md[:])) || e.Checksum == base64.StdEncoding.EncodeToString(md[:])
			clear(plain)
		}
		out = append(out, x)
	}
	return out
}

// testData answers GET /test/data?transactionId=: the entries received
// for a transaction, by hash and length only, never the records.
func (u *hiu) testData(w http.ResponseWriter, r *http.Request) {
	tx := r.URL.Query().Get("transactionId")
	u.mu.Lock()
	defer u.mu.Unlock()
	known := false
	for _, q := range u.hiRequests {
		known = known || (tx != "" && q.TransactionID == tx)
	}
	if !known {
		controlError(w, http.StatusNotFound, "no health-information request with that transactionId")
		return
	}
	entries := append([]entry{}, u.data[tx]...)
	specbridge.WriteJSON(w, http.StatusOK, map[string]any{"transactionId": tx, "entries": entries})
}

// state shows the test what the HIU has received: IDs and statuses only.
func (u *hiu) state(w http.ResponseWriter, _ *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	artefacts := make([]artefact, 0, len(u.artefacts))
	for _, a := range u.artefacts {
		artefacts = append(artefacts, *a)
	}
	entries, unclaimed := 0, 0
	for _, es := range u.data {
		entries += len(es)
	}
	for _, ps := range u.unclaimed {
		unclaimed += len(ps)
	}
	// unclaimedPages are pushes for a transaction this HIU never asked for
	// (or whose on-request has not come yet).
	specbridge.WriteJSON(w, http.StatusOK, map[string]any{"consentRequests": u.requests, "notices": u.notices,
		"artefacts": artefacts, "hiRequests": u.hiRequests, "pushes": u.pushes, "entries": entries, "unclaimedPages": unclaimed})
}
