package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// registerPerson mounts the person's consent API under /cm.
func (h *Handler) registerPerson(mux *http.ServeMux) {
	mux.Handle("GET /cm/patients/requests", h.personal(h.personRequests))
	mux.Handle("GET /cm/patients/access-log", h.personal(h.accessLog))
	mux.Handle("GET /cm/patients/lock", h.personal(h.writeLock))
	mux.Handle("PUT /cm/patients/lock", h.personal(h.putLock))
	mux.Handle("GET /cm/consent-requests/{id}", h.personal(h.personRequest))
	mux.Handle("POST /cm/consent-requests/{id}/deny", h.personal(h.personDeny))
	mux.Handle("POST /cm/consent-requests/{id}/approve", h.personal(h.personApprove))
	mux.Handle("POST /cm/consents/revoke", h.personal(h.personRevoke))
	mux.Handle("POST /cm/patients/pin", h.personal(h.setPIN))
	mux.Handle("POST /cm/patients/verify-pin", h.personal(h.verifyPIN))
	mux.Handle("POST /cm/patients/change-pin", h.personal(h.changePIN))
	h.registerLinking(mux)
	h.registerAutoApproval(mux)
	h.registerArtefacts(mux)
	h.registerSubscriptions(mux)
}

// userToken is the person's ABHA X-token: Authorization: Bearer, or the
// X-token header ABHA's own API uses.
func userToken(r *http.Request) string {
	if tok := httpx.BearerToken(r.Header.Get("Authorization")); tok != "" {
		return tok
	}
	return httpx.BearerToken(httpx.Header(r, "X-token"))
}

// personal authenticates the person by their ABHA X-token (userToken).
func (h *Handler) personal(fn func(w http.ResponseWriter, r *http.Request, patient string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := userToken(r)
		var err error
		if tok == "" || h.svc.users == nil {
			err = errUserToken
		} else {
			var patient string
			if patient, err = h.svc.users.VerifyUser(r.Context(), tok); err == nil {
				err = fn(w, r, patient)
			}
		}
		if err != nil {
			httpx.Error(w, r, err)
		}
	})
}

// pageQuery reads the paging parameters of a person's list, named as its
// API names them; either may be absent, giving the first MaxPersonPage.
func pageQuery(q url.Values, limitName, offsetName string) (limit, offset int, err error) {
	limit = MaxPersonPage
	for _, p := range []struct {
		name string
		dst  *int
	}{{limitName, &limit}, {offsetName, &offset}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, 0, arogya.Errorf(arogya.EINVALID, "%s must be a whole number", p.name)
			}
			*p.dst = n
		}
	}
	return limit, offset, nil
}

// consentRequestJSON is ndhm-phr-app.yml's ConsentRequestDetails.
type consentRequestJSON struct {
	ID           string                   `json:"id"`
	CreatedAt    string                   `json:"createdAt"`
	LastUpdated  string                   `json:"lastUpdated"`
	Status       string                   `json:"status"`
	Purpose      consent.Purpose          `json:"purpose"`
	Patient      consent.OrgRef           `json:"patient"`
	HIP          *consent.OrgRef          `json:"hip,omitempty"`
	HIU          consent.OrgRef           `json:"hiu"`
	Requester    consent.Requester        `json:"requester"`
	HITypes      []string                 `json:"hiTypes"`
	CareContexts []consent.CareContextRef `json:"careContexts,omitempty"`
	Permission   map[string]any           `json:"permission"`
}

func toConsentRequestJSON(c *consent.Request) consentRequestJSON {
	p := c.Permission
	return consentRequestJSON{
		ID: c.ID, CreatedAt: protocol.FormatTimestamp(c.CreatedAt), LastUpdated: protocol.FormatTimestamp(c.UpdatedAt),
		Status: c.Status, Purpose: c.Purpose, Patient: consent.OrgRef{ID: c.Patient}, HIP: c.HIP, HIU: c.HIU,
		Requester: c.Requester, HITypes: c.HITypes, CareContexts: c.CareContexts,
		Permission: map[string]any{
			"accessMode":  p.AccessMode,
			"dateRange":   map[string]string{"from": protocol.FormatTimestamp(p.DateRange.From), "to": protocol.FormatTimestamp(p.DateRange.To)},
			"dataEraseAt": protocol.FormatTimestamp(p.DataEraseAt),
			"frequency":   p.Frequency,
		},
	}
}

func (h *Handler) personRequests(w http.ResponseWriter, r *http.Request, patient string) error {
	q := r.URL.Query()
	limit, offset, err := pageQuery(q, "consentLimit", "consentOffset")
	if err != nil {
		return err
	}
	reqs, err := h.svc.PersonRequests(r.Context(), patient, strings.ToUpper(q.Get("status")), limit, offset)
	if err != nil {
		return err
	}
	items := make([]consentRequestJSON, len(reqs))
	for i, c := range reqs {
		items[i] = toConsentRequestJSON(c)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"consents": map[string]any{
		"limit": limit, "offset": offset, "size": len(items), "requests": items}})
	return nil
}

func (h *Handler) personRequest(w http.ResponseWriter, r *http.Request, patient string) error {
	if !protocol.IsUUID(r.PathValue("id")) {
		return arogya.Errorf(arogya.EINVALID, "request-id must be a UUID")
	}
	c, err := h.svc.PersonRequest(r.Context(), patient, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toConsentRequestJSON(c))
	return nil
}

func (h *Handler) personDeny(w http.ResponseWriter, r *http.Request, patient string) error {
	if !protocol.IsUUID(r.PathValue("id")) {
		return arogya.Errorf(arogya.EINVALID, "request-id must be a UUID")
	}
	if err := h.svc.Deny(r.Context(), patient, r.PathValue("id")); err != nil {
		return err
	}
	if h.outbox != nil {
		h.outbox.Kick()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// personApprove takes ndhm-phr-app.yml's ConsentsApproveRequest:
// {"consents":[{"hip":{"id"},"careContexts":[…],"hiTypes":[…],"permission":{…}}]}
// and answers the artefacts made.
func (h *Handler) personApprove(w http.ResponseWriter, r *http.Request, patient string) error {
	if !protocol.IsUUID(r.PathValue("id")) {
		return arogya.Errorf(arogya.EINVALID, "request-id must be a UUID")
	}
	var body struct {
		Consents []consent.Grant `json:"consents"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	arts, err := h.svc.Approve(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), r.PathValue("id"), body.Consents)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(arts))
	for i, a := range arts {
		out[i] = map[string]any{"id": a.ID, "hip": map[string]string{"id": a.HIPID}, "status": a.Status}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"consents": out})
	return nil
}

// personRevoke takes ndhm-phr-app.yml's RevokeRequest {"consents":[ids]}.
func (h *Handler) personRevoke(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		Consents []string `json:"consents"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	for _, id := range body.Consents {
		if !protocol.IsUUID(id) {
			return arogya.Errorf(arogya.EINVALID, "consents must be consent artefact ids (UUIDs)")
		}
	}
	if err := h.svc.Revoke(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), body.Consents); err != nil {
		return err
	}
	if h.outbox != nil {
		h.outbox.Kick()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type pinBody struct {
	PIN       string `json:"pin"`
	Scope     string `json:"scope"`
	RequestID string `json:"requestId"`
}

// setPIN takes CreatePinRequest {"pin"}.
func (h *Handler) setPIN(w http.ResponseWriter, r *http.Request, patient string) error {
	var b pinBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.svc.SetPIN(r.Context(), patient, b.PIN); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// verifyPIN takes ValidatePinRequest {"pin","scope","requestId"} and
// answers {"temporaryToken"}, to send as X-AUTH-TOKEN.
func (h *Handler) verifyPIN(w http.ResponseWriter, r *http.Request, patient string) error {
	var b pinBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.RequestID != "" && !protocol.IsUUID(b.RequestID) {
		return arogya.Errorf(arogya.EINVALID, "requestId must be a consent request id (a UUID)")
	}
	tok, err := h.svc.VerifyPIN(r.Context(), patient, b.PIN, b.Scope, b.RequestID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"temporaryToken": tok})
	return nil
}

// changePIN takes ChangePinRequest {"pin"} with X-AUTH-TOKEN of scope
// profile.changepin.
func (h *Handler) changePIN(w http.ResponseWriter, r *http.Request, patient string) error {
	var b pinBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.svc.ChangePIN(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), b.PIN); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
