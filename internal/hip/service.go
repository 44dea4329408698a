package hip

import (
	"cmp"
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/staff"
)

// BundleInfo is what the HIP needs to know of a FHIR document bundle.
type BundleInfo struct {
	HIType  string    // the consent HI type its Composition makes it
	Date    time.Time // Composition.date
	Patient struct {
		Name        string
		Gender      string // M, F, O or U
		BirthDate   string // YYYY-MM-DD or ""
		YearOfBirth int    // when only the year (or year and month) is known
		Mobile      string // a phone number of the Patient, or ""
	}
}

// Bundles checks FHIR document bundles against the NRCeS ABDM profiles
// (internal/fhir, in the node's wiring).
type Bundles interface {
	Check(data []byte) (*BundleInfo, error)
}

// Registry tells whether a facility is verified, and its name: the
// registry's public API, over HTTP.
type Registry interface {
	Facility(ctx context.Context, id string) (name string, verified bool, err error)
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is what the service needs besides its store.
type Config struct {
	// WrapKey seals the facilities' data keys: a key derived from the
	// node's master key (auth.DeriveKey(master, "hip/data-keys")).
	WrapKey []byte
	Now     func() time.Time
}

// Service holds the HIP's rules.
type Service struct {
	store    Store
	registry Registry
	bundles  Bundles
	audit    Auditor
	cfg      Config

	mu   sync.Mutex
	keys map[string][]byte // facilities' data keys, unsealed, by facility ID

	// Set by NewBridge, before the node serves: a facility was added; the
	// job a new care context starts (linking it); new jobs are due.
	onFacility func()
	newContext func(p *Patient, cc *CareContext) *Job // the work a new care context starts, or nil
	kick       func()                                 // wakes the bridge's worker

	staff    *StaffConfig    // EMR staff accounts; nil until EnableStaff
	accounts *staff.Accounts // their rules; nil (refusing) until EnableStaff
}

// NewService returns the HIP service.
func NewService(store Store, registry Registry, bundles Bundles, auditor Auditor, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, registry: registry, bundles: bundles, audit: auditor, cfg: cfg, keys: map[string][]byte{}}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// AddFacility makes a verified facility of the registry one this node
// serves as HIP, with a new data key for its records.
func (s *Service) AddFacility(ctx context.Context, id string) (*Facility, error) {
	id = normalFacility(id)
	if id == "" || len(id) > 64 {
		return nil, arogya.Errorf(arogya.EINVALID, "facilityId is required")
	}
	name, verified, err := s.registry.Facility(ctx, id)
	if err != nil {
		return nil, err
	}
	if !verified {
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "facilityId is not a verified facility in the registry")
	}
	dk := make([]byte, 32)
	rand.Read(dk)
	sealed, err := auth.Seal(s.cfg.WrapKey, dk)
	if err != nil {
		return nil, err
	}
	f := &Facility{ID: id, Name: name, DataKey: sealed, AddedAt: s.now()}
	if err := s.store.AddHIPFacility(ctx, f); err != nil {
		return nil, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: actorOf(ctx), Action: "hip.facility.add", Subject: "facility:" + id, Outcome: "ok"})
	if s.onFacility != nil {
		s.onFacility()
	}
	return f, nil
}

// Facilities lists the facilities this node serves.
func (s *Service) Facilities(ctx context.Context) ([]*Facility, error) {
	return s.store.HIPFacilities(ctx)
}

// facility returns a facility this node serves; ENOTFOUND otherwise.
func (s *Service) facility(ctx context.Context, id string) (*Facility, error) {
	f, err := s.store.HIPFacility(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "this node does not serve that facility as HIP")
	}
	return f, err
}

// dataKey returns the facility's data key, unsealed.
func (s *Service) dataKey(f *Facility) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[f.ID]; ok {
		return k, nil
	}
	k, err := auth.Open(s.cfg.WrapKey, f.DataKey)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINTERNAL, "a facility's data key does not open: is this the node's master key?")
	}
	s.keys[f.ID] = k
	return k, nil
}

// recordAD binds a sealed record to its row.
func recordAD(facilityID, recordID string) []byte {
	return []byte("arogya/hip/record\x00" + facilityID + "\x00" + recordID)
}

// API keys are "hk_<id>.<secret>" (auth.NewAPIKey).
const apiKeyPrefix = "hk_"

// CreateAPIKey makes a key with which the facility's own system pushes
// records. The key is returned once; only a hash of it is kept.
func (s *Service) CreateAPIKey(ctx context.Context, facilityID, name string) (*APIKey, string, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, "", err
	}
	name = strings.Join(strings.Fields(name), " ")
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return nil, "", arogya.Errorf(arogya.EINVALID, "name must be 1 to 100 characters, e.g. the system that will use the key")
	}
	id, key, hash := auth.NewAPIKey(apiKeyPrefix)
	k := &APIKey{ID: id, FacilityID: f.ID, Hash: hash, Name: name, CreatedAt: s.now()}
	if err := s.store.AddHIPAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: actorOf(ctx), Action: "hip.apikey.create", Subject: "facility:" + f.ID, Outcome: "ok", Detail: k.ID})
	return k, key, nil
}

// CheckAPIKey returns the facility a key belongs to.
func (s *Service) CheckAPIKey(ctx context.Context, key string) (string, error) {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "a facility API key, a staff token or the operator token is required")
	id, sec, ok := auth.ParseAPIKey(apiKeyPrefix, key)
	if !ok {
		return "", bad
	}
	k, err := s.store.HIPAPIKey(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return "", bad
	} else if err != nil {
		return "", err
	}
	if !auth.APIKeyMatches(sec, k.Hash) {
		return "", bad
	}
	return k.FacilityID, nil
}

// PushInput is a bundle a facility's system pushes.
type PushInput struct {
	ABHAAddress    string // the person's ABHA address, or
	ABHANumber     string // their ABHA number (at least one of the two)
	ContextRef     string // the care context's reference in the facility
	ContextDisplay string // how the person will see it, e.g. "OP visit, 12 Mar 2026"
	Bundle         []byte // a FHIR document bundle
}

// PushResult is what PushBundle stored.
type PushResult struct {
	Patient        *Patient
	CareContext    *CareContext
	ContextCreated bool
	Record         *Record
}

// MaxBundle bounds a pushed bundle.
const MaxBundle = 10 << 20

// PushBundle validates a FHIR document bundle and stores it, encrypted,
// under the care context (created if new), for the person the facility
// knows by that ABHA address or number (registered from the bundle's
// Patient if the facility does not know them yet). The HI type and date
// come from the bundle's Composition.
func (s *Service) PushBundle(ctx context.Context, facilityID string, in PushInput) (*PushResult, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	number, address, err := personIDs(in.ABHANumber, in.ABHAAddress)
	if err != nil {
		return nil, err
	}
	ref, display, err := contextRef(in.ContextRef, in.ContextDisplay)
	if err != nil {
		return nil, err
	}
	if len(in.Bundle) == 0 {
		return nil, arogya.Errorf(arogya.EINVALID, "bundle is required: a FHIR document Bundle")
	}
	if len(in.Bundle) > MaxBundle {
		return nil, arogya.Errorf(arogya.EINVALID, "bundle is larger than 10 MiB")
	}
	if s.bundles == nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "this node cannot check FHIR bundles yet")
	}
	info, err := s.bundles.Check(in.Bundle)
	if err != nil {
		return nil, err
	}
	p, err := s.patientFor(ctx, f.ID, number, address, info)
	if err != nil {
		return nil, err
	}
	r, cc, created, err := s.keepRecord(ctx, f, p, ref, display, info.HIType, info.Date, in.Bundle)
	if err != nil {
		return nil, err
	}
	return &PushResult{Patient: p, CareContext: cc, ContextCreated: created, Record: r}, nil
}

// keepRecord seals a document under the facility's data key, bound to a
// new record ID, and stores it under the care context ref (made if new,
// for patient p): what a pushed bundle and a staff member's form both
// become.
func (s *Service) keepRecord(ctx context.Context, f *Facility, p *Patient, ref, display, hiType string, date time.Time, bundle []byte) (*Record, *CareContext, bool, error) {
	key, err := s.dataKey(f)
	if err != nil {
		return nil, nil, false, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, nil, false, err
	}
	now := s.now()
	r := &Record{ID: id.String(), FacilityID: f.ID, ContextRef: ref, HIType: hiType, Date: date.UTC().Truncate(time.Millisecond), CreatedAt: now}
	if r.Sealed, err = auth.SealAD(key, bundle, recordAD(f.ID, r.ID)); err != nil {
		return nil, nil, false, err
	}
	cc := &CareContext{FacilityID: f.ID, Ref: ref, PatientRef: p.Ref, Display: display, CreatedAt: now}
	created, err := s.addRecord(ctx, p, cc, r)
	if err != nil {
		return nil, nil, false, err
	}
	return r, cc, created, nil
}

// open decrypts a stored record of the facility.
func (s *Service) open(f *Facility, r *Record) ([]byte, error) {
	key, err := s.dataKey(f)
	if err != nil {
		return nil, err
	}
	b, err := auth.OpenAD(key, r.Sealed, recordAD(f.ID, r.ID))
	if err != nil {
		return nil, arogya.Errorf(arogya.EINTERNAL, "a stored record does not open")
	}
	return b, nil
}

// addRecord stores a sealed record under its care context, creating the
// care context if new together with the work a new one starts (the HIP
// linking it to the person's ABHA), and audits it.
func (s *Service) addRecord(ctx context.Context, p *Patient, cc *CareContext, r *Record) (bool, error) {
	var onCreate []*Job
	if s.newContext != nil {
		if j := s.newContext(p, cc); j != nil {
			onCreate = append(onCreate, j)
		}
	}
	created, err := s.store.AddHIPRecord(ctx, cc, r, onCreate...)
	if err != nil {
		return false, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: actorOf(ctx), Action: "hip.record.add", Subject: "facility:" + r.FacilityID,
		Outcome: "ok", Detail: r.HIType + " " + r.ID})
	if created && len(onCreate) > 0 && s.kick != nil {
		s.kick()
	}
	return created, nil
}

// patientFor returns the facility's patient with the ABHA number or
// address, registering one from the bundle's Patient if there is none.
// Two patients matching is a conflict for the facility to resolve.
func (s *Service) patientFor(ctx context.Context, facilityID, number, address string, info *BundleInfo) (*Patient, error) {
	found, err := s.store.HIPPatientsByIdentifier(ctx, facilityID, number, address, "", 2)
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 1:
		p := found[0]
		if (number != "" && p.ABHANumber != "" && p.ABHANumber != number) || (address != "" && p.ABHAAddress != "" && p.ABHAAddress != address) {
			return nil, arogya.Errorf(arogya.ECONFLICT, "the ABHA number and address given belong to different patients of this facility")
		}
		if (number != "" && p.ABHANumber == "") || (address != "" && p.ABHAAddress == "") {
			p.ABHANumber, p.ABHAAddress, p.UpdatedAt = cmp.Or(p.ABHANumber, number), cmp.Or(p.ABHAAddress, address), s.now()
			if err := s.store.PutHIPPatient(ctx, p); err != nil {
				return nil, err
			}
		}
		return p, nil
	case 0:
	default:
		return nil, arogya.Errorf(arogya.ECONFLICT, "more than one patient of this facility has that ABHA; merge them first")
	}
	name := strings.Join(strings.Fields(info.Patient.Name), " ")
	if name == "" {
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "the bundle's Patient has no name, and the facility has no patient with that ABHA")
	}
	now := s.now()
	p := &Patient{FacilityID: facilityID, Ref: newPatientRef(), Name: name, Gender: cmp.Or(info.Patient.Gender, "U"),
		BirthDate: info.Patient.BirthDate, ABHANumber: number, ABHAAddress: address, CreatedAt: now, UpdatedAt: now}
	if m := lastDigits(info.Patient.Mobile, 10); len(m) == 10 {
		p.Mobile = m
	}
	p.YearOfBirth = info.Patient.YearOfBirth
	if len(p.BirthDate) >= 4 {
		p.YearOfBirth = atoi(p.BirthDate[:4])
	}
	if err := s.store.PutHIPPatient(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Records returns the bundles of a care context dated within [from, to),
// decrypted. Only what is asked for is read.
func (s *Service) Records(ctx context.Context, facilityID, contextRef string, from, to time.Time) ([]*Record, [][]byte, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, err
	}
	rs, err := s.store.HIPRecords(ctx, f.ID, contextRef, from, to)
	if err != nil {
		return nil, nil, err
	}
	bundles := make([][]byte, len(rs))
	for i, r := range rs {
		if bundles[i], err = s.open(f, r); err != nil {
			return nil, nil, err
		}
	}
	return rs, bundles, nil
}

// actorOf names who acts, for the audit log: a kind and, for a system
// or staff member, its ID (never a person's).
func actorOf(ctx context.Context) string {
	a := arogya.ActorFrom(ctx)
	switch a.Kind {
	case arogya.ActorClient, arogya.ActorStaff:
		return string(a.Kind) + ":" + a.ID
	case arogya.ActorAnonymous:
		return "system"
	}
	return string(a.Kind)
}
