package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The person's access log: every health-information request made under
// their consents — who asked (the HIU), of whom (the HIP), for which
// dates, under which consent and purpose, when, and how it went. The CM
// sees every such request (§3.6), so this is the complete list of fetches
// of the person's records through the exchange.

// Access is one entry of a person's access log.
type Access struct {
	Flow    *consent.Flow
	HIUName string // "" when the service is unknown now
	HIPName string
	Purpose string // the consent's purpose code, e.g. CAREMGT
	HITypes []string
}

// PersonAccessLog lists the health-information requests made under the
// person's consents, newest first.
func (s *Service) PersonAccessLog(ctx context.Context, patient string, limit, offset int) ([]*Access, error) {
	limit, err := personPage(limit, offset)
	if err != nil {
		return nil, err
	}
	flows, err := s.person.FlowsByPatient(ctx, patient, limit, offset)
	if err != nil {
		return nil, err
	}
	type grant struct {
		purpose string
		types   []string
	}
	grants := map[string]grant{}
	name := func(id string) string {
		if svc, err := s.service(ctx, id); err == nil {
			return svc.Name
		}
		return ""
	}
	out := make([]*Access, len(flows))
	for i, f := range flows {
		g, ok := grants[f.ArtefactID]
		if !ok {
			if a, err := s.person.Artefact(ctx, f.ArtefactID); err == nil {
				var d struct {
					Purpose struct {
						Code string `json:"code"`
					} `json:"purpose"`
					HITypes []string `json:"hiTypes"`
				}
				if json.Unmarshal(a.Detail, &d) == nil {
					g = grant{d.Purpose.Code, d.HITypes}
				}
			}
			grants[f.ArtefactID] = g
		}
		out[i] = &Access{Flow: f, HIUName: name(f.HIUID), HIPName: name(f.HIPID), Purpose: g.purpose, HITypes: g.types}
	}
	return out, nil
}

// accessLog takes GET /cm/patients/access-log?limit=&offset=.
func (h *Handler) accessLog(w http.ResponseWriter, r *http.Request, patient string) error {
	limit, offset, err := pageQuery(r.URL.Query(), "limit", "offset")
	if err != nil {
		return err
	}
	log, err := h.svc.PersonAccessLog(r.Context(), patient, limit, offset)
	if err != nil {
		return err
	}
	ts := func(t time.Time) string { return t.UTC().Format(protocol.TimestampLayout) }
	entries := make([]map[string]any, len(log))
	for i, a := range log {
		f := a.Flow
		entries[i] = map[string]any{
			"transactionId": f.TransactionID,
			"consentId":     f.ArtefactID,
			"hiu":           map[string]string{"id": f.HIUID, "name": a.HIUName},
			"hip":           map[string]string{"id": f.HIPID, "name": a.HIPName},
			"purpose":       a.Purpose,
			"hiTypes":       a.HITypes,
			"dateRange":     map[string]string{"from": ts(f.From), "to": ts(f.To)},
			"status":        f.Status,
			"requestedAt":   ts(f.RequestedAt),
			"updatedAt":     ts(f.UpdatedAt),
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"limit": limit, "offset": offset, "size": len(entries), "accessLog": entries})
	return nil
}
