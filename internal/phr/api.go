package phr

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/protocol"
)

// PIN scopes the CM's verify-pin takes: what the temporary token allows.
const (
	ScopeApprove = "consentrequest.approve"
	ScopeRevoke  = "consent.revoke"
	ScopeUnlock  = "consent.unlock"
)

// Time is a CM timestamp; the zero Time when absent or malformed.
type Time struct{ time.Time }

// UnmarshalJSON takes the protocol's timestamps and ignores any other
// value rather than failing the whole answer.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if v, err := protocol.ParseTimestamp(s); err == nil {
		t.Time = v
	}
	return nil
}

// MarshalJSON writes the protocol's layout.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(protocol.TimestampLayout) + `"`), nil
}

// Ref names an HIP or HIU.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// LinkedContext is one linked visit (care context) at a facility, with
// what the HIP last told of it.
type LinkedContext struct {
	ReferenceNumber string   `json:"referenceNumber"`
	Display         string   `json:"display"`
	HITypes         []string `json:"hiTypes"`
	Date            Time     `json:"date"`       // the latest record's date
	NotifiedAt      Time     `json:"notifiedAt"` // when the HIP told
}

// Facility is the person's record at one HIP and the visits linked there.
type Facility struct {
	HIP             Ref             `json:"hip"`
	ReferenceNumber string          `json:"referenceNumber"`
	Display         string          `json:"display"`
	CareContexts    []LinkedContext `json:"careContexts"`
}

// Links returns the person's linked facilities and visits.
func (c *Client) Links(ctx context.Context, token string) ([]Facility, error) {
	var out struct {
		Patient struct {
			Links []Facility `json:"links"`
		} `json:"patient"`
	}
	err := c.do(ctx, token, "GET", "/cm/patients/links", nil, &out)
	return out.Patient.Links, err
}

// CareContext is a visit a HIP found at discovery.
type CareContext struct {
	ReferenceNumber string `json:"referenceNumber"`
	Display         string `json:"display,omitempty"`
}

// Discovery is what a HIP found of the person.
type Discovery struct {
	TransactionID string `json:"transactionId"`
	Patient       struct {
		ReferenceNumber string        `json:"referenceNumber"`
		Display         string        `json:"display"`
		CareContexts    []CareContext `json:"careContexts"`
		MatchedBy       []string      `json:"matchedBy"`
	} `json:"patient"`
}

// Discover asks the HIP for the person's records there.
func (c *Client) Discover(ctx context.Context, token, hipID string) (*Discovery, error) {
	var out Discovery
	err := c.do(ctx, token, "POST", "/cm/v1/care-contexts/discover", map[string]any{
		"requestId": uuid.NewString(), "hip": map[string]string{"id": hipID}}, &out)
	return &out, err
}

// Link is a started linking: the HIP sent an OTP.
type Link struct {
	ReferenceNumber    string `json:"referenceNumber"`
	AuthenticationType string `json:"authenticationType"`
	Meta               struct {
		CommunicationMedium string `json:"communicationMedium"`
		CommunicationHint   string `json:"communicationHint"`
		CommunicationExpiry string `json:"communicationExpiry"`
	} `json:"meta"`
}

// LinkInit asks the HIP to link care contexts found under transactionID.
func (c *Client) LinkInit(ctx context.Context, token, transactionID, patientRef string, refs []string) (*Link, error) {
	ccs := make([]map[string]string, len(refs))
	for i, r := range refs {
		ccs[i] = map[string]string{"referenceNumber": r}
	}
	var out struct {
		Link Link `json:"link"`
	}
	err := c.do(ctx, token, "POST", "/cm/v1/links/link/init", map[string]any{"requestId": uuid.NewString(),
		"transactionId": transactionID, "patient": map[string]any{"referenceNumber": patientRef, "careContexts": ccs}}, &out)
	return &out.Link, err
}

// LinkConfirm finishes a linking with the OTP the HIP sent.
func (c *Client) LinkConfirm(ctx context.Context, token, linkRef, otp string) error {
	return c.do(ctx, token, "POST", "/cm/v1/links/link/confirm/"+pathID(linkRef), map[string]string{"token": otp}, nil)
}

// DateRange is a permission's dates.
type DateRange struct {
	From Time `json:"from"`
	To   Time `json:"to"`
}

// Permission is what a request asks or an artefact allows.
type Permission struct {
	AccessMode  string    `json:"accessMode"`
	DateRange   DateRange `json:"dateRange"`
	DataEraseAt Time      `json:"dataEraseAt"`
	Frequency   struct {
		Unit    string `json:"unit"`
		Value   int    `json:"value"`
		Repeats int    `json:"repeats"`
	} `json:"frequency"`
}

// CareContextRef is one care context at a HIP, as consents name them.
type CareContextRef struct {
	PatientReference     string `json:"patientReference"`
	CareContextReference string `json:"careContextReference"`
}

// Purpose is why data is asked for.
type Purpose struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Request is a consent request an HIU made of the person.
type Request struct {
	ID           string                `json:"id"`
	CreatedAt    Time                  `json:"createdAt"`
	LastUpdated  Time                  `json:"lastUpdated"`
	Status       string                `json:"status"`
	Purpose      Purpose               `json:"purpose"`
	HIP          *Ref                  `json:"hip"`
	HIU          Ref                   `json:"hiu"`
	Requester    struct{ Name string } `json:"requester"`
	HITypes      []string              `json:"hiTypes"`
	CareContexts []CareContextRef      `json:"careContexts"`
	Permission   Permission            `json:"permission"`
}

// Requests lists the person's consent requests; status "" means all.
func (c *Client) Requests(ctx context.Context, token, status string) ([]Request, error) {
	q := url.Values{"consentLimit": {"100"}}
	if status != "" {
		q.Set("status", status)
	}
	var out struct {
		Consents struct {
			Requests []Request `json:"requests"`
		} `json:"consents"`
	}
	err := c.do(ctx, token, "GET", "/cm/patients/requests?"+q.Encode(), nil, &out)
	return out.Consents.Requests, err
}

// Request returns one consent request.
func (c *Client) Request(ctx context.Context, token, id string) (*Request, error) {
	var out Request
	err := c.do(ctx, token, "GET", "/cm/consent-requests/"+pathID(id), nil, &out)
	return &out, err
}

// Grant is the person's choice for one HIP when approving.
type Grant struct {
	HIP          Ref              `json:"hip"`
	CareContexts []CareContextRef `json:"careContexts"`
	HITypes      []string         `json:"hiTypes"`
	Permission   *Permission      `json:"permission,omitempty"`
}

// Approved is an artefact an approval made.
type Approved struct {
	ID     string `json:"id"`
	HIP    Ref    `json:"hip"`
	Status string `json:"status"`
}

// Approve grants request id as the grants say, with a PIN token of scope
// ScopeApprove for the request.
func (c *Client) Approve(ctx context.Context, token, pinToken, id string, grants []Grant) ([]Approved, error) {
	var out struct {
		Consents []Approved `json:"consents"`
	}
	err := c.do(ctx, token, "POST", "/cm/consent-requests/"+pathID(id)+"/approve", map[string]any{"consents": grants}, &out,
		header{"X-AUTH-TOKEN", pinToken})
	return out.Consents, err
}

// Deny refuses request id.
func (c *Client) Deny(ctx context.Context, token, id string) error {
	return c.do(ctx, token, "POST", "/cm/consent-requests/"+pathID(id)+"/deny", map[string]any{}, nil)
}

// Revoke ends the artefacts ids, with a PIN token of scope ScopeRevoke.
func (c *Client) Revoke(ctx context.Context, token, pinToken string, ids []string) error {
	return c.do(ctx, token, "POST", "/cm/consents/revoke", map[string]any{"consents": ids}, nil, header{"X-AUTH-TOKEN", pinToken})
}

// ArtefactDetail is a signed artefact's consentDetail.
type ArtefactDetail struct {
	ConsentID    string                `json:"consentId"`
	CreatedAt    Time                  `json:"createdAt"`
	Purpose      Purpose               `json:"purpose"`
	HIP          Ref                   `json:"hip"`
	HIU          Ref                   `json:"hiu"`
	Requester    struct{ Name string } `json:"requester"`
	HITypes      []string              `json:"hiTypes"`
	CareContexts []CareContextRef      `json:"careContexts"`
	Permission   Permission            `json:"permission"`
}

// Artefact is a consent the person gave.
type Artefact struct {
	Status string         `json:"status"`
	Detail ArtefactDetail `json:"consentDetail"`
}

// Artefacts lists the person's consent artefacts; status "" means all.
func (c *Client) Artefacts(ctx context.Context, token, status string) ([]Artefact, error) {
	q := url.Values{"limit": {"100"}}
	if status != "" {
		q.Set("status", status)
	}
	var out struct {
		Artefacts []Artefact `json:"consentArtefacts"`
	}
	err := c.do(ctx, token, "GET", "/cm/consent-artefacts?"+q.Encode(), nil, &out)
	return out.Artefacts, err
}

// Artefact returns one consent artefact.
func (c *Client) Artefact(ctx context.Context, token, id string) (*Artefact, error) {
	var out Artefact
	err := c.do(ctx, token, "GET", "/cm/consents/"+pathID(id), nil, &out)
	return &out, err
}

// SetPIN sets the person's consent PIN the first time.
func (c *Client) SetPIN(ctx context.Context, token, pin string) error {
	return c.do(ctx, token, "POST", "/cm/patients/pin", map[string]string{"pin": pin}, nil)
}

// VerifyPIN checks the PIN and returns a short-lived token for scope (and
// the request, for approvals).
func (c *Client) VerifyPIN(ctx context.Context, token, pin, scope, requestID string) (string, error) {
	var out struct {
		TemporaryToken string `json:"temporaryToken"`
	}
	err := c.do(ctx, token, "POST", "/cm/patients/verify-pin", map[string]string{"pin": pin, "scope": scope, "requestId": requestID}, &out)
	return out.TemporaryToken, err
}

// Access is one fetch of the person's records.
type Access struct {
	TransactionID string    `json:"transactionId"`
	ConsentID     string    `json:"consentId"`
	HIU           Ref       `json:"hiu"`
	HIP           Ref       `json:"hip"`
	Purpose       string    `json:"purpose"`
	HITypes       []string  `json:"hiTypes"`
	DateRange     DateRange `json:"dateRange"`
	Status        string    `json:"status"`
	RequestedAt   Time      `json:"requestedAt"`
	UpdatedAt     Time      `json:"updatedAt"`
}

// AccessLog lists who fetched the person's records, newest first.
func (c *Client) AccessLog(ctx context.Context, token string) ([]Access, error) {
	var out struct {
		AccessLog []Access `json:"accessLog"`
	}
	err := c.do(ctx, token, "GET", "/cm/patients/access-log?limit=100", nil, &out)
	return out.AccessLog, err
}

// Lock is whether the person's ABHA refuses new consent requests.
type Lock struct {
	Locked   bool `json:"locked"`
	LockedAt Time `json:"lockedAt"`
}

// Lock returns the person's lock.
func (c *Client) Lock(ctx context.Context, token string) (*Lock, error) {
	var out Lock
	err := c.do(ctx, token, "GET", "/cm/patients/lock", nil, &out)
	return &out, err
}

// SetLock locks, or with a PIN token of scope ScopeUnlock unlocks.
func (c *Client) SetLock(ctx context.Context, token, pinToken string, locked bool) (*Lock, error) {
	var out Lock
	var hdr []header
	if pinToken != "" {
		hdr = append(hdr, header{"X-AUTH-TOKEN", pinToken})
	}
	err := c.do(ctx, token, "PUT", "/cm/patients/lock", map[string]bool{"locked": locked}, &out, hdr...)
	return &out, err
}

// Share is a facility's answer to the person's profile.
type Share struct {
	Status      string `json:"status"`
	TokenNumber string `json:"tokenNumber"`
	Expiry      string `json:"expiry"`
}

// ShareProfile shares the person's profile at HIP hipID, at its counter
// code (may be empty).
func (c *Client) ShareProfile(ctx context.Context, token, hipID, code string) (*Share, error) {
	var out Share
	err := c.do(ctx, token, "POST", "/cm/patients/profile/share", map[string]any{"requestId": uuid.NewString(),
		"hipDetails": map[string]string{"id": hipID, "customCode": code}}, &out)
	return &out, err
}
