package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya/internal/registry"
)

// formField is one control of a registry form, built in Go so that every
// form (search or submission) is rendered by one template, "field".
type formField struct {
	Kind         string // "text", "textarea", "select", "checks", "check", "refresh"
	Name, ID     string
	Label, Hint  string
	Error        string
	Value        string
	Type         string // of a text input: text, search, email, tel, url, number
	InputMode    string
	Autocomplete string
	Pattern      string
	MaxLength    int
	Required     bool
	Prompt       string // the empty first option of a select
	Options      []option
	Groups       []optgroup
	Checks       []option // "checks": one checkbox each
	Checked      bool     // "check": a single checkbox
	Compact      bool     // "checks" laid out in columns
}

// option is a select option or a checkbox of a group.
type option struct {
	Value, Label, ID string
	Selected         bool
}

// optgroup is a labelled group of options.
type optgroup struct {
	Label   string
	Options []option
}

// fieldset is a group of fields under a legend.
type fieldset struct {
	Legend string
	Hint   string
	Fields []*formField
}

// ist is India Standard Time, fixed so no time zone database is needed.
var ist = time.FixedZone("IST", 5*3600+1800)

// when shows a time to a person in India, with the month in cat's words.
func when(cat catalogue, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateIn(cat, t.In(ist), "02 Jan 2006, 15:04 IST")
}

// km shows a distance.
func km(d float64) string {
	if d < 10 {
		return strconv.FormatFloat(d, 'f', 1, 64)
	}
	return strconv.FormatFloat(d, 'f', 0, 64)
}

// placeView is an address as pages show it.
type placeView struct {
	Line, City, District, State, PIN string
}

func newPlace(cat catalogue, a registry.Address) placeView {
	p := placeView{Line: a.Line, City: a.City, PIN: a.PIN,
		District: registry.DistrictName(a.StateCode, a.DistrictCode), State: stateName(cat, a.StateCode)}
	if strings.EqualFold(p.City, p.District) {
		p.City = "" // a district headquarters: say it once
	}
	return p
}

// facilityView is a facility with its codes turned into labels. The same
// view serves the public detail page and the verifier's review.
type facilityView struct {
	ID, Name, Type, Ownership, OwnershipSubType string
	Systems, Specialities, Services, ABDMRoles  []string
	Place                                       placeView
	Lat, Lon                                    string // empty when unknown
	Phone, Email, Website                       string
	Beds                                        int
	Timings, DrugLicence                        string
	ABDM                                        bool
	Status, Reason                              string // Status is a message id
	Pending, Verified, Rejected                 bool
	Submitted, Updated                          string
	DistanceKm                                  string // in search results with a nearby search
	URL                                         string
}

func newFacilityView(cat catalogue, f *registry.Facility) *facilityView {
	v := &facilityView{
		ID: f.ID, Name: f.Name, Type: vocabFacilityTypes.label(cat, f.Type), Ownership: vocabOwnerships.label(cat, f.Ownership),
		Systems: vocabSystems.labels(cat, f.Systems), Specialities: vocabSpecialities.labels(cat, f.Specialities),
		Services: f.Services, ABDMRoles: vocabABDMRoles.labels(cat, f.ABDMRoles), Place: newPlace(cat, f.Address),
		Phone: f.Phone, Email: f.Email, Website: f.Website, Beds: f.Beds, Timings: f.Timings, DrugLicence: f.DrugLicence,
		ABDM: f.ABDMEnabled, Status: "registry.status." + string(f.Status), Reason: f.Reason,
		Pending: f.Status == registry.StatusPending, Verified: f.Status == registry.StatusVerified,
		Rejected: f.Status == registry.StatusRejected, Submitted: when(cat, f.SubmittedAt), Updated: when(cat, f.UpdatedAt),
		URL: "/registry/facilities/" + f.ID,
	}
	if _, ok := registry.OwnershipSubTypes[f.Ownership]; ok && f.OwnershipSubType != "" {
		v.OwnershipSubType = vocabOwnershipSubTypes(f.Ownership).label(cat, f.OwnershipSubType)
	}
	if f.Lat != 0 || f.Lon != 0 {
		v.Lat, v.Lon = strconv.FormatFloat(f.Lat, 'f', 5, 64), strconv.FormatFloat(f.Lon, 'f', 5, 64)
	}
	return v
}

// professionalView is a professional with labels. Phone, Email and Line
// are set only for verifiers: the public pages show no contact details.
type professionalView struct {
	ID, DisplayID, HPRAddress, Name, Gender   string
	Category, System, Council, Registration   string
	Qualifications                            []string
	Specialities, Languages                   []string
	Facilities                                []facilityLink
	Place                                     placeView
	Phone, Email                              string
	Status, Reason                            string
	Pending, Verified, Rejected, HealthWorker bool
	Submitted, Updated                        string
	URL                                       string
}

// facilityLink is a place of work: a link when the facility is public.
type facilityLink struct {
	ID, Name, URL string
}

func newProfessionalView(cat catalogue, p *registry.Professional, private bool) *professionalView {
	v := &professionalView{
		ID: p.ID, DisplayID: registry.FormatHPRID(p.ID), HPRAddress: p.Handle + "@" + registry.HPRDomain, Name: p.Name,
		Gender: "gender." + p.Gender, Category: vocabCategories.label(cat, p.Category),
		Council: p.Council, Registration: p.RegistrationNumber,
		Specialities: vocabSpecialities.labels(cat, p.Specialities), Languages: vocabLanguages.labels(cat, p.Languages),
		Place: newPlace(cat, p.Address), Status: "registry.status." + string(p.Status),
		Pending: p.Status == registry.StatusPending, Verified: p.Status == registry.StatusVerified,
		Rejected: p.Status == registry.StatusRejected, HealthWorker: slices.Contains(registry.HealthWorkerCategories, p.Category),
		Submitted: when(cat, p.SubmittedAt), Updated: when(cat, p.UpdatedAt), URL: "/registry/professionals/" + p.ID,
	}
	if p.System != "" {
		v.System = vocabSystems.label(cat, p.System)
	}
	for _, q := range p.Qualifications {
		s := q.Degree
		if q.University != "" {
			s += ", " + q.University
		}
		if q.Year != 0 {
			s += " (" + strconv.Itoa(q.Year) + ")"
		}
		v.Qualifications = append(v.Qualifications, s)
	}
	for _, id := range p.Facilities {
		v.Facilities = append(v.Facilities, facilityLink{ID: id})
	}
	if private {
		v.Phone, v.Email, v.Reason = p.Phone, p.Email, p.Reason
	} else {
		v.Place.Line = "" // may be a home address
	}
	return v
}

// historyView is one event in an entry's life, for verifiers.
type historyView struct {
	At, Actor, Action, Reason string
}

func (g *Registry) newHistory(r *http.Request, hs []registry.HistoryEntry) []historyView {
	out := make([]historyView, len(hs))
	for i, h := range hs {
		action := h.Action
		if s, ok := g.catFor(r)["registry.history."+h.Action]; ok {
			action = s
		}
		out[i] = historyView{At: when(g.catFor(r), h.At), Actor: h.Actor, Action: action, Reason: h.Reason}
	}
	return out
}

// firstValue returns the first value of name in v, trimmed.
func firstValue(v map[string][]string, name string) string {
	if vs := v[name]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}
