package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// hiuWorld is one node serving every role but the PHR, with a person who
// has records at two HIP facilities, linked to their ABHA address by the
// HIPs themselves, and a third facility served as HIU with a doctor who
// has an account of their own (password set).
type hiuWorld struct {
	n                 *node
	base, sms         string
	op                map[string]string
	p                 specPerson
	hipA, hipB, hiuID string
	hpr, password     string // the doctor's
	nurse             string // a professional of the HIU facility without an account
}

const hiuWorldAdmin = "hiu-pages-operator-token"

// newHIUWorld builds the world; with records, the person's records are
// pushed and linked: at the lakeside hospital an OP consultation and a
// lab report on 11 March 2025 and a consultation on 20 August 2025, at the
// hill top lab a lab report on 2 May 2025 with a low haemoglobin.
func newHIUWorld(t *testing.T, records bool) *hiuWorld {
	t.Helper()
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip", "hiu"}
		c.AdminToken = hiuWorldAdmin
	})
	w := &hiuWorld{n: n, base: base, sms: sms, op: map[string]string{"Authorization": "Bearer " + hiuWorldAdmin}}
	w.p = enrolPerson(t, base, sms)
	w.hiuID = verifiedFacility(t, base, w.op, "Review Clinic")
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", w.op, map[string]string{"facilityId": w.hiuID}, 201, nil)
	prof := func(handle, name, category string) string {
		var p struct{ ID string }
		jsonCall(t, "POST", base+"/api/v1/professionals", nil, map[string]any{"handle": handle, "name": name, "gender": "F", "category": category,
			"systemOfMedicine": "modern", "council": "Andhra Pradesh Medical Council", "registrationNumber": "APMC/" + handle,
			"qualifications": []map[string]any{{"degree": "MBBS", "university": "Andhra University", "year": 2012}}, "languages": []string{"en"},
			"facilities": []string{w.hiuID}, "address": map[string]string{"city": "Visakhapatnam", "stateCode": "28", "districtCode": "520", "pin": "530002"}}, 201, &p)
		jsonCall(t, "POST", base+"/api/v1/professionals/"+p.ID+"/verification", w.op, map[string]string{"decision": "VERIFIED"}, 200, nil)
		return p.ID
	}
	w.hpr = prof("dr.anita.das", "Anita Das", "doctor")
	w.nurse = prof("dr.kavya.rao", "Kavya Rao", "doctor")
	var account struct{ Password string }
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities/"+w.hiuID+"/staff", w.op, map[string]string{"hprId": w.hpr}, 201, &account)
	w.password = "the doctor's own passphrase"
	jsonCall(t, "POST", base+"/api/v1/hiu/"+w.hiuID+"/staff/password", nil,
		map[string]string{"hprId": w.hpr, "password": account.Password, "newPassword": w.password}, 204, nil)
	waitFor(t, "the HIU bridge registers the facility", func() string {
		if s, err := n.db.Service(t.Context(), w.hiuID); err != nil || !s.Active {
			return fmt.Sprintf("%+v %v", s, err)
		}
		return ""
	})
	if !records {
		return w
	}
	w.hipA = verifiedFacility(t, base, w.op, "Lakeside Hospital")
	w.hipB = verifiedFacility(t, base, w.op, "Hill Top Lab")
	for _, id := range []string{w.hipA, w.hipB} {
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", w.op, map[string]string{"facilityId": id}, 201, nil)
	}
	waitFor(t, "the HIP's services registered", func() string {
		if !hipServiceActive(t, base, w.op, w.hipA) || !hipServiceActive(t, base, w.op, w.hipB) {
			return "not yet"
		}
		return ""
	})
	p := w.p
	push := func(hipID, name, ref, display string, at time.Time, content fhir.Content) {
		var key struct{ Key string }
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", w.op, map[string]string{"name": "HMIS " + ref + at.String()}, 201, &key)
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: name, HFRID: hipID},
			Visit:    fhir.Visit{ID: ref, Class: "AMB", Start: at.Add(-time.Hour), End: at.Add(-30 * time.Minute)},
			Date:     at,
		}, content)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", map[string]string{"Authorization": "Bearer " + key.Key},
			map[string]any{"patient": map[string]string{"abhaAddress": p.address, "abhaNumber": p.number},
				"careContext": map[string]string{"referenceNumber": ref, "display": display}, "bundle": jsonRaw(data)}, 201, nil)
	}
	consult := fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")},
		Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}}
	lab := func(hb string) fhir.LabReport {
		return fhir.LabReport{Test: fhir.LOINC("58410-2", "Complete blood count"),
			Results: []fhir.Result{{Test: fhir.LOINC("718-7", "Haemoglobin"), Value: hb, Unit: "g/dL", Low: "12", High: "15.5"}}}
	}
	push(w.hipA, "Lakeside Hospital", "OP-1", "Fever visit", time.Date(2025, 3, 11, 5, 0, 0, 0, time.UTC), consult)
	push(w.hipA, "Lakeside Hospital", "OP-1", "Fever visit", time.Date(2025, 3, 11, 7, 0, 0, 0, time.UTC), lab("13.1"))
	push(w.hipA, "Lakeside Hospital", "OP-2", "Follow-up visit", time.Date(2025, 8, 20, 5, 0, 0, 0, time.UTC), consult)
	push(w.hipB, "Hill Top Lab", "LAB-9", "Blood test", time.Date(2025, 5, 2, 5, 0, 0, 0, time.UTC), lab("9.2"))
	waitFor(t, "the visits linked and told of", func() string {
		links, err := n.db.Links(t.Context(), p.address)
		told := 0
		for _, l := range links {
			if len(l.HITypes) > 0 {
				told++
			}
		}
		if err != nil || told != 3 {
			return fmt.Sprintf("%d links, %d told, %v", len(links), told, err)
		}
		return ""
	})
	return w
}

// approve grants the consent request the CM knows as cmID, over the
// person's CM API with their PIN: every linked care context at each HIP,
// for the HI types asked.
func (w *hiuWorld) approve(t *testing.T, cmID string, hiTypes []string, from, to string, eraseAt time.Time) {
	t.Helper()
	person := map[string]string{"Authorization": "Bearer " + w.p.token}
	st, _ := jsonDo(t, "POST", w.base+"/cm/patients/pin", person, map[string]string{"pin": "4826"})
	if st != 204 && st != 409 {
		t.Fatalf("set PIN: %d", st)
	}
	var pin struct{ TemporaryToken string }
	jsonCall(t, "POST", w.base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": "consentrequest.approve", "requestId": cmID}, 200, &pin)
	links, err := w.n.db.Links(t.Context(), w.p.address)
	if err != nil {
		t.Fatal(err)
	}
	perm := map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": from, "to": to},
		"dataEraseAt": eraseAt.UTC().Format("2006-01-02T15:04:05.000Z"), "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 10}}
	byHIP := map[string][]map[string]string{}
	var order []string
	for _, l := range links {
		if byHIP[l.HIPID] == nil {
			order = append(order, l.HIPID)
		}
		byHIP[l.HIPID] = append(byHIP[l.HIPID], map[string]string{"patientReference": l.PatientRef, "careContextReference": l.CareContextRef})
	}
	var grants []map[string]any
	for _, hip := range order {
		grants = append(grants, map[string]any{"hip": map[string]string{"id": hip}, "hiTypes": hiTypes, "permission": perm, "careContexts": byHIP[hip]})
	}
	jsonCall(t, "POST", w.base+"/cm/consent-requests/"+cmID+"/approve",
		map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}, map[string]any{"consents": grants}, 200, nil)
}

// revoke revokes an artefact over the person's CM API.
func (w *hiuWorld) revoke(t *testing.T, artefactID string) {
	t.Helper()
	person := map[string]string{"Authorization": "Bearer " + w.p.token}
	var pin struct{ TemporaryToken string }
	jsonCall(t, "POST", w.base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": "consent.revoke", "requestId": ""}, 200, &pin)
	jsonCall(t, "POST", w.base+"/cm/consents/revoke", map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken},
		map[string]any{"consents": []string{artefactID}}, 204, nil)
}

// hiuBrowser is an HTTP client with cookies that does not follow
// redirects, and keeps the CSRF token of its last page.
type hiuBrowser struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

// hiuPage is a fetched response.
type hiuPage struct {
	status   int
	body     string
	header   http.Header
	location string
}

var hiuCSRFRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newHIUBrowser(t testing.TB, base string) *hiuBrowser {
	jar, _ := cookiejar.New(nil)
	return &hiuBrowser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *hiuBrowser) do(req *http.Request) hiuPage {
	b.t.Helper()
	res, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := hiuCSRFRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	if cc := res.Header.Get("Cache-Control"); strings.HasPrefix(req.URL.Path, "/hiu/") && !strings.HasPrefix(req.URL.Path, "/hiu/static/") && cc != "no-store" {
		b.t.Errorf("%s %s: Cache-Control %q, want no-store", req.Method, req.URL.Path, cc)
	}
	return hiuPage{status: res.StatusCode, body: string(body), header: res.Header, location: res.Header.Get("Location")}
}

func (b *hiuBrowser) get(path string) hiuPage {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post submits form with the browser's CSRF token, unless form has one.
func (b *hiuBrowser) post(path string, form url.Values) hiuPage {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs b in as the world's doctor.
func (w *hiuWorld) signIn(t *testing.T, b *hiuBrowser) {
	t.Helper()
	b.get("/hiu/sign-in")
	p := b.post("/hiu/sign-in", url.Values{"facility": {w.hiuID}, "hpr": {w.hpr}, "password": {w.password}})
	if p.status != http.StatusSeeOther || p.location != "/hiu/?notice=hiu.signedin" {
		t.Fatalf("sign in: %d %q\n%s", p.status, p.location, p.body)
	}
	b.get("/hiu/")
}

// must checks a page's status and that it holds every string of want.
func (p hiuPage) must(t *testing.T, what string, status int, want ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: HTTP %d, want %d\n%s", what, p.status, status, p.body)
	}
	for _, s := range want {
		if !strings.Contains(p.body, s) {
			t.Fatalf("%s: the page lacks %q\n%s", what, s, p.body)
		}
	}
}

const refreshMeta = `<meta http-equiv="refresh" content="3; url=`

// askForm is a valid consent request form for the world's person.
func (w *hiuWorld) askForm() url.Values {
	return url.Values{"patient": {w.p.address}, "purpose": {"CAREMGT"}, "hitype": {"OPConsultation", "DiagnosticReport"},
		"from": {"2025-01-01"}, "to": {"2025-12-31"}, "erase_at": {time.Now().AddDate(0, 0, 30).Format("2006-01-02")}}
}
