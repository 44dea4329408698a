package main

import (
	"context"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// seedHIUDemo makes a verified facility of the registry one this node
// serves as HIU, and gives a doctor who works there a clinician account;
// it returns them with the one-time password, for the banner. When the
// node's HIP and HIU share one bridge, it is one of the demo's HIP
// hospitals, as in life: its doctors read what other hospitals hold. A
// node whose roles have a bridge each (a v3 HIP) picks another facility,
// as the gateway keeps a facility to one bridge. It needs the node to be
// serving: the HIU asks the registry over HTTP. It returns nil if the
// registry has no such facility.
func seedHIUDemo(ctx context.Context, n *node) (*demoStaff, error) {
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	asHIP := map[string]bool{}
	if n.hip != nil {
		fs, err := n.hip.Facilities(op)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			asHIP[f.ID] = true
		}
	}
	for _, pass := range []bool{true, false} { // HIP hospitals first, when the bridge is shared
		if pass && n.bridge == nil {
			continue
		}
		st, err := seedHIUClinician(op, n, func(id string) bool { return asHIP[id] == pass || !pass && n.bridge != nil })
		if st != nil || err != nil {
			return st, err
		}
	}
	return nil, nil
}

// seedHIUClinician serves as HIU the first facility of the demo's states
// that ok takes and that has a verified doctor, and gives the doctor an
// account; nil if there is none.
func seedHIUClinician(op context.Context, n *node, ok func(facilityID string) bool) (*demoStaff, error) {
	for _, st := range demoStates {
		page, err := n.registry.SearchFacilities(op, registry.FacilityQuery{State: st, PageSize: 20})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			f := it.Facility
			if !ok(f.ID) {
				continue
			}
			pros, err := n.registry.SearchProfessionals(op, registry.ProfessionalQuery{Facility: f.ID, Category: "doctor", PageSize: 1})
			if err != nil {
				return nil, err
			}
			if len(pros.Items) == 0 {
				continue
			}
			if _, err := n.hiu.AddFacility(op, f.ID); err != nil && arogya.ErrorCode(err) != arogya.ECONFLICT {
				return nil, err
			}
			doc := pros.Items[0].Professional
			s, pw, err := n.hiu.AddStaff(op, f.ID, doc.ID)
			if err != nil {
				if arogya.ErrorCode(err) == arogya.EUNPROCESSABLE { // not verified, or the registry lags: try another
					continue
				}
				return nil, err
			}
			return &demoStaff{Facility: f.ID, FacilityName: strings.TrimSpace(f.Name), HPRID: s.HPRID, Name: s.Name, Password: pw}, nil
		}
	}
	return nil, nil
}

// phrHIUName names the demo's facility the PHR fetches people's own
// records as.
const phrHIUName = "Arogya PHR"

// seedPHRHIUDemo makes the verified facility "Arogya PHR", serves it as
// HIU and makes it the PHR's HIU, as an operator would with
// --phr-hiu-id after POST /api/v1/admin/hiu/facilities. A node whose PHR
// has an HIU already (the flag) keeps it.
func seedPHRHIUDemo(ctx context.Context, n *node) error {
	if n.phrHIU == nil || n.phrHIU.ID() != "" || n.registry == nil || n.hiu == nil {
		return nil
	}
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	f, err := n.registry.SubmitFacility(op, &registry.Facility{Name: phrHIUName, Type: "telemedicine-centre", Ownership: "private",
		Systems: []string{"modern"}, Address: registry.Address{City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"}})
	if err != nil {
		return err
	}
	if _, err := n.registry.DecideFacility(op, f.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
		return err
	}
	if _, err := n.hiu.AddFacility(op, f.ID); err != nil {
		return err
	}
	n.phrHIU.SetID(f.ID)
	return nil
}

// restorePHRHIUDemo gives a demo started again on its data the PHR's HIU
// it seeded: the facility served as HIU named "Arogya PHR".
func restorePHRHIUDemo(ctx context.Context, n *node) error {
	if n.phrHIU == nil || n.phrHIU.ID() != "" || n.hiu == nil {
		return nil
	}
	fs, err := n.hiu.Facilities(arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator}))
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Name == phrHIUName {
			n.phrHIU.SetID(f.ID)
			break
		}
	}
	return nil
}
