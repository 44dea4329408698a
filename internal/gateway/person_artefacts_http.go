package gateway

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The person's artefacts (ndhm-phr-app.yml /consent-artefacts,
// /consent-requests/{id}/consent-artefacts, /consents/{consent-id}).
func (h *Handler) registerArtefacts(mux *http.ServeMux) {
	mux.Handle("GET /cm/consent-artefacts", h.personal(h.personArtefacts))
	mux.Handle("GET /cm/consent-requests/{id}/consent-artefacts", h.personal(h.personRequestArtefacts))
	mux.Handle("GET /cm/consents/{id}", h.personal(h.personArtefact))
}

// artefactJSON is ConsentArtefactRepresentation: status, the signed
// consentDetail as it was signed, and the signature.
func artefactJSON(a *consent.Artefact) map[string]any {
	return map[string]any{"status": a.Status, "consentDetail": json.RawMessage(a.Detail), "signature": a.Signature}
}

func artefactsJSON(as []*consent.Artefact) []map[string]any {
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = artefactJSON(a)
	}
	return out
}

func (h *Handler) personArtefacts(w http.ResponseWriter, r *http.Request, patient string) error {
	q := r.URL.Query()
	limit, offset, err := pageQuery(q, "limit", "offset")
	if err != nil {
		return err
	}
	as, err := h.svc.PersonArtefacts(r.Context(), patient, strings.ToUpper(q.Get("status")), limit, offset)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"limit": limit, "offset": offset, "size": len(as), "consentArtefacts": artefactsJSON(as)})
	return nil
}

func (h *Handler) personRequestArtefacts(w http.ResponseWriter, r *http.Request, patient string) error {
	if !protocol.IsUUID(r.PathValue("id")) {
		return arogya.Errorf(arogya.EINVALID, "consent-request-id must be a UUID")
	}
	as, err := h.svc.PersonRequestArtefacts(r.Context(), patient, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, artefactsJSON(as))
	return nil
}

func (h *Handler) personArtefact(w http.ResponseWriter, r *http.Request, patient string) error {
	if !protocol.IsUUID(r.PathValue("id")) {
		return arogya.Errorf(arogya.EINVALID, "consent-id must be a UUID")
	}
	a, err := h.svc.PersonArtefact(r.Context(), patient, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, artefactJSON(a))
	return nil
}
