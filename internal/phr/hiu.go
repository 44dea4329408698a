package phr

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/arogya-health/arogya"
)

// HIU is the PHR's own health information user: in ABDM the person's app
// fetches their own records as any HIU does, with a consent request of
// purpose PATRQT ("Self Requested") that the person grants, and the data
// pushed, encrypted, to the app's HIU. HIU calls one facility's JSON API
// of an HIU bridge (/api/v1/hiu/{hiuId}/…) over HTTP, with a credential
// that API takes for a system (the operator token of the node that runs
// it). It never imports the HIU's packages.
type HIU struct {
	c        *Client
	facility atomic.Pointer[string]
	token    string
}

// NewHIU returns a client of the HIU API at base, acting for facility
// (the PHR's HIU ID) with token. A nil hc means http.DefaultClient.
func NewHIU(base, facility, token string, hc *http.Client) *HIU {
	h := &HIU{c: New(base, hc), token: token}
	h.SetID(facility)
	return h
}

// ID is the PHR's HIU ID; "" until it has one.
func (h *HIU) ID() string { return *h.facility.Load() }

// SetID sets the PHR's HIU ID: a demo makes its facility once the node
// serves, as an operator adds it with POST /api/v1/admin/hiu/facilities.
func (h *HIU) SetID(facility string) {
	id := strings.ToUpper(strings.TrimSpace(facility))
	h.facility.Store(&id)
}

func (h *HIU) path(p string) string { return "/api/v1/hiu/" + pathID(h.ID()) + p }

// do calls the HIU API. The HIU refusing the PHR's credential is the
// node's configuration at fault, not the person's login: it is EINTERNAL.
func (h *HIU) do(ctx context.Context, method, path string, in, out any) error {
	if h.ID() == "" {
		return &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the PHR has no HIU"}
	}
	err := h.c.do(ctx, h.token, method, path, in, out)
	return hiuError(err)
}

func hiuError(err error) error {
	switch arogya.ErrorCode(err) {
	case arogya.EUNAUTHORIZED, arogya.EFORBIDDEN:
		return &arogya.Error{Code: arogya.EINTERNAL, Message: "the HIU refused the PHR's credential"}
	}
	return err
}

// SelfConsent is what the PHR asks for the person.
type SelfConsent struct {
	Patient  string   // the person's ABHA address
	HIPID    string   // the visit's facility
	HITypes  []string // the visit's record types
	From, To time.Time
	EraseAt  time.Time // dataEraseAt: short, the copies are for viewing
}

// HIUConsentRequest is a consent request the PHR's HIU made.
type HIUConsentRequest struct {
	ID               string   `json:"id"`
	ConsentRequestID string   `json:"consentRequestId"` // the CM's ID, once it took it
	Status           string   `json:"status"`
	Patient          string   `json:"patient"`
	Purpose          string   `json:"purpose"`
	HIPID            string   `json:"hipId"`
	HITypes          []string `json:"hiTypes"`
	DataEraseAt      Time     `json:"dataEraseAt"`
	ArtefactIDs      []string `json:"artefactIds"`
	DateRange        struct {
		From Time `json:"from"`
		To   Time `json:"to"`
	} `json:"dateRange"`
}

// RequestConsent asks the HIU to send a PATRQT consent request for the
// person to the CM.
func (h *HIU) RequestConsent(ctx context.Context, in SelfConsent) (*HIUConsentRequest, error) {
	var out HIUConsentRequest
	err := h.do(ctx, "POST", h.path("/consent-requests"), map[string]any{
		"patient": in.Patient, "hipId": in.HIPID, "purpose": "PATRQT", "hiTypes": in.HITypes,
		"dateRange":   map[string]Time{"from": {in.From}, "to": {in.To}},
		"dataEraseAt": Time{in.EraseAt}, "requestsPerHour": 10}, &out)
	return &out, err
}

// ConsentRequest returns one of the HIU's consent requests.
func (h *HIU) ConsentRequest(ctx context.Context, id string) (*HIUConsentRequest, error) {
	var out HIUConsentRequest
	err := h.do(ctx, "GET", h.path("/consent-requests/"+pathID(id)), nil, &out)
	return &out, err
}

// ConsentRequests lists the HIU's consent requests for the person's ABHA
// address, newest first.
func (h *HIU) ConsentRequests(ctx context.Context, patient string) ([]HIUConsentRequest, error) {
	var out struct {
		ConsentRequests []HIUConsentRequest `json:"consentRequests"`
	}
	err := h.do(ctx, "GET", h.path("/consent-requests?patient="+url.QueryEscape(patient)), nil, &out)
	return out.ConsentRequests, err
}

// HIUArtefact is a consent artefact the HIU holds.
type HIUArtefact struct {
	ID               string `json:"id"`
	ConsentRequestID string `json:"consentRequestId"`
	Status           string `json:"status"`
	Patient          string `json:"patient"`
	HIP              Ref    `json:"hip"`
	DataEraseAt      Time   `json:"dataEraseAt"`
	CareContexts     []struct {
		PatientReference     string `json:"patientReference"`
		CareContextReference string `json:"careContextReference"`
	} `json:"careContexts"`
}

// Artefacts lists the artefacts granted under the HIU's consent request.
func (h *HIU) Artefacts(ctx context.Context, consentRequestID string) ([]HIUArtefact, error) {
	var out struct {
		Artefacts []HIUArtefact `json:"artefacts"`
	}
	err := h.do(ctx, "GET", h.path("/artefacts?"+url.Values{"consentRequestId": {consentRequestID}}.Encode()), nil, &out)
	return out.Artefacts, err
}

// HIUTransfer is a health-information request the HIU made.
type HIUTransfer struct {
	ID            string `json:"id"`
	ConsentID     string `json:"consentId"`
	Status        string `json:"status"`
	PageCount     int    `json:"pageCount"`
	PagesReceived int    `json:"pagesReceived"`
	Records       int    `json:"records"`
}

// RequestData asks the HIU for the data artefact id covers.
func (h *HIU) RequestData(ctx context.Context, artefactID string) (*HIUTransfer, error) {
	var out HIUTransfer
	err := h.do(ctx, "POST", h.path("/artefacts/"+pathID(artefactID)+"/data-requests"), map[string]any{}, &out)
	return &out, err
}

// Transfer returns one of the HIU's health-information requests.
func (h *HIU) Transfer(ctx context.Context, id string) (*HIUTransfer, error) {
	var out HIUTransfer
	err := h.do(ctx, "GET", h.path("/data-requests/"+pathID(id)), nil, &out)
	return &out, err
}

// HIURecord is one record the HIU received, without its contents.
type HIURecord struct {
	ID          string `json:"id"`
	ConsentID   string `json:"consentId"`
	HIPID       string `json:"hipId"`
	HIPName     string `json:"-"`
	ContextRef  string `json:"careContextReference"`
	HIType      string `json:"hiType"`
	Title       string `json:"title"`
	Date        Time   `json:"date"`
	DataEraseAt Time   `json:"dataEraseAt"`
}

// Records lists the records the HIU received under artefact consentID.
func (h *HIU) Records(ctx context.Context, consentID string) ([]HIURecord, error) {
	var out struct {
		Groups []struct {
			HIP     Ref         `json:"hip"`
			Records []HIURecord `json:"records"`
		} `json:"groups"`
	}
	if err := h.do(ctx, "GET", h.path("/records?"+url.Values{"consentId": {consentID}}.Encode()), nil, &out); err != nil {
		return nil, err
	}
	var rs []HIURecord
	for _, g := range out.Groups {
		for _, r := range g.Records {
			r.HIPName = g.HIP.Name
			rs = append(rs, r)
		}
	}
	return rs, nil
}

// Record returns a record's FHIR bundle as the HIP sent it. The caller
// clears it when done.
func (h *HIU) Record(ctx context.Context, id string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", h.c.base+h.path("/records/"+pathID(id)), nil)
	if err != nil {
		return nil, fmt.Errorf("phr: hiu record: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Accept", "application/fhir+json")
	res, err := h.c.hc.Do(req)
	if err != nil {
		return nil, &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the HIU cannot be reached now; try again later"}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the HIU's answer broke off; try again"}
	}
	if len(raw) > maxBody {
		return nil, fmt.Errorf("phr: hiu record over %d bytes", maxBody)
	}
	if res.StatusCode != http.StatusOK {
		return nil, hiuError(DecodeError(res.StatusCode, raw))
	}
	return raw, nil
}
