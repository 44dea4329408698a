package hip

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Handler is the HIP role's REST API: the operator's facility and key
// management and the integration API hospital systems push records with.
type Handler struct {
	svc   *Service
	admin string // the operator token
}

// NewHandler returns the handler; admin is the node's operator token.
func NewHandler(svc *Service, admin string) *Handler {
	return &Handler{svc: svc, admin: admin}
}

// Register mounts the API on mux; requireAdmin guards the operator's paths.
func (h *Handler) Register(mux *http.ServeMux, requireAdmin func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/admin/hip/facilities", requireAdmin(http.HandlerFunc(h.addFacility)))
	mux.Handle("GET /api/v1/admin/hip/facilities", requireAdmin(http.HandlerFunc(h.listFacilities)))
	mux.Handle("POST /api/v1/admin/hip/facilities/{id}/keys", requireAdmin(http.HandlerFunc(h.createKey)))
	mux.HandleFunc("POST /api/v1/hip/{hipId}/bundles", h.pushBundle)
	mux.HandleFunc("GET /api/v1/hip/{hipId}/care-contexts/{ref}", h.careContext)
	h.registerStaff(mux, requireAdmin)
}

// careContext takes GET /api/v1/hip/{hipId}/care-contexts/{ref}: whether
// the care context is linked, to which ABHA addresses, and how the HIP's
// own linking of it went.
func (h *Handler) careContext(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	cl, err := h.svc.CareContextLinks(r.Context(), facilityID, r.PathValue("ref"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	links := make([]map[string]any, len(cl.Links))
	for i, l := range cl.Links {
		links[i] = map[string]any{"abhaAddress": l.ABHAAddress, "byHip": l.ByHIP, "linkedAt": l.LinkedAt}
	}
	steps := make([]map[string]any, len(cl.Steps))
	for i, s := range cl.Steps {
		steps[i] = map[string]any{"step": s.Step, "status": s.Status, "at": s.CreatedAt}
	}
	cc := cl.CareContext
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"referenceNumber": cc.Ref, "display": cc.Display, "patientReference": cc.PatientRef,
		"state": cl.State, "links": links, "linking": steps})
}

type facilityJSON struct {
	ID      string    `json:"facilityId"`
	Name    string    `json:"name"`
	AddedAt time.Time `json:"addedAt"`
}

func facilityOut(f *Facility) facilityJSON {
	return facilityJSON{ID: f.ID, Name: f.Name, AddedAt: f.AddedAt}
}

func (h *Handler) addFacility(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FacilityID string `json:"facilityId"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := h.svc.AddFacility(r.Context(), req.FacilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, facilityOut(f))
}

func (h *Handler) listFacilities(w http.ResponseWriter, r *http.Request) {
	fs, err := h.svc.Facilities(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]facilityJSON, len(fs))
	for i, f := range fs {
		out[i] = facilityOut(f)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"facilities": out})
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	k, secret, err := h.svc.CreateAPIKey(r.Context(), r.PathValue("id"), req.Name)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"id": k.ID, "facilityId": k.FacilityID, "name": k.Name,
		"key": secret, "note": "Shown once: store it in the facility system's secrets. Send it as Authorization: Bearer <key>."})
}

// authorize lets through the operator, a staff member of the facility, or
// the facility's API key; it returns the request with who acts in its
// context.
func (h *Handler) authorize(r *http.Request, facilityID string) (*http.Request, error) {
	tok := httpx.BearerToken(r.Header.Get("Authorization"))
	if tok == "" {
		return r, arogya.Errorf(arogya.EUNAUTHORIZED, "a staff token, a facility API key or the operator token is required")
	}
	if h.admin != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(h.admin)) == 1 {
		return r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorOperator})), nil
	}
	if fid, hprID, ok := h.svc.CheckStaffToken(tok); ok {
		if !h.svc.StaffActive(r.Context(), fid, hprID) {
			return r, arogya.Errorf(arogya.EUNAUTHORIZED, "this staff account is disabled")
		}
		if fid != facilityID {
			return r, arogya.Errorf(arogya.EFORBIDDEN, "you work at another facility")
		}
		return r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorStaff, ID: hprID})), nil
	}
	fid, err := h.svc.CheckAPIKey(r.Context(), tok)
	if err != nil {
		return r, err
	}
	if fid != facilityID {
		return r, arogya.Errorf(arogya.EFORBIDDEN, "this API key belongs to another facility")
	}
	return r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorClient, ID: "hip-key:" + facilityID})), nil
}

// hipIDOf is the facility a path names, as the registry writes IDs.
func hipIDOf(r *http.Request) string {
	return normalFacility(r.PathValue("hipId"))
}

// maxPush bounds a push request: a 10 MiB bundle and its envelope.
const maxPush = MaxBundle + 64<<10

// pushBundle takes POST /api/v1/hip/{hipId}/bundles:
// {"patient":{"abhaAddress"|"abhaNumber"}, "careContext":{"referenceNumber","display"}, "bundle":{…}}.
func (h *Handler) pushBundle(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var req struct {
		Patient struct {
			ABHAAddress string `json:"abhaAddress"`
			ABHANumber  string `json:"abhaNumber"`
		} `json:"patient"`
		CareContext struct {
			ReferenceNumber string `json:"referenceNumber"`
			Display         string `json:"display"`
		} `json:"careContext"`
		Bundle json.RawMessage `json:"bundle"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPush))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "request body larger than %d bytes", int64(maxPush)))
			return
		}
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "request body could not be read"))
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "request body is not the JSON object expected: {patient, careContext, bundle}"))
		return
	}
	res, err := h.svc.PushBundle(r.Context(), facilityID, PushInput{ABHAAddress: req.Patient.ABHAAddress, ABHANumber: req.Patient.ABHANumber,
		ContextRef: req.CareContext.ReferenceNumber, ContextDisplay: req.CareContext.Display, Bundle: req.Bundle})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{
		"patient":     map[string]string{"referenceNumber": res.Patient.Ref},
		"careContext": map[string]any{"referenceNumber": res.CareContext.Ref, "display": res.CareContext.Display, "created": res.ContextCreated},
		"record":      map[string]any{"id": res.Record.ID, "hiType": res.Record.HIType, "date": res.Record.Date},
	})
}
