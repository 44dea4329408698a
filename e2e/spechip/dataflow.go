package main

// Consents and the data flow on the HIP side (abdm-protocol.md §3.5 step
// 5, §3.6 steps 2–4; ndhm-hip.yml consents/hip/notify,
// health-information/hip/request).

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// consentDetail is what the HIP needs of an artefact to enforce it.
type consentDetail struct {
	ConsentID string `json:"consentId"`
	Patient   struct {
		ID string `json:"id"`
	} `json:"patient"`
	HIP struct {
		ID string `json:"id"`
	} `json:"hip"`
	CareContexts []struct {
		PatientReference     string `json:"patientReference"`
		CareContextReference string `json:"careContextReference"`
	} `json:"careContexts"`
	HITypes    []string `json:"hiTypes"`
	Permission struct {
		DateRange struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"dateRange"`
		DataEraseAt time.Time `json:"dataEraseAt"`
	} `json:"permission"`
}

// consent is an artefact the CM sent, with what became of it.
type consent struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"`
	SignatureValid bool     `json:"signatureValid"`
	AckStatus      int      `json:"ackStatus"`    // the gateway's answer to on-notify
	CareContexts   []string `json:"careContexts"` // the care context references the artefact covers
	detail         consentDetail
}

// transfer is one health-information request.
type transfer struct {
	TransactionID   string `json:"transactionId"`
	ConsentID       string `json:"consentId"`
	SessionStatus   string `json:"sessionStatus"` // ACKNOWLEDGED or ERRORED, as answered
	Refusal         string `json:"refusal,omitempty"`
	OnRequestStatus int    `json:"onRequestStatus"` // the gateway's answer to on-request
	NotifyStatus    int    `json:"notifyStatus"`    // the gateway's answer to notify (204 expected)
}

func (h *hip) consentNotify(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		Notification struct {
			Status        string          `json:"status"`
			ConsentID     string          `json:"consentId"`
			ConsentDetail json.RawMessage `json:"consentDetail"`
			Signature     string          `json:"signature"`
		} `json:"notification"`
	}
	_ = json.Unmarshal(m.Body, &req)
	n := req.Notification
	h.mu.Lock()
	c := h.consents[n.ConsentID]
	if c == nil && n.ConsentID != "" && n.Status == "GRANTED" {
		c = &consent{ID: n.ConsentID}
		if json.Unmarshal(n.ConsentDetail, &c.detail) == nil && c.detail.ConsentID == n.ConsentID {
			h.consents[n.ConsentID] = c
			for _, cc := range c.detail.CareContexts {
				c.CareContexts = append(c.CareContexts, cc.CareContextReference)
			}
		} else {
			c = nil
		}
	}
	if c != nil {
		c.Status = n.Status // GRANTED, or later REVOKED or EXPIRED
	}
	h.mu.Unlock()
	ack := "UNKNOWN" // a REVOKED or EXPIRED notice for an artefact never seen
	if c != nil {
		ack = "OK"
		if n.Status == "GRANTED" {
			err := h.g.VerifyArtefact(ctx, n.ConsentDetail, n.Signature)
			if err != nil {
				log.Printf("consents/hip/notify: the artefact's signature: %v", err)
			}
			h.mu.Lock()
			c.SignatureValid = err == nil
			h.mu.Unlock()
		}
	}
	st := h.g.Reply(ctx, m, "/v0.5/consents/hip/on-notify", "/consent/v3/request/hip/on-notify",
		map[string]any{"acknowledgement": map[string]string{"status": ack, "consentId": n.ConsentID}})
	if c != nil {
		h.mu.Lock()
		c.AckStatus = st
		h.mu.Unlock()
	}
}

func (h *hip) hiRequest(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		TransactionID string `json:"transactionId"`
		HIRequest     struct {
			Consent struct {
				ID string `json:"id"`
			} `json:"consent"`
			DateRange struct {
				From time.Time `json:"from"`
				To   time.Time `json:"to"`
			} `json:"dateRange"`
			DataPushURL string          `json:"dataPushUrl"`
			KeyMaterial json.RawMessage `json:"keyMaterial"`
		} `json:"hiRequest"`
	}
	_ = json.Unmarshal(m.Body, &req)
	hr := req.HIRequest
	h.mu.Lock()
	c := h.consents[hr.Consent.ID]
	var detail consentDetail
	status := ""
	if c != nil {
		detail, status = c.detail, c.Status
	}
	h.mu.Unlock()

	// The HIP enforces the artefact itself (§3.6 step 2).
	refusal := ""
	switch perm := detail.Permission; {
	case req.TransactionID == "":
		refusal = "the request has no transactionId"
	case c == nil:
		refusal = "this HIP has no such consent"
	case status != "GRANTED":
		refusal = "the consent is " + status
	case detail.HIP.ID != h.id:
		refusal = "the consent is for another HIP"
	case !time.Now().Before(perm.DataEraseAt):
		refusal = "the consent has expired"
	case hr.DateRange.From.Before(perm.DateRange.From) || hr.DateRange.To.After(perm.DateRange.To) || hr.DateRange.To.Before(hr.DateRange.From):
		refusal = "the date range is outside the consent"
	case hr.DataPushURL == "" || len(hr.KeyMaterial) == 0:
		refusal = "the request needs dataPushUrl and keyMaterial"
	}
	t := &transfer{TransactionID: req.TransactionID, ConsentID: hr.Consent.ID, SessionStatus: "ACKNOWLEDGED", Refusal: refusal}
	payload := map[string]any{"hiRequest": map[string]string{"transactionId": req.TransactionID, "sessionStatus": "ACKNOWLEDGED"}}
	if refusal != "" {
		t.SessionStatus = "ERRORED"
		payload = map[string]any{"hiRequest": map[string]string{"transactionId": req.TransactionID, "sessionStatus": "ERRORED"},
			"error": specbridge.ErrorBody(m.Version, refusal)}
	}
	h.mu.Lock()
	h.transfers = append(h.transfers, t)
	h.mu.Unlock()
	st := h.g.Reply(ctx, m, "/v0.5/health-information/hip/on-request", "/data-flow/v3/health-information/hip/on-request", payload)
	h.mu.Lock()
	t.OnRequestStatus = st
	h.mu.Unlock()
	if refusal != "" {
		return
	}

	// The records would now go, encrypted, to dataPushUrl (§3.6 step 3).
	// This bridge does not implement Fidelius (a later issue), and an
	// unencrypted push would teach HIUs to accept one, so nothing is
	// pushed: it reports the transfer as a HIP would after a push, which
	// is what the consent manager tracks.
	responses := make([]map[string]string, len(detail.CareContexts))
	for i, cc := range detail.CareContexts {
		responses[i] = map[string]string{"careContextReference": cc.CareContextReference, "hiStatus": "DELIVERED",
			"description": "stand-in HIP: no records pushed"}
	}
	notice := map[string]any{"notification": map[string]any{
		"consentId":          hr.Consent.ID,
		"transactionId":      req.TransactionID,
		"doneAt":             specbridge.Timestamp(time.Now()),
		"notifier":           map[string]string{"type": "HIP", "id": h.id},
		"statusNotification": map[string]any{"sessionStatus": "TRANSFERRED", "hipId": h.id, "statusResponses": responses},
	}}
	st, err := h.g.Send(ctx, specbridge.NewUUID(), "", "/v0.5/health-information/notify", "/data-flow/v3/health-information/notify", notice)
	if err != nil || st != http.StatusNoContent {
		log.Printf("health-information/notify: the gateway answered %d (%v)", st, err)
	}
	h.mu.Lock()
	t.NotifyStatus = st
	h.mu.Unlock()
}
