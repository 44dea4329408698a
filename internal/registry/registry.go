// Package registry is the registry role: health facilities (HFR), health
// professionals and health workers (HPR), drugs and pharmacies, with their
// verification by state authorities and a public search.
//
// A submission starts PENDING. A verifier appointed for a state approves it
// (VERIFIED) or rejects it with a reason (REJECTED); the node operator may
// decide for any state and appoints verifiers. Only verified entries appear
// in public search and may act as HIP or HIU in the exchange. Every decision
// is audited and kept in the entry's history.
//
// Search runs on an in-memory index (index.go) that every node builds from
// the database at start and keeps current from the store's change feed, so
// search costs the same on SQLite and PostgreSQL and never scans a table.
package registry

import (
	"context"
	"time"
)

// Status is where an entry is in verification.
type Status string

const (
	StatusPending  Status = "PENDING"
	StatusVerified Status = "VERIFIED"
	StatusRejected Status = "REJECTED"
)

// Kind names what a history entry or a verification is about.
type Kind string

const (
	KindFacility     Kind = "facility"
	KindProfessional Kind = "professional"
)

// Address is where a facility is, or where a professional practises or
// lives. StateCode and DistrictCode are LGD codes; the district belongs to
// the state.
type Address struct {
	Line         string
	City         string
	StateCode    string
	DistrictCode string
	PIN          string // 6 digits
}

// Facility is one health facility in the HFR.
type Facility struct {
	ID               string // "IN" + 2-digit LGD state code + 8 digits, e.g. IN2810014366
	Name             string
	Type             string   // a FacilityTypes code, e.g. "hospital"
	Ownership        string   // an Ownerships code
	OwnershipSubType string   // one of that ownership's sub-types
	Systems          []string // SystemsOfMedicine codes, at least one
	Address          Address
	Lat, Lon         float64 // WGS84; both zero when unknown
	Phone            string  // the facility's public contact number
	Email            string
	Website          string
	Specialities     []string // Specialities codes
	Services         []string // free text, e.g. "24x7 emergency", "dialysis"
	Beds             int
	Timings          string   // e.g. "24x7" or "Mon-Sat 09:00-17:00"
	ABDMEnabled      bool     // linked to the exchange
	ABDMRoles        []string // "HIP", "HIU": the exchange services it runs when ABDM-enabled
	DrugLicence      string   // pharmacies: the state drug licence number (form 20/21)
	Status           Status
	Reason           string // why it was rejected
	Version          int64  // bumped by every change; decisions compare-and-swap on it
	Seq              int64  // position in the store's change feed, set by the store
	SubmittedAt      time.Time
	UpdatedAt        time.Time
}

// StateCode is the LGD code of the facility's state.
func (f *Facility) StateCode() string { return f.Address.StateCode }

// Qualification is one degree or diploma.
type Qualification struct {
	Degree     string // e.g. "MBBS", "MD (General Medicine)", "B.Sc Nursing"
	University string
	Year       int
}

// Professional is one health professional or health worker in the HPR.
type Professional struct {
	ID                 string // 14 digits, the last a Luhn check digit; shown NN-NNNN-NNNN-NNNN
	Handle             string // the HPR address without its domain: Handle@hpr.abdm
	Name               string
	Gender             string // M, F, O
	Category           string // a ProfessionalCategories code (health workers included)
	System             string // a SystemsOfMedicine code; empty for categories without one
	Council            string // registration council, e.g. "Karnataka Medical Council"
	RegistrationNumber string // with that council
	Qualifications     []Qualification
	Specialities       []string // Specialities codes
	Languages          []string // Languages codes (ISO 639-1/-3)
	Facilities         []string // places of work: facility IDs
	Address            Address  // where they practise; decides the verifying state
	Lat, Lon           float64  // for nearby search; from the address PIN when not given
	Phone              string   // private: shown to verifiers and admins only
	Email              string   // private
	Status             Status
	Reason             string
	Version            int64
	Seq                int64
	SubmittedAt        time.Time
	UpdatedAt          time.Time
}

// HPRDomain is the domain of HPR addresses.
const HPRDomain = "hpr.abdm"

// StateCode is the LGD code of the state that verifies the professional.
func (p *Professional) StateCode() string { return p.Address.StateCode }

// Drug is one medicine: a generic with its brands.
type Drug struct {
	ID           string   // stable slug: generic, form and strength, e.g. "paracetamol-tablet-500-mg"
	Generic      string   // e.g. "Paracetamol"
	Brands       []string // e.g. "Crocin", "Dolo 650"
	Form         string   // DosageForms code
	Strength     string   // e.g. "500 mg", "250 mg/5 ml"
	Route        string   // Routes code
	Schedule     string   // Schedules code: "H", "H1", "X", "G", "OTC"
	Manufacturer string
	ATC          string // WHO ATC code where known, e.g. "N02BE01"
	Seq          int64
	UpdatedAt    time.Time
}

// Verifier is a person a state appoints to verify its entries. The
// operator creates verifiers; a verifier signs in with ID and key.
type Verifier struct {
	ID        string // "vrf-" + 12 lowercase hex
	Name      string
	StateCode string // LGD code of the state they verify for
	KeyHash   string // argon2id of the key; the key is shown once
	Disabled  bool
	CreatedAt time.Time
}

// HistoryEntry is one event in an entry's life: submission, decision,
// change. It is also written to the audit log.
type HistoryEntry struct {
	Kind   Kind
	ID     string // the facility or professional ID
	At     time.Time
	Actor  string // "operator", "verifier:<id>", "public", "import"
	Action string // "submitted", "verified", "rejected", "updated", "imported"
	Reason string
}

// Store keeps registry entries. Implementations (internal/sqldb) must make
// each method atomic. Errors carry arogya codes: ENOTFOUND for a missing
// entry, ECONFLICT for an existing ID, handle or a stale Version.
type Store interface {
	// CreateFacility inserts f (with its ID chosen) and h. The store sets
	// f.Seq. ECONFLICT if the ID exists.
	CreateFacility(ctx context.Context, f *Facility, h HistoryEntry) error
	// UpdateFacility replaces the facility whose ID and Version match f's
	// (version = f.Version-1 in the store before the call, i.e. the caller
	// bumps f.Version first) and appends h. ECONFLICT if the stored version
	// differs, ENOTFOUND if there is none.
	UpdateFacility(ctx context.Context, f *Facility, h HistoryEntry) error
	Facility(ctx context.Context, id string) (*Facility, error)
	// FacilitiesByID returns the facilities with these IDs in the order
	// given, skipping IDs that do not exist.
	FacilitiesByID(ctx context.Context, ids []string) ([]*Facility, error)
	// FacilitiesByStatus lists facilities with status st, oldest submission
	// first, of state stateCode ("" for all), at most limit, after the
	// cursor (the ID of the last one seen, "" to start). For the verifier's
	// queue.
	FacilitiesByStatus(ctx context.Context, st Status, stateCode, after string, limit int) ([]*Facility, error)
	// FacilitiesSince returns up to limit facilities changed after seq, in
	// seq order: the change feed the search index follows.
	FacilitiesSince(ctx context.Context, seq int64, limit int) ([]*Facility, error)
	// ImportFacilities inserts fs and their hs in one transaction: all or
	// none. ECONFLICT names no row; callers check IDs first.
	ImportFacilities(ctx context.Context, fs []*Facility, hs []HistoryEntry) error

	CreateProfessional(ctx context.Context, p *Professional, h HistoryEntry) error // ECONFLICT for an existing ID or handle
	UpdateProfessional(ctx context.Context, p *Professional, h HistoryEntry) error
	Professional(ctx context.Context, id string) (*Professional, error)
	ProfessionalByHandle(ctx context.Context, handle string) (*Professional, error)
	ProfessionalsByID(ctx context.Context, ids []string) ([]*Professional, error)
	ProfessionalsByStatus(ctx context.Context, st Status, stateCode, after string, limit int) ([]*Professional, error)
	ProfessionalsSince(ctx context.Context, seq int64, limit int) ([]*Professional, error)
	ImportProfessionals(ctx context.Context, ps []*Professional, hs []HistoryEntry) error

	// PutDrugs inserts or replaces drugs by ID, in one transaction.
	PutDrugs(ctx context.Context, ds []*Drug) error
	Drug(ctx context.Context, id string) (*Drug, error)
	DrugsSince(ctx context.Context, seq int64, limit int) ([]*Drug, error)

	// History lists an entry's history, oldest first.
	History(ctx context.Context, kind Kind, id string) ([]HistoryEntry, error)

	CreateVerifier(ctx context.Context, v *Verifier) error // ECONFLICT for an existing ID
	Verifier(ctx context.Context, id string) (*Verifier, error)
	Verifiers(ctx context.Context) ([]*Verifier, error) // ordered by state, then ID
	SetVerifierDisabled(ctx context.Context, id string, disabled bool) error

	// RegistryCounts returns how many facilities and professionals the store
	// holds, of any status.
	RegistryCounts(ctx context.Context) (facilities, professionals int, err error)
}
