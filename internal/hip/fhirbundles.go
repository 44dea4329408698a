package hip

import (
	"strconv"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
)

// FHIRBundles checks the bundles facilities push with internal/fhir:
// the Bundles the node gives the service.
type FHIRBundles struct{}

// Check parses and validates a FHIR document bundle against the NRCeS
// profiles and reads what the HIP keeps of it.
func (FHIRBundles) Check(data []byte) (*BundleInfo, error) {
	b, err := fhir.Parse(data)
	if err != nil {
		return nil, err
	}
	if err := fhir.Validate(b); err != nil {
		return nil, err
	}
	var info BundleInfo
	if info.HIType, err = b.HIType(); err != nil {
		return nil, err
	}
	c, err := b.Composition()
	if err != nil {
		return nil, err
	}
	if info.Date, _, err = fhir.ParseDateTime(c.Date); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the bundle's Composition.date is not a FHIR dateTime")
	}
	p, err := b.Patient()
	if err != nil {
		return nil, err
	}
	if len(p.Name) > 0 {
		info.Patient.Name = p.Name[0].String()
	}
	info.Patient.Gender = map[string]string{"male": "M", "female": "F", "other": "O"}[p.Gender]
	if len(p.BirthDate) == 10 {
		info.Patient.BirthDate = p.BirthDate
	} else if len(p.BirthDate) >= 4 {
		info.Patient.YearOfBirth, _ = strconv.Atoi(p.BirthDate[:4])
	}
	for _, t := range p.Telecom {
		if t.System == "phone" {
			info.Patient.Mobile = t.Value
			break
		}
	}
	return &info, nil
}
