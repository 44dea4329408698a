package consent

import (
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// Artefact is a granted consent for one HIP: what the HIU may fetch from
// it. Detail is the consentDetail exactly as signed; Signature is a JWS
// (RS256, the consent manager's signing key, published in the gateway's
// certs) whose payload is Detail.
type Artefact struct {
	ID        string // UUID: the consentId
	RequestID string
	Status    string // GRANTED, REVOKED, EXPIRED
	Patient   string
	HIPID     string
	HIUID     string
	BridgeID  string    // the HIU's bridge
	EraseAt   time.Time // permission.dataEraseAt: the grant ends then
	Detail    []byte    // canonical JSON of consentDetail
	Signature string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Grant is the person's choice for one HIP when approving a request.
type Grant struct {
	HIP          OrgRef           `json:"hip"`
	CareContexts []CareContextRef `json:"careContexts"`
	HITypes      []string         `json:"hiTypes"`
	Permission   *Permission      `json:"permission"`
}

// CheckGrants checks the person's choices against the request: one grant
// per HIP, at least one care context each, HI types among those asked for,
// a date range inside the one asked for, an erase date no later, the same
// access mode. A grant without permission takes the request's.
func CheckGrants(r *Request, gs []Grant, now time.Time) ([]Grant, error) {
	if len(gs) == 0 || len(gs) > 50 {
		return nil, arogya.Errorf(arogya.EINVALID, "choose 1 to 50 HIPs to share from")
	}
	seen := map[string]bool{}
	out := make([]Grant, len(gs))
	for i, g := range gs {
		g.HIP.ID = strings.ToUpper(strings.TrimSpace(g.HIP.ID))
		if g.HIP.ID == "" || seen[g.HIP.ID] {
			return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].hip.id is missing or repeated", i)
		}
		seen[g.HIP.ID] = true
		if r.HIP != nil && r.HIP.ID != g.HIP.ID {
			return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].hip: the request is for another HIP", i)
		}
		if len(g.CareContexts) == 0 || len(g.CareContexts) > 1000 {
			return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].careContexts must list 1 to 1000 care contexts", i)
		}
		for _, cc := range g.CareContexts {
			if cc.PatientReference == "" || cc.CareContextReference == "" {
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].careContexts entries need patientReference and careContextReference", i)
			}
			if len(r.CareContexts) > 0 && !slices.Contains(r.CareContexts, cc) {
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].careContexts: the request did not ask for one of them", i)
			}
		}
		if len(g.HITypes) == 0 {
			g.HITypes = r.HITypes
		}
		for _, t := range g.HITypes {
			if !slices.Contains(r.HITypes, t) {
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].hiTypes: the request did not ask for one of them", i)
			}
		}
		p := r.Permission
		if g.Permission != nil {
			q := *g.Permission
			switch {
			case q.AccessMode != p.AccessMode:
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].permission.accessMode must stay %s", i, p.AccessMode)
			case q.DateRange.From.Before(p.DateRange.From) || q.DateRange.To.After(p.DateRange.To) || q.DateRange.To.Before(q.DateRange.From):
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].permission.dateRange must lie inside the one asked for", i)
			case q.DataEraseAt.After(p.DataEraseAt) || !q.DataEraseAt.After(now):
				return nil, arogya.Errorf(arogya.EINVALID, "consents[%d].permission.dataEraseAt must be in the future and no later than asked", i)
			case q.Frequency.Unit == "":
				q.Frequency = p.Frequency
			}
			q.DateRange.From, q.DateRange.To, q.DataEraseAt = q.DateRange.From.UTC(), q.DateRange.To.UTC(), q.DataEraseAt.UTC()
			p = q
		}
		g.Permission = &p
		out[i] = g
	}
	return out, nil
}

// DetailOf is the consentDetail of the artefact for one grant: the shape
// of ndhm-gateway.yml's ConsentArtefactResponse (with hiu, requester and
// consentManager, which v3 adds and v0.5 receivers ignore).
func DetailOf(r *Request, g Grant, artefactID, cmID string, at time.Time) map[string]any {
	p := g.Permission
	purpose := map[string]any{"code": r.Purpose.Code, "text": r.Purpose.Text}
	if r.Purpose.RefURI != "" {
		purpose["refUri"] = r.Purpose.RefURI
	}
	ccs := make([]map[string]string, len(g.CareContexts))
	for i, cc := range g.CareContexts {
		ccs[i] = map[string]string{"patientReference": cc.PatientReference, "careContextReference": cc.CareContextReference}
	}
	requester := map[string]any{"name": r.Requester.Name}
	if id := r.Requester.Identifier; id != nil {
		requester["identifier"] = map[string]string{"type": id.Type, "value": id.Value, "system": id.System}
	}
	hip := map[string]any{"id": g.HIP.ID}
	if g.HIP.Name != "" {
		hip["name"] = g.HIP.Name
	}
	return map[string]any{
		"schemaVersion":  "v3",
		"consentId":      artefactID,
		"createdAt":      at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"patient":        map[string]string{"id": r.Patient},
		"careContexts":   ccs,
		"purpose":        purpose,
		"hip":            hip,
		"hiu":            map[string]string{"id": r.HIU.ID},
		"consentManager": map[string]string{"id": cmID},
		"requester":      requester,
		"hiTypes":        g.HITypes,
		"permission": map[string]any{
			"accessMode":  p.AccessMode,
			"dateRange":   map[string]string{"from": p.DateRange.From.UTC().Format("2006-01-02T15:04:05.000Z"), "to": p.DateRange.To.UTC().Format("2006-01-02T15:04:05.000Z")},
			"dataEraseAt": p.DataEraseAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			"frequency":   map[string]any{"unit": p.Frequency.Unit, "value": p.Frequency.Value, "repeats": p.Frequency.Repeats},
		},
	}
}
