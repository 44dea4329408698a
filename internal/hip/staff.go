package hip

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/staff"
)

// Staff is a professional of the registry (HPR) who works at a facility
// this node serves and may use its EMR: an account of internal/staff.
type Staff = staff.Account

// StaffStore keeps staff accounts (internal/sqldb's hip_staff).
type StaffStore interface {
	// AddHIPStaff stores s; ECONFLICT if the facility has them already.
	AddHIPStaff(ctx context.Context, s *Staff) error
	HIPStaff(ctx context.Context, facilityID, hprID string) (*Staff, error)
	SetHIPStaffPassword(ctx context.Context, facilityID, hprID, hash string) error
	// DisableHIPStaff marks the account disabled at at; ENOTFOUND if absent.
	DisableHIPStaff(ctx context.Context, facilityID, hprID string, at time.Time) error
	// HIPStaffList returns a facility's accounts, disabled ones too, in
	// the order they were added.
	HIPStaffList(ctx context.Context, facilityID string) ([]*Staff, error)
}

// Professionals is the registry's professionals, over HTTP.
type Professionals = staff.Professionals

// StaffConfig enables the EMR's staff: where accounts are kept, the
// registry that says who works where, and the key staff tokens are signed
// with (derived from the master key, so every node accepts them).
type StaffConfig struct {
	Store         StaffStore
	Professionals Professionals
	TokenKey      []byte
	Argon         auth.ArgonParams
}

// EnableStaff lets professionals of the facilities work in the EMR. Zero
// Argon parameters mean auth.DefaultArgon, as for the other roles. Until
// it is called the staff methods answer EUNAVAILABLE.
func (s *Service) EnableStaff(c StaffConfig) {
	s.staff = &c
	store := staff.StoreOf[StaffStore]{S: c.Store, Add: StaffStore.AddHIPStaff, Get: StaffStore.HIPStaff,
		SetPassword: StaffStore.SetHIPStaffPassword, Disable: StaffStore.DisableHIPStaff, List: StaffStore.HIPStaffList}
	s.accounts = staff.New(staff.Config{Role: "hip", TokenPrefix: "st1.", TokenKey: c.TokenKey, Store: store,
		Professionals: c.Professionals, Facility: s.facilityID, Audit: s.audit, ActorOf: actorOf, Argon: c.Argon, Now: s.now})
}

// facilityID is the ID of a facility this node serves as HIP, for the
// staff accounts, which are only ever of one.
func (s *Service) facilityID(ctx context.Context, id string) (string, error) {
	f, err := s.facility(ctx, id)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// AddStaff gives a professional who works at the facility (their registry
// entry says so, and is verified) an EMR account, with a password to
// change at first sign-in, returned once.
func (s *Service) AddStaff(ctx context.Context, facilityID, hprID string) (*Staff, string, error) {
	return s.accounts.Add(ctx, facilityID, hprID)
}

// StaffSignIn checks a staff member's password and returns a token for
// the EMR API (Authorization: Bearer), valid for a shift; the one-time
// password only sets their own (ChangeStaffPassword).
func (s *Service) StaffSignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error) {
	return s.accounts.SignIn(ctx, facilityID, hprID, password)
}

// DisableStaff ends a staff account (someone who left the facility): its
// tokens and page sessions stop working at once (StaffActive).
func (s *Service) DisableStaff(ctx context.Context, facilityID, hprID string) error {
	return s.accounts.Disable(ctx, facilityID, hprID)
}

// Staff lists a facility's staff accounts, active and disabled, oldest
// first, for the operator, without password hashes.
func (s *Service) Staff(ctx context.Context, facilityID string) ([]*Staff, error) {
	return s.accounts.List(ctx, facilityID)
}

// StaffActive reports whether the account a token or page session names
// still exists and is not disabled; checked on every request.
func (s *Service) StaffActive(ctx context.Context, facilityID, hprID string) bool {
	return s.accounts.Active(ctx, facilityID, hprID)
}

// ChangeStaffPassword sets a new password after checking the old one.
func (s *Service) ChangeStaffPassword(ctx context.Context, facilityID, hprID, old, next string) error {
	return s.accounts.ChangePassword(ctx, facilityID, hprID, old, next)
}

// CheckStaffToken returns the facility and HPR number a staff token
// ("st1.") was issued for, if it is genuine and not expired.
func (s *Service) CheckStaffToken(tok string) (facilityID, hprID string, ok bool) {
	return s.accounts.CheckToken(tok)
}

// PatientInput registers a patient at a facility.
type PatientInput struct {
	Name        string
	Gender      string // M, F, O or U
	BirthDate   string // YYYY-MM-DD, or ""
	YearOfBirth int    // when only the year is known
	Mobile      string
	ABHANumber  string
	ABHAAddress string
}

// RegisterPatient registers a person at the facility, or returns the
// patient it already has with that ABHA number or address.
func (s *Service) RegisterPatient(ctx context.Context, facilityID string, in PatientInput) (*Patient, bool, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, false, err
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		return nil, false, arogya.Errorf(arogya.EINVALID, "name must be 1 to 200 characters")
	}
	switch in.Gender {
	case "M", "F", "O", "U":
	default:
		return nil, false, arogya.Errorf(arogya.EINVALID, "gender must be M, F, O or U")
	}
	yob := in.YearOfBirth
	if in.BirthDate != "" {
		d, err := time.Parse("2006-01-02", in.BirthDate)
		if err != nil || d.After(s.now()) {
			return nil, false, arogya.Errorf(arogya.EINVALID, "birthDate must be a past date, YYYY-MM-DD")
		}
		yob = d.Year()
	}
	if yob != 0 && (yob < 1880 || yob > s.now().Year()) {
		return nil, false, arogya.Errorf(arogya.EINVALID, "yearOfBirth must be a past year")
	}
	mobile := strings.NewReplacer(" ", "", "-", "").Replace(in.Mobile)
	mobile = strings.TrimPrefix(strings.TrimPrefix(mobile, "+91"), "0")
	if mobile != "" && (len(mobile) != 10 || !allDigits(mobile) || mobile[0] < '6') {
		return nil, false, arogya.Errorf(arogya.EINVALID, "mobile must be a 10-digit Indian mobile number")
	}
	var number, address string
	if in.ABHANumber != "" || in.ABHAAddress != "" {
		if number, address, err = personIDs(in.ABHANumber, in.ABHAAddress); err != nil {
			return nil, false, err
		}
		found, err := s.store.HIPPatientsByIdentifier(ctx, f.ID, number, address, "", 2)
		if err != nil {
			return nil, false, err
		}
		if len(found) > 0 {
			return found[0], false, nil
		}
	}
	now := s.now()
	p := &Patient{FacilityID: f.ID, Ref: newPatientRef(), Name: name, Gender: in.Gender, BirthDate: in.BirthDate, YearOfBirth: yob,
		Mobile: mobile, ABHANumber: number, ABHAAddress: address, CreatedAt: now, UpdatedAt: now}
	if err := s.store.PutHIPPatient(ctx, p); err != nil {
		return nil, false, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: actorOf(ctx), Action: "hip.patient.register", Subject: "facility:" + f.ID, Outcome: "ok"})
	return p, true, nil
}

// Visit is a record a staff member writes: its kind, the care context it
// belongs to, and the content of its form (the JSON of the fhir content
// type for that kind).
type Visit struct {
	Kind           string // OPConsultation, Prescription, LabReport, ImagingReport, DischargeSummary, ImmunizationRecord, WellnessRecord, HealthDocumentRecord or Invoice
	ContextRef     string // the care context: a new reference starts one
	ContextDisplay string
	Date           time.Time
	Content        json.RawMessage
}

// contentFor returns an empty fhir content of the kind, to decode a form into.
func contentFor(kind string) (fhir.Content, error) {
	switch kind {
	case fhir.HITypeOPConsultation:
		return &fhir.Consultation{}, nil
	case fhir.HITypePrescription:
		return &fhir.Prescription{}, nil
	case fhir.HITypeDiagnosticReport, "LabReport":
		return &fhir.LabReport{}, nil
	case "ImagingReport":
		return &fhir.ImagingReport{}, nil
	case fhir.HITypeDischargeSummary:
		return &fhir.DischargeSummary{}, nil
	case fhir.HITypeImmunizationRecord:
		return &fhir.ImmunizationRecord{}, nil
	case fhir.HITypeWellnessRecord:
		return &fhir.WellnessRecord{}, nil
	case fhir.HITypeHealthDocumentRecord:
		return &fhir.HealthDocument{}, nil
	case fhir.HITypeInvoice:
		return &fhir.InvoiceRecord{}, nil
	}
	return nil, arogya.Errorf(arogya.EINVALID, "kind must be OPConsultation, Prescription, LabReport, ImagingReport, DischargeSummary, ImmunizationRecord, WellnessRecord, HealthDocumentRecord or Invoice")
}

// RecordVisit writes a record for a patient as the signed-in staff
// member: the form becomes a FHIR document bundle (NRCeS profiles), which
// is validated and kept, sealed, under the care context.
func (s *Service) RecordVisit(ctx context.Context, facilityID, hprID, patientRef string, v Visit) (*Record, *CareContext, bool, error) {
	content, err := contentFor(v.Kind)
	if err != nil {
		return nil, nil, false, err
	}
	if len(v.Content) > MaxBundle {
		return nil, nil, false, arogya.Errorf(arogya.EINVALID, "content is larger than 10 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(v.Content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(content); err != nil {
		return nil, nil, false, arogya.Errorf(arogya.EINVALID, "content is not a %s form: %s", v.Kind, jsonProblem(err))
	}
	return s.RecordVisitContent(ctx, facilityID, hprID, patientRef, VisitContent{ContextRef: v.ContextRef,
		ContextDisplay: v.ContextDisplay, Date: v.Date, Content: content})
}

// recordContent builds, seals and keeps a record of content for patient p
// under the care context ref, written by the staff member hprID.
func (s *Service) recordContent(ctx context.Context, f *Facility, p *Patient, hprID, ref, display string, date time.Time, content fhir.Content) (*Record, *CareContext, bool, error) {
	if date.IsZero() {
		date = s.now()
	}
	staffName := hprID
	if s.staff != nil {
		if st, err := s.staff.Store.HIPStaff(ctx, f.ID, hprID); err == nil {
			staffName = st.Name
		}
	}
	b, err := fhir.Build(fhir.Header{
		Patient: fhir.Person{Name: p.Name, Gender: fhirGender(p.Gender), BirthDate: cmp.Or(p.BirthDate, yearString(p.YearOfBirth)),
			ABHANumber: p.ABHANumber, ABHAAddress: p.ABHAAddress, MRN: p.Ref, Phone: p.Mobile},
		Author:   fhir.Clinician{Name: staffName, HPRID: hprID},
		Facility: fhir.Facility{Name: f.Name, HFRID: f.ID},
		Visit:    fhir.Visit{ID: ref, Start: date},
		Date:     date,
	}, content)
	if err != nil {
		return nil, nil, false, err
	}
	data, err := fhir.Marshal(b)
	if err != nil {
		return nil, nil, false, err
	}
	ctx = arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorStaff, ID: hprID})
	r, cc, created, err := s.keepRecord(ctx, f, p, ref, display, content.HIType(), date, data)
	if err != nil {
		return nil, nil, false, err
	}
	return r, cc, created, nil
}

// Record returns one record of the facility, decrypted, for its staff.
func (s *Service) Record(ctx context.Context, facilityID, contextRef, id string) (*Record, []byte, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, err
	}
	return s.record(ctx, f, contextRef, id)
}

// PatientRecord is Record for a care context that must be the patient's:
// what a page under the patient shows.
func (s *Service) PatientRecord(ctx context.Context, facilityID, patientRef, contextRef, id string) (*Record, []byte, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, err
	}
	cc, err := s.store.HIPCareContext(ctx, f.ID, contextRef)
	if err != nil {
		return nil, nil, err
	}
	if cc.PatientRef != patientRef {
		return nil, nil, arogya.Errorf(arogya.ENOTFOUND, "no such care context for this patient")
	}
	return s.record(ctx, f, cc.Ref, id)
}

// record reads one record of a care context and decrypts it alone.
func (s *Service) record(ctx context.Context, f *Facility, contextRef, id string) (*Record, []byte, error) {
	rs, err := s.store.HIPRecords(ctx, f.ID, contextRef, time.Time{}, time.Time{})
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(rs, func(r *Record) bool { return r.ID == id })
	if i < 0 {
		return nil, nil, arogya.Errorf(arogya.ENOTFOUND, "no such record in that care context")
	}
	bundle, err := s.open(f, rs[i])
	if err != nil {
		return nil, nil, err
	}
	return rs[i], bundle, nil
}

func fhirGender(g string) string {
	switch g {
	case "M":
		return "male"
	case "F":
		return "female"
	case "O":
		return "other"
	}
	return "unknown"
}

func yearString(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

// jsonProblem names what is wrong with a form's JSON without quoting it.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return "field " + te.Field + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "not valid JSON"
}
