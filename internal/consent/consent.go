// Package consent is the consent manager's domain: consent requests that
// HIUs make, the person's decision on them, and the signed artefacts a
// grant produces (issue 4). This file holds the request and its checks;
// the state machine, artefacts and the person's API build on it.
package consent

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// Request statuses.
const (
	StatusRequested = "REQUESTED"
	StatusGranted   = "GRANTED"
	StatusDenied    = "DENIED"
	StatusExpired   = "EXPIRED"
	StatusRevoked   = "REVOKED"
)

// Purposes are ABDM's purposes of use, with the text the v3 spec fixes.
var Purposes = map[string]string{
	"CAREMGT": "Care Management",
	"BTG":     "Break the Glass",
	"PUBHLTH": "Public Health",
	"HPAYMT":  "Healthcare Payment",
	"DSRCH":   "Disease Specific Healthcare Research",
	"PATRQT":  "Self Requested",
}

// HITypes are the kinds of health information; Invoice came with v3.
var HITypes = []string{"OPConsultation", "Prescription", "DischargeSummary", "DiagnosticReport",
	"ImmunizationRecord", "HealthDocumentRecord", "WellnessRecord", "Invoice"}

// AccessModes and frequency units of a permission.
var (
	AccessModes    = []string{"VIEW", "STORE", "QUERY", "STREAM"}
	FrequencyUnits = []string{"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}
)

// Purpose is why the HIU asks.
type Purpose struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	RefURI string `json:"refUri,omitempty"`
}

// OrgRef names an HIP or HIU by its service ID.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// CareContextRef is one care context at an HIP.
type CareContextRef struct {
	PatientReference     string `json:"patientReference"`
	CareContextReference string `json:"careContextReference"`
}

// Requester is the person at the HIU who asks, e.g. a doctor.
type Requester struct {
	Name       string `json:"name"`
	Identifier *struct {
		Type   string `json:"type"`
		Value  string `json:"value"`
		System string `json:"system,omitempty"`
	} `json:"identifier,omitempty"`
}

// DateRange is a span of time.
type DateRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Frequency is how often data may be fetched.
type Frequency struct {
	Unit    string `json:"unit"`
	Value   int    `json:"value"`
	Repeats int    `json:"repeats"`
}

// Permission is what the consent allows.
type Permission struct {
	AccessMode  string    `json:"accessMode"`
	DateRange   DateRange `json:"dateRange"`
	DataEraseAt time.Time `json:"dataEraseAt"`
	Frequency   Frequency `json:"frequency"`
}

// Request is a consent request an HIU made for a person.
type Request struct {
	ID           string           // UUID, chosen by the CM
	Status       string           // StatusRequested, …
	Patient      string           // the person's ABHA address, e.g. ravi.kumar@sbx
	Purpose      Purpose          //
	HIP          *OrgRef          // optional: one HIP
	CareContexts []CareContextRef // optional: specific care contexts
	HIU          OrgRef           //
	Requester    Requester        //
	HITypes      []string         //
	Permission   Permission       //
	BridgeID     string           // the HIU's bridge, which receives the callbacks
	CreatedAt    time.Time        //
	UpdatedAt    time.Time        //
}

// Store reads consent requests. They are written together with the
// gateway message that creates them (gateway.Effects), so the store's
// write side lives there.
type Store interface {
	// ConsentRequest returns the request; ENOTFOUND when absent.
	ConsentRequest(ctx context.Context, id string) (*Request, error)
}

// initBody is the "consent" object of consent-requests/init (v0.5 and v3).
type initBody struct {
	Consent *struct {
		Purpose      *Purpose         `json:"purpose"`
		Patient      *OrgRef          `json:"patient"`
		HIP          *OrgRef          `json:"hip"`
		CareContexts []CareContextRef `json:"careContexts"`
		HIU          *OrgRef          `json:"hiu"`
		Requester    *Requester       `json:"requester"`
		HITypes      []string         `json:"hiTypes"`
		Permission   *Permission      `json:"permission"`
	} `json:"consent"`
}

func invalid(msg string) error { return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", msg) }

// ParseInit reads and checks the body of consent-requests/init. cmID is
// this consent manager's ID: the patient's address must end in @cmID.
// Errors name the field at fault and never echo values.
func ParseInit(body []byte, cmID string, now time.Time) (*Request, error) {
	var b initBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, invalid("the body is not a consent request: " + jsonProblem(err))
	}
	c := b.Consent
	switch {
	case c == nil:
		return nil, invalid("consent is required")
	case c.Purpose == nil || c.Purpose.Code == "":
		return nil, invalid("consent.purpose.code is required")
	case c.Patient == nil || c.Patient.ID == "":
		return nil, invalid("consent.patient.id is required")
	case c.HIU == nil || c.HIU.ID == "":
		return nil, invalid("consent.hiu.id is required")
	case c.Requester == nil || strings.TrimSpace(c.Requester.Name) == "":
		return nil, invalid("consent.requester.name is required")
	case len(c.HITypes) == 0:
		return nil, invalid("consent.hiTypes must list at least one type")
	case c.Permission == nil:
		return nil, invalid("consent.permission is required")
	}
	text, ok := Purposes[c.Purpose.Code]
	if !ok {
		return nil, invalid("consent.purpose.code must be one of CAREMGT, BTG, PUBHLTH, HPAYMT, DSRCH, PATRQT")
	}
	purpose := *c.Purpose
	if strings.TrimSpace(purpose.Text) == "" {
		purpose.Text = text
	}
	patient := strings.ToLower(strings.TrimSpace(c.Patient.ID))
	if at := strings.LastIndexByte(patient, '@'); at < 1 || patient[at+1:] != cmID || len(patient) > 100 {
		return nil, invalid("consent.patient.id must be an ABHA address of this consent manager (…@" + cmID + ")")
	}
	seen := map[string]bool{}
	var types []string
	for _, t := range c.HITypes {
		if !slices.Contains(HITypes, t) {
			return nil, invalid("consent.hiTypes has an unknown type; known: " + strings.Join(HITypes, ", "))
		}
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	p := c.Permission
	switch {
	case !slices.Contains(AccessModes, p.AccessMode):
		return nil, invalid("consent.permission.accessMode must be VIEW, STORE, QUERY or STREAM")
	case p.DateRange.From.IsZero() || p.DateRange.To.IsZero():
		return nil, invalid("consent.permission.dateRange needs from and to")
	case p.DateRange.To.Before(p.DateRange.From):
		return nil, invalid("consent.permission.dateRange.to is before from")
	case p.DataEraseAt.IsZero():
		return nil, invalid("consent.permission.dataEraseAt is required")
	case !p.DataEraseAt.After(now):
		return nil, invalid("consent.permission.dataEraseAt must be in the future")
	case !slices.Contains(FrequencyUnits, p.Frequency.Unit):
		return nil, invalid("consent.permission.frequency.unit must be HOUR, DAY, WEEK, MONTH or YEAR")
	case p.Frequency.Value < 1 || p.Frequency.Value > 1000 || p.Frequency.Repeats < 0 || p.Frequency.Repeats > 100000:
		return nil, invalid("consent.permission.frequency needs a value from 1 and repeats from 0")
	}
	if len(c.CareContexts) > 1000 {
		return nil, invalid("consent.careContexts may list at most 1000 care contexts")
	}
	for _, cc := range c.CareContexts {
		if cc.PatientReference == "" || cc.CareContextReference == "" {
			return nil, invalid("consent.careContexts entries need patientReference and careContextReference")
		}
	}
	if len(c.CareContexts) > 0 && c.HIP == nil {
		return nil, invalid("consent.hip is required when careContexts are given")
	}
	perm := *p
	perm.DateRange.From, perm.DateRange.To = p.DateRange.From.UTC(), p.DateRange.To.UTC()
	perm.DataEraseAt = p.DataEraseAt.UTC()
	r := &Request{
		Status: StatusRequested, Patient: patient, Purpose: purpose, HIP: c.HIP, CareContexts: c.CareContexts,
		HIU: OrgRef{ID: strings.ToUpper(strings.TrimSpace(c.HIU.ID)), Name: c.HIU.Name}, Requester: *c.Requester,
		HITypes: types, Permission: perm, CreatedAt: now, UpdatedAt: now,
	}
	if r.HIP != nil {
		r.HIP.ID = strings.ToUpper(strings.TrimSpace(r.HIP.ID))
	}
	return r, nil
}

// jsonProblem says what is wrong with a JSON body without quoting it.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return "field " + te.Field + " has the wrong type"
	case errors.As(err, &se):
		return "malformed JSON"
	case strings.Contains(err.Error(), "parsing time"):
		return "a date-time is not in ISO-8601 form"
	default:
		return "malformed JSON"
	}
}
