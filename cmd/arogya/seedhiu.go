package main

import (
	"context"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// seedHIUDemo makes one verified facility of the registry, not one the
// demo serves as HIP (the gateway keeps a facility to one bridge), a
// facility this node serves as HIU, and gives a doctor who works there a
// clinician account; it returns them with the one-time password, for the
// banner. It needs the node to be serving: the HIU asks the registry over
// HTTP. It returns nil if the registry has no such facility.
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
	for _, st := range demoStates {
		page, err := n.registry.SearchFacilities(op, registry.FacilityQuery{State: st, PageSize: 20})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			f := it.Facility
			if asHIP[f.ID] {
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
