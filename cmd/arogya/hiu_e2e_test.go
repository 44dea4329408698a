package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/fhir"
)

// TestHIUEndToEnd is issue 6's journey on one node serving every role, all
// of it over HTTP between the roles: a person has records at two HIP
// facilities and links them; a clinician of one of them, which the node
// serves as HIU too (one bridge, one service with both types), finds the person, requests consent for their 2025
// consultations, and the person grants one care context at each HIP. The
// HIU fetches the artefacts, asks each HIP for the data with fresh
// Fidelius keys, decrypts, validates and keeps exactly the consented
// records (by SHA-256 of the bytes each HIP holds), and shows them grouped
// by facility and day. Revoking one artefact erases what came under it
// and a new request for it gets nothing; at the other's dataEraseAt the
// rest is erased too, and the erasure is audited.
func TestHIUEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole exchange on one node; skipped with -short")
	}
	const adminToken = "hiu-e2e-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip", "hiu"}
		c.AdminToken = adminToken
	})
	ctx := t.Context()
	op := map[string]string{"Authorization": "Bearer " + adminToken}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}

	service := func(id, typ string) string {
		s, err := n.db.Service(ctx, id)
		if err != nil || !s.Active || !slices.Contains(s.Types, typ) {
			return fmt.Sprintf("%s is not an active %s service: %+v %v", id, typ, s, err)
		}
		return ""
	}
	hospitals := []string{"Lakeside Hospital", "Hill Top Clinic"}
	hips := make([]string, len(hospitals))
	for i, name := range hospitals {
		hips[i] = verifiedFacility(t, base, op, name)
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hips[i]}, 201, nil)
		waitFor(t, "the HIP registers "+name, func() string { return service(hips[i], "HIP") })
	}

	// Each hospital's system pushes records: want maps every record the
	// consent will cover to the SHA-256 of the bytes the HIP keeps.
	type sent struct{ hip, context, sha string }
	push := func(hipID, visit string, content fhir.Content, at time.Time) sent {
		t.Helper()
		var key struct{ Key string }
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS " + visit + at.String()}, 201, &key)
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "Hospital", HFRID: hipID},
			Visit:    fhir.Visit{ID: visit, Class: "AMB", Start: at.Add(-time.Hour), End: at.Add(-30 * time.Minute)},
			Date:     at,
		}, content)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		asSent, err := json.Marshal(jsonRaw(data))
		if err != nil {
			t.Fatal(err)
		}
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", map[string]string{"Authorization": "Bearer " + key.Key},
			map[string]any{"patient": map[string]string{"abhaNumber": p.number},
				"careContext": map[string]string{"referenceNumber": visit, "display": "OP visit " + visit}, "bundle": jsonRaw(data)}, 201, nil)
		sum := sha256.Sum256(asSent)
		return sent{hipID, visit, hex.EncodeToString(sum[:])}
	}
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	consult := func(complaint string) fhir.Consultation {
		return fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text(complaint)}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")}}
	}
	rx := fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}}
	lakeMarch := push(hips[0], "OP-1", consult("Fever"), day("2025-03-11 10:30"))
	lakeAugust := push(hips[0], "OP-1", consult("Fever & cough"), day("2025-08-20 09:15"))
	hillMay := push(hips[1], "OP-7", consult("Headache"), day("2025-05-02 11:00"))
	outside := []sent{
		push(hips[0], "OP-1", consult("Fever"), day("2024-06-01 10:30")), // before the consent's dates
		push(hips[0], "OP-1", rx, day("2025-03-12 09:00")),               // an HI type not consented
		push(hips[0], "OP-2", consult("Cough"), day("2025-05-05 10:00")), // a care context not consented
		push(hips[1], "OP-8", consult("Cough"), day("2025-06-05 10:00")), // nor this one
	}

	// The person discovers and links their visits at both hospitals.
	patientRefs := map[string]string{}
	for _, hipID := range hips {
		var found struct {
			TransactionID string `json:"transactionId"`
			Patient       struct {
				ReferenceNumber string                             `json:"referenceNumber"`
				CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
			} `json:"patient"`
		}
		jsonCall(t, "POST", base+"/cm/v1/care-contexts/discover", person, map[string]any{"requestId": uuid.NewString(), "hip": map[string]string{"id": hipID}}, 200, &found)
		if len(found.Patient.CareContexts) != 2 {
			t.Fatalf("discover at %s: %+v", hipID, found)
		}
		patientRefs[hipID] = found.Patient.ReferenceNumber
		var ccs []map[string]string
		for _, cc := range found.Patient.CareContexts {
			ccs = append(ccs, map[string]string{"referenceNumber": cc.ReferenceNumber})
		}
		var initiated struct {
			Link struct{ ReferenceNumber string } `json:"link"`
		}
		jsonCall(t, "POST", base+"/cm/v1/links/link/init", person, map[string]any{"requestId": uuid.NewString(), "transactionId": found.TransactionID,
			"patient": map[string]any{"referenceNumber": found.Patient.ReferenceNumber, "careContexts": ccs}}, 200, &initiated)
		_, otp := lastOTP(t, sms)
		jsonCall(t, "POST", base+"/cm/v1/links/link/confirm/"+initiated.Link.ReferenceNumber, person, map[string]string{"token": otp}, 200, nil)
	}

	// The node serves the lakeside hospital as HIU too, and a clinic:
	// registered with the gateway by the bridge alone. The node's HIP and
	// HIU share one bridge, so the hospital is one service with both
	// types, and its doctors ask for records through the exchange (its own
	// records desk answers them as any other HIP would). A doctor working
	// there gets an account.
	hiuID := hips[0]
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", op, map[string]string{"facilityId": hiuID}, 201, nil)
	clinic := verifiedFacility(t, base, op, "Review Clinic")
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", op, map[string]string{"facilityId": clinic}, 201, nil)
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities", op, map[string]string{"facilityId": clinic}, 409, nil)
	var listed struct {
		Facilities []struct{ FacilityID string } `json:"facilities"`
	}
	jsonCall(t, "GET", base+"/api/v1/admin/hiu/facilities", op, nil, 200, &listed)
	if len(listed.Facilities) != 2 {
		t.Fatalf("HIU facilities: %+v", listed)
	}
	waitFor(t, "the bridge registers the facilities as HIU", func() string { return service(hiuID, "HIU") + service(clinic, "HIU") })
	if msg := service(hiuID, "HIP") + service(hips[1], "HIP"); msg != "" {
		t.Fatalf("declaring the HIU services lost a HIP service: %s", msg)
	}
	var bridges []string
	for _, id := range []string{hiuID, hips[1], clinic} {
		s, err := n.db.Service(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		bridges = append(bridges, s.BridgeID)
	}
	if bridges[0] != bridges[1] || bridges[1] != bridges[2] {
		t.Fatalf("the node's services are on bridges %v, want one", bridges)
	}
	var prof struct{ ID string }
	jsonCall(t, "POST", base+"/api/v1/professionals", nil, map[string]any{"handle": "dr.anita.das", "name": "Anita Das", "gender": "F", "category": "doctor",
		"systemOfMedicine": "modern", "council": "Andhra Pradesh Medical Council", "registrationNumber": "APMC/4242",
		"qualifications": []map[string]any{{"degree": "MBBS", "university": "Andhra University", "year": 2012}}, "languages": []string{"en"},
		"facilities": []string{hiuID}, "address": map[string]string{"city": "Visakhapatnam", "stateCode": "28", "districtCode": "520", "pin": "530002"}}, 201, &prof)
	jsonCall(t, "POST", base+"/api/v1/professionals/"+prof.ID+"/verification", op, map[string]string{"decision": "VERIFIED"}, 200, nil)
	var account struct{ Password string }
	jsonCall(t, "POST", base+"/api/v1/admin/hiu/facilities/"+hiuID+"/staff", op, map[string]string{"hprId": prof.ID}, 201, &account)
	api := base + "/api/v1/hiu/" + hiuID
	jsonCall(t, "POST", api+"/staff/sign-in", nil, map[string]string{"hprId": prof.ID, "password": account.Password}, 403, nil)
	jsonCall(t, "POST", api+"/staff/password", nil, map[string]string{"hprId": prof.ID, "password": account.Password, "newPassword": "a long passphrase"}, 204, nil)
	var signed struct{ Token string }
	jsonCall(t, "POST", api+"/staff/sign-in", nil, map[string]string{"hprId": prof.ID, "password": "a long passphrase"}, 200, &signed)
	doctor := map[string]string{"Authorization": "Bearer " + signed.Token}
	jsonCall(t, "GET", base+"/api/v1/hiu/"+clinic+"/consent-requests", doctor, nil, 403, nil) // another facility

	// The doctor finds the person by ABHA address, and asks for consent.
	var found struct {
		Status  string
		Patient struct{ ID, Name string }
	}
	jsonCall(t, "POST", api+"/patients/find", doctor, map[string]string{"abhaAddress": p.address}, 200, &found)
	if found.Status != "FOUND" || found.Patient.ID != p.address || found.Patient.Name == "" {
		t.Fatalf("find: %+v", found)
	}
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	dates := map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"}
	var asked struct{ ID, Status string }
	jsonCall(t, "POST", api+"/consent-requests", doctor, map[string]any{"patient": p.address, "purpose": "CAREMGT", "hiTypes": []string{"OPConsultation"},
		"dateRange": dates, "dataEraseAt": eraseAt}, 201, &asked)
	var req struct{ ID, ConsentRequestID, Status string }
	waitFor(t, "the CM takes the consent request", func() string {
		jsonCall(t, "GET", api+"/consent-requests/"+asked.ID, doctor, nil, 200, &req)
		if req.Status != "REQUESTED" || req.ConsentRequestID == "" {
			return req.Status
		}
		return ""
	})

	// The person grants OP-1 at the lakeside hospital and OP-7 at the
	// other, with their PIN.
	jsonCall(t, "POST", base+"/cm/patients/pin", person, map[string]string{"pin": "4826"}, 204, nil)
	pinToken := func(scope, request string) map[string]string {
		var pin struct{ TemporaryToken string }
		jsonCall(t, "POST", base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": scope, "requestId": request}, 200, &pin)
		return map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}
	}
	perm := map[string]any{"accessMode": "VIEW", "dateRange": dates, "dataEraseAt": eraseAt.Format("2006-01-02T15:04:05.000Z"),
		"frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 10}}
	grant := func(hipID, visit string) map[string]any {
		return map[string]any{"hip": map[string]string{"id": hipID}, "hiTypes": []string{"OPConsultation"}, "permission": perm,
			"careContexts": []map[string]string{{"patientReference": patientRefs[hipID], "careContextReference": visit}}}
	}
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(t, "POST", base+"/cm/consent-requests/"+req.ConsentRequestID+"/approve", pinToken("consentrequest.approve", req.ConsentRequestID),
		map[string]any{"consents": []map[string]any{grant(hips[0], "OP-1"), grant(hips[1], "OP-7")}}, 200, &approved)
	if len(approved.Consents) != 2 {
		t.Fatalf("approve: %+v", approved)
	}

	// The HIU is told, fetches both artefacts and checks their signatures.
	type artefact struct {
		ID, Status string
		HIP        struct{ ID string }
	}
	artefactOf := map[string]string{} // HIP → artefact
	waitFor(t, "the HIU fetches the artefacts", func() string {
		var arts struct{ Artefacts []artefact }
		jsonCall(t, "GET", api+"/artefacts?consentRequestId="+asked.ID, doctor, nil, 200, &arts)
		for _, a := range arts.Artefacts {
			if a.Status != "GRANTED" {
				return a.ID + " " + a.Status
			}
			artefactOf[a.HIP.ID] = a.ID
		}
		if len(artefactOf) != 2 {
			return fmt.Sprintf("%d artefacts", len(arts.Artefacts))
		}
		return ""
	})
	jsonCall(t, "GET", api+"/consent-requests/"+asked.ID, doctor, nil, 200, &req)
	if req.Status != "GRANTED" {
		t.Fatalf("the consent request after the grant: %+v", req)
	}
	for _, hipID := range hips {
		waitFor(t, "the HIP keeps its artefact", func() string {
			if c, err := n.db.HIPConsent(ctx, artefactOf[hipID]); err != nil || c.Status != "GRANTED" {
				return fmt.Sprintf("%v %v", c, err)
			}
			return ""
		})
	}

	// The doctor asks each HIP for the data.
	type transfer struct {
		ID, TransactionID, Status string
		Records, PagesReceived    int
	}
	fetch := func(hipID string) transfer {
		t.Helper()
		var tr transfer
		jsonCall(t, "POST", api+"/artefacts/"+artefactOf[hipID]+"/data-requests", doctor, nil, 202, &tr)
		waitFor(t, "the transfer from "+hipID, func() string {
			jsonCall(t, "GET", api+"/data-requests/"+tr.ID, doctor, nil, 200, &tr)
			if tr.Status != "TRANSFERRED" {
				return tr.Status
			}
			return ""
		})
		return tr
	}
	if tr := fetch(hips[0]); tr.Records != 2 || tr.PagesReceived != 2 {
		t.Fatalf("the lakeside hospital's transfer: %+v", tr)
	}
	if tr := fetch(hips[1]); tr.Records != 1 {
		t.Fatalf("the other hospital's transfer: %+v", tr)
	}
	// Asked for months in which it holds nothing, the HIP says so with one
	// empty page, and the transfer ends at once instead of waiting a day.
	var empty transfer
	jsonCall(t, "POST", api+"/artefacts/"+artefactOf[hips[1]]+"/data-requests", doctor,
		map[string]any{"dateRange": map[string]string{"from": "2025-10-01T00:00:00.000Z", "to": "2025-11-30T00:00:00.000Z"}}, 202, &empty)
	waitFor(t, "the transfer of nothing", func() string {
		jsonCall(t, "GET", api+"/data-requests/"+empty.ID, doctor, nil, 200, &empty)
		if empty.Status != "TRANSFERRED" {
			return empty.Status
		}
		return ""
	})
	if empty.Records != 0 || empty.PagesReceived != 1 {
		t.Fatalf("the transfer of nothing: %+v", empty)
	}
	// The artefact's data requests, newest first, with no key in them.
	var listedTransfers struct{ DataRequests []transfer }
	status, raw := jsonDo(t, "GET", api+"/artefacts/"+artefactOf[hips[1]]+"/data-requests", doctor, nil)
	if err := json.Unmarshal(raw, &listedTransfers); status != 200 || err != nil {
		t.Fatalf("the artefact's data requests: HTTP %d %v", status, err)
	}
	if ts := listedTransfers.DataRequests; len(ts) != 2 || ts[0].ID != empty.ID || ts[1].Records != 1 || ts[0].Status != "TRANSFERRED" || ts[1].Status != "TRANSFERRED" {
		t.Fatalf("the artefact's data requests: %+v", ts)
	}
	if strings.Contains(strings.ToLower(string(raw)), "privatekey") || strings.Contains(string(raw), "nonce") {
		t.Fatal("the data requests' list shows key material")
	}
	jsonCall(t, "GET", api+"/artefacts/"+uuid.NewString()+"/data-requests", doctor, nil, 404, nil)

	// The records, grouped by facility and day, are exactly those
	// consented, byte for byte.
	type group struct {
		HIP     struct{ ID, Name string }
		Day     string
		Records []struct {
			ID, HIType, Title, SHA256, CareContextReference, ConsentID string
			Date                                                       time.Time
		}
	}
	records := func(query string) []group {
		var out struct{ Groups []group }
		jsonCall(t, "GET", api+"/records?"+query, doctor, nil, 200, &out)
		return out.Groups
	}
	groups := records("patient=" + p.address)
	var got, want []string
	byHIP := map[string]int{}
	for _, g := range groups {
		byHIP[g.HIP.ID]++
		for _, r := range g.Records {
			if r.HIType != "OPConsultation" || r.Date.IsZero() || g.Day != r.Date.In(time.FixedZone("IST", 19800)).Format("2006-01-02") {
				t.Errorf("a record's kind or day: %+v in %s", r, g.Day)
			}
			got = append(got, g.HIP.ID+" "+r.CareContextReference+" "+r.SHA256)
			status, raw := jsonDo(t, "GET", api+"/records/"+r.ID, doctor, nil)
			sum := sha256.Sum256(raw)
			if status != 200 || hex.EncodeToString(sum[:]) != r.SHA256 || !json.Valid(raw) {
				t.Errorf("record %s: HTTP %d, its bytes do not hash to %s", r.ID, status, r.SHA256)
			}
		}
	}
	for _, s := range []sent{lakeMarch, lakeAugust, hillMay} {
		want = append(want, s.hip+" "+s.context+" "+s.sha)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		for _, o := range outside {
			if slices.Contains(got, o.hip+" "+o.context+" "+o.sha) {
				t.Errorf("a record outside the consent arrived (%s %s)", o.hip, o.context)
			}
		}
		t.Fatalf("the HIU kept\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(groups) != 3 || byHIP[hips[0]] != 2 || byHIP[hips[1]] != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	waitFor(t, "the HIU's notifies are delivered", func() string {
		var left int
		if err := n.db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM hiu_jobs WHERE status <> 'DONE'").Scan(&left); err != nil || left != 0 {
			return fmt.Sprintf("%d HIU jobs not done (%v)", left, err)
		}
		return ""
	})

	// The person revokes the lakeside artefact: what came under it is
	// erased, and a new request for it is refused.
	jsonCall(t, "POST", base+"/cm/consents/revoke", pinToken("consent.revoke", ""), map[string]any{"consents": []string{artefactOf[hips[0]]}}, 204, nil)
	waitFor(t, "the HIU erases the revoked consent's records", func() string {
		if g := records("consentId=" + artefactOf[hips[0]]); len(g) != 0 {
			return fmt.Sprintf("%d groups left", len(g))
		}
		var a artefact
		jsonCall(t, "GET", api+"/artefacts/"+artefactOf[hips[0]], doctor, nil, 200, &a)
		if a.Status != "REVOKED" {
			return a.Status
		}
		return ""
	})
	jsonCall(t, "POST", api+"/artefacts/"+artefactOf[hips[0]]+"/data-requests", doctor, nil, 422, nil)
	if g := records("patient=" + p.address); len(g) != 1 || g[0].HIP.ID != hips[1] {
		t.Fatalf("after revocation: %+v", g)
	}

	// At the other artefact's dataEraseAt (the clock moved past it), the
	// rest goes too, and the erasure is audited with counts only.
	erased, err := n.hiuBridge.EraseDue(ctx, eraseAt.Add(time.Second))
	if err != nil || erased.Records != 1 || erased.Artefacts < 1 {
		t.Fatalf("EraseDue = %+v, %v", erased, err)
	}
	if g := records("patient=" + p.address); len(g) != 0 {
		t.Fatalf("records left after dataEraseAt: %+v", g)
	}
	jsonCall(t, "GET", api+"/artefacts/"+artefactOf[hips[1]], doctor, nil, 404, nil)
	events, err := n.auditDB.AuditEvents(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var revoked, due bool
	for _, e := range events {
		if strings.HasPrefix(e.Action, "hiu.") && (strings.Contains(e.Detail, p.address) || strings.Contains(e.Detail, p.name)) {
			t.Errorf("an audit event names the person: %s %s", e.Action, e.Detail)
		}
		revoked = revoked || (e.Action == "hiu.erase.consent" && strings.Contains(e.Detail, artefactOf[hips[0]]) && strings.Contains(e.Detail, "records 2"))
		due = due || (e.Action == "hiu.erase.due" && strings.Contains(e.Detail, "records 1"))
	}
	if !revoked || !due {
		t.Fatalf("the erasures are not both audited: revocation %v, dataEraseAt %v", revoked, due)
	}
}
