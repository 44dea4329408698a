package registry

import (
	"context"
	"crypto/subtle"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Handler is the registry's REST API under /api/v1.
type Handler struct {
	svc      *Service
	operator string // the operator token
}

// NewHandler returns the API over svc; operatorToken is the node's admin
// token, which acts as the national admin.
func NewHandler(svc *Service, operatorToken string) *Handler {
	return &Handler{svc: svc, operator: operatorToken}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/facilities", h.with(h.submitFacility))
	mux.Handle("GET /api/v1/facilities", h.with(h.searchFacilities))
	mux.Handle("GET /api/v1/facilities/{id}", h.with(h.getFacility))
	mux.Handle("GET /api/v1/facilities/{id}/history", h.with(h.facilityHistory))
	mux.Handle("POST /api/v1/facilities/{id}/verification", h.with(h.decideFacility))
	mux.Handle("POST /api/v1/professionals", h.with(h.submitProfessional))
	mux.Handle("GET /api/v1/professionals", h.with(h.searchProfessionals))
	mux.Handle("GET /api/v1/professionals/{id}", h.with(h.getProfessional))
	mux.Handle("GET /api/v1/professionals/{id}/history", h.with(h.professionalHistory))
	mux.Handle("POST /api/v1/professionals/{id}/verification", h.with(h.decideProfessional))
	mux.Handle("GET /api/v1/drugs", h.with(h.searchDrugs))
	mux.Handle("GET /api/v1/drugs/{id}", h.with(h.getDrug))
	mux.Handle("GET /api/v1/registry/queue/facilities", h.with(h.facilityQueue))
	mux.Handle("GET /api/v1/registry/queue/professionals", h.with(h.professionalQueue))
	mux.Handle("GET /api/v1/registry/vocabularies", h.with(h.vocabularies))
	mux.Handle("POST /api/v1/admin/verifiers", h.with(h.createVerifier))
	mux.Handle("GET /api/v1/admin/verifiers", h.with(h.listVerifiers))
	mux.Handle("POST /api/v1/admin/verifiers/{id}/disable", h.with(h.setVerifier(true)))
	mux.Handle("POST /api/v1/admin/verifiers/{id}/enable", h.with(h.setVerifier(false)))
}

// with authenticates the caller, if they present credentials, and runs fn.
// "Authorization: Bearer <operator token>" acts as the operator;
// "Authorization: Bearer <verifier ID>:<key>" as that verifier. Requests
// without credentials are public; wrong credentials are refused.
func (h *Handler) with(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := h.authenticate(r.Context(), r.Header.Get("Authorization"))
		if err == nil {
			err = fn(w, r.WithContext(ctx))
		}
		if err != nil {
			writeError(w, r, err)
		}
	})
}

// Authenticate returns ctx with the actor the Authorization header value
// names (see Handler.with).
func (h *Handler) authenticate(ctx context.Context, authz string) (context.Context, error) {
	tok := httpx.BearerToken(authz)
	if tok == "" {
		return ctx, nil
	}
	if h.operator != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(h.operator)) == 1 {
		return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator}), nil
	}
	id, key, ok := strings.Cut(tok, ":")
	if !ok {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "unknown credentials: send the operator token or verifierID:key")
	}
	v, err := h.svc.AuthenticateVerifier(ctx, id, key)
	if err != nil {
		return nil, err
	}
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorVerifier, ID: v.ID}), nil
}

// writeError writes err; validation errors also list their fields.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		type field struct {
			Field  string `json:"field"`
			Reason string `json:"reason"`
		}
		fs := make([]field, len(ve.Fields))
		for i, f := range ve.Fields {
			fs[i] = field(f)
		}
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": arogya.EINVALID, "message": arogya.ErrorMessage(err), "fields": fs,
		}})
		return
	}
	httpx.Error(w, r, err)
}

func (h *Handler) submitFacility(w http.ResponseWriter, r *http.Request) error {
	var in facilityJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := h.svc.SubmitFacility(r.Context(), in.facility())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/facilities/"+f.ID)
	httpx.WriteJSON(w, http.StatusCreated, toFacilityJSON(f))
	return nil
}

func (h *Handler) getFacility(w http.ResponseWriter, r *http.Request) error {
	f, err := h.svc.Facility(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toFacilityJSON(f))
	return nil
}

type decisionJSON struct {
	Decision Status `json:"decision"`
	Reason   string `json:"reason"`
}

func (h *Handler) decideFacility(w http.ResponseWriter, r *http.Request) error {
	var in decisionJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := h.svc.DecideFacility(r.Context(), r.PathValue("id"), Decision{Status: in.Decision, Reason: in.Reason})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toFacilityJSON(f))
	return nil
}

func (h *Handler) searchFacilities(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseFacilityQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.svc.SearchFacilities(r.Context(), q)
	if err != nil {
		return err
	}
	out := pageJSON[facilityJSON]{Total: page.Total, Page: page.Page, PageSize: page.PageSize, Items: make([]facilityJSON, len(page.Items))}
	for i, it := range page.Items {
		out.Items[i] = toFacilityJSON(it.Facility)
		out.Items[i].Reason, out.Items[i].SubmittedAt = "", nil
		if q.Near != nil {
			d := math.Round(it.DistanceKm*100) / 100
			out.Items[i].DistanceKm = &d
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) submitProfessional(w http.ResponseWriter, r *http.Request) error {
	var in professionalJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.SubmitProfessional(r.Context(), in.professional())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/professionals/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, toProfessionalJSON(p))
	return nil
}

func (h *Handler) getProfessional(w http.ResponseWriter, r *http.Request) error {
	p, err := h.svc.Professional(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toProfessionalJSON(p))
	return nil
}

func (h *Handler) decideProfessional(w http.ResponseWriter, r *http.Request) error {
	var in decisionJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.DecideProfessional(r.Context(), r.PathValue("id"), Decision{Status: in.Decision, Reason: in.Reason})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toProfessionalJSON(p))
	return nil
}

func (h *Handler) searchProfessionals(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseProfessionalQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.svc.SearchProfessionals(r.Context(), q)
	if err != nil {
		return err
	}
	out := pageJSON[professionalJSON]{Total: page.Total, Page: page.Page, PageSize: page.PageSize, Items: make([]professionalJSON, len(page.Items))}
	for i, it := range page.Items {
		out.Items[i] = toProfessionalJSON(it.Professional)
		out.Items[i].SubmittedAt = nil
		if q.Near != nil {
			d := math.Round(it.DistanceKm*100) / 100
			out.Items[i].DistanceKm = &d
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) searchDrugs(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseDrugQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.svc.SearchDrugs(r.Context(), q)
	if err != nil {
		return err
	}
	out := pageJSON[drugJSON]{Total: page.Total, Page: page.Page, PageSize: page.PageSize, Items: make([]drugJSON, len(page.Items))}
	for i, d := range page.Items {
		out.Items[i] = toDrugJSON(d)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getDrug(w http.ResponseWriter, r *http.Request) error {
	d, err := h.svc.store.Drug(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toDrugJSON(d))
	return nil
}

func (h *Handler) facilityHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history(w, r, KindFacility)
}

func (h *Handler) professionalHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history(w, r, KindProfessional)
}

func (h *Handler) history(w http.ResponseWriter, r *http.Request, kind Kind) error {
	hs, err := h.svc.History(r.Context(), kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	type entry struct {
		At     string `json:"at"`
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Reason string `json:"reason,omitempty"`
	}
	out := make([]entry, len(hs))
	for i, e := range hs {
		out[i] = entry{At: e.At.UTC().Format("2006-01-02T15:04:05.000Z"), Actor: e.Actor, Action: e.Action, Reason: e.Reason}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"history": out})
	return nil
}

func queueParams(v url.Values) (state, after string, limit int, err error) {
	state, after = v.Get("state"), v.Get("after")
	if s := v.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > MaxQueuePage {
			return "", "", 0, arogya.Errorf(arogya.EINVALID, "limit must be 1 to %d", MaxQueuePage)
		}
	}
	return state, after, limit, nil
}

func (h *Handler) facilityQueue(w http.ResponseWriter, r *http.Request) error {
	state, after, limit, err := queueParams(r.URL.Query())
	if err != nil {
		return err
	}
	fs, err := h.svc.PendingFacilities(r.Context(), state, after, limit)
	if err != nil {
		return err
	}
	items := make([]facilityJSON, len(fs))
	for i, f := range fs {
		items[i] = toFacilityJSON(f)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (h *Handler) professionalQueue(w http.ResponseWriter, r *http.Request) error {
	state, after, limit, err := queueParams(r.URL.Query())
	if err != nil {
		return err
	}
	ps, err := h.svc.PendingProfessionals(r.Context(), state, after, limit)
	if err != nil {
		return err
	}
	items := make([]professionalJSON, len(ps))
	for i, p := range ps {
		items[i] = toProfessionalJSON(p)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (h *Handler) vocabularies(w http.ResponseWriter, r *http.Request) error {
	type term struct {
		Code  string `json:"code"`
		Label string `json:"label"`
	}
	conv := func(v Vocabulary) []term {
		out := make([]term, len(v))
		for i, t := range v {
			out[i] = term(t)
		}
		return out
	}
	subs := map[string][]term{}
	for k, v := range OwnershipSubTypes {
		subs[k] = conv(v)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"facilityTypes": conv(FacilityTypes), "ownerships": conv(Ownerships), "ownershipSubTypes": subs,
		"systemsOfMedicine": conv(SystemsOfMedicine), "professionalCategories": conv(ProfessionalCategories),
		"healthWorkerCategories": HealthWorkerCategories, "specialities": conv(Specialities),
		"languages": conv(Languages), "dosageForms": conv(DosageForms), "routes": conv(Routes),
		"schedules": conv(Schedules), "abdmRoles": conv(ABDMRoles),
	})
	return nil
}

type verifierJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	StateCode string `json:"stateCode"`
	Disabled  bool   `json:"disabled"`
	Key       string `json:"key,omitempty"` // only when created
	CreatedAt string `json:"createdAt"`
}

func toVerifierJSON(v *Verifier) verifierJSON {
	return verifierJSON{ID: v.ID, Name: v.Name, StateCode: v.StateCode, Disabled: v.Disabled,
		CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func (h *Handler) createVerifier(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string `json:"name"`
		StateCode string `json:"stateCode"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	v, key, err := h.svc.CreateVerifier(r.Context(), in.Name, in.StateCode)
	if err != nil {
		return err
	}
	out := toVerifierJSON(v)
	out.Key = key
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) listVerifiers(w http.ResponseWriter, r *http.Request) error {
	vs, err := h.svc.Verifiers(r.Context())
	if err != nil {
		return err
	}
	out := make([]verifierJSON, len(vs))
	for i, v := range vs {
		out[i] = toVerifierJSON(v)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (h *Handler) setVerifier(disabled bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := h.svc.SetVerifierDisabled(r.Context(), r.PathValue("id"), disabled); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
