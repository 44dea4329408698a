package registry

import (
	"strings"
	"time"

	"github.com/arogya-health/arogya/internal/india"
)

// The JSON shapes of the registry API. Field names are camelCase; codes
// are the vocabularies' codes (GET /api/v1/registry/vocabularies lists
// them with labels).

type addressJSON struct {
	Line         string `json:"line,omitempty"`
	City         string `json:"city,omitempty"`
	StateCode    string `json:"stateCode"`
	DistrictCode string `json:"districtCode"`
	PIN          string `json:"pin"`
	StateName    string `json:"stateName,omitempty"`    // output only
	DistrictName string `json:"districtName,omitempty"` // output only
}

type locationJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type facilityJSON struct {
	ID               string        `json:"id,omitempty"`
	Name             string        `json:"name"`
	Type             string        `json:"type"`
	Ownership        string        `json:"ownership"`
	OwnershipSubType string        `json:"ownershipSubType,omitempty"`
	Systems          []string      `json:"systemsOfMedicine"`
	Address          addressJSON   `json:"address"`
	Location         *locationJSON `json:"location,omitempty"`
	Phone            string        `json:"phone,omitempty"`
	Email            string        `json:"email,omitempty"`
	Website          string        `json:"website,omitempty"`
	Specialities     []string      `json:"specialities,omitempty"`
	Services         []string      `json:"services,omitempty"`
	Beds             int           `json:"beds,omitempty"`
	Timings          string        `json:"timings,omitempty"`
	ABDMEnabled      bool          `json:"abdmEnabled"`
	ABDMRoles        []string      `json:"abdmRoles,omitempty"`
	DrugLicence      string        `json:"drugLicence,omitempty"`
	Status           Status        `json:"status,omitempty"`
	Reason           string        `json:"reason,omitempty"`
	SubmittedAt      *time.Time    `json:"submittedAt,omitempty"`
	UpdatedAt        *time.Time    `json:"updatedAt,omitempty"`
	DistanceKm       *float64      `json:"distanceKm,omitempty"`
}

type qualificationJSON struct {
	Degree     string `json:"degree"`
	University string `json:"university,omitempty"`
	Year       int    `json:"year,omitempty"`
}

type professionalJSON struct {
	ID                 string              `json:"id,omitempty"`         // 14 digits
	DisplayID          string              `json:"displayId,omitempty"`  // NN-NNNN-NNNN-NNNN, output only
	HPRAddress         string              `json:"hprAddress,omitempty"` // handle@hpr.abdm, output only
	Handle             string              `json:"handle"`
	Name               string              `json:"name"`
	Gender             string              `json:"gender"`
	Category           string              `json:"category"`
	System             string              `json:"systemOfMedicine,omitempty"`
	Council            string              `json:"council,omitempty"`
	RegistrationNumber string              `json:"registrationNumber,omitempty"`
	Qualifications     []qualificationJSON `json:"qualifications,omitempty"`
	Specialities       []string            `json:"specialities,omitempty"`
	Languages          []string            `json:"languages"`
	Facilities         []string            `json:"facilities,omitempty"`
	Address            addressJSON         `json:"address"`
	Location           *locationJSON       `json:"location,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	Email              string              `json:"email,omitempty"`
	Status             Status              `json:"status,omitempty"`
	Reason             string              `json:"reason,omitempty"`
	SubmittedAt        *time.Time          `json:"submittedAt,omitempty"`
	UpdatedAt          *time.Time          `json:"updatedAt,omitempty"`
	DistanceKm         *float64            `json:"distanceKm,omitempty"`
}

type drugJSON struct {
	ID           string   `json:"id"`
	Generic      string   `json:"generic"`
	Brands       []string `json:"brands,omitempty"`
	Form         string   `json:"form"`
	Strength     string   `json:"strength"`
	Route        string   `json:"route"`
	Schedule     string   `json:"schedule"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	ATC          string   `json:"atc,omitempty"`
}

type pageJSON[T any] struct {
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"pageSize"`
	Items    []T `json:"items"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func toAddressJSON(a Address) addressJSON {
	return addressJSON{Line: a.Line, City: a.City, StateCode: a.StateCode, DistrictCode: a.DistrictCode, PIN: a.PIN,
		StateName: StateName(a.StateCode), DistrictName: DistrictName(a.StateCode, a.DistrictCode)}
}

func (a addressJSON) address() Address {
	return Address{Line: a.Line, City: a.City, StateCode: a.StateCode, DistrictCode: a.DistrictCode, PIN: a.PIN}
}

func location(lat, lon float64) *locationJSON {
	if lat == 0 && lon == 0 {
		return nil
	}
	return &locationJSON{Lat: lat, Lon: lon}
}

func toFacilityJSON(f *Facility) facilityJSON {
	return facilityJSON{
		ID: f.ID, Name: f.Name, Type: f.Type, Ownership: f.Ownership, OwnershipSubType: f.OwnershipSubType,
		Systems: f.Systems, Address: toAddressJSON(f.Address), Location: location(f.Lat, f.Lon),
		Phone: f.Phone, Email: f.Email, Website: f.Website, Specialities: f.Specialities, Services: f.Services,
		Beds: f.Beds, Timings: f.Timings, ABDMEnabled: f.ABDMEnabled, ABDMRoles: f.ABDMRoles, DrugLicence: f.DrugLicence,
		Status: f.Status, Reason: f.Reason, SubmittedAt: timePtr(f.SubmittedAt), UpdatedAt: timePtr(f.UpdatedAt),
	}
}

func (j *facilityJSON) facility() *Facility {
	f := &Facility{
		Name: j.Name, Type: j.Type, Ownership: j.Ownership, OwnershipSubType: j.OwnershipSubType,
		Systems: j.Systems, Address: j.Address.address(), Phone: j.Phone, Email: j.Email, Website: j.Website,
		Specialities: j.Specialities, Services: j.Services, Beds: j.Beds, Timings: j.Timings,
		ABDMEnabled: j.ABDMEnabled, ABDMRoles: j.ABDMRoles, DrugLicence: j.DrugLicence,
	}
	if j.Location != nil {
		f.Lat, f.Lon = j.Location.Lat, j.Location.Lon
	}
	return f
}

func toProfessionalJSON(p *Professional) professionalJSON {
	qs := make([]qualificationJSON, len(p.Qualifications))
	for i, q := range p.Qualifications {
		qs[i] = qualificationJSON(q)
	}
	return professionalJSON{
		ID: p.ID, DisplayID: FormatHPRID(p.ID), HPRAddress: p.Handle + "@" + HPRDomain, Handle: p.Handle,
		Name: p.Name, Gender: p.Gender, Category: p.Category, System: p.System, Council: p.Council,
		RegistrationNumber: p.RegistrationNumber, Qualifications: qs, Specialities: p.Specialities,
		Languages: p.Languages, Facilities: p.Facilities, Address: toAddressJSON(p.Address),
		Location: location(p.Lat, p.Lon), Phone: p.Phone, Email: p.Email, Status: p.Status, Reason: p.Reason,
		SubmittedAt: timePtr(p.SubmittedAt), UpdatedAt: timePtr(p.UpdatedAt),
	}
}

func (j *professionalJSON) professional() *Professional {
	p := &Professional{
		Handle: j.Handle, Name: j.Name, Gender: j.Gender, Category: j.Category, System: j.System,
		Council: j.Council, RegistrationNumber: j.RegistrationNumber, Specialities: j.Specialities,
		Languages: j.Languages, Facilities: j.Facilities, Address: j.Address.address(), Phone: j.Phone, Email: j.Email,
	}
	for _, q := range j.Qualifications {
		p.Qualifications = append(p.Qualifications, Qualification(q))
	}
	if j.Location != nil {
		p.Lat, p.Lon = j.Location.Lat, j.Location.Lon
	}
	return p
}

func toDrugJSON(d *Drug) drugJSON {
	return drugJSON{ID: d.ID, Generic: d.Generic, Brands: d.Brands, Form: d.Form, Strength: d.Strength,
		Route: d.Route, Schedule: d.Schedule, Manufacturer: d.Manufacturer, ATC: d.ATC}
}

// StateName returns the state's name, or "" when unknown.
func StateName(code string) string {
	if s, ok := india.StateByCode(strings.TrimLeft(code, "0")); ok {
		return s.Name
	}
	return ""
}

// DistrictName returns the district's name, or "" when unknown.
func DistrictName(stateCode, code string) string {
	if d, ok := india.DistrictByCode(strings.TrimLeft(stateCode, "0"), code); ok {
		return d.Name
	}
	return ""
}
