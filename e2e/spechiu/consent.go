package main

// Consent on the HIU side (abdm-protocol.md §3.5; ndhm-hiu.yml
// consent-requests/init, consents/hiu/notify, consents/fetch).

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"slices"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// purposes are the purposes of use with the text the v3 spec fixes (§4).
var purposes = map[string]string{
	"CAREMGT": "Care Management",
	"BTG":     "Break the Glass",
	"PUBHLTH": "Public Health",
	"HPAYMT":  "Healthcare Payment",
	"DSRCH":   "Disease Specific Healthcare Research",
	"PATRQT":  "Self Requested",
}

// consentRequest is a consent request this HIU made.
type consentRequest struct {
	ID     string `json:"id"`
	Status string `json:"status"` // REQUESTED until a notice says otherwise
}

// notice is a consents/hiu/notify received, with the gateway's answer to
// this HIU's on-notify.
type notice struct {
	ConsentRequestID string   `json:"consentRequestId"`
	Status           string   `json:"status"`
	ArtefactIDs      []string `json:"artefactIds"`
	AckStatus        int      `json:"ackStatus"`
}

// artefact is a consent artefact as fetched.
type artefact struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"`
	HIPID          string   `json:"hipId,omitempty"`
	HITypes        []string `json:"hiTypes,omitempty"`
	CareContexts   int      `json:"careContexts"`
	SignatureValid bool     `json:"signatureValid"`
	FetchError     string   `json:"fetchError,omitempty"`
	dateRange      dateRange
}

type dateRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// testConsentRequest sends consent-requests/init and answers with the ID
// from on-init.
func (u *hiu) testConsentRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Patient     string    `json:"patient"` // the person's ABHA address
		HIPID       string    `json:"hipId"`
		Purpose     string    `json:"purpose"`
		HITypes     []string  `json:"hiTypes"`
		DateRange   dateRange `json:"dateRange"`
		DataEraseAt time.Time `json:"dataEraseAt"`
		Frequency   *struct {
			Unit    string `json:"unit"`
			Value   int    `json:"value"`
			Repeats int    `json:"repeats"`
		} `json:"frequency"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Patient == "" || purposes[in.Purpose] == "" {
		controlError(w, http.StatusBadRequest, "need patient, a known purpose, hiTypes, dateRange and dataEraseAt")
		return
	}
	frequency := map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}
	if f := in.Frequency; f != nil {
		frequency = map[string]any{"unit": f.Unit, "value": f.Value, "repeats": f.Repeats}
	}
	c := map[string]any{
		"purpose":   map[string]string{"code": in.Purpose, "text": purposes[in.Purpose]},
		"patient":   map[string]string{"id": in.Patient},
		"hiu":       map[string]string{"id": u.id},
		"requester": map[string]any{"name": "Dr. Meera Iyer", "identifier": map[string]string{"type": "REGNO", "value": "MH-2011-04417", "system": "https://www.nmc.org.in"}},
		"hiTypes":   in.HITypes,
		"permission": map[string]any{
			"accessMode":  "VIEW",
			"dateRange":   map[string]string{"from": specbridge.Timestamp(in.DateRange.From), "to": specbridge.Timestamp(in.DateRange.To)},
			"dataEraseAt": specbridge.Timestamp(in.DataEraseAt),
			"frequency":   frequency,
		},
	}
	if in.HIPID != "" {
		c["hip"] = map[string]string{"id": in.HIPID}
	}
	var out struct {
		ConsentRequest struct {
			ID string `json:"id"`
		} `json:"consentRequest"`
		Error json.RawMessage `json:"error"`
	}
	if !u.ask(r.Context(), w, "/v0.5/consent-requests/init", "/consent/v3/request/init", map[string]any{"consent": c}, &out) {
		return
	}
	if out.Error != nil || out.ConsentRequest.ID == "" {
		controlError(w, http.StatusBadGateway, "on-init: "+string(out.Error))
		return
	}
	u.mu.Lock()
	u.requests = append(u.requests, &consentRequest{ID: out.ConsentRequest.ID, Status: "REQUESTED"})
	u.mu.Unlock()
	specbridge.WriteJSON(w, http.StatusOK, map[string]string{"consentRequestId": out.ConsentRequest.ID})
}

// ask sends a request to the gateway and decodes the callback answering
// it into out; on failure it answers the control call and reports false.
func (u *hiu) ask(ctx context.Context, w http.ResponseWriter, p05, p3 string, payload map[string]any, out any) bool {
	m, err := u.g.Ask(ctx, specbridge.Call{P05: p05, P3: p3, Payload: payload})
	if err != nil {
		status := http.StatusGatewayTimeout
		if errors.As(err, new(*specbridge.RefusedError)) {
			status = http.StatusBadGateway
		}
		controlError(w, status, p05+": "+err.Error())
		return false
	}
	if err := json.Unmarshal(m.Body, out); err != nil {
		controlError(w, http.StatusBadGateway, p05+": the callback is not the expected JSON")
		return false
	}
	return true
}

// consentNotify takes consents/hiu/notify: it acknowledges, and for a
// grant fetches every artefact named.
func (u *hiu) consentNotify(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		Notification struct {
			ConsentRequestID string `json:"consentRequestId"`
			Status           string `json:"status"`
			ConsentArtefacts []struct {
				ID string `json:"id"`
			} `json:"consentArtefacts"`
		} `json:"notification"`
	}
	_ = json.Unmarshal(m.Body, &req)
	n := &notice{ConsentRequestID: req.Notification.ConsentRequestID, Status: req.Notification.Status, ArtefactIDs: []string{}}
	acks := []map[string]string{}
	for _, a := range req.Notification.ConsentArtefacts {
		n.ArtefactIDs = append(n.ArtefactIDs, a.ID)
		acks = append(acks, map[string]string{"status": "OK", "consentId": a.ID})
	}
	u.mu.Lock()
	u.notices = append(u.notices, n)
	for _, c := range u.requests {
		if c.ID == n.ConsentRequestID && (n.Status == "GRANTED" || n.Status == "DENIED") {
			c.Status = n.Status
		}
	}
	for _, a := range u.artefacts {
		if slices.Contains(n.ArtefactIDs, a.ID) && (n.Status == "REVOKED" || n.Status == "EXPIRED") {
			a.Status = n.Status
		}
	}
	u.mu.Unlock()
	// ndhm-hiu.yml's on-notify acknowledges each artefact (an array).
	st := u.g.Reply(ctx, m, "/v0.5/consents/hiu/on-notify", "/consent/v3/request/hiu/on-notify", map[string]any{"acknowledgement": acks})
	u.mu.Lock()
	n.AckStatus = st
	u.mu.Unlock()
	if n.Status == "GRANTED" {
		for _, id := range n.ArtefactIDs {
			u.fetch(ctx, id)
		}
	}
}

// fetch asks for an artefact (consents/fetch), checks its signature and
// keeps what the data request needs.
func (u *hiu) fetch(ctx context.Context, id string) {
	a := &artefact{ID: id}
	defer func() {
		if a.FetchError != "" {
			log.Printf("consents/fetch: %s", a.FetchError)
		}
		u.mu.Lock()
		u.artefacts[id] = a
		u.mu.Unlock()
	}()
	m, err := u.g.Ask(ctx, specbridge.Call{P05: "/v0.5/consents/fetch", P3: "/consent/v3/fetch", Payload: map[string]any{"consentId": id}})
	if err != nil {
		a.FetchError = err.Error()
		return
	}
	var out struct {
		Consent struct {
			Status        string          `json:"status"`
			ConsentDetail json.RawMessage `json:"consentDetail"`
			Signature     string          `json:"signature"`
		} `json:"consent"`
		Error json.RawMessage `json:"error"`
	}
	var d struct {
		ConsentID string `json:"consentId"`
		HIP       struct {
			ID string `json:"id"`
		} `json:"hip"`
		HITypes      []string          `json:"hiTypes"`
		CareContexts []json.RawMessage `json:"careContexts"`
		Permission   struct {
			DateRange dateRange `json:"dateRange"`
		} `json:"permission"`
	}
	if err := json.Unmarshal(m.Body, &out); err != nil || out.Error != nil || json.Unmarshal(out.Consent.ConsentDetail, &d) != nil || d.ConsentID != id {
		a.FetchError = "on-fetch carried no artefact with this id: " + string(out.Error)
		return
	}
	a.Status, a.HIPID, a.HITypes, a.CareContexts, a.dateRange = out.Consent.Status, d.HIP.ID, d.HITypes, len(d.CareContexts), d.Permission.DateRange
	if err := u.g.VerifyArtefact(ctx, out.Consent.ConsentDetail, out.Consent.Signature); err != nil {
		log.Printf("consents/on-fetch: the artefact's signature: %v", err)
	} else {
		a.SignatureValid = true
	}
}

// controlError answers a control call: {"error": message}.
func controlError(w http.ResponseWriter, status int, message string) {
	specbridge.WriteJSON(w, status, map[string]string{"error": message})
}
