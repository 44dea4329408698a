package gateway

import (
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// registerLinking mounts the person's discovery and linking API of
// ndhm-phr-app.yml under /cm.
func (h *Handler) registerLinking(mux *http.ServeMux) {
	mux.Handle("POST /cm/v1/care-contexts/discover", h.personal(h.discover))
	mux.Handle("POST /cm/v1/links/link/init", h.personal(h.linkInit))
	mux.Handle("POST /cm/v1/links/link/init/", h.personal(h.linkInit)) // the spec's path has a trailing slash
	mux.Handle("POST /cm/v1/links/link/confirm/{linkRefNumber}", h.personal(h.linkConfirm))
	mux.Handle("GET /cm/patients/links", h.personal(h.links))
	mux.Handle("POST /cm/patients/profile/share", h.personal(h.shareProfile))
	mux.Handle("POST /cm/v1/patients/profile/share", h.personal(h.shareProfile))
}

// shareProfile takes ShareProfileRequest {"requestId","hipDetails":{"id",
// "customCode"}} or its v1 form {"requestId","intent","location",
// "hipDetails":{"hipId","code"}}, and answers ShareProfileResponse
// {"status","healthId"} with the HIP's token number.
func (h *Handler) shareProfile(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		RequestID  string `json:"requestId"`
		HIPDetails struct {
			ID         string `json:"id"`
			CustomCode string `json:"customCode"`
			HIPID      string `json:"hipId"`
			Code       string `json:"code"`
		} `json:"hipDetails"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.RequestID != "" && !protocol.IsUUID(body.RequestID) {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "requestId must be a UUID")
	}
	d := body.HIPDetails
	hip, code := d.ID, d.CustomCode
	if hip == "" {
		hip, code = d.HIPID, d.Code
	}
	if hip == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hipDetails.id is required")
	}
	res, err := h.svc.ShareProfile(r.Context(), patient, userToken(r), hip, code)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// discover takes PatientDiscoveryRequest {"requestId","hip":{"id"},
// "unverifiedIdentifiers":[…]} and answers PatientDiscoveryRepresentation
// once the HIP has.
func (h *Handler) discover(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		RequestID             string              `json:"requestId"`
		HIP                   struct{ ID string } `json:"hip"`
		UnverifiedIdentifiers []Identifier        `json:"unverifiedIdentifiers"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.RequestID != "" && !protocol.IsUUID(body.RequestID) {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "requestId must be a UUID")
	}
	if body.HIP.ID == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "hip.id is required")
	}
	txn, p, err := h.svc.Discover(r.Context(), patient, userToken(r), body.HIP.ID, body.UnverifiedIdentifiers)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"transactionId": txn, "patient": p})
	return nil
}

// linkInit takes PatientLinkReferenceRequest {"requestId","transactionId",
// "patient":{"referenceNumber","careContexts":[{"referenceNumber"}]}} and
// answers PatientLinkReferenceResponse {"transactionId","link"}.
func (h *Handler) linkInit(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		RequestID     string `json:"requestId"`
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ReferenceNumber string        `json:"referenceNumber"`
			CareContexts    []CareContext `json:"careContexts"`
		} `json:"patient"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.RequestID != "" && !protocol.IsUUID(body.RequestID) {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "requestId must be a UUID")
	}
	refs := make([]string, len(body.Patient.CareContexts))
	for i, c := range body.Patient.CareContexts {
		refs[i] = c.ReferenceNumber
	}
	link, err := h.svc.InitLink(r.Context(), patient, LinkRequest{TransactionID: body.TransactionID,
		PatientRef: body.Patient.ReferenceNumber, CareContextRefs: refs})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"transactionId": body.TransactionID, "link": link})
	return nil
}

// linkConfirm takes PatientLinkRequest {"token"} for the link reference in
// the path and answers PatientLinkResponse {"patient"}.
func (h *Handler) linkConfirm(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		Token string `json:"token"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	p, err := h.svc.ConfirmLink(r.Context(), patient, r.PathValue("linkRefNumber"), body.Token)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"patient": p})
	return nil
}

// links answers LinkedCareContexts: the person's care contexts by HIP.
func (h *Handler) links(w http.ResponseWriter, r *http.Request, patient string) error {
	ls, err := h.svc.PersonLinks(r.Context(), patient)
	if err != nil {
		return err
	}
	// A care context as ndhm-phr-app.yml lists it, with what the HIP's
	// last context notify said of it (Arogya's additions; absent before
	// any notice): its HI types, the date of its latest record and when
	// the notice came, which the PHR shows as new.
	type linkedContext struct {
		ReferenceNumber string   `json:"referenceNumber"`
		Display         string   `json:"display"`
		HITypes         []string `json:"hiTypes,omitempty"`
		Date            string   `json:"date,omitempty"`
		NotifiedAt      string   `json:"notifiedAt,omitempty"`
	}
	type hipLinks struct {
		HIP             map[string]string `json:"hip"`
		ReferenceNumber string            `json:"referenceNumber"`
		Display         string            `json:"display"`
		CareContexts    []linkedContext   `json:"careContexts"`
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(protocol.TimestampLayout)
	}
	out := []*hipLinks{}
	for _, l := range ls {
		if n := len(out); n == 0 || out[n-1].HIP["id"] != l.HIPID || out[n-1].ReferenceNumber != l.PatientRef {
			out = append(out, &hipLinks{HIP: map[string]string{"id": l.HIPID, "name": h.svc.hipName(r.Context(), l.HIPID)},
				ReferenceNumber: l.PatientRef, Display: l.PatientDisplay})
		}
		last := out[len(out)-1]
		last.CareContexts = append(last.CareContexts, linkedContext{ReferenceNumber: l.CareContextRef, Display: l.CareContextDisplay,
			HITypes: l.HITypes, Date: ts(l.DataAt), NotifiedAt: ts(l.NotedAt)})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"patient": map[string]any{"id": patient, "links": out}})
	return nil
}
