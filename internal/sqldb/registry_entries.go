package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/arogya-health/arogya/internal/registry"
)

// facilities describes registry_facilities.
var facilities = (&entryKind[registry.Facility]{
	table: "registry_facilities", feed: feedFacilities, kind: registry.KindFacility,
	noun: "Facility", many: "facilities",
	columns: []string{
		"seq", "id", "name", "type", "ownership", "ownership_sub_type", "systems",
		"address_line", "city", "state_code", "district_code", "pin", "lat", "lon",
		"phone", "email", "website", "specialities", "services", "beds", "timings",
		"abdm_enabled", "abdm_roles", "drug_licence", "status", "reason", "version",
		"submitted_at", "updated_at",
	},
	values: func(f *registry.Facility) []any {
		a := &f.Address
		return []any{
			f.Seq, f.ID, f.Name, f.Type, f.Ownership, f.OwnershipSubType, encodeStrings(f.Systems),
			a.Line, a.City, a.StateCode, a.DistrictCode, a.PIN, f.Lat, f.Lon,
			f.Phone, f.Email, f.Website, encodeStrings(f.Specialities), encodeStrings(f.Services), f.Beds, f.Timings,
			f.ABDMEnabled, encodeStrings(f.ABDMRoles), f.DrugLicence, string(f.Status), f.Reason, f.Version,
			millis(f.SubmittedAt), millis(f.UpdatedAt),
		}
	},
	decoder: newFacilityDecoder,
	fields:  func(f *registry.Facility) (string, int64, *int64) { return f.ID, f.Version, &f.Seq },
	normalise: func(f *registry.Facility) {
		f.SubmittedAt, f.UpdatedAt = utcMillis(f.SubmittedAt), utcMillis(f.UpdatedAt)
	},
}).init()

type facilityDecoder struct {
	f                                      registry.Facility
	status                                 string
	systems, specialities, services, roles sql.RawBytes
	submitted, updated                     int64
	d                                      []any
}

func newFacilityDecoder() decoder[registry.Facility] {
	x := &facilityDecoder{}
	f, a := &x.f, &x.f.Address
	x.d = []any{
		&f.Seq, &f.ID, &f.Name, &f.Type, &f.Ownership, &f.OwnershipSubType, &x.systems,
		&a.Line, &a.City, &a.StateCode, &a.DistrictCode, &a.PIN, &f.Lat, &f.Lon,
		&f.Phone, &f.Email, &f.Website, &x.specialities, &x.services, &f.Beds, &f.Timings,
		&f.ABDMEnabled, &x.roles, &f.DrugLicence, &x.status, &f.Reason, &f.Version,
		&x.submitted, &x.updated,
	}
	return x
}

func (x *facilityDecoder) dest() []any { return x.d }

func (x *facilityDecoder) decode() (*registry.Facility, error) {
	f := new(registry.Facility)
	*f = x.f
	f.Status = registry.Status(x.status)
	f.SubmittedAt, f.UpdatedAt = fromMillis(x.submitted), fromMillis(x.updated)
	var err error
	if f.Systems, err = decodeStrings(x.systems); err != nil {
		return nil, fmt.Errorf("decode systems: %w", err)
	}
	if f.Specialities, err = decodeStrings(x.specialities); err != nil {
		return nil, fmt.Errorf("decode specialities: %w", err)
	}
	if f.Services, err = decodeStrings(x.services); err != nil {
		return nil, fmt.Errorf("decode services: %w", err)
	}
	if f.ABDMRoles, err = decodeStrings(x.roles); err != nil {
		return nil, fmt.Errorf("decode ABDM roles: %w", err)
	}
	return f, nil
}

// professionals describes registry_professionals. An empty handle is
// stored as NULL, so that entries without one do not collide.
var professionals = (&entryKind[registry.Professional]{
	table: "registry_professionals", feed: feedProfessionals, kind: registry.KindProfessional,
	noun: "Professional", many: "professionals",
	columns: []string{
		"seq", "id", "handle", "name", "gender", "category", "medicine_system", "council",
		"registration_number", "qualifications", "specialities", "languages", "facilities",
		"address_line", "city", "state_code", "district_code", "pin", "lat", "lon",
		"phone", "email", "status", "reason", "version", "submitted_at", "updated_at",
	},
	values: func(p *registry.Professional) []any {
		a := &p.Address
		// A Qualification is strings and an int: it always marshals.
		quals, _ := encodeQualifications(p.Qualifications)
		return []any{
			p.Seq, p.ID, nullable(p.Handle), p.Name, p.Gender, p.Category, p.System, p.Council,
			p.RegistrationNumber, quals, encodeStrings(p.Specialities), encodeStrings(p.Languages), encodeStrings(p.Facilities),
			a.Line, a.City, a.StateCode, a.DistrictCode, a.PIN, p.Lat, p.Lon,
			p.Phone, p.Email, string(p.Status), p.Reason, p.Version, millis(p.SubmittedAt), millis(p.UpdatedAt),
		}
	},
	decoder: newProfessionalDecoder,
	fields:  func(p *registry.Professional) (string, int64, *int64) { return p.ID, p.Version, &p.Seq },
	normalise: func(p *registry.Professional) {
		p.SubmittedAt, p.UpdatedAt = utcMillis(p.SubmittedAt), utcMillis(p.UpdatedAt)
	},
}).init()

type professionalDecoder struct {
	p                                          registry.Professional
	handle                                     sql.NullString
	status                                     string
	quals, specialities, languages, facilities sql.RawBytes
	submitted, updated                         int64
	d                                          []any
}

func newProfessionalDecoder() decoder[registry.Professional] {
	x := &professionalDecoder{}
	p, a := &x.p, &x.p.Address
	x.d = []any{
		&p.Seq, &p.ID, &x.handle, &p.Name, &p.Gender, &p.Category, &p.System, &p.Council,
		&p.RegistrationNumber, &x.quals, &x.specialities, &x.languages, &x.facilities,
		&a.Line, &a.City, &a.StateCode, &a.DistrictCode, &a.PIN, &p.Lat, &p.Lon,
		&p.Phone, &p.Email, &x.status, &p.Reason, &p.Version, &x.submitted, &x.updated,
	}
	return x
}

func (x *professionalDecoder) dest() []any { return x.d }

func (x *professionalDecoder) decode() (*registry.Professional, error) {
	p := new(registry.Professional)
	*p = x.p
	p.Handle = x.handle.String
	p.Status = registry.Status(x.status)
	p.SubmittedAt, p.UpdatedAt = fromMillis(x.submitted), fromMillis(x.updated)
	var err error
	if p.Qualifications, err = decodeQualifications(x.quals); err != nil {
		return nil, fmt.Errorf("decode qualifications: %w", err)
	}
	if p.Specialities, err = decodeStrings(x.specialities); err != nil {
		return nil, fmt.Errorf("decode specialities: %w", err)
	}
	if p.Languages, err = decodeStrings(x.languages); err != nil {
		return nil, fmt.Errorf("decode languages: %w", err)
	}
	if p.Facilities, err = decodeStrings(x.facilities); err != nil {
		return nil, fmt.Errorf("decode facilities: %w", err)
	}
	return p, nil
}

// CreateFacility inserts f and h in one transaction and sets f.Seq. Times
// are stored at millisecond precision, in UTC, and written back to f so. An
// h without Kind or ID gets f's. ECONFLICT if the ID exists.
func (db *DB) CreateFacility(ctx context.Context, f *registry.Facility, h registry.HistoryEntry) error {
	return facilities.create(ctx, db, f, h)
}

// UpdateFacility replaces the facility with f's ID if its stored version
// is f.Version-1, appends h and sets f.Seq, in one transaction. ENOTFOUND
// if there is no such facility, ECONFLICT if its version differs.
func (db *DB) UpdateFacility(ctx context.Context, f *registry.Facility, h registry.HistoryEntry) error {
	return facilities.update(ctx, db, f, h)
}

// Facility returns the facility with that ID.
func (db *DB) Facility(ctx context.Context, id string) (*registry.Facility, error) {
	return facilities.one(ctx, db, "id", id)
}

// FacilitiesByID returns the facilities with these IDs, in the order given,
// skipping IDs that do not exist; an ID given twice is returned once.
func (db *DB) FacilitiesByID(ctx context.Context, ids []string) ([]*registry.Facility, error) {
	return facilities.byID(ctx, db, ids)
}

// FacilitiesByStatus lists facilities with status st, of state stateCode
// ("" for all), oldest submission first (then by ID), after the facility
// with ID after ("" to start; an unknown ID gives an empty page), at most
// limit.
func (db *DB) FacilitiesByStatus(ctx context.Context, st registry.Status, stateCode, after string, limit int) ([]*registry.Facility, error) {
	return facilities.byStatus(ctx, db, st, stateCode, after, limit)
}

// FacilitiesSince returns up to limit facilities with Seq > seq, in seq
// order.
func (db *DB) FacilitiesSince(ctx context.Context, seq int64, limit int) ([]*registry.Facility, error) {
	return facilities.since(ctx, db, seq, limit)
}

// ImportFacilities inserts fs, under consecutive seqs in their order, and
// hs in one transaction: all or none. It uses COPY where the dialect has
// it, multi-row INSERTs otherwise. A duplicate ID is ECONFLICT naming none.
func (db *DB) ImportFacilities(ctx context.Context, fs []*registry.Facility, hs []registry.HistoryEntry) error {
	return facilities.importAll(ctx, db, fs, hs)
}

// CreateProfessional inserts p and h like CreateFacility. ECONFLICT if
// the ID or the handle exists.
func (db *DB) CreateProfessional(ctx context.Context, p *registry.Professional, h registry.HistoryEntry) error {
	return professionals.create(ctx, db, p, h)
}

// UpdateProfessional replaces p like UpdateFacility. A handle taken by
// another professional is ECONFLICT too.
func (db *DB) UpdateProfessional(ctx context.Context, p *registry.Professional, h registry.HistoryEntry) error {
	return professionals.update(ctx, db, p, h)
}

// Professional returns the professional with that ID.
func (db *DB) Professional(ctx context.Context, id string) (*registry.Professional, error) {
	return professionals.one(ctx, db, "id", id)
}

// ProfessionalByHandle returns the professional with that HPR handle.
func (db *DB) ProfessionalByHandle(ctx context.Context, handle string) (*registry.Professional, error) {
	if handle == "" {
		return nil, professionals.notFound
	}
	return professionals.one(ctx, db, "handle", handle)
}

// ProfessionalsByID is FacilitiesByID for professionals.
func (db *DB) ProfessionalsByID(ctx context.Context, ids []string) ([]*registry.Professional, error) {
	return professionals.byID(ctx, db, ids)
}

// ProfessionalsByStatus is FacilitiesByStatus for professionals.
func (db *DB) ProfessionalsByStatus(ctx context.Context, st registry.Status, stateCode, after string, limit int) ([]*registry.Professional, error) {
	return professionals.byStatus(ctx, db, st, stateCode, after, limit)
}

// ProfessionalsSince is FacilitiesSince for professionals.
func (db *DB) ProfessionalsSince(ctx context.Context, seq int64, limit int) ([]*registry.Professional, error) {
	return professionals.since(ctx, db, seq, limit)
}

// ImportProfessionals is ImportFacilities for professionals; a duplicate
// handle is ECONFLICT too.
func (db *DB) ImportProfessionals(ctx context.Context, ps []*registry.Professional, hs []registry.HistoryEntry) error {
	return professionals.importAll(ctx, db, ps, hs)
}
