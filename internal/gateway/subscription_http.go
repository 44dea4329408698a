package gateway

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The person's subscription API under /cm (ndhm-phr-app.yml): list the
// requests, read one (by request or subscription ID), approve or deny a
// request, and change what a granted subscription covers. The spec has
// no way to end a subscription early; the person narrows it instead.
func (h *Handler) registerSubscriptions(mux *http.ServeMux) {
	mux.Handle("GET /cm/subscription-requests", h.personal(h.subscriptionList))
	mux.Handle("GET /cm/subscription-requests/{id}", h.personal(h.subscriptionGet))
	mux.Handle("POST /cm/subscription-requests/{id}/approve", h.personal(h.subscriptionApprove))
	mux.Handle("POST /cm/subscription-requests/{id}/deny", h.personal(h.subscriptionDeny))
	mux.Handle("PUT /cm/patients/subscription-requests/{id}", h.personal(h.subscriptionEdit))
}

// subscriptionRequestJSON is SubscriptionRequestRepresentation, with the
// subscription's ID once granted.
type subscriptionRequestJSON struct {
	ID             string            `json:"id"`
	SubscriptionID string            `json:"subscriptionId,omitempty"`
	CreatedAt      string            `json:"createdAt"`
	LastUpdated    string            `json:"lastUpdated"`
	Purpose        consent.Purpose   `json:"purpose"`
	Patient        consent.OrgRef    `json:"patient"`
	HIU            consent.OrgRef    `json:"hiu"`
	HIPs           []consent.OrgRef  `json:"hips,omitempty"`
	Categories     []string          `json:"categories"`
	Period         map[string]string `json:"period"`
	Status         string            `json:"status"`
	RequesterType  string            `json:"requesterType"`
}

func periodJSON(from, to string) map[string]string { return map[string]string{"from": from, "to": to} }

func toSubscriptionRequestJSON(s *consent.Subscription) subscriptionRequestJSON {
	return subscriptionRequestJSON{ID: s.ID, SubscriptionID: s.SubscriptionID, CreatedAt: protocol.FormatTimestamp(s.CreatedAt),
		LastUpdated: protocol.FormatTimestamp(s.UpdatedAt), Purpose: s.Purpose, Patient: consent.OrgRef{ID: s.Patient}, HIU: s.HIU,
		HIPs: s.HIPs, Categories: s.Categories, Status: s.Status, RequesterType: TypeHIU,
		Period: periodJSON(protocol.FormatTimestamp(s.Period.From), protocol.FormatTimestamp(s.Period.To))}
}

// subscriptionSourceJSON is SubscriptionApprovalSource (in) and
// HIUSubscriptionSource (out).
type subscriptionSourceJSON struct {
	HIP        *consent.OrgRef    `json:"hip,omitempty"`
	Purpose    *consent.Purpose   `json:"purpose,omitempty"`
	Categories []string           `json:"categories"`
	HITypes    []string           `json:"hiTypes"`
	Period     *consent.DateRange `json:"period,omitempty"`
	Status     string             `json:"status,omitempty"`
}

// subscriptionApprovalJSON is SubscriptionEditAndApprovalRequestRepresentation.
type subscriptionApprovalJSON struct {
	IsApplicableForAllHIPs bool                     `json:"isApplicableForAllHIPs"`
	IncludedSources        []subscriptionSourceJSON `json:"includedSources"`
	ExcludedSources        []subscriptionSourceJSON `json:"excludedSources"`
}

func (a subscriptionApprovalJSON) approval() (consent.SubscriptionApproval, error) {
	out := consent.SubscriptionApproval{AllHIPs: a.IsApplicableForAllHIPs}
	for _, src := range a.IncludedSources {
		s := consent.SubscriptionSource{Categories: src.Categories, HITypes: src.HITypes}
		if src.HIP != nil {
			s.HIP = src.HIP.ID
		}
		if src.Period != nil {
			s.From, s.To = src.Period.From, src.Period.To
		}
		if src.Purpose != nil {
			out.Purposes = append(out.Purposes, src.Purpose.Code)
		}
		out.Included = append(out.Included, s)
	}
	for i, src := range a.ExcludedSources {
		if src.HIP == nil {
			return out, arogya.Errorf(arogya.EINVALID, "excludedSources[%d].hip is required", i)
		}
		out.Excluded = append(out.Excluded, src.HIP.ID)
	}
	return out, nil
}

// subscriptionJSON is HIUSubscriptionRepresentation, with the request's
// ID, what it asked for and the grant's all-HIPs flag and exclusions, so
// the person sees the whole of it in one place.
type subscriptionJSON struct {
	SubscriptionID         string                   `json:"subscriptionId,omitempty"`
	SubscriptionRequestID  string                   `json:"subscriptionRequestId"`
	Purpose                consent.Purpose          `json:"purpose"`
	DateCreated            string                   `json:"dateCreated"`
	Status                 string                   `json:"status"`
	DateGranted            string                   `json:"dateGranted,omitempty"`
	Patient                consent.OrgRef           `json:"patient"`
	Requester              map[string]string        `json:"requester"`
	HIPs                   []consent.OrgRef         `json:"hips,omitempty"`
	Categories             []string                 `json:"categories"`
	Period                 map[string]string        `json:"period"`
	IsApplicableForAllHIPs bool                     `json:"isApplicableForAllHIPs"`
	IncludedSources        []subscriptionSourceJSON `json:"includedSources"`
	ExcludedSources        []subscriptionSourceJSON `json:"excludedSources"`
}

func toSubscriptionJSON(s *consent.Subscription) subscriptionJSON {
	out := subscriptionJSON{SubscriptionID: s.SubscriptionID, SubscriptionRequestID: s.ID, Purpose: s.Purpose,
		DateCreated: protocol.FormatTimestamp(s.CreatedAt), Status: s.Status, Patient: consent.OrgRef{ID: s.Patient},
		Requester: map[string]string{"id": s.HIU.ID, "name": s.HIU.Name, "type": TypeHIU}, HIPs: s.HIPs, Categories: s.Categories,
		Period:                 periodJSON(protocol.FormatTimestamp(s.Period.From), protocol.FormatTimestamp(s.Period.To)),
		IsApplicableForAllHIPs: s.AllHIPs, IncludedSources: []subscriptionSourceJSON{}, ExcludedSources: []subscriptionSourceJSON{}}
	if !s.GrantedAt.IsZero() {
		out.DateGranted = protocol.FormatTimestamp(s.GrantedAt)
	}
	for _, src := range s.Sources {
		j := subscriptionSourceJSON{Categories: src.Categories, HITypes: src.HITypes, Status: s.Status,
			Period: &consent.DateRange{From: src.From, To: src.To}}
		if src.HIP != "" {
			j.HIP = &consent.OrgRef{ID: src.HIP}
		}
		out.IncludedSources = append(out.IncludedSources, j)
	}
	for _, hip := range s.Excluded {
		out.ExcludedSources = append(out.ExcludedSources, subscriptionSourceJSON{HIP: &consent.OrgRef{ID: hip}, Categories: []string{}, HITypes: []string{}})
	}
	return out
}

// subscriptionList answers SubscriptionRequestsRepresentation; status,
// limit and offset are optional query parameters.
func (h *Handler) subscriptionList(w http.ResponseWriter, r *http.Request, patient string) error {
	q := r.URL.Query()
	limit, offset, err := pageQuery(q, "limit", "offset")
	if err != nil {
		return err
	}
	subs, err := h.svc.PersonSubscriptions(r.Context(), patient, strings.ToUpper(q.Get("status")), limit, offset)
	if err != nil {
		return err
	}
	if limit <= 0 || limit > MaxPersonPage {
		limit = MaxPersonPage
	}
	items := make([]subscriptionRequestJSON, len(subs))
	for i, s := range subs {
		items[i] = toSubscriptionRequestJSON(s)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"limit": limit, "offset": offset, "size": len(items), "requests": items})
	return nil
}

func subscriptionID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !protocol.IsUUID(id) {
		return "", arogya.Errorf(arogya.EINVALID, "the subscription or request id must be a UUID")
	}
	return id, nil
}

func (h *Handler) subscriptionGet(w http.ResponseWriter, r *http.Request, patient string) error {
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	s, err := h.svc.PersonSubscription(r.Context(), patient, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toSubscriptionJSON(s))
	return nil
}

// subscriptionApprove takes SubscriptionEditAndApprovalRequestRepresentation
// with X-AUTH-TOKEN (scope consentrequest.approve) and answers
// SubscriptionApprovalRepresentation {"subscriptionId"}.
func (h *Handler) subscriptionApprove(w http.ResponseWriter, r *http.Request, patient string) error {
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	var body subscriptionApprovalJSON
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	a, err := body.approval()
	if err != nil {
		return err
	}
	s, err := h.svc.ApproveSubscription(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), id, a)
	if err != nil {
		return err
	}
	if h.outbox != nil {
		h.outbox.Kick()
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"subscriptionId": s.SubscriptionID})
	return nil
}

// subscriptionDeny takes an optional SubscriptionDenyRequest {"reason"};
// the reason is not kept, as it may say more about the person than the
// refusal needs.
func (h *Handler) subscriptionDeny(w http.ResponseWriter, r *http.Request, patient string) error {
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	if err := h.svc.DenySubscription(r.Context(), patient, id); err != nil {
		return err
	}
	if h.outbox != nil {
		h.outbox.Kick()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// subscriptionEdit takes SubscriptionEditRequestRepresentation
// {"hiuId","subscriptionEditAndApprovalRequest"} with X-AUTH-TOKEN and
// answers {"subscriptionId"}.
func (h *Handler) subscriptionEdit(w http.ResponseWriter, r *http.Request, patient string) error {
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	var body struct {
		HIUID string                    `json:"hiuId"`
		Edit  *subscriptionApprovalJSON `json:"subscriptionEditAndApprovalRequest"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Edit == nil {
		return arogya.Errorf(arogya.EINVALID, "subscriptionEditAndApprovalRequest is required")
	}
	a, err := body.Edit.approval()
	if err != nil {
		return err
	}
	s, err := h.svc.EditSubscription(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), id, strings.ToUpper(strings.TrimSpace(body.HIUID)), a)
	if err != nil {
		return err
	}
	if h.outbox != nil {
		h.outbox.Kick()
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"subscriptionId": s.SubscriptionID})
	return nil
}
