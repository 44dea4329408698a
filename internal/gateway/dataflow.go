package gateway

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The data flow (abdm-protocol.md §3.6). The HIU asks the CM for data under
// an artefact; the CM checks the request against the consent before any
// HIP is asked, then tracks the transfer from the HIP's and HIU's notices.
// Records go from HIP to HIU directly, encrypted; the CM never sees them.

type hiRequestBody struct {
	HIRequest *struct {
		Consent *struct {
			ID string `json:"id"`
		} `json:"consent"`
		DateRange *struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"dateRange"`
		DataPushURL string          `json:"dataPushUrl"`
		KeyMaterial json.RawMessage `json:"keyMaterial"`
	} `json:"hiRequest"`
}

// healthInfoRequest takes health-information/cm/request from an HIU.
// Malformed requests are refused at once (400); a well-formed request that
// the consent does not allow is answered on-request with an ABDM error and
// audited, and the HIP is never asked.
func (s *Service) healthInfoRequest(ctx context.Context, m *message) (Effects, error) {
	var b hiRequestBody
	if err := json.Unmarshal(m.Body, &b); err != nil || b.HIRequest == nil || b.HIRequest.Consent == nil || !protocol.IsUUID(b.HIRequest.Consent.ID) {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hiRequest.consent.id must be a consent artefact id")
	}
	hr := b.HIRequest
	switch {
	case hr.DateRange == nil || hr.DateRange.From.IsZero() || hr.DateRange.To.IsZero() || hr.DateRange.To.Before(hr.DateRange.From):
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hiRequest.dateRange needs from and to, from first")
	case !httpURL(hr.DataPushURL):
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hiRequest.dataPushUrl must be an http(s) URL")
	case len(hr.KeyMaterial) == 0 || string(hr.KeyMaterial) == "null":
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hiRequest.keyMaterial is required")
	}
	now := s.now()
	a, refusal, err := s.checkHIRequest(ctx, m.Bridge, hr.Consent.ID, hr.DateRange.From, hr.DateRange.To, now)
	if err != nil {
		return Effects{}, err
	}
	if refusal != "" {
		_ = s.audit.Record(ctx, audit.Event{Actor: "bridge:" + m.Bridge.ID, Action: "consent.data-request",
			Subject: "consent-artefact:" + hr.Consent.ID, Outcome: arogya.EFORBIDDEN, Detail: refusal})
		target := s.askingHIU(ctx, m)
		if a != nil {
			target = a.HIUID
		}
		out, err := s.callback(m.Bridge, "health-information/cm/on-request", target, m.Env.RequestID,
			map[string]any{"error": map[string]any{"code": "ABDM-1428", "message": refusal}})
		if err != nil {
			return Effects{}, err
		}
		return Effects{Outbound: []*Outbound{out}}, nil
	}
	svc, err := s.store.Service(ctx, a.HIPID)
	if err != nil {
		return Effects{}, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1021", "the artefact's HIP is no longer connected to the exchange")
	}
	hipBridge, err := s.store.Bridge(ctx, svc.BridgeID)
	if err != nil {
		return Effects{}, err
	}
	tx := uuid.NewString()
	flow := &consent.Flow{TransactionID: tx, ArtefactID: a.ID, HIPID: a.HIPID, HIUID: a.HIUID, BridgeID: m.Bridge.ID,
		From: hr.DateRange.From.UTC(), To: hr.DateRange.To.UTC(), Status: consent.FlowRequested, RequestedAt: now}
	toHIU, err := s.callback(m.Bridge, "health-information/cm/on-request", a.HIUID, m.Env.RequestID,
		map[string]any{"hiRequest": map[string]any{"transactionId": tx, "sessionStatus": consent.FlowRequested}})
	if err != nil {
		return Effects{}, err
	}
	toHIP, err := s.callback(hipBridge, "health-information/hip/request", a.HIPID, "", map[string]any{
		"transactionId": tx,
		"hiRequest": map[string]any{"consent": map[string]string{"id": a.ID},
			"dateRange":   map[string]string{"from": protocol.FormatTimestamp(flow.From), "to": protocol.FormatTimestamp(flow.To)},
			"dataPushUrl": hr.DataPushURL, "keyMaterial": hr.KeyMaterial},
	})
	if err != nil {
		return Effects{}, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: "bridge:" + m.Bridge.ID, Action: "consent.data-request",
		Subject: "consent-artefact:" + a.ID, Outcome: "ok", Detail: "transaction " + tx})
	return Effects{Flows: []*consent.Flow{flow}, Outbound: []*Outbound{toHIU, toHIP}}, nil
}

// checkHIRequest returns the artefact and, if the consent does not allow
// the request, why (short, no personal data).
func (s *Service) checkHIRequest(ctx context.Context, b *Bridge, artefactID string, from, to, now time.Time) (*consent.Artefact, string, error) {
	a, err := s.person.Artefact(ctx, artefactID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && a.BridgeID != b.ID) {
		return nil, "no consent artefact with that id was granted to this HIU", nil
	} else if err != nil {
		return nil, "", err
	}
	if a.Status != consent.StatusGranted {
		return a, "the consent is " + a.Status, nil
	}
	if !now.Before(a.EraseAt) {
		return a, "the consent has expired", nil
	}
	perm, _, err := consent.DetailPermission(a.Detail)
	if err != nil {
		return nil, "", err
	}
	if from.Before(perm.DateRange.From) || to.After(perm.DateRange.To) {
		return a, "the date range is outside the consent", nil
	}
	n, err := s.person.FlowsSince(ctx, a.ID, now.Add(-perm.Frequency.Window()))
	if err != nil {
		return nil, "", err
	}
	if n >= perm.Frequency.Allowed() {
		return a, "the consent's frequency allows no more requests now", nil
	}
	return a, "", nil
}

// hipOnRequest takes health-information/hip/on-request: the HIP
// acknowledges (or refuses) the request.
func (s *Service) hipOnRequest(ctx context.Context, m *message) (Effects, error) {
	var b struct {
		HIRequest *struct {
			TransactionID string `json:"transactionId"`
			SessionStatus string `json:"sessionStatus"`
		} `json:"hiRequest"`
		Error *json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(m.Body, &b); err != nil || b.HIRequest == nil || !protocol.IsUUID(b.HIRequest.TransactionID) {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hiRequest.transactionId must be a transaction id")
	}
	f, err := s.ownFlow(ctx, m.Bridge, b.HIRequest.TransactionID, TypeHIP)
	if err != nil {
		return Effects{}, err
	}
	to := consent.FlowAcknowledged
	if b.Error != nil || b.HIRequest.SessionStatus == "ERRORED" || b.HIRequest.SessionStatus == consent.FlowFailed {
		to = consent.FlowFailed
	}
	return Effects{FlowUpdates: []consent.FlowUpdate{{TransactionID: f.TransactionID, From: []string{consent.FlowRequested}, To: to, At: s.now()}}}, nil
}

// hiNotify takes health-information/notify from the HIP (the push is done
// or failed) or the HIU (received and decrypted, or not).
func (s *Service) hiNotify(ctx context.Context, m *message) (Effects, error) {
	var b struct {
		Notification *struct {
			TransactionID string `json:"transactionId"`
			Notifier      struct {
				Type string `json:"type"`
			} `json:"notifier"`
			StatusNotification struct {
				SessionStatus string `json:"sessionStatus"`
			} `json:"statusNotification"`
		} `json:"notification"`
	}
	if err := json.Unmarshal(m.Body, &b); err != nil || b.Notification == nil || !protocol.IsUUID(b.Notification.TransactionID) {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "notification.transactionId must be a transaction id")
	}
	n := b.Notification
	if n.Notifier.Type != TypeHIP && n.Notifier.Type != TypeHIU {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "notification.notifier.type must be HIP or HIU")
	}
	status := n.StatusNotification.SessionStatus
	if status != consent.FlowTransferred && status != consent.FlowFailed {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "notification.statusNotification.sessionStatus must be TRANSFERRED or FAILED")
	}
	f, err := s.ownFlow(ctx, m.Bridge, n.TransactionID, n.Notifier.Type)
	if err != nil {
		return Effects{}, err
	}
	from := []string{consent.FlowRequested, consent.FlowAcknowledged}
	if n.Notifier.Type == TypeHIU && status == consent.FlowFailed {
		from = append(from, consent.FlowTransferred) // the HIU could not use what arrived
	}
	return Effects{FlowUpdates: []consent.FlowUpdate{{TransactionID: f.TransactionID, From: from, To: status, At: s.now()}}}, nil
}

// ownFlow returns the flow if the calling bridge serves its HIP or HIU (as
// the role says).
func (s *Service) ownFlow(ctx context.Context, b *Bridge, tx, role string) (*consent.Flow, error) {
	f, err := s.person.Flow(ctx, tx)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1011", "no health-information request with that transaction id")
	} else if err != nil {
		return nil, err
	}
	id := f.HIPID
	if role == TypeHIU {
		id = f.HIUID
	}
	if err := s.servesAs(ctx, b, id, role); err != nil {
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1011", "no health-information request with that transaction id")
	}
	return f, nil
}

// httpURL reports whether s is an absolute http(s) URL of sane length.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && len(s) <= 1000
}
