package main

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/notify"
)

// phrBrowser is a person's browser on the PHR pages: a cookie jar holding
// their login, no redirects followed so each answer can be checked.
type phrBrowser struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

func newPHRBrowser(t testing.TB, base, token string) *phrBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base + "/abha/")
	jar.SetCookies(u, []*http.Cookie{{Name: "abha_session", Value: token, Path: "/abha"}})
	return &phrBrowser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *phrBrowser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	res, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res.StatusCode, string(body), res.Header
}

func (b *phrBrowser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	st, body, _ := b.do(req)
	return st, body
}

func (b *phrBrowser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/abha/records")
	}
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *phrBrowser) upload(title string, content []byte) (int, string) {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/abha/documents")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	_ = mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("file", "scan.bin")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/abha/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, body, _ := b.do(req)
	return st, body
}

// hidden returns a hidden field's value on a page.
func hiddenField(t testing.TB, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no field %q on the page", name)
	}
	return html.UnescapeString(m[1])
}

// checkboxValues returns the values of the checkboxes called name.
func checkboxValues(page, name string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`type="checkbox" name="`+name+`" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// timelineVisits returns the visit names on the timeline, in order.
func timelineVisits(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<span class="result-name">([^<]*?)(?: <span class="tag wait">|</span>)`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(strings.TrimSpace(m[1])))
	}
	return out
}

// phrOTP waits for an OTP sent to mobile after the first `after` messages
// of the outbox, skipping any other message (the CM's notices of new
// requests, for one).
func phrOTP(t *testing.T, outbox string, after int, mobile string) string {
	t.Helper()
	var otp string
	waitFor(t, "an OTP to the person", func() string {
		entries, err := notify.ReadOutbox(outbox)
		if err != nil {
			return err.Error()
		}
		for _, m := range entries[min(after, len(entries)):] {
			if m.To == mobile && len(m.OTP) >= 4 {
				otp = m.OTP
				return ""
			}
		}
		return fmt.Sprintf("%d messages, none an OTP to the person", len(entries)-after)
	})
	return otp
}

// phrWorld is a node with the national stack, two facilities on its HIP
// and a person with records at both, visits at the first linked by the
// facility and the second's waiting to be linked by the person.
type phrWorld struct {
	n          *node
	base, sms  string
	op         map[string]string
	p          specPerson
	hipA, hipB string
	hiu        *testHIU
}

func newPHRWorld(t *testing.T) *phrWorld {
	t.Helper()
	const admin = "phr-e2e-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip", "phr"}
		c.AdminToken = admin
	})
	w := &phrWorld{n: n, base: base, sms: sms, op: map[string]string{"Authorization": "Bearer " + admin}}
	w.p = enrolPerson(t, base, sms)
	w.hipA = verifiedFacility(t, base, w.op, "Lotus Hospital")
	w.hipB = verifiedFacility(t, base, w.op, "Banyan Diagnostics")
	hiuID := verifiedFacility(t, base, w.op, "Review Clinic")
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
	push := func(hipID, name string, id map[string]string, ref, display string, at time.Time, content fhir.Content) {
		var key struct{ Key string }
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", w.op, map[string]string{"name": "HMIS " + ref}, 201, &key)
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: id["abhaAddress"]},
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
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", map[string]string{"Authorization": "Bearer " + key.Key}, map[string]any{"patient": id,
			"careContext": map[string]string{"referenceNumber": ref, "display": display}, "bundle": jsonRaw(data)}, 201, nil)
	}
	consult := fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")}}
	rx := fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}}
	byAddress := map[string]string{"abhaAddress": p.address, "abhaNumber": p.number}
	push(w.hipA, "Lotus Hospital", byAddress, "OP-1", "Fever visit", time.Date(2025, 3, 11, 5, 0, 0, 0, time.UTC), consult)
	push(w.hipA, "Lotus Hospital", byAddress, "OP-2", "Follow-up visit", time.Date(2025, 8, 2, 5, 0, 0, 0, time.UTC), rx)
	// At the second facility the person is known by number only: they
	// link it themselves.
	push(w.hipB, "Banyan Diagnostics", map[string]string{"abhaNumber": p.number}, "RX-9", "Pharmacy visit", time.Date(2025, 5, 20, 5, 0, 0, 0, time.UTC), rx)
	waitFor(t, "the first facility's visits linked and told of", func() string {
		links, err := w.n.db.Links(t.Context(), p.address)
		told := 0
		for _, l := range links {
			if len(l.HITypes) > 0 {
				told++
			}
		}
		if err != nil || told != 2 {
			return fmt.Sprintf("%d links, %d told, %v", len(links), told, err)
		}
		return ""
	})
	w.hiu = newTestHIU(t, base, w.op, hiuID)
	waitFor(t, "the HIP's work all done", func() string { return hipJobsPending(t, n) })
	return w
}

// askConsent makes the HIU ask the person for records of 2024–2025 of any
// facility; it returns the request's ID, or "" and the error the CM
// answered.
func (w *phrWorld) askConsent(t *testing.T) (string, string) {
	t.Helper()
	var out struct {
		ConsentRequest struct{ ID string }      `json:"consentRequest"`
		Error          struct{ Message string } `json:"error"`
	}
	eraseAt := time.Now().Add(60 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	w.hiu.ask("consent-requests/init", map[string]any{"consent": map[string]any{
		"purpose":   map[string]string{"code": "CAREMGT", "text": "Care Management"},
		"patient":   map[string]string{"id": w.p.address},
		"hiu":       map[string]string{"id": w.hiu.id},
		"requester": map[string]any{"name": "Dr. Meera Iyer", "identifier": map[string]string{"type": "REGNO", "value": "MH-2011-04417", "system": "https://www.nmc.org.in"}},
		"hiTypes":   []string{"OPConsultation", "Prescription"},
		"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"},
			"dataEraseAt": eraseAt, "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 5}},
	}}, &out)
	return out.ConsentRequest.ID, out.Error.Message
}

// TestPHRPages walks the person's app over a real node: linking with the
// facility's OTP, the timeline and its filters, approving with chosen
// visits and narrowed dates, the access log, revoking, denying, the lock,
// Scan & Share and own documents.
func TestPHRPages(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	w := newPHRWorld(t)
	base, p := w.base, w.p
	person := map[string]string{"Authorization": "Bearer " + p.token}
	b := newPHRBrowser(t, base, p.token)

	t.Run("LinkWithOTP", func(t *testing.T) {
		// The facility is found by name in the registry.
		st, page, _ := b.post("/abha/link", url.Values{"step": {"search"}, "q": {"Banyan"}})
		if st != 200 || !strings.Contains(page, `name="hip" value="`+w.hipB+`"`) {
			t.Fatalf("search: %d, the facility not offered", st)
		}
		st, page, _ = b.post("/abha/link", url.Values{"step": {"discover"}, "hip": {w.hipB}})
		if st != 200 || !strings.Contains(page, "Pharmacy visit") {
			t.Fatalf("discover: %d %s", st, page)
		}
		sent := smsCount(t, w.sms)
		st, page, _ = b.post("/abha/link", url.Values{"step": {"init"}, "hip": {w.hipB}, "txn": {hiddenField(t, page, "txn")},
			"patientRef": {hiddenField(t, page, "patientRef")}, "cc": checkboxValues(page, "cc")})
		if st != 200 || !strings.Contains(page, `name="otp"`) {
			t.Fatalf("link init: %d %s", st, page)
		}
		linkRef := hiddenField(t, page, "linkRef")
		otp := phrOTP(t, w.sms, sent, p.mobile)
		st, page, _ = b.post("/abha/link", url.Values{"step": {"confirm"}, "linkRef": {linkRef}, "otp": {"000000"}})
		if st == 303 || !strings.Contains(page, `name="otp"`) {
			t.Fatalf("a wrong OTP linked: %d", st)
		}
		st, _, h := b.post("/abha/link", url.Values{"step": {"confirm"}, "linkRef": {linkRef}, "otp": {otp}})
		if st != 303 || !strings.HasPrefix(h.Get("Location"), "/abha/records") {
			t.Fatalf("confirm: %d %s", st, h.Get("Location"))
		}
		waitFor(t, "the HIP's work all done", func() string { return hipJobsPending(t, w.n) })
	})

	t.Run("Timeline", func(t *testing.T) {
		// Linked by the person, then told of by the facility (a context
		// notice, after the link), with its date.
		waitFor(t, "the second facility's visit on the timeline, with its date", func() string {
			_, page := b.get("/abha/records?from=2025-05-01&to=2025-05-31&facility=" + w.hipB)
			if v := timelineVisits(page); !slices.Equal(v, []string{"Pharmacy visit"}) {
				return fmt.Sprint(v)
			}
			return ""
		})
		// A browser that never looked sees everything new; then nothing is.
		fresh := newPHRBrowser(t, base, p.token)
		st, page := fresh.get("/abha/records")
		visits := timelineVisits(page)
		// Newest first.
		if st != 200 || !slices.Equal(visits, []string{"Follow-up visit", "Pharmacy visit", "Fever visit"}) || !strings.Contains(page, "Lotus Hospital") || !strings.Contains(page, "Banyan Diagnostics") {
			t.Fatalf("timeline: %d %v", st, visits)
		}
		if n := strings.Count(page, `class="tag wait"`); n < 3 {
			t.Errorf("%d visits marked new on the first look, want the facilities' told ones", n)
		}
		if _, page = fresh.get("/abha/records"); strings.Contains(page, `class="tag wait"`) {
			t.Error("visits still marked new on the second look")
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"type=OPConsultation", []string{"Fever visit"}},
			{"facility=" + w.hipA, []string{"Follow-up visit", "Fever visit"}},
			{"from=2025-01-01&to=2025-06-30", []string{"Pharmacy visit", "Fever visit"}},
			{"type=Prescription&facility=" + w.hipA, []string{"Follow-up visit"}},
			{"from=2030-01-01", nil},
		} {
			if _, page := b.get("/abha/records?" + tc.query); !slices.Equal(timelineVisits(page), tc.want) {
				_, raw := jsonDo(t, "GET", base+"/cm/patients/links", person, nil)
				t.Errorf("%s: %v, want %v; %s", tc.query, timelineVisits(page), tc.want, raw)
			}
		}
	})

	var artID string
	t.Run("ApproveChosen", func(t *testing.T) {
		if st, _, _ := b.post("/abha/consents", url.Values{"action": {"setpin"}, "pin": {"4826"}, "pin2": {"4826"}}); st != 303 {
			t.Fatalf("set PIN: %d", st)
		}
		reqID, refused := w.askConsent(t)
		if reqID == "" {
			t.Fatalf("consent request: %s", refused)
		}
		if _, page := b.get("/abha/records"); !strings.Contains(page, `id="notifications"`) || !strings.Contains(page, "Review Clinic") {
			_, raw := jsonDo(t, "GET", base+"/cm/patients/requests", person, nil)
			t.Errorf("no notification of the new request on the timeline: %s", raw)
		}
		st, page, _ := b.post("/abha/consents", url.Values{"action": {"review"}, "id": {reqID}})
		ccs := checkboxValues(page, "cc")
		if st != 200 || len(ccs) != 3 {
			t.Fatalf("review: %d, %d visits offered", st, len(ccs))
		}
		var fever string
		for _, c := range ccs {
			if strings.HasPrefix(c, w.hipA+" ") && strings.HasSuffix(c, " OP-1") {
				fever = c
			}
		}
		form := url.Values{"action": {"approve"}, "id": {reqID}, "cc": {fever}, "hitype": {"OPConsultation"},
			"from": {"2025-01-01"}, "to": {"2025-06-30"}, "expiry": {time.Now().AddDate(0, 0, 10).Format("2006-01-02")}}
		form.Set("pin", "1111")
		if st, page, _ := b.post("/abha/consents", form); st == 303 || !strings.Contains(page, "That PIN is wrong.") {
			t.Fatalf("approve with a wrong PIN: %d", st)
		}
		form.Set("pin", "4826")
		if st, _, h := b.post("/abha/consents", form); st != 303 || !strings.Contains(h.Get("Location"), "phr.approved") {
			t.Fatalf("approve: %d %s", st, h.Get("Location"))
		}
		var arts struct {
			ConsentArtefacts []struct {
				Status        string
				ConsentDetail struct {
					ConsentID    string
					HIP          struct{ ID string }
					HITypes      []string
					CareContexts []struct{ CareContextReference string }
					Permission   struct {
						DateRange   struct{ From, To string }
						DataEraseAt string
					}
				}
			}
		}
		jsonCall(t, "GET", base+"/cm/consent-artefacts", person, nil, 200, &arts)
		if len(arts.ConsentArtefacts) != 1 {
			t.Fatalf("%d artefacts, want 1", len(arts.ConsentArtefacts))
		}
		a := arts.ConsentArtefacts[0]
		d := a.ConsentDetail
		artID = d.ConsentID
		if a.Status != "GRANTED" || d.HIP.ID != w.hipA || !slices.Equal(d.HITypes, []string{"OPConsultation"}) ||
			len(d.CareContexts) != 1 || d.CareContexts[0].CareContextReference != "OP-1" {
			t.Fatalf("artefact: %+v", a)
		}
		// Days are India's: 1 Jan 2025 begins at 18:30 UTC the day before.
		if d.Permission.DateRange.From != "2024-12-31T18:30:00.000Z" || d.Permission.DateRange.To != "2025-06-30T18:29:59.999Z" {
			t.Errorf("dates %+v, want 1 Jan to 30 Jun 2025 in India", d.Permission.DateRange)
		}
		if _, page := b.get("/abha/consents"); !strings.Contains(page, `class="result consent-active"`) || !strings.Contains(page, "Fever visit") {
			t.Error("the consent is not shown active with its visit")
		}
	})

	t.Run("AccessLog", func(t *testing.T) {
		if _, _, _, refused := w.hiu.hiRequest(artID, "2025-01-01T00:00:00.000Z", "2025-06-30T00:00:00.000Z"); refused != "" {
			t.Fatalf("health-information request refused: %s", refused)
		}
		st, page := b.get("/abha/access")
		if st != 200 || !strings.Contains(page, `id="access-log"`) || !strings.Contains(page, "Review Clinic") || !strings.Contains(page, "Lotus Hospital") || !strings.Contains(page, "Consultation") ||
			!strings.Contains(page, "given on "+time.Now().In(time.FixedZone("IST", 19800)).Format("02-01-2006")) {
			t.Fatalf("access log: %d %s", st, page)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		if st, page, _ := b.post("/abha/consents", url.Values{"action": {"revoke"}, "id": {artID}, "pin": {"0000"}}); st == 303 || !strings.Contains(page, "That PIN is wrong.") {
			t.Fatalf("revoke with a wrong PIN: %d", st)
		}
		if st, _, h := b.post("/abha/consents", url.Values{"action": {"revoke"}, "id": {artID}, "pin": {"4826"}}); st != 303 || !strings.Contains(h.Get("Location"), "phr.revoked") {
			t.Fatalf("revoke: %d", st)
		}
		var a struct{ Status string }
		jsonCall(t, "GET", base+"/cm/consents/"+artID, person, nil, 200, &a)
		if a.Status != "REVOKED" {
			t.Fatalf("after revoking: %s", a.Status)
		}
	})

	t.Run("Deny", func(t *testing.T) {
		reqID, refused := w.askConsent(t)
		if reqID == "" {
			t.Fatalf("consent request: %s", refused)
		}
		if st, _, _ := b.post("/abha/consents", url.Values{"action": {"deny"}, "id": {reqID}}); st != 303 {
			t.Fatalf("deny: %d", st)
		}
		var r struct{ Status string }
		jsonCall(t, "GET", base+"/cm/consent-requests/"+reqID, person, nil, 200, &r)
		if r.Status != "DENIED" {
			t.Fatalf("after denying: %s", r.Status)
		}
	})

	t.Run("Lock", func(t *testing.T) {
		if st, _, _ := b.post("/abha/lock", url.Values{"action": {"lock"}}); st != 303 {
			t.Fatalf("lock: %d", st)
		}
		if id, _ := w.askConsent(t); id != "" {
			t.Fatal("a locked ABHA took a consent request")
		}
		if st, page, _ := b.post("/abha/lock", url.Values{"action": {"unlock"}, "pin": {"9999"}}); st == 303 || !strings.Contains(page, "That PIN is wrong.") {
			t.Fatalf("unlock with a wrong PIN: %d", st)
		}
		if st, _, _ := b.post("/abha/lock", url.Values{"action": {"unlock"}}); st == 303 {
			t.Fatal("unlocked without a PIN")
		}
		if st, _, _ := b.post("/abha/lock", url.Values{"action": {"unlock"}, "pin": {"4826"}}); st != 303 {
			t.Fatalf("unlock: %d", st)
		}
		if id, refused := w.askConsent(t); id == "" {
			t.Fatalf("an unlocked ABHA refused a request: %s", refused)
		}
	})

	t.Run("ScanAndShare", func(t *testing.T) {
		// A facility's printed code opens the page filled in; nothing is
		// shared until the person presses the button.
		st, page := b.get("/abha/share?" + url.Values{"hip-id": {w.hipA}, "counter-code": {"OPD-7"}}.Encode())
		if st != 200 || !strings.Contains(page, "Share your profile with Lotus Hospital?") || !strings.Contains(page, ">"+w.hipA+"</textarea>") ||
			!strings.Contains(page, `value="OPD-7"`) {
			t.Fatalf("the page a facility's code opens: %d", st)
		}
		waitFor(t, "a profile share", func() string {
			st, page, _ = b.post("/abha/share", url.Values{"code": {"https://phr.example/share-profile?hip-id=" + w.hipA + "&counter-code=OPD-1"}})
			if st != 200 {
				return fmt.Sprint(st)
			}
			return ""
		})
		if !strings.Contains(page, `id="share-token">1<`) {
			t.Fatalf("share: no token number 1 on the page")
		}
		if st, _, _ := b.post("/abha/share", url.Values{"code": {"not a code!"}}); st != 400 {
			t.Errorf("a bad code: %d, want 400", st)
		}
	})

	t.Run("Documents", func(t *testing.T) {
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("report "), 1000)...)
		if st, _ := b.upload("Blood test 2024", pdf); st != 303 {
			t.Fatalf("upload: %d", st)
		}
		_, page := b.get("/abha/documents")
		if !strings.Contains(page, "Blood test 2024") {
			t.Fatal("the document is not listed")
		}
		id := hiddenField(t, page[strings.Index(page, `id="documents"`):], "id")
		req, _ := http.NewRequest("POST", base+"/abha/documents/file", strings.NewReader(url.Values{"csrf": {b.csrf}, "id": {id}, "action": {"download"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		st, body, h := b.do(req)
		if st != 200 || body != string(pdf) || h.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %s, %d bytes", st, h.Get("Content-Type"), len(body))
		}
		if st, page := b.upload("Notes", []byte("<html>not a document</html>")); st != 415 || !strings.Contains(page, "Only PDF, JPEG and PNG") {
			t.Errorf("a non-document: %d", st)
		}
		if st, page := b.upload("Huge", append([]byte("%PDF-1.4\n"), make([]byte, 7<<20)...)); st != 413 || !strings.Contains(page, "larger than 7 MiB") {
			t.Errorf("an oversized file: %d", st)
		}
	})
}
