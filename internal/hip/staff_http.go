package hip

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/staff"
)

// registerStaff mounts the EMR's staff API: accounts, sign-in, patients,
// visits and records.
func (h *Handler) registerStaff(mux *http.ServeMux, requireAdmin func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/admin/hip/facilities/{id}/staff", requireAdmin(staff.AddHandler(h.svc, addedStaff)))
	mux.Handle("DELETE /api/v1/admin/hip/facilities/{id}/staff/{hprId}", requireAdmin(staff.DisableHandler(h.svc)))
	mux.HandleFunc("POST /api/v1/hip/{hipId}/staff/sign-in", staff.SignInHandler(h.svc, "hipId"))
	mux.HandleFunc("POST /api/v1/hip/{hipId}/staff/password", staff.PasswordHandler(h.svc, "hipId"))
	mux.HandleFunc("POST /api/v1/hip/{hipId}/patients", h.registerPatient)
	mux.HandleFunc("GET /api/v1/hip/{hipId}/patients", h.findPatients)
	mux.HandleFunc("GET /api/v1/hip/{hipId}/patients/{ref}", h.getPatient)
	mux.HandleFunc("POST /api/v1/hip/{hipId}/patients/{ref}/records", h.recordVisit)
	mux.HandleFunc("GET /api/v1/hip/{hipId}/care-contexts/{ref}/records", h.listRecords)
	mux.HandleFunc("GET /api/v1/hip/{hipId}/care-contexts/{ref}/records/{id}", h.getRecord)
}

// addedStaff is the answer to the operator who added a staff member: the
// one-time password, shown once.
func addedStaff(st *Staff, password string) map[string]any {
	return map[string]any{"facilityId": st.FacilityID, "hprId": st.HPRID, "name": st.Name,
		"password": password, "note": "Shown once: hand it to the professional, who signs in with it and sets their own."}
}

type patientJSON struct {
	ReferenceNumber string `json:"referenceNumber"`
	Name            string `json:"name"`
	Gender          string `json:"gender"`
	BirthDate       string `json:"birthDate,omitempty"`
	YearOfBirth     int    `json:"yearOfBirth,omitempty"`
	Mobile          string `json:"mobile,omitempty"`
	ABHANumber      string `json:"abhaNumber,omitempty"`
	ABHAAddress     string `json:"abhaAddress,omitempty"`
}

func patientOut(p *Patient) patientJSON {
	return patientJSON{ReferenceNumber: p.Ref, Name: p.Name, Gender: p.Gender, BirthDate: p.BirthDate, YearOfBirth: p.YearOfBirth,
		Mobile: p.Mobile, ABHANumber: p.ABHANumber, ABHAAddress: p.ABHAAddress}
}

func (h *Handler) registerPatient(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var req patientJSON
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, created, err := h.svc.RegisterPatient(r.Context(), facilityID, PatientInput{Name: req.Name, Gender: req.Gender, BirthDate: req.BirthDate,
		YearOfBirth: req.YearOfBirth, Mobile: req.Mobile, ABHANumber: req.ABHANumber, ABHAAddress: req.ABHAAddress})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	status := http.StatusOK // the facility knew them already
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, patientOut(p))
}

func (h *Handler) findPatients(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	number, address, mobile := q.Get("abhaNumber"), q.Get("abhaAddress"), q.Get("mobile")
	if number != "" || address != "" {
		if number, address, err = personIDs(number, address); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	if number == "" && address == "" && mobile == "" {
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "search by abhaNumber, abhaAddress or mobile"))
		return
	}
	if _, err := h.svc.facility(r.Context(), facilityID); err != nil {
		httpx.Error(w, r, err)
		return
	}
	ps, err := h.svc.store.HIPPatientsByIdentifier(r.Context(), facilityID, number, address, mobile, 50)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]patientJSON, len(ps))
	for i, p := range ps {
		out[i] = patientOut(p)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"patients": out})
}

func (h *Handler) getPatient(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, err := h.svc.store.HIPPatient(r.Context(), facilityID, r.PathValue("ref"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ccs, err := h.svc.store.HIPCareContexts(r.Context(), facilityID, p.Ref)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	visits := make([]map[string]any, len(ccs))
	for i, c := range ccs {
		visits[i] = map[string]any{"referenceNumber": c.Ref, "display": c.Display, "createdAt": c.CreatedAt}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"patient": patientOut(p), "careContexts": visits})
}

// recordVisit takes a form from a signed-in staff member:
// {"kind":"OPConsultation","careContext":{"referenceNumber","display"},"date":"…","content":{…}}.
func (h *Handler) recordVisit(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	tok := httpx.BearerToken(r.Header.Get("Authorization"))
	fid, hprID, ok := h.svc.CheckStaffToken(tok)
	if ok && !h.svc.StaffActive(r.Context(), fid, hprID) {
		httpx.Error(w, r, arogya.Errorf(arogya.EUNAUTHORIZED, "this staff account is disabled"))
		return
	}
	if !ok {
		if _, err := h.authorize(r, facilityID); err == nil {
			// The operator or the facility's system: valid, but a record
			// needs a professional as its author.
			httpx.Error(w, r, arogya.Errorf(arogya.EFORBIDDEN, "records are written by a professional: sign in as staff of this facility (systems push bundles instead)"))
			return
		}
		httpx.Error(w, r, arogya.Errorf(arogya.EUNAUTHORIZED, "sign in as staff of this facility: records are written by a professional"))
		return
	}
	if fid != facilityID {
		httpx.Error(w, r, arogya.Errorf(arogya.EFORBIDDEN, "you work at another facility"))
		return
	}
	var req struct {
		Kind        string `json:"kind"`
		CareContext struct {
			ReferenceNumber string `json:"referenceNumber"`
			Display         string `json:"display"`
		} `json:"careContext"`
		Date    time.Time       `json:"date"`
		Content json.RawMessage `json:"content"`
	}
	body := http.MaxBytesReader(w, r.Body, maxPush)
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "request body is not the JSON object expected: {kind, careContext, content}"))
		return
	}
	rec, cc, created, err := h.svc.RecordVisit(r.Context(), facilityID, hprID, r.PathValue("ref"), Visit{Kind: req.Kind,
		ContextRef: req.CareContext.ReferenceNumber, ContextDisplay: req.CareContext.Display, Date: req.Date, Content: req.Content})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{
		"careContext": map[string]any{"referenceNumber": cc.Ref, "display": cc.Display, "created": created},
		"record":      map[string]any{"id": rec.ID, "hiType": rec.HIType, "date": rec.Date},
	})
}

func (h *Handler) listRecords(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if _, err := h.svc.facility(r.Context(), facilityID); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if _, err := h.svc.store.HIPCareContext(r.Context(), facilityID, r.PathValue("ref")); err != nil {
		httpx.Error(w, r, err)
		return
	}
	rs, err := h.svc.store.HIPRecords(r.Context(), facilityID, r.PathValue("ref"), time.Time{}, time.Time{})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(rs))
	for i, rec := range rs {
		out[i] = map[string]any{"id": rec.ID, "hiType": rec.HIType, "date": rec.Date}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"records": out})
}

// getRecord serves a record as FHIR JSON, or for people as HTML
// (?format=html) or PDF (?format=pdf).
func (h *Handler) getRecord(w http.ResponseWriter, r *http.Request) {
	facilityID := hipIDOf(r)
	r, err := h.authorize(r, facilityID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json", "html", "pdf":
	default:
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "format must be json, html or pdf"))
		return
	}
	_, data, err := h.svc.Record(r.Context(), facilityID, r.PathValue("ref"), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	format := r.URL.Query().Get("format")
	if format == "" || format == "json" {
		w.Header().Set("Content-Type", "application/fhir+json")
		_, _ = w.Write(data)
		return
	}
	b, err := fhir.Parse(data)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	switch format {
	case "html":
		err = fhir.RenderHTML(&buf, b)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case "pdf":
		err = fhir.RenderPDF(&buf, b)
		w.Header().Set("Content-Type", "application/pdf")
	default:
		httpx.Error(w, r, arogya.Errorf(arogya.EINVALID, "format must be json, html or pdf"))
		return
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	_, _ = w.Write(buf.Bytes())
}
