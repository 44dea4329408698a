package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// TestPHRRecordsView: the person opens a visit's records in their PHR as
// ABDM's PHR apps do, over a real node: the PHR is itself an HIU (a
// facility the node serves as HIU), asks consent with purpose PATRQT for
// the visit, the person grants it with their PIN, the HIP pushes the
// records encrypted to the PHR's HIU and the page renders them. A wrong
// PIN opens nothing; another person signed in can open nothing of the
// first's by any ID the pages carry; the access log names the PHR's HIU.
func TestPHRRecordsView(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const admin = "phr-view-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip", "hiu", "phr"}
		c.AdminToken = admin
	})
	op := map[string]string{"Authorization": "Bearer " + admin}
	p := enrolPerson(t, base, sms)
	other := enrolOther(t, base, sms, "345678901238")
	hipID := verifiedFacility(t, base, op, "Lotus Hospital")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	// The PHR's own HIU: a verified facility the operator adds as HIU,
	// what --phr-hiu-id names at start.
	phrHIU := verifiedFacility(t, base, op, "Arogya PHR")
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", op, map[string]string{"facilityId": phrHIU}, 201, nil)
	n.phrHIU.SetID(phrHIU)
	waitFor(t, "the HIP and the PHR's HIU registered", func() string {
		for id, typ := range map[string]string{hipID: "HIP", phrHIU: "HIU"} {
			s, err := n.db.Service(t.Context(), id)
			if err != nil || !s.Active || !strings.Contains(strings.Join(s.Types, ","), typ) {
				return id + " not yet"
			}
		}
		return ""
	})

	var key struct{ Key string }
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
	push := func(ref, display string, at time.Time, content fhir.Content) {
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "Lotus Hospital", HFRID: hipID},
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
	push("LAB-1", "Blood tests", time.Date(2025, 6, 3, 5, 0, 0, 0, time.UTC), fhir.LabReport{
		Test:    fhir.LOINC("58410-2", "Complete blood count"),
		Results: []fhir.Result{{Test: fhir.LOINC("4548-4", "HbA1c"), Value: "7.2", Unit: "%", Low: "4", High: "5.6"}}})
	push("OP-1", "Fever visit", time.Date(2025, 3, 11, 5, 0, 0, 0, time.UTC), fhir.Consultation{
		ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")}})
	waitFor(t, "the visits linked and told of", func() string {
		links, err := n.db.Links(t.Context(), p.address)
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
	jsonCall(t, "POST", base+"/cm/patients/pin", map[string]string{"Authorization": "Bearer " + p.token}, map[string]string{"pin": "4826"}, 204, nil)
	jsonCall(t, "POST", base+"/cm/patients/pin", map[string]string{"Authorization": "Bearer " + other.token}, map[string]string{"pin": "1357"}, 204, nil)

	b := newPHRBrowser(t, base, p.token)
	st, page := b.get("/abha/records")
	if st != 200 || strings.Count(page, `action="/abha/records/open"`) != 2 {
		t.Fatalf("timeline: %d, want an Open button per visit", st)
	}
	open := func(b *phrBrowser) string {
		t.Helper()
		st, page, _ := b.post("/abha/records/open", url.Values{"hip": {hipID}, "visit": {"LAB-1"}})
		if st != 200 || !strings.Contains(page, `name="pin"`) {
			t.Fatalf("open: %d %s", st, page)
		}
		return page
	}

	var viewURL, recordURL, firstRequest string
	t.Run("WrongPINOpensNothing", func(t *testing.T) {
		page := open(b)
		firstRequest = hiddenField(t, page, "request")
		st, page, _ := b.post("/abha/records/approve", url.Values{"request": {firstRequest}, "hip": {hipID},
			"visit": {"LAB-1"}, "pin": {"0000"}})
		if st == 303 || !strings.Contains(page, "That PIN is wrong.") {
			t.Fatalf("a wrong PIN: %d", st)
		}
		var arts struct{ Artefacts []any }
		jsonCall(t, "GET", base+"/api/v1/hiu/"+phrHIU+"/artefacts", op, nil, 200, &arts)
		if len(arts.Artefacts) != 0 {
			t.Fatalf("a wrong PIN granted %d artefacts", len(arts.Artefacts))
		}
	})

	t.Run("OpenWithPIN", func(t *testing.T) {
		page := open(b)
		if !strings.Contains(page, "Lotus Hospital") || !strings.Contains(page, "Blood tests") || !strings.Contains(page, "erased on") {
			t.Fatalf("the PIN page does not name the visit and the erasure")
		}
		req := hiddenField(t, page, "request")
		if req != firstRequest {
			t.Fatalf("opening the visit again asked anew (%s), leaving the request still awaiting the PIN (%s) in the inbox", req, firstRequest)
		}
		st, _, h := b.post("/abha/records/approve", url.Values{"request": {req}, "hip": {hipID}, "visit": {"LAB-1"}, "pin": {"4826"}})
		if st != 303 || !strings.HasPrefix(h.Get("Location"), "/abha/records/view/"+req) {
			t.Fatalf("approve: %d %s", st, h.Get("Location"))
		}
		loc := h.Get("Location")
		viewURL = "/abha/records/view/" + req
		if strings.Contains(loc, p.address) || strings.Contains(loc, "LAB-1") {
			t.Fatal("an identifier in a URL")
		}
		waitFor(t, "the records shown", func() string {
			st, page := b.get(loc)
			if st != 200 {
				return fmt.Sprint(st)
			}
			m := regexp.MustCompile(`href="(/abha/records/view/[^"/]+/[^"]+)"`).FindStringSubmatch(page)
			if m == nil {
				return "no record yet"
			}
			recordURL = m[1]
			return ""
		})
		st, page = b.get(recordURL)
		if st != 200 || !strings.Contains(page, "HbA1c") || !strings.Contains(page, "7.2") || !strings.Contains(page, "High") {
			t.Fatalf("record: %d, the lab value and its flag not shown:\n%s", st, page)
		}
		if !strings.Contains(page, "erased on") {
			t.Fatal("the record page does not say when the copy is erased")
		}
		// Only the visit chosen came.
		_, list := b.get(viewURL)
		if strings.Contains(list, "Consultation") || strings.Count(list, `href="/abha/records/view/`) != 1 {
			t.Fatalf("another visit's record came:\n%s", list)
		}
		// In Hindi, the page's words and the record's kind are Hindi.
		hreq, _ := http.NewRequest("GET", base+viewURL, nil)
		hreq.Header.Set("Accept-Language", "hi")
		if st, hi, _ := b.do(hreq); st != 200 || !strings.Contains(hi, "यह ऐप जो प्रति लाता है") || !strings.Contains(hi, "जाँच रिपोर्ट") || strings.Contains(hi, "Test report") {
			t.Fatalf("the records in Hindi: %d\n%s", st, hi)
		}
		// Opened again while the copy is kept, the visit shows it, with no
		// new request.
		if st, _, h := b.post("/abha/records/open", url.Values{"hip": {hipID}, "visit": {"LAB-1"}}); st != 303 || h.Get("Location") != viewURL {
			t.Fatalf("opening the granted visit again: %d %q, want 303 to %s", st, h.Get("Location"), viewURL)
		}
		req2, _ := urlGet(t, b, recordURL+"/fhir")
		if req2.status != 200 || req2.ctype != "application/fhir+json" || !strings.Contains(req2.body, `"resourceType":"Bundle"`) && !strings.Contains(req2.body, `"resourceType": "Bundle"`) {
			t.Fatalf("FHIR download: %d %q", req2.status, req2.ctype)
		}
	})

	t.Run("AnotherPersonOpensNothing", func(t *testing.T) {
		if recordURL == "" {
			t.Skip("no record opened")
		}
		ob := newPHRBrowser(t, base, other.token)
		for _, u := range []string{viewURL, recordURL, recordURL + "/fhir", viewURL + "?t=" + strings.TrimPrefix(viewURL, "/abha/records/view/")} {
			st, page := ob.get(u)
			if st != 404 || strings.Contains(page, "HbA1c") {
				t.Errorf("%s: %d for another person", u, st)
			}
		}
		// Nor by posting the first person's request or visit.
		req := strings.TrimPrefix(viewURL, "/abha/records/view/")
		st, page, _ := ob.post("/abha/records/approve", url.Values{"request": {req}, "hip": {hipID}, "visit": {"LAB-1"}, "pin": {"1357"}})
		if st != 404 || strings.Contains(page, "HbA1c") {
			t.Errorf("approve another's request: %d", st)
		}
		st, _, _ = ob.post("/abha/records/open", url.Values{"hip": {hipID}, "visit": {"LAB-1"}})
		if st != 404 {
			t.Errorf("open another's visit: %d", st)
		}
	})

	// A PHR on another node reaches its HIU with the facility's API key
	// (--phr-hiu-token) rather than the operator token.
	t.Run("SystemKey", func(t *testing.T) {
		var k struct{ Key string }
		jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities/"+phrHIU+"/keys", op, map[string]string{"name": "Arogya PHR on another node"}, 201, &k)
		sys := map[string]string{"Authorization": "Bearer " + k.Key}
		req := strings.TrimPrefix(viewURL, "/abha/records/view/")
		var c struct{ Purpose, Patient string }
		jsonCall(t, "GET", base+"/api/v1/hiu/"+phrHIU+"/consent-requests/"+req, sys, nil, 200, &c)
		if c.Purpose != "PATRQT" || c.Patient != p.address {
			t.Fatalf("the request as the key reads it: %+v", c)
		}
		other := verifiedFacility(t, base, op, "Another HIU")
		jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", op, map[string]string{"facilityId": other}, 201, nil)
		jsonCall(t, "GET", base+"/api/v1/hiu/"+other+"/consent-requests", sys, nil, 403, nil)
		jsonCall(t, "GET", base+"/api/v1/hiu/"+phrHIU+"/consent-requests", map[string]string{"Authorization": "Bearer " + k.Key[:len(k.Key)-2] + "zz"}, nil, 401, nil)
	})

	t.Run("AccessLog", func(t *testing.T) {
		_, page := b.get("/abha/access")
		if !strings.Contains(page, "Arogya PHR") {
			t.Fatalf("the access log does not list the PHR's own HIU")
		}
	})
}

type getResult struct {
	status      int
	ctype, body string
}

func urlGet(t *testing.T, b *phrBrowser, path string) (getResult, error) {
	t.Helper()
	res, err := b.hc.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		k, err := res.Body.Read(buf)
		sb.Write(buf[:k])
		if err != nil {
			break
		}
	}
	return getResult{res.StatusCode, res.Header.Get("Content-Type"), sb.String()}, nil
}

// enrolOther enrols a second person (another Aadhaar) as enrolPerson
// does, and returns their ABHA address and login token.
func enrolOther(t *testing.T, base, sms, aadhaar string) specPerson {
	t.Helper()
	c := newSpecClient(t, base)
	var otpResp struct{ TxnID string }
	c.json("POST", "/v3/enrollment/request/otp", map[string]any{"scope": []string{"abha-enrol"}, "loginHint": "aadhaar",
		"loginId": c.enc(aadhaar), "otpSystem": "aadhaar"}, 200, &otpResp)
	mobile, otp := lastOTP(t, sms)
	var enrol struct {
		TxnID string `json:"txnId"`
	}
	c.json("POST", "/v3/enrollment/enrol/byAadhaar", otpBody(otpResp.TxnID, otp, c, map[string]any{"mobile": mobile}), 200, &enrol)
	var sugg struct {
		List []string `json:"abhaAddressList"`
	}
	status, out, _ := c.do("GET", "/v3/enrollment/enrol/suggestion", nil, map[string]string{"TRANSACTION_ID": enrol.TxnID})
	if status != 200 || json.Unmarshal(out, &sugg) != nil || len(sugg.List) == 0 {
		t.Fatalf("suggestion: %d", status)
	}
	c.json("POST", "/v3/enrollment/enrol/abha-address", map[string]any{"txnId": enrol.TxnID, "abhaAddress": sugg.List[0], "preferred": 1}, 200, nil)
	var login struct{ TxnID, Token string }
	c.json("POST", "/v3/profile/login/request/otp", map[string]any{"scope": []string{"abha-login", "mobile-verify"},
		"loginHint": "abha-address", "loginId": c.enc(sugg.List[0] + "@sbx"), "otpSystem": "abdm"}, 200, &login)
	_, otp = lastOTP(t, sms)
	c.json("POST", "/v3/profile/login/verify", map[string]any{"scope": []string{"abha-login", "mobile-verify"},
		"authData": map[string]any{"authMethods": []string{"otp"}, "otp": map[string]any{"txnId": login.TxnID, "otpValue": c.enc(otp)}}}, 200, &login)
	return specPerson{address: sugg.List[0] + "@sbx", token: login.Token}
}

// TestDemoPHRHIU: the demo makes the verified facility "Arogya PHR", serves
// it as HIU and makes it the PHR's HIU; started again on its data, the demo
// finds it again.
func TestDemoPHRHIU(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo node; skipped with -short")
	}
	n, _, _ := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hiu", "phr"}
		c.AdminToken = "demo-phr-hiu-token"
	})
	ctx := t.Context()
	if n.phrHIU == nil || n.phrHIU.ID() != "" {
		t.Fatal("a node with the hiu and phr roles and no --phr-hiu-id: the PHR's HIU client should be there, without an ID")
	}
	if err := seedPHRHIUDemo(ctx, n); err != nil {
		t.Fatal(err)
	}
	id := n.phrHIU.ID()
	fs, err := n.hiu.Facilities(ctx)
	if err != nil || len(fs) != 1 || fs[0].ID != id || fs[0].Name != "Arogya PHR" {
		t.Fatalf("the HIU serves %+v (%v), want Arogya PHR as %q", fs, err, id)
	}
	n.phrHIU.SetID("")
	if err := restorePHRHIUDemo(ctx, n); err != nil || n.phrHIU.ID() != id {
		t.Fatalf("restored %q (%v), want %q", n.phrHIU.ID(), err, id)
	}
}
