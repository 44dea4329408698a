package hiu

import (
	"net/http"
	"time"

	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/staff"
)

// Handler is the HIU role's JSON API: the operator's facilities and
// clinician accounts, and what a clinician of a facility does (find a
// patient, request consent, follow it, request data, read records).
type Handler struct {
	svc *Service
}

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register mounts the API on mux; requireAdmin guards the operator's paths.
func (h *Handler) Register(mux *http.ServeMux, requireAdmin func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/admin/hiu/facilities", requireAdmin(http.HandlerFunc(h.addFacility)))
	mux.Handle("GET /api/v1/admin/hiu/facilities", requireAdmin(http.HandlerFunc(h.listFacilities)))
	mux.Handle("POST /api/v1/admin/hiu/facilities/{id}/keys", requireAdmin(http.HandlerFunc(h.createKey)))
	mux.Handle("POST /api/v1/admin/hiu/facilities/{id}/staff", requireAdmin(staff.AddHandler(h.svc, addedStaff)))
	mux.Handle("GET /api/v1/admin/hiu/facilities/{id}/staff", requireAdmin(http.HandlerFunc(h.listStaff)))
	mux.Handle("DELETE /api/v1/admin/hiu/facilities/{id}/staff/{hprId}", requireAdmin(staff.DisableHandler(h.svc)))
	mux.HandleFunc("POST /api/v1/hiu/{hiuId}/staff/sign-in", staff.SignInHandler(h.svc, "hiuId"))
	mux.HandleFunc("POST /api/v1/hiu/{hiuId}/staff/password", staff.PasswordHandler(h.svc, "hiuId"))
	mux.HandleFunc("POST /api/v1/hiu/{hiuId}/patients/find", h.clinician(h.findPatient))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/patients/find/{id}", h.clinician(h.findResult))
	mux.HandleFunc("POST /api/v1/hiu/{hiuId}/consent-requests", h.clinician(h.requestConsent))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/consent-requests", h.clinician(h.consentRequests))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/consent-requests/{id}", h.clinician(h.consentRequest))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/artefacts", h.clinician(h.artefacts))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/artefacts/{id}", h.clinician(h.artefact))
	mux.HandleFunc("POST /api/v1/hiu/{hiuId}/artefacts/{id}/data-requests", h.clinician(h.requestData))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/artefacts/{id}/data-requests", h.clinician(h.transfers))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/data-requests/{id}", h.clinician(h.transfer))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/records", h.clinician(h.records))
	mux.HandleFunc("GET /api/v1/hiu/{hiuId}/records/{id}", h.clinician(h.record))
}

// clinician checks the bearer token (a clinician of the facility in the
// path, or the operator) before f.
func (h *Handler) clinician(f func(w http.ResponseWriter, r *http.Request, facilityID string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		facilityID := normalFacility(r.PathValue("hiuId"))
		ctx, err := h.svc.Authorize(r.Context(), httpx.BearerToken(r.Header.Get("Authorization")), facilityID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		f(w, r.WithContext(ctx), facilityID)
	}
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

func facilityOut(f *Facility) map[string]any {
	return map[string]any{"facilityId": f.ID, "name": f.Name, "addedAt": f.AddedAt}
}

func (h *Handler) listFacilities(w http.ResponseWriter, r *http.Request) {
	fs, err := h.svc.Facilities(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(fs))
	for i, f := range fs {
		out[i] = facilityOut(f)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"facilities": out})
}

func staffOut(s *Staff) map[string]any {
	m := map[string]any{"hprId": s.HPRID, "name": s.Name, "mustChangePassword": s.MustChange, "createdAt": s.CreatedAt}
	if !s.DisabledAt.IsZero() {
		m["disabledAt"] = s.DisabledAt
	}
	return m
}

// addedStaff is the answer to the operator who added a clinician: the
// account and its one-time password, shown once.
func addedStaff(st *Staff, password string) map[string]any {
	out := staffOut(st)
	out["password"] = password
	out["note"] = "A one-time password, shown once: the clinician sets their own with it before signing in."
	return out
}

func (h *Handler) listStaff(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Staff(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, s := range list {
		out[i] = staffOut(s)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"staff": out})
}

func findOut(f *Find) map[string]any {
	m := map[string]any{"id": f.ID, "status": f.Status, "abhaAddress": f.Query}
	if f.Status == FindFound {
		m["patient"] = map[string]string{"id": f.PatientID, "name": f.PatientName}
	}
	return m
}

// findPatient takes {"abhaAddress"}: it waits up to 5 s for the CM's
// answer, and answers 200 with it, or 202 with status PENDING.
func (h *Handler) findPatient(w http.ResponseWriter, r *http.Request, facilityID string) {
	var req struct {
		ABHAAddress string `json:"abhaAddress"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := h.svc.FindPatient(r.Context(), facilityID, req.ABHAAddress, 5*time.Second)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	st := http.StatusOK
	if f.Status == FindPending {
		st = http.StatusAccepted
	}
	httpx.WriteJSON(w, st, findOut(f))
}

func (h *Handler) findResult(w http.ResponseWriter, r *http.Request, facilityID string) {
	f, err := h.svc.FindResult(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, findOut(f))
}

type dateRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func consentRequestOut(c *ConsentRequest) map[string]any {
	m := map[string]any{"id": c.ID, "consentRequestId": c.CMID, "status": c.Status, "patient": c.Patient, "purpose": c.Purpose,
		"hiTypes": c.HITypes, "dateRange": dateRange{c.From, c.To}, "dataEraseAt": c.EraseAt, "artefactIds": nonNil(c.ArtefactIDs),
		"createdAt": c.CreatedAt, "updatedAt": c.UpdatedAt}
	if c.HIPID != "" {
		m["hipId"] = c.HIPID
	}
	if c.Requester != "" {
		m["requester"] = c.Requester
	}
	if c.Error != "" {
		m["error"] = c.Error
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *Handler) requestConsent(w http.ResponseWriter, r *http.Request, facilityID string) {
	var req struct {
		Patient     string    `json:"patient"`
		HIPID       string    `json:"hipId"`
		Purpose     string    `json:"purpose"`
		HITypes     []string  `json:"hiTypes"`
		DateRange   dateRange `json:"dateRange"`
		DataEraseAt time.Time `json:"dataEraseAt"`
		Requests    int       `json:"requestsPerHour"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	c, err := h.svc.RequestConsent(r.Context(), facilityID, ConsentInput{Patient: req.Patient, HIPID: req.HIPID, Purpose: req.Purpose,
		HITypes: req.HITypes, From: req.DateRange.From, To: req.DateRange.To, EraseAt: req.DataEraseAt, Requests: req.Requests})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, consentRequestOut(c))
}

func (h *Handler) consentRequests(w http.ResponseWriter, r *http.Request, facilityID string) {
	list, err := h.svc.ConsentRequests(r.Context(), facilityID, r.URL.Query().Get("patient"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, c := range list {
		out[i] = consentRequestOut(c)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"consentRequests": out})
}

func (h *Handler) consentRequest(w http.ResponseWriter, r *http.Request, facilityID string) {
	c, err := h.svc.ConsentRequest(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, consentRequestOut(c))
}

func artefactOut(a *Artefact) map[string]any {
	m := map[string]any{"id": a.ID, "consentRequestId": a.ConsentRequestID, "status": a.Status, "patient": a.Patient, "updatedAt": a.UpdatedAt}
	if a.Status != ArtefactFetching && a.Status != ArtefactInvalid && a.HIPID != "" {
		ccs := make([]map[string]string, len(a.Contexts))
		for i, c := range a.Contexts {
			ccs[i] = map[string]string{"patientReference": c.PatientRef, "careContextReference": c.ContextRef}
		}
		m["hip"] = map[string]string{"id": a.HIPID, "name": a.HIPName}
		m["hiTypes"], m["careContexts"], m["dateRange"], m["dataEraseAt"] = a.HITypes, ccs, dateRange{a.From, a.To}, a.EraseAt
	}
	return m
}

func (h *Handler) artefacts(w http.ResponseWriter, r *http.Request, facilityID string) {
	list, err := h.svc.Artefacts(r.Context(), facilityID, r.URL.Query().Get("consentRequestId"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, a := range list {
		out[i] = artefactOut(a)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"artefacts": out})
}

func (h *Handler) artefact(w http.ResponseWriter, r *http.Request, facilityID string) {
	a, err := h.svc.Artefact(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, artefactOut(a))
}

func transferOut(t *Transfer) map[string]any {
	results := make([]map[string]string, 0, len(t.Results))
	for ref, st := range t.Results {
		results = append(results, map[string]string{"careContextReference": ref, "status": st})
	}
	m := map[string]any{"id": t.ID, "transactionId": t.TransactionID, "consentId": t.ConsentID, "hipId": t.HIPID, "status": t.Status,
		"dateRange": dateRange{t.From, t.To}, "pageCount": t.PageCount, "pagesReceived": len(t.Pages), "records": t.Records,
		"results": results, "createdAt": t.CreatedAt, "updatedAt": t.UpdatedAt}
	if t.Error != "" {
		m["error"] = t.Error
	}
	return m
}

func (h *Handler) requestData(w http.ResponseWriter, r *http.Request, facilityID string) {
	var req struct {
		DateRange *dateRange `json:"dateRange"`
	}
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &req); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	var from, to time.Time
	if req.DateRange != nil {
		from, to = req.DateRange.From, req.DateRange.To
	}
	t, err := h.svc.RequestData(r.Context(), facilityID, r.PathValue("id"), from, to)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, transferOut(t))
}

func (h *Handler) transfers(w http.ResponseWriter, r *http.Request, facilityID string) {
	ts, err := h.svc.Transfers(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(ts))
	for i, t := range ts {
		out[i] = transferOut(t)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"dataRequests": out})
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, facilityID string) {
	t, err := h.svc.Transfer(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, transferOut(t))
}

func recordOut(rc *Record) map[string]any {
	return map[string]any{"id": rc.ID, "consentId": rc.ConsentID, "hipId": rc.HIPID, "careContextReference": rc.ContextRef,
		"hiType": rc.HIType, "title": rc.Title, "date": rc.Date, "sha256": rc.SHA256, "dataEraseAt": rc.EraseAt, "receivedAt": rc.CreatedAt}
}

func (h *Handler) records(w http.ResponseWriter, r *http.Request, facilityID string) {
	q := r.URL.Query()
	groups, err := h.svc.Records(r.Context(), facilityID, q.Get("patient"), q.Get("consentId"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]map[string]any, len(groups))
	for i, g := range groups {
		rs := make([]map[string]any, len(g.Records))
		for j, rc := range g.Records {
			rs[j] = recordOut(rc)
		}
		out[i] = map[string]any{"hip": map[string]string{"id": g.HIPID, "name": g.HIPName}, "day": g.Day, "records": rs}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"groups": out})
}

// record answers the FHIR bundle itself, as the HIP sent it.
func (h *Handler) record(w http.ResponseWriter, r *http.Request, facilityID string) {
	_, bundle, err := h.svc.Record(r.Context(), facilityID, r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(bundle)
	clear(bundle)
}

// createKey makes an API key a system acts for the facility with; the key
// is in the answer once.
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
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"id": k.ID, "facilityId": k.FacilityID, "name": k.Name, "key": secret,
		"createdAt": k.CreatedAt, "note": "Shown once: the system sends it as 'Authorization: Bearer <key>' on /api/v1/hiu/{hiuId}/…"})
}
