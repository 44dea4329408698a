package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/india"
	"github.com/arogya-health/arogya/internal/registry"
)

// searchView is a search page: its form, filled in as it was sent, and one
// page of results.
type searchView struct {
	Action      string // the form's path
	Q           *formField
	Filters     []*formField
	FiltersOpen bool
	Near        *formField // facilities only
	NearNote    string     // how a PIN was placed
	Searched    bool
	Total       int
	Page, Pages int
	PrevURL     string
	NextURL     string

	Facilities    []*facilityView
	Professionals []*professionalView
	Drugs         []drugView
}

// drugView is a drug in the results.
type drugView struct {
	Generic, Strength, Form, Route, Schedule, Manufacturer, ATC string
	Brands                                                      []string
	Prescription                                                bool
}

// The parameters each search page reads. They are the API's (so a page
// URL and an API URL look alike), except that near may also be a PIN.
var (
	facilityPageParams     = []string{"q", "state", "district", "type", "ownership", "system", "speciality", "pin", "near", "radius_km", "page"}
	professionalPageParams = []string{"q", "state", "district", "category", "system", "speciality", "language", "facility", "page"}
	drugPageParams         = []string{"q", "form", "schedule", "page"}
)

// searchInput reads the page's parameters: the first value of each, trimmed.
// Other parameters are ignored, as a shared link may carry some.
func searchInput(in url.Values, names []string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = firstValue(in, n)
	}
	return out
}

// badParams reports which of api's parameters parse rejects on its own, so
// the page can put a message beside each. radius_km is checked with a
// placeholder location, as it means nothing alone.
func badParams(api url.Values, parse func(url.Values) error) []string {
	var bad []string
	for k, vs := range api {
		one := url.Values{k: vs}
		if k == "radius_km" {
			one.Set("near", "0,0")
		}
		if parse(one) != nil {
			bad = append(bad, k)
		}
	}
	return bad
}

// badParamMessage is the message beside a rejected search parameter.
func (g *Registry) badParamMessage(r *http.Request, name string) string {
	switch name {
	case "q":
		return g.catFor(r).text("registry.bad.q", registry.MaxQueryLen)
	case "pin":
		return g.catFor(r).text("registry.bad.pin")
	case "near":
		return g.catFor(r).text("registry.bad.near")
	case "radius_km":
		return g.catFor(r).text("registry.bad.radius", registry.MaxRadiusKm)
	case "page":
		return g.catFor(r).text("registry.bad.page")
	case "facility":
		return g.catFor(r).text("registry.bad.facility")
	default:
		return g.catFor(r).text("registry.bad.choice")
	}
}

// apiValues copies the non-empty inputs named into a query for the
// service's parser.
func apiValues(in map[string]string, names ...string) url.Values {
	api := url.Values{}
	for _, n := range names {
		if in[n] != "" {
			api.Set(n, in[n])
		}
	}
	return api
}

// placeState normalises the state and drops a district that is not one of
// its own (left over from a state chosen before).
func placeState(in map[string]string, api url.Values) {
	state := strings.TrimLeft(in["state"], "0")
	if state != "" {
		in["state"] = state
		api.Set("state", state)
	}
	if d := in["district"]; d != "" {
		if state != "" && registry.DistrictName(state, d) == "" {
			in["district"] = ""
		} else {
			api.Set("district", d)
		}
	}
}

// districtForPIN places a PIN code in a district. The india package has no
// PIN-to-location table, only one PIN (and a mean position) per district,
// so a nearby search by PIN is kept simple: it searches the PIN's district
// instead of a radius. (A radius around the district's mean position would
// show distances from a point that is not the person's, and would miss the
// many facilities registered without coordinates.) The district is the one
// whose PIN matches, else the one sharing the longest prefix of at least
// three digits (the postal sorting district), preferring the chosen state.
func districtForPIN(state, pin string) (india.District, bool) {
	var best india.District
	bestLen := 2
	for _, s := range india.States() {
		for _, d := range india.Districts(s.Code) {
			n := 0
			for n < len(pin) && n < len(d.Pincode) && pin[n] == d.Pincode[n] {
				n++
			}
			if n > bestLen || n == bestLen && n > 2 && d.StateCode == state && best.StateCode != state {
				best, bestLen = d, n
			}
		}
	}
	return best, bestLen > 2
}

func isPIN(s string) bool {
	if len(s) != 6 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// paging fills the result count and the links to the pages either side.
func (s *searchView) paging(in map[string]string, total, page, size int) {
	s.Searched, s.Total, s.Page = true, total, page
	if size > 0 {
		s.Pages = (total + size - 1) / size
	}
	link := func(p int) string {
		q := url.Values{}
		for k, v := range in {
			if v != "" && k != "page" {
				q.Set(k, v)
			}
		}
		if p > 1 {
			q.Set("page", strconv.Itoa(p))
		}
		if len(q) == 0 {
			return s.Action
		}
		return s.Action + "?" + q.Encode()
	}
	if page > 1 {
		s.PrevURL = link(min(page-1, max(s.Pages, 1)))
	}
	if page < s.Pages && page < registry.MaxResultDepth/max(size, 1) {
		s.NextURL = link(page + 1)
	}
}

// selectField returns a select of a search form.
func (g *Registry) selectField(r *http.Request, name, label string, opts []option, errs map[string]string) *formField {
	return &formField{Kind: "select", Name: name, ID: name, Label: label, Prompt: g.catFor(r).text("registry.any"),
		Options: opts, Error: errs[name]}
}

// queryField returns the search box.
func (g *Registry) queryField(label, hint, value string, errs map[string]string) *formField {
	return &formField{Kind: "text", Type: "search", Name: "q", ID: "q", Label: label, Hint: hint, Value: value,
		MaxLength: registry.MaxQueryLen, Error: errs["q"]}
}

// stateFields returns the state select and the district select, whose
// list shows once a state has been chosen and the form sent (no script).
func (g *Registry) stateFields(r *http.Request, in, errs map[string]string) []*formField {
	district := g.selectField(r, "district", g.catFor(r).text("registry.f.district"), districtOptions(in["state"], in["district"]), errs)
	if in["state"] == "" {
		district.Hint = g.catFor(r).text("registry.district.pick")
	}
	return []*formField{g.selectField(r, "state", g.catFor(r).text("registry.f.state"), stateOptions(g.catFor(r), in["state"]), errs), district}
}

// searchFailed re-renders a search page with the messages beside the
// parameters, as 400. A bad page number has no field of its own: its
// message is the page's.
func (g *Registry) searchFailed(w http.ResponseWriter, r *http.Request, name string, v *regView, errs map[string]string) {
	v.Error = g.catFor(r).text("registry.search.fix")
	if m := errs["page"]; m != "" && len(errs) == 1 {
		v.Error = m
	}
	v.Search.FiltersOpen = true
	g.render(w, r, http.StatusBadRequest, name, v)
}

// serviceFailed shows a search error: the service's message when the query
// is at fault, else the error page.
func (g *Registry) serviceFailed(w http.ResponseWriter, r *http.Request, name string, v *regView, err error) {
	if arogya.ErrorCode(err) == arogya.EINVALID {
		v.Error = errText(g.catFor(r), err)
		g.render(w, r, http.StatusBadRequest, name, v)
		return
	}
	g.failPage(w, r, v, err)
}

// facilities is the facility search.
func (g *Registry) facilities(w http.ResponseWriter, r *http.Request) {
	const page = "registry_facilities"
	v := g.view(w, r, false)
	in := searchInput(r.URL.Query(), facilityPageParams)
	api := apiValues(in, "q", "type", "ownership", "system", "speciality", "pin", "page")
	placeState(in, api)
	errs := map[string]string{}
	var nearNote string
	if near := in["near"]; isPIN(near) {
		if d, ok := districtForPIN(in["state"], near); ok {
			in["state"], in["district"] = d.StateCode, d.Code
			api.Set("state", d.StateCode)
			api.Set("district", d.Code)
			nearNote = g.catFor(r).text("registry.near.district", near, d.Name, stateName(g.catFor(r), d.StateCode))
		} else {
			errs["near"] = g.catFor(r).text("registry.near.unknown")
		}
	} else if near != "" {
		// A location from a link (near=LAT,LON), as the API takes it.
		api.Set("near", near)
		if in["radius_km"] != "" {
			api.Set("radius_km", in["radius_km"])
		}
	}
	parse := func(v url.Values) error { _, err := registry.ParseFacilityQuery(v); return err }
	for _, k := range badParams(api, parse) {
		errs[k] = g.badParamMessage(r, k)
	}
	if m := errs["radius_km"]; m != "" && errs["near"] == "" {
		errs["near"] = m // the form has no distance field: a link set it
	}
	s := &searchView{Action: "/registry/facilities", NearNote: nearNote,
		Q: g.queryField(g.catFor(r).text("registry.facilities.q"), g.catFor(r).text("registry.facilities.q.hint"), in["q"], errs)}
	s.Filters = append(g.stateFields(r, in, errs),
		g.selectField(r, "type", g.catFor(r).text("registry.f.type"), vocabOptions(g.catFor(r), vocabFacilityTypes, in["type"]), errs),
		g.selectField(r, "ownership", g.catFor(r).text("registry.f.ownership"), vocabOptions(g.catFor(r), vocabOwnerships, in["ownership"]), errs),
		g.selectField(r, "system", g.catFor(r).text("registry.f.system"), vocabOptions(g.catFor(r), vocabSystems, in["system"]), errs),
		g.selectField(r, "speciality", g.catFor(r).text("registry.f.speciality"), vocabOptions(g.catFor(r), vocabSpecialities, in["speciality"]), errs),
		&formField{Kind: "text", Name: "pin", ID: "pin", Label: g.catFor(r).text("registry.f.pin"), Value: in["pin"],
			InputMode: "numeric", MaxLength: 6, Pattern: "[1-9][0-9]{5}", Error: errs["pin"]},
	)
	s.Near = &formField{Kind: "text", Name: "near", ID: "near", Label: g.catFor(r).text("registry.near.label"),
		Hint: g.catFor(r).text("registry.near.hint"), Value: in["near"], InputMode: "numeric", MaxLength: 40,
		Autocomplete: "postal-code", Error: errs["near"]}
	for _, k := range []string{"state", "district", "type", "ownership", "system", "speciality", "pin"} {
		s.FiltersOpen = s.FiltersOpen || in[k] != ""
	}
	v.Search = s
	if len(errs) > 0 {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	q, err := registry.ParseFacilityQuery(api)
	if err != nil {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	res, err := g.svc.SearchFacilities(r.Context(), q)
	if err != nil {
		g.serviceFailed(w, r, page, v, err)
		return
	}
	for _, h := range res.Items {
		fv := newFacilityView(g.catFor(r), h.Facility)
		if q.Near != nil {
			fv.DistanceKm = km(h.DistanceKm)
		}
		s.Facilities = append(s.Facilities, fv)
	}
	s.paging(in, res.Total, res.Page, res.PageSize)
	g.render(w, r, http.StatusOK, page, v)
}

// professionals is the search of professionals and health workers.
func (g *Registry) professionals(w http.ResponseWriter, r *http.Request) {
	const page = "registry_professionals"
	v := g.view(w, r, false)
	in := searchInput(r.URL.Query(), professionalPageParams)
	in["facility"] = strings.ToUpper(in["facility"])
	api := apiValues(in, "q", "category", "system", "speciality", "language", "facility", "page")
	placeState(in, api)
	errs := map[string]string{}
	parse := func(v url.Values) error { _, err := registry.ParseProfessionalQuery(v); return err }
	for _, k := range badParams(api, parse) {
		errs[k] = g.badParamMessage(r, k)
	}
	s := &searchView{Action: "/registry/professionals",
		Q: g.queryField(g.catFor(r).text("registry.professionals.q"), g.catFor(r).text("registry.professionals.q.hint"), in["q"], errs)}
	s.Filters = append([]*formField{
		g.selectField(r, "category", g.catFor(r).text("registry.f.category"), vocabOptions(g.catFor(r), vocabCategories, in["category"]), errs),
		g.selectField(r, "speciality", g.catFor(r).text("registry.f.speciality"), vocabOptions(g.catFor(r), vocabSpecialities, in["speciality"]), errs),
		g.selectField(r, "language", g.catFor(r).text("registry.f.language"), vocabOptions(g.catFor(r), vocabLanguages, in["language"]), errs),
		g.selectField(r, "system", g.catFor(r).text("registry.f.system"), vocabOptions(g.catFor(r), vocabSystems, in["system"]), errs),
	}, g.stateFields(r, in, errs)...)
	s.Filters = append(s.Filters, &formField{Kind: "text", Name: "facility", ID: "facility", Label: g.catFor(r).text("registry.f.facility"),
		Hint: g.catFor(r).text("registry.f.facility.hint"), Value: in["facility"], MaxLength: 12, Autocomplete: "off", Error: errs["facility"]})
	for _, k := range []string{"state", "district", "category", "system", "speciality", "language", "facility"} {
		s.FiltersOpen = s.FiltersOpen || in[k] != ""
	}
	v.Search = s
	if len(errs) > 0 {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	q, err := registry.ParseProfessionalQuery(api)
	if err != nil {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	res, err := g.svc.SearchProfessionals(r.Context(), q)
	if err != nil {
		g.serviceFailed(w, r, page, v, err)
		return
	}
	for _, h := range res.Items {
		s.Professionals = append(s.Professionals, newProfessionalView(g.catFor(r), h.Professional, false))
	}
	s.paging(in, res.Total, res.Page, res.PageSize)
	g.render(w, r, http.StatusOK, page, v)
}

// drugs is the drug search.
func (g *Registry) drugs(w http.ResponseWriter, r *http.Request) {
	const page = "registry_drugs"
	v := g.view(w, r, false)
	in := searchInput(r.URL.Query(), drugPageParams)
	in["schedule"] = strings.ToUpper(in["schedule"])
	api := apiValues(in, "q", "form", "schedule", "page")
	errs := map[string]string{}
	parse := func(v url.Values) error { _, err := registry.ParseDrugQuery(v); return err }
	for _, k := range badParams(api, parse) {
		errs[k] = g.badParamMessage(r, k)
	}
	s := &searchView{Action: "/registry/drugs",
		Q: g.queryField(g.catFor(r).text("registry.drugs.q"), g.catFor(r).text("registry.drugs.q.hint"), in["q"], errs),
		Filters: []*formField{
			g.selectField(r, "form", g.catFor(r).text("registry.f.form"), vocabOptions(g.catFor(r), vocabDosageForms, in["form"]), errs),
			g.selectField(r, "schedule", g.catFor(r).text("registry.f.schedule"), vocabOptions(g.catFor(r), vocabSchedules, in["schedule"]), errs),
		},
		FiltersOpen: in["form"] != "" || in["schedule"] != ""}
	v.Search = s
	if len(errs) > 0 {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	q, err := registry.ParseDrugQuery(api)
	if err != nil {
		g.searchFailed(w, r, page, v, errs)
		return
	}
	res, err := g.svc.SearchDrugs(r.Context(), q)
	if err != nil {
		g.serviceFailed(w, r, page, v, err)
		return
	}
	for _, d := range res.Items {
		s.Drugs = append(s.Drugs, drugView{Generic: d.Generic, Strength: d.Strength, Form: vocabDosageForms.label(g.catFor(r), d.Form),
			Route: vocabRoutes.label(g.catFor(r), d.Route), Schedule: vocabSchedules.label(g.catFor(r), d.Schedule), Manufacturer: d.Manufacturer,
			ATC: d.ATC, Brands: d.Brands, Prescription: d.Schedule != "" && d.Schedule != "OTC"})
	}
	s.paging(in, res.Total, res.Page, res.PageSize)
	g.render(w, r, http.StatusOK, page, v)
}

// facility is a verified facility's public page.
func (g *Registry) facility(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, false)
	f, err := g.svc.Facility(r.Context(), r.PathValue("id"))
	if err != nil {
		g.detailFailed(w, r, v, err)
		return
	}
	v.Facility = newFacilityView(g.catFor(r), f)
	g.render(w, r, http.StatusOK, "registry_facility", v)
}

// professional is a verified professional's public page, without contact
// details.
func (g *Registry) professional(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, false)
	p, err := g.svc.Professional(r.Context(), r.PathValue("id"))
	if err != nil {
		g.detailFailed(w, r, v, err)
		return
	}
	v.Pro = newProfessionalView(g.catFor(r), p, false)
	g.linkFacilities(r.Context(), v.Pro)
	g.render(w, r, http.StatusOK, "registry_professional", v)
}

// detailFailed answers a detail page whose entry cannot be shown: a
// malformed ID is as missing as an unknown one.
func (g *Registry) detailFailed(w http.ResponseWriter, r *http.Request, v *regView, err error) {
	if arogya.ErrorCode(err) == arogya.EINVALID {
		err = arogya.Errorf(arogya.ENOTFOUND, "no such entry")
	}
	g.failPage(w, r, v, err)
}

// maxLinkedFacilities bounds the facilities named on a professional's page.
const maxLinkedFacilities = 10
