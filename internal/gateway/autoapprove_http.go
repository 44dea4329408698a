package gateway

import (
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

func (h *Handler) registerAutoApproval(mux *http.ServeMux) {
	mux.Handle("POST /cm/consents/auto-approve", h.personal(h.autoApprove))
	mux.Handle("POST /cm/consents/auto-approval-policy/{id}/disable", h.personal(h.autoEnable(false)))
	mux.Handle("POST /cm/consents/auto-approval-policy/{id}/enable", h.personal(h.autoEnable(true)))
	mux.Handle("GET /cm/consents/auto-approval-policies", h.personal(h.autoList))
}

// autoSourceJSON is ConsentAutoApprovalIncludedSource / ExcludedSource.
type autoSourceJSON struct {
	HITypes []string        `json:"hiTypes"`
	Purpose consent.Purpose `json:"purpose"`
	HIP     *consent.OrgRef `json:"hip,omitempty"`
	Period  *struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	} `json:"period,omitempty"`
}

type autoPolicyJSON struct {
	ID                     string           `json:"autoApprovalId,omitempty"`
	IsApplicableForAllHIPs bool             `json:"isApplicableForAllHIPs"`
	HIU                    consent.OrgRef   `json:"hiu"`
	IncludedSources        []autoSourceJSON `json:"includedSources"`
	ExcludedSources        []autoSourceJSON `json:"excludedSources"`
	Enabled                *bool            `json:"enabled,omitempty"`
}

func sourcesOf(in []autoSourceJSON) []consent.AutoSource {
	out := make([]consent.AutoSource, len(in))
	for i, s := range in {
		out[i] = consent.AutoSource{Purpose: s.Purpose.Code, HITypes: s.HITypes}
		if s.HIP != nil {
			out[i].HIP = s.HIP.ID
		}
		if s.Period != nil {
			out[i].From, out[i].To = s.Period.From, s.Period.To
		}
	}
	return out
}

func sourcesJSON(in []consent.AutoSource, withPeriod bool) []autoSourceJSON {
	out := make([]autoSourceJSON, len(in))
	for i, s := range in {
		out[i] = autoSourceJSON{HITypes: s.HITypes, Purpose: consent.Purpose{Code: s.Purpose, Text: consent.Purposes[s.Purpose]}}
		if s.HIP != "" {
			out[i].HIP = &consent.OrgRef{ID: s.HIP}
		}
		if withPeriod {
			out[i].Period = &struct {
				From time.Time `json:"from"`
				To   time.Time `json:"to"`
			}{s.From, s.To}
		}
	}
	return out
}

// autoApprove takes ConsentAutoApprovalRequestRepresentation with
// X-AUTH-TOKEN (scope consent.autoaprove) and answers {"autoApprovalId"}.
func (h *Handler) autoApprove(w http.ResponseWriter, r *http.Request, patient string) error {
	var body autoPolicyJSON
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	p := &consent.AutoPolicy{HIUID: body.HIU.ID, AllHIPs: body.IsApplicableForAllHIPs,
		Included: sourcesOf(body.IncludedSources), Excluded: sourcesOf(body.ExcludedSources)}
	if err := h.svc.SetAutoPolicy(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), p); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"autoApprovalId": p.ID})
	return nil
}

func (h *Handler) autoEnable(enabled bool) func(w http.ResponseWriter, r *http.Request, patient string) error {
	return func(w http.ResponseWriter, r *http.Request, patient string) error {
		if !protocol.IsUUID(r.PathValue("id")) {
			return arogya.Errorf(arogya.EINVALID, "auto-approval-id must be a UUID")
		}
		if err := h.svc.EnableAutoPolicy(r.Context(), patient, r.PathValue("id"), enabled); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// autoList lists the person's policies (not in the spec, which has no
// way to see them again).
func (h *Handler) autoList(w http.ResponseWriter, r *http.Request, patient string) error {
	ps, err := h.svc.AutoPolicies(r.Context(), patient)
	if err != nil {
		return err
	}
	out := make([]autoPolicyJSON, len(ps))
	for i, p := range ps {
		enabled := p.Enabled
		out[i] = autoPolicyJSON{ID: p.ID, IsApplicableForAllHIPs: p.AllHIPs, HIU: consent.OrgRef{ID: p.HIUID},
			IncludedSources: sourcesJSON(p.Included, true), ExcludedSources: sourcesJSON(p.Excluded, false), Enabled: &enabled}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"policies": out})
	return nil
}
