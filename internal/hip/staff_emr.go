package hip

import (
	"context"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
)

// VisitContent is a record a staff member writes from a typed form (the
// EMR's pages), as Visit is one from JSON (the EMR API).
type VisitContent struct {
	ContextRef     string // the care context: a new reference starts one
	ContextDisplay string
	Date           time.Time // zero means now
	Content        fhir.Content
}

// RecordVisitContent is RecordVisit for content already typed: it writes
// the record for the patient as the staff member hprID of the facility.
func (s *Service) RecordVisitContent(ctx context.Context, facilityID, hprID, patientRef string, v VisitContent) (*Record, *CareContext, bool, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, false, err
	}
	p, err := s.store.HIPPatient(ctx, f.ID, patientRef)
	if err != nil {
		return nil, nil, false, err
	}
	ref, display, err := contextRef(v.ContextRef, v.ContextDisplay)
	if err != nil {
		return nil, nil, false, err
	}
	if v.Content == nil {
		return nil, nil, false, arogya.Errorf(arogya.EINVALID, "the record has no content")
	}
	return s.recordContent(ctx, f, p, hprID, ref, display, v.Date, v.Content)
}

// FindPatients lists up to 50 of the facility's patients with the ABHA
// number, ABHA address or mobile number given (at least one).
func (s *Service) FindPatients(ctx context.Context, facilityID, abhaNumber, abhaAddress, mobile string) ([]*Patient, error) {
	var err error
	if abhaNumber != "" || abhaAddress != "" {
		if abhaNumber, abhaAddress, err = personIDs(abhaNumber, abhaAddress); err != nil {
			return nil, err
		}
	}
	if abhaNumber == "" && abhaAddress == "" && mobile == "" {
		return nil, arogya.Errorf(arogya.EINVALID, "search by ABHA number, ABHA address or mobile")
	}
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	return s.store.HIPPatientsByIdentifier(ctx, f.ID, abhaNumber, abhaAddress, mobile, 50)
}

// PatientVisits returns one of the facility's patients and their care
// contexts.
func (s *Service) PatientVisits(ctx context.Context, facilityID, patientRef string) (*Patient, []*CareContext, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.HIPPatient(ctx, f.ID, patientRef)
	if err != nil {
		return nil, nil, err
	}
	ccs, err := s.store.HIPCareContexts(ctx, f.ID, p.Ref)
	if err != nil {
		return nil, nil, err
	}
	return p, ccs, nil
}

// VisitRecords lists the records of one of the patient's care contexts,
// without opening them: ENOTFOUND if the care context is not the
// patient's.
func (s *Service) VisitRecords(ctx context.Context, facilityID, patientRef, contextRef string) ([]*Record, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	cc, err := s.store.HIPCareContext(ctx, f.ID, contextRef)
	if err != nil {
		return nil, err
	}
	if cc.PatientRef != patientRef {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such care context for this patient")
	}
	return s.store.HIPRecords(ctx, f.ID, cc.Ref, time.Time{}, time.Time{})
}
