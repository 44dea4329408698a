// Package hip is a facility's electronic medical record and the HIP side of
// ABDM: the facilities a node serves as Health Information Provider, their
// patients, their visits (care contexts) and the FHIR document bundles
// recorded in them, encrypted at rest under a data key of the facility's
// own.
//
// Records are created at facilities and stay there. A hospital's own system
// (an HMIS) pushes bundles through the integration API
// (POST /api/v1/hip/{hipId}/bundles); the node hands them, encrypted for the
// requester alone, to whoever the person consented to.
package hip

import (
	"context"
	"time"
)

// Facility is a facility this node serves as HIP: a verified facility of
// the registry.
type Facility struct {
	ID      string // the registry's facility ID, e.g. IN2810014366
	Name    string
	DataKey []byte // the facility's data key, sealed under the node's master key
	AddedAt time.Time
}

// Patient is a facility's registration of a person: what it knows them by.
type Patient struct {
	FacilityID  string
	Ref         string // the facility's own patient reference (MRN), unique in the facility
	Name        string
	Gender      string // M, F, O or U
	BirthDate   string // YYYY-MM-DD, or "" when only the year is known
	YearOfBirth int
	Mobile      string // 10 digits, or ""
	ABHANumber  string // 14 digits, or ""
	ABHAAddress string // handle@cm, or ""
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CareContext is a visit or episode at a facility, under which records are
// kept and which a person links to their ABHA address.
type CareContext struct {
	FacilityID string
	Ref        string // the facility's reference, unique in the facility
	PatientRef string
	Display    string
	CreatedAt  time.Time
}

// Record is one FHIR document bundle kept under a care context.
type Record struct {
	ID         string
	FacilityID string
	ContextRef string    // the care context's reference
	HIType     string    // the consent HI type of the document, e.g. OPConsultation
	Date       time.Time // the document's date (Composition.date)
	Sealed     []byte    // the bundle, AES-256-GCM under the facility's data key
	CreatedAt  time.Time
}

// APIKey lets a facility's own system push records.
type APIKey struct {
	ID         string // public part of the key, e.g. "hk_3f…"
	FacilityID string
	Hash       []byte // SHA-256 of the secret part: the secret is 256 random bits, so no slow hash is needed
	Name       string
	CreatedAt  time.Time
}

// Store keeps the HIP's data. Errors carry arogya codes: ENOTFOUND,
// ECONFLICT for an existing facility, or a record ID already stored.
type Store interface {
	AddHIPFacility(ctx context.Context, f *Facility) error
	HIPFacility(ctx context.Context, id string) (*Facility, error)
	HIPFacilities(ctx context.Context) ([]*Facility, error)

	// PutHIPPatient inserts the patient or updates the one with the same
	// facility and reference.
	PutHIPPatient(ctx context.Context, p *Patient) error
	HIPPatient(ctx context.Context, facilityID, ref string) (*Patient, error)
	// HIPPatientsByIdentifier lists a facility's patients with the ABHA
	// number, ABHA address or mobile given (the ones not empty), at most
	// limit.
	HIPPatientsByIdentifier(ctx context.Context, facilityID, abhaNumber, abhaAddress, mobile string, limit int) ([]*Patient, error)

	// AddHIPRecord stores the record, first creating its care context if
	// the facility has none with that reference; a care context that exists
	// must be the same patient's (ECONFLICT otherwise). created reports
	// whether the care context is new; onCreate jobs are stored with it,
	// in the same transaction, only then.
	AddHIPRecord(ctx context.Context, cc *CareContext, r *Record, onCreate ...*Job) (created bool, err error)
	HIPCareContext(ctx context.Context, facilityID, ref string) (*CareContext, error)
	HIPCareContexts(ctx context.Context, facilityID, patientRef string) ([]*CareContext, error)
	// HIPRecords lists the records of a care context dated within
	// [from, to) (zero times leave that side open), oldest first.
	HIPRecords(ctx context.Context, facilityID, contextRef string, from, to time.Time) ([]*Record, error)

	AddHIPAPIKey(ctx context.Context, k *APIKey) error
	HIPAPIKey(ctx context.Context, id string) (*APIKey, error)

	ProtocolStore
}
