package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// entryForm is a submission form, filled in as it was sent.
type entryForm struct {
	Action string
	Sets   []fieldset
	Errors []string // problems the service named for no field of the form
}

// submittedView is the confirmation of a submission.
type submittedView struct {
	Facility   bool
	ID         string // as shown: a facility ID, or an HPR number NN-NNNN-NNNN-NNNN
	HPRAddress string
}

// The service names a field by its API name (e.g. "address.pin",
// "systemsOfMedicine", "qualifications[0].degree"); formNames maps those,
// reduced by fieldKey, to the form's controls.
var formNames = map[string]string{
	"name": "name", "type": "type", "ownership": "ownership", "ownershipsubtype": "ownershipSubType", "subtype": "ownershipSubType",
	"systems": "systems", "systemsofmedicine": "systems", "system": "system", "systemofmedicine": "system",
	"address": "line", "line": "line", "addressline": "line", "city": "city", "addresscity": "city",
	"state": "state", "statecode": "state", "addressstate": "state", "addressstatecode": "state",
	"district": "district", "districtcode": "district", "addressdistrict": "district", "addressdistrictcode": "district",
	"pin": "pin", "addresspin": "pin", "pincode": "pin",
	"lat": "lat", "lon": "lon", "location": "lat", "locationlat": "lat", "locationlon": "lon",
	"phone": "phone", "email": "email", "website": "website",
	"specialities": "specialities", "services": "services", "beds": "beds", "timings": "timings",
	"abdmenabled": "abdmEnabled", "abdmroles": "abdmRoles", "druglicence": "drugLicence",
	"handle": "handle", "hpraddress": "handle", "gender": "gender", "category": "category",
	"council": "council", "registrationnumber": "registration", "registration": "registration",
	"qualifications": "degree1", "qualification": "degree1", "languages": "languages", "facilities": "facilities",
}

var qualFieldRE = regexp.MustCompile(`^qualifications\[(\d+)\]\.(degree|university|year)$`)

// fieldKey reduces a field name to lower-case letters: "address.stateCode"
// becomes "addressstatecode", "qualifications[0].degree" "qualificationsdegree".
func fieldKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// formName returns the form control a service field error belongs to.
func formName(field string) (string, bool) {
	// qualifications[i].degree → degree<i+1>, the form's row.
	if m := qualFieldRE.FindStringSubmatch(field); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil && i < maxQualifications {
			return m[2] + strconv.Itoa(i+1), true
		}
	}
	if n, ok := formNames[fieldKey(field)]; ok {
		return n, true
	}
	head := strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '[' })
	if len(head) > 0 {
		if n, ok := formNames[fieldKey(head[0])]; ok {
			return n, true
		}
		if n, ok := formNames[fieldKey(head[len(head)-1])]; ok {
			return n, true
		}
	}
	return "", false
}

// placeErrors puts a validation error's field problems beside the form's
// controls; those of no control are listed above the form.
func placeErrors(err error, errs map[string]string) (others []string, ok bool) {
	var ve *registry.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	for _, f := range ve.Fields {
		if n, found := formName(f.Field); found {
			if errs[n] == "" {
				errs[n] = f.Reason
			}
			continue
		}
		others = append(others, f.Field+": "+f.Reason)
	}
	return others, true
}

// text returns a text input.
func textField(name, label, value string, maxLen int, errs map[string]string) *formField {
	return &formField{Kind: "text", Type: "text", Name: name, ID: name, Label: label, Value: value, MaxLength: maxLen, Error: errs[name]}
}

// stateEntry returns the state select of a submission form, the button
// that shows its districts (no script), and the district select.
func (g *Registry) stateEntry(r *http.Request, state, district string, errs map[string]string) []*formField {
	st := &formField{Kind: "select", Name: "state", ID: "state", Label: g.catFor(r).text("registry.f.state"),
		Prompt: g.catFor(r).text("registry.choose"), Options: stateOptions(g.catFor(r), state), Required: true, Error: errs["state"]}
	refresh := &formField{Kind: "refresh", Name: "action", ID: "show-districts", Value: "districts", Label: g.catFor(r).text("registry.districts.show")}
	d := &formField{Kind: "select", Name: "district", ID: "district", Label: g.catFor(r).text("registry.f.district"),
		Prompt: g.catFor(r).text("registry.choose"), Options: districtOptions(state, district), Required: true, Error: errs["district"]}
	if state == "" {
		d.Hint = g.catFor(r).text("registry.districts.first")
	}
	return []*formField{st, refresh, d}
}

// postedPlace reads the state and district of a form, dropping a district
// of another state.
func postedPlace(f url.Values) (state, district string) {
	state, district = strings.TrimLeft(firstValue(f, "state"), "0"), firstValue(f, "district")
	if state == "" || registry.DistrictName(state, district) == "" {
		district = ""
	}
	return state, district
}

// values returns the non-empty trimmed values of name.
func values(f url.Values, name string) []string {
	var out []string
	for _, v := range f[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// facilityForm builds the facility form from what was posted (nothing for
// a new form).
func (g *Registry) facilityForm(r *http.Request, f url.Values, errs map[string]string) *entryForm {
	get := func(n string) string { return firstValue(f, n) }
	state, district := postedPlace(f)
	own := get("ownership")
	sub := &formField{Kind: "select", Name: "ownershipSubType", ID: "ownershipSubType", Label: g.catFor(r).text("registry.f.subtype"),
		Hint: g.catFor(r).text("registry.f.subtype.hint"), Prompt: g.catFor(r).text("registry.choose"), Error: errs["ownershipSubType"]}
	for _, o := range registry.Ownerships {
		sub.Groups = append(sub.Groups, optgroup{Label: vocabOwnerships.label(g.catFor(r), o.Code), Options: vocabOptions(g.catFor(r), vocabOwnershipSubTypes(o.Code), get("ownershipSubType"))})
	}
	name := textField("name", g.catFor(r).text("registry.f.name"), get("name"), 200, errs)
	name.Required = true
	pin := textField("pin", g.catFor(r).text("registry.f.pin"), get("pin"), 6, errs)
	pin.InputMode, pin.Pattern, pin.Required, pin.Autocomplete = "numeric", "[1-9][0-9]{5}", true, "postal-code"
	lat, lon := textField("lat", g.catFor(r).text("registry.f.lat"), get("lat"), 12, errs), textField("lon", g.catFor(r).text("registry.f.lon"), get("lon"), 12, errs)
	lat.InputMode, lon.InputMode = "decimal", "decimal"
	lat.Hint = g.catFor(r).text("registry.f.location.hint")
	phone := textField("phone", g.catFor(r).text("registry.f.phone"), get("phone"), 20, errs)
	phone.Type, phone.InputMode, phone.Autocomplete = "tel", "tel", "tel"
	email := textField("email", g.catFor(r).text("registry.f.email"), get("email"), 254, errs)
	email.Type, email.Autocomplete = "email", "email"
	web := textField("website", g.catFor(r).text("registry.f.website"), get("website"), 200, errs)
	web.Type = "url"
	beds := textField("beds", g.catFor(r).text("registry.f.beds"), get("beds"), 6, errs)
	beds.InputMode, beds.Pattern = "numeric", "[0-9]*"
	timings := textField("timings", g.catFor(r).text("registry.f.timings"), get("timings"), 100, errs)
	timings.Hint = g.catFor(r).text("registry.f.timings.hint")
	services := &formField{Kind: "textarea", Name: "services", ID: "services", Label: g.catFor(r).text("registry.f.services"),
		Hint: g.catFor(r).text("registry.f.services.hint"), Value: get("services"), MaxLength: 2000, Error: errs["services"]}
	line := &formField{Kind: "textarea", Name: "line", ID: "line", Label: g.catFor(r).text("registry.f.line"), Value: get("line"),
		MaxLength: 300, Autocomplete: "street-address", Error: errs["line"]}
	return &entryForm{Action: "/registry/facilities/new", Sets: []fieldset{
		{Legend: g.catFor(r).text("registry.set.about"), Fields: []*formField{
			name,
			{Kind: "select", Name: "type", ID: "type", Label: g.catFor(r).text("registry.f.type"), Prompt: g.catFor(r).text("registry.choose"),
				Options: vocabOptions(g.catFor(r), vocabFacilityTypes, get("type")), Required: true, Error: errs["type"]},
			{Kind: "select", Name: "ownership", ID: "ownership", Label: g.catFor(r).text("registry.f.ownership"), Prompt: g.catFor(r).text("registry.choose"),
				Options: vocabOptions(g.catFor(r), vocabOwnerships, own), Required: true, Error: errs["ownership"]},
			sub,
			{Kind: "checks", Name: "systems", ID: "systems", Label: g.catFor(r).text("registry.f.systems"), Hint: g.catFor(r).text("registry.f.systems.hint"),
				Checks: vocabChecks(g.catFor(r), vocabSystems, "systems", values(f, "systems")), Error: errs["systems"]},
		}},
		{Legend: g.catFor(r).text("registry.set.address"), Fields: append(append([]*formField{line,
			textField("city", g.catFor(r).text("registry.f.city"), get("city"), 100, errs)},
			g.stateEntry(r, state, district, errs)...), pin, lat, lon)},
		{Legend: g.catFor(r).text("registry.set.contact"), Hint: g.catFor(r).text("registry.set.contact.hint"), Fields: []*formField{phone, email, web}},
		{Legend: g.catFor(r).text("registry.set.services"), Fields: []*formField{
			{Kind: "checks", Name: "specialities", ID: "specialities", Label: g.catFor(r).text("registry.f.specialities"), Compact: true,
				Checks: vocabChecks(g.catFor(r), vocabSpecialities, "specialities", values(f, "specialities")), Error: errs["specialities"]},
			services, beds, timings,
		}},
		{Legend: g.catFor(r).text("registry.set.abdm"), Fields: []*formField{
			{Kind: "check", Name: "abdmEnabled", ID: "abdmEnabled", Value: "yes", Label: g.catFor(r).text("registry.f.abdm"),
				Checked: get("abdmEnabled") == "yes", Error: errs["abdmEnabled"]},
			{Kind: "checks", Name: "abdmRoles", ID: "abdmRoles", Label: g.catFor(r).text("registry.f.abdmRoles"),
				Checks: vocabChecks(g.catFor(r), vocabABDMRoles, "abdmRoles", values(f, "abdmRoles")), Error: errs["abdmRoles"]},
			textField("drugLicence", g.catFor(r).text("registry.f.drugLicence"), get("drugLicence"), 60, errs),
		}},
	}}
}

// facilityNewGet shows an empty facility form.
func (g *Registry) facilityNewGet(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, true)
	v.Form = g.facilityForm(r, url.Values{}, map[string]string{})
	g.render(w, r, http.StatusOK, "registry_facility_new", v)
}

// facilityNewPost submits a facility, or shows the districts of the chosen
// state.
func (g *Registry) facilityNewPost(w http.ResponseWriter, r *http.Request, v *regView) {
	const page = "registry_facility_new"
	f, errs := r.PostForm, map[string]string{}
	if firstValue(f, "action") == "districts" {
		v.Form = g.facilityForm(r, f, errs)
		g.render(w, r, http.StatusOK, page, v)
		return
	}
	state, district := postedPlace(f)
	fac := &registry.Facility{
		Name: firstValue(f, "name"), Type: firstValue(f, "type"), Ownership: firstValue(f, "ownership"),
		OwnershipSubType: firstValue(f, "ownershipSubType"), Systems: values(f, "systems"),
		Address: registry.Address{Line: firstValue(f, "line"), City: firstValue(f, "city"), StateCode: state,
			DistrictCode: district, PIN: firstValue(f, "pin")},
		Phone: firstValue(f, "phone"), Email: firstValue(f, "email"), Website: firstValue(f, "website"),
		Specialities: values(f, "specialities"), Services: lines(firstValue(f, "services")), Timings: firstValue(f, "timings"),
		ABDMEnabled: firstValue(f, "abdmEnabled") == "yes", ABDMRoles: values(f, "abdmRoles"), DrugLicence: firstValue(f, "drugLicence"),
	}
	if s := firstValue(f, "beds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			errs["beds"] = g.catFor(r).text("registry.form.number")
		}
		fac.Beds = n
	}
	fac.Lat, fac.Lon = g.coords(r, f, errs)
	if len(errs) == 0 {
		created, err := g.svc.SubmitFacility(r.Context(), fac)
		if err == nil {
			http.Redirect(w, r, "/registry/submitted?facility="+url.QueryEscape(created.ID), http.StatusSeeOther)
			return
		}
		others, ok := placeErrors(err, errs)
		if !ok {
			g.failPage(w, r, v, err)
			return
		}
		v.Form = g.facilityForm(r, f, errs)
		v.Form.Errors = others
	} else {
		v.Form = g.facilityForm(r, f, errs)
	}
	v.Error = g.catFor(r).text("registry.form.fix")
	g.render(w, r, http.StatusBadRequest, page, v)
}

// coords reads the optional latitude and longitude: both or neither.
func (g *Registry) coords(r *http.Request, f url.Values, errs map[string]string) (lat, lon float64) {
	la, lo := firstValue(f, "lat"), firstValue(f, "lon")
	if la == "" && lo == "" {
		return 0, 0
	}
	var err1, err2 error
	lat, err1 = strconv.ParseFloat(la, 64)
	lon, err2 = strconv.ParseFloat(lo, 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 || math.IsNaN(lat) || math.IsNaN(lon) {
		errs["lat"] = g.catFor(r).text("registry.form.coords")
		return 0, 0
	}
	return lat, lon
}

// maxQualifications is how many qualifications the form takes.
const maxQualifications = 3

// professionalForm builds the professional form from what was posted.
func (g *Registry) professionalForm(r *http.Request, f url.Values, errs map[string]string) *entryForm {
	get := func(n string) string { return firstValue(f, n) }
	state, district := postedPlace(f)
	handle := textField("handle", g.catFor(r).text("registry.f.handle"), get("handle"), 40, errs)
	handle.Hint, handle.Required, handle.Autocomplete = g.catFor(r).text("registry.f.handle.hint"), true, "off"
	handle.Pattern = "[a-zA-Z][a-zA-Z0-9._]{3,31}"
	name := textField("name", g.catFor(r).text("registry.f.pname"), get("name"), 200, errs)
	name.Required, name.Autocomplete = true, "name"
	genders := []option{}
	for _, c := range [][2]string{{"M", "gender.M"}, {"F", "gender.F"}, {"O", "gender.O"}} {
		genders = append(genders, option{Value: c[0], Label: g.catFor(r).text(c[1]), Selected: get("gender") == c[0]})
	}
	quals := []*formField{}
	for i := 1; i <= maxQualifications; i++ {
		n := strconv.Itoa(i)
		d := textField("degree"+n, g.catFor(r).text("registry.f.degree", i), get("degree"+n), 100, errs)
		u := textField("university"+n, g.catFor(r).text("registry.f.university"), get("university"+n), 200, errs)
		y := textField("year"+n, g.catFor(r).text("registry.f.year"), get("year"+n), 4, errs)
		y.InputMode, y.Pattern = "numeric", "[0-9]{4}"
		if i == 1 {
			d.Hint = g.catFor(r).text("registry.f.degree.hint")
		}
		quals = append(quals, d, u, y)
	}
	pin := textField("pin", g.catFor(r).text("registry.f.pin"), get("pin"), 6, errs)
	pin.InputMode, pin.Pattern, pin.Required = "numeric", "[1-9][0-9]{5}", true
	phone := textField("phone", g.catFor(r).text("registry.f.phone"), get("phone"), 20, errs)
	phone.Type, phone.InputMode, phone.Autocomplete = "tel", "tel", "tel"
	email := textField("email", g.catFor(r).text("registry.f.email"), get("email"), 254, errs)
	email.Type, email.Autocomplete = "email", "email"
	facilities := textField("facilities", g.catFor(r).text("registry.f.facilities"), get("facilities"), 200, errs)
	facilities.Hint = g.catFor(r).text("registry.f.facilities.hint")
	return &entryForm{Action: "/registry/professionals/new", Sets: []fieldset{
		{Legend: g.catFor(r).text("registry.set.person"), Fields: []*formField{
			name,
			{Kind: "select", Name: "gender", ID: "gender", Label: g.catFor(r).text("registry.f.gender"), Prompt: g.catFor(r).text("registry.choose"),
				Options: genders, Required: true, Error: errs["gender"]},
			handle,
		}},
		{Legend: g.catFor(r).text("registry.set.practice"), Fields: append([]*formField{
			{Kind: "select", Name: "category", ID: "category", Label: g.catFor(r).text("registry.f.category"), Prompt: g.catFor(r).text("registry.choose"),
				Options: vocabOptions(g.catFor(r), vocabCategories, get("category")), Required: true, Error: errs["category"]},
			{Kind: "select", Name: "system", ID: "system", Label: g.catFor(r).text("registry.f.system"), Hint: g.catFor(r).text("registry.f.system.hint"),
				Prompt: g.catFor(r).text("registry.none"), Options: vocabOptions(g.catFor(r), vocabSystems, get("system")), Error: errs["system"]},
			textField("council", g.catFor(r).text("registry.f.council"), get("council"), 200, errs),
			textField("registration", g.catFor(r).text("registry.f.registration"), get("registration"), 60, errs),
		}, quals...)},
		{Legend: g.catFor(r).text("registry.set.skills"), Fields: []*formField{
			{Kind: "checks", Name: "specialities", ID: "specialities", Label: g.catFor(r).text("registry.f.specialities"), Compact: true,
				Checks: vocabChecks(g.catFor(r), vocabSpecialities, "specialities", values(f, "specialities")), Error: errs["specialities"]},
			{Kind: "checks", Name: "languages", ID: "languages", Label: g.catFor(r).text("registry.f.languages"), Compact: true,
				Checks: vocabChecks(g.catFor(r), vocabLanguages, "languages", values(f, "languages")), Error: errs["languages"]},
			facilities,
		}},
		{Legend: g.catFor(r).text("registry.set.where"), Fields: append(append([]*formField{
			{Kind: "textarea", Name: "line", ID: "line", Label: g.catFor(r).text("registry.f.line"), Value: get("line"), MaxLength: 300, Error: errs["line"]},
			textField("city", g.catFor(r).text("registry.f.city"), get("city"), 100, errs)},
			g.stateEntry(r, state, district, errs)...), pin)},
		{Legend: g.catFor(r).text("registry.set.private"), Hint: g.catFor(r).text("registry.set.private.hint"), Fields: []*formField{phone, email}},
	}}
}

// professionalNewGet shows an empty professional form.
func (g *Registry) professionalNewGet(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, true)
	v.Form = g.professionalForm(r, url.Values{}, map[string]string{})
	g.render(w, r, http.StatusOK, "registry_professional_new", v)
}

// professionalNewPost submits a professional, or shows the districts of
// the chosen state.
func (g *Registry) professionalNewPost(w http.ResponseWriter, r *http.Request, v *regView) {
	const page = "registry_professional_new"
	f, errs := r.PostForm, map[string]string{}
	if firstValue(f, "action") == "districts" {
		v.Form = g.professionalForm(r, f, errs)
		g.render(w, r, http.StatusOK, page, v)
		return
	}
	state, district := postedPlace(f)
	p := &registry.Professional{
		Handle: firstValue(f, "handle"), Name: firstValue(f, "name"), Gender: firstValue(f, "gender"),
		Category: firstValue(f, "category"), System: firstValue(f, "system"), Council: firstValue(f, "council"),
		RegistrationNumber: firstValue(f, "registration"), Specialities: values(f, "specialities"), Languages: values(f, "languages"),
		Facilities: strings.FieldsFunc(strings.ToUpper(firstValue(f, "facilities")), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }),
		Address: registry.Address{Line: firstValue(f, "line"), City: firstValue(f, "city"), StateCode: state,
			DistrictCode: district, PIN: firstValue(f, "pin")},
		Phone: firstValue(f, "phone"), Email: firstValue(f, "email"),
	}
	for i := 1; i <= maxQualifications; i++ {
		n := strconv.Itoa(i)
		q := registry.Qualification{Degree: firstValue(f, "degree"+n), University: firstValue(f, "university"+n)}
		if y := firstValue(f, "year"+n); y != "" {
			year, err := strconv.Atoi(y)
			if err != nil || year < 1900 || year > 2200 {
				errs["year"+n] = g.catFor(r).text("registry.form.year")
			}
			q.Year = year
		}
		if q.Degree != "" || q.University != "" || q.Year != 0 {
			p.Qualifications = append(p.Qualifications, q)
		}
	}
	if len(errs) == 0 {
		created, err := g.svc.SubmitProfessional(r.Context(), p)
		if err == nil {
			q := url.Values{"professional": {created.ID}, "handle": {created.Handle}}
			http.Redirect(w, r, "/registry/submitted?"+q.Encode(), http.StatusSeeOther)
			return
		}
		others, ok := placeErrors(err, errs)
		switch {
		case ok:
		case arogya.ErrorCode(err) == arogya.ECONFLICT:
			errs["handle"] = g.catFor(r).text("registry.form.handleTaken")
		default:
			g.failPage(w, r, v, err)
			return
		}
		v.Form = g.professionalForm(r, f, errs)
		v.Form.Errors = others
	} else {
		v.Form = g.professionalForm(r, f, errs)
	}
	v.Error = g.catFor(r).text("registry.form.fix")
	g.render(w, r, http.StatusBadRequest, page, v)
}

// submitted confirms a submission. The entry is pending, so only its ID
// (from the query, checked) is shown.
func (g *Registry) submitted(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, false)
	q := r.URL.Query()
	if id := strings.ToUpper(q.Get("facility")); registry.ValidFacilityID(id) {
		v.Submitted = &submittedView{Facility: true, ID: id}
	} else if id := registry.NormaliseHPRID(q.Get("professional")); registry.ValidHPRID(id) {
		v.Submitted = &submittedView{ID: registry.FormatHPRID(id)}
		if h := registry.NormaliseHandle(q.Get("handle")); registry.ValidHandle(h) {
			v.Submitted.HPRAddress = h + "@" + registry.HPRDomain
		}
	} else {
		g.notFound(w, r)
		return
	}
	g.render(w, r, http.StatusOK, "registry_submitted", v)
}
