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
	"github.com/arogya-health/arogya/internal/hip"
)

// TestSpecHIUReceivesHIPData is issue 5's check against software Arogya
// was not written with: an HIU written only from the spec (e2e/spechiu,
// its own Fidelius, run as a separate program) gets data from the node's
// hip role. A facility served as HIP has bundles pushed for three care
// contexts, on several dates and of two HI types; the person discovers
// and links all three through the CM; the HIU asks for consultations of
// 2025 and the person grants two care contexts. The HIU decrypts exactly
// those records, by SHA-256 of the bytes the facility pushed: nothing of
// another date, HI type or care context arrives; a narrower date range
// narrows the data; after revocation nothing is sent. Once in each
// protocol version the HIU speaks.
func TestSpecHIUReceivesHIPData(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the spec HIU; skipped with -short")
	}
	bins := buildSpecBridges(t)
	for _, version := range []string{"v0.5", "v3"} {
		t.Run(version, func(t *testing.T) { specHIUJourney(t, bins.hiu, version) })
	}
}

// specHIUEntry is one entry of spechiu's GET /test/data.
type specHIUEntry struct {
	CareContextReference string `json:"careContextReference"`
	Decrypted            bool   `json:"decrypted"`
	SHA256               string `json:"sha256"`
	Length               int    `json:"length"`
	ChecksumMatches      bool   `json:"checksumMatches"`
	Error                string `json:"error"`
}

func specHIUJourney(t *testing.T, hiuBin, version string) {
	const adminToken = "spec-hiu-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = adminToken
	})
	op := map[string]string{"Authorization": "Bearer " + adminToken}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}

	hipID := verifiedFacility(t, base, op, "Records Hospital")
	hiuID := verifiedFacility(t, base, op, "Spec Review Clinic")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	waitFor(t, "the HIP's bridge registers", func() string {
		if !hipServiceActive(t, base, op, hipID) {
			return "no arogya-hip- bridge yet"
		}
		return ""
	})

	// The facility's system pushes records. want maps each record the
	// consent will cover to the SHA-256 of its bytes as sent: the bundle
	// marshalled into the request, so with <, > and & escaped as encoding/json
	// does, which is what the HIP stores.
	var key struct{ Key string }
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
	hmis := map[string]string{"Authorization": "Bearer " + key.Key}
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
	type sent struct{ context, sha string }
	push := func(visit string, content fhir.Content, at time.Time) sent {
		t.Helper()
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "Records Hospital", HFRID: hipID},
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
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", hmis, map[string]any{"patient": map[string]string{"abhaNumber": p.number},
			"careContext": map[string]string{"referenceNumber": visit, "display": "OP visit " + visit}, "bundle": jsonRaw(data)}, 201, nil)
		sum := sha256.Sum256(asSent)
		return sent{visit, hex.EncodeToString(sum[:])}
	}
	march := push("OP-1", consult("Fever"), day("2025-03-11 10:30"))
	august := push("OP-1", consult("Fever & cough <3 days>"), day("2025-08-20 09:15")) // escaped when sent
	april := push("OP-2", consult("Headache"), day("2025-04-02 11:00"))
	outside := []sent{
		push("OP-1", consult("Fever"), day("2024-06-01 10:30")), // before the consent's dates
		push("OP-2", consult("Fever"), day("2026-02-01 10:30")), // after them
		push("OP-1", rx, day("2025-03-12 09:00")),               // an HI type not consented
		push("OP-3", consult("Cough"), day("2025-05-05 10:00")), // a care context not consented
	}

	// The person discovers the three care contexts through their CM and
	// links them with the OTP the HIP sends.
	var found struct {
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ReferenceNumber string                             `json:"referenceNumber"`
			CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
		} `json:"patient"`
	}
	jsonCall(t, "POST", base+"/cm/v1/care-contexts/discover", person, map[string]any{"requestId": uuid.NewString(), "hip": map[string]string{"id": hipID}}, 200, &found)
	if len(found.Patient.CareContexts) != 3 {
		t.Fatalf("discover: %+v", found)
	}
	patientRef := found.Patient.ReferenceNumber
	var initiated struct {
		Link struct{ ReferenceNumber string } `json:"link"`
	}
	jsonCall(t, "POST", base+"/cm/v1/links/link/init", person, map[string]any{"requestId": uuid.NewString(), "transactionId": found.TransactionID,
		"patient": map[string]any{"referenceNumber": patientRef, "careContexts": []map[string]string{{"referenceNumber": "OP-1"}, {"referenceNumber": "OP-2"}, {"referenceNumber": "OP-3"}}},
	}, 200, &initiated)
	if _, otp := lastOTP(t, sms); initiated.Link.ReferenceNumber == "" || len(otp) != 6 {
		t.Fatalf("link init: %+v", initiated)
	} else {
		jsonCall(t, "POST", base+"/cm/v1/links/link/confirm/"+initiated.Link.ReferenceNumber, person, map[string]string{"token": otp}, 200, nil)
	}

	// The spec HIU, a separate program, asks for consultations of 2025.
	var creds struct{ ClientID, ClientSecret string }
	jsonCall(t, "POST", base+"/api/v1/admin/bridges", op, map[string]string{"id": "spec-hiu", "name": "Spec HIU bridge"}, 201, &creds)
	hiu := startBridge(t, "spechiu", hiuBin, "--gateway", base, "--client-id", creds.ClientID, "--client-secret", creds.ClientSecret,
		"--hiu-id", hiuID, "--listen", "127.0.0.1:0", "--version", version)
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	dates := map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"}
	hiTypes := []string{"OPConsultation"}
	frequency := map[string]any{"unit": "HOUR", "value": 1, "repeats": 10} // several requests in the test's hour
	var asked struct{ ConsentRequestID string }
	jsonCall(t, "POST", hiu+"/test/consent-request", nil, map[string]any{"patient": p.address, "hipId": hipID, "purpose": "CAREMGT",
		"hiTypes": hiTypes, "dateRange": dates, "dataEraseAt": eraseAt, "frequency": frequency}, 200, &asked)

	// The person grants OP-1 and OP-2, not OP-3, with their PIN.
	jsonCall(t, "POST", base+"/cm/patients/pin", person, map[string]string{"pin": "4826"}, 204, nil)
	pinToken := func(scope, request string) map[string]string {
		var pin struct{ TemporaryToken string }
		jsonCall(t, "POST", base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": scope, "requestId": request}, 200, &pin)
		return map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}
	}
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(t, "POST", base+"/cm/consent-requests/"+asked.ConsentRequestID+"/approve", pinToken("consentrequest.approve", asked.ConsentRequestID),
		map[string]any{"consents": []map[string]any{{
			"hip": map[string]string{"id": hipID}, "hiTypes": hiTypes,
			"careContexts": []map[string]string{{"patientReference": patientRef, "careContextReference": "OP-1"}, {"patientReference": patientRef, "careContextReference": "OP-2"}},
			"permission":   map[string]any{"accessMode": "VIEW", "dateRange": dates, "dataEraseAt": eraseAt, "frequency": frequency},
		}}}, 200, &approved)
	if len(approved.Consents) != 1 {
		t.Fatalf("approve: %+v", approved)
	}
	artID := approved.Consents[0].ID
	artefactStatus := func() string {
		var hs hiuState
		jsonCall(t, "GET", hiu+"/test/state", nil, nil, 200, &hs)
		if i := slices.IndexFunc(hs.Artefacts, func(a hiuArtefact) bool { return a.ID == artID }); i >= 0 && hs.Artefacts[i].FetchError == "" {
			return hs.Artefacts[i].Status
		}
		return ""
	}
	waitFor(t, "the HIU fetches the artefact", func() string {
		if s := artefactStatus(); s != "GRANTED" {
			return "artefact status " + s
		}
		return ""
	})
	waitFor(t, "the HIP keeps the artefact", func() string {
		if c, err := n.db.HIPConsent(t.Context(), artID); err != nil || c.Status != "GRANTED" {
			return fmt.Sprintf("%v %v", c, err)
		}
		return ""
	})

	// received asks for the data and returns what the HIU decrypted once
	// the HIP's transfer is done, or the HIU's refusal.
	received := func(dateRange map[string]string) ([]specHIUEntry, string) {
		t.Helper()
		body := map[string]any{"consentId": artID}
		if dateRange != nil {
			body["dateRange"] = dateRange
		}
		st, out := jsonDo(t, "POST", hiu+"/test/hi-request", nil, body)
		var requested struct{ TransactionID, SessionStatus, Error string }
		if err := json.Unmarshal(out, &requested); err != nil || st != 200 {
			if st == 502 { // on-request carried an error: the CM refused
				return nil, requested.Error
			}
			t.Fatalf("hi-request: %d %s", st, out)
		}
		if requested.TransactionID == "" || requested.SessionStatus != "REQUESTED" {
			t.Fatalf("hi-request: %s", out)
		}
		tx := requested.TransactionID
		waitFor(t, "the HIP finishes the transfer", func() string {
			j, err := n.db.HIPJob(t.Context(), "transfer:"+tx)
			if err != nil || j.Status != hip.JobDone {
				return fmt.Sprintf("%v %v", j, err)
			}
			return ""
		})
		var data struct {
			TransactionID string         `json:"transactionId"`
			Entries       []specHIUEntry `json:"entries"`
		}
		jsonCall(t, "GET", hiu+"/test/data?transactionId="+tx, nil, nil, 200, &data)
		return data.Entries, ""
	}
	check := func(what string, got []specHIUEntry, want ...sent) {
		t.Helper()
		var g, w []string
		for _, e := range got {
			if !e.Decrypted || e.Error != "" || !e.ChecksumMatches || e.Length == 0 {
				t.Errorf("%s: an entry of %s did not decrypt cleanly: %+v", what, e.CareContextReference, e)
			}
			g = append(g, e.CareContextReference+" "+e.SHA256)
		}
		for _, s := range want {
			w = append(w, s.context+" "+s.sha)
		}
		sort.Strings(g)
		sort.Strings(w)
		if !slices.Equal(g, w) {
			for _, o := range outside {
				if slices.Contains(g, o.context+" "+o.sha) {
					t.Errorf("%s: a record outside the consent arrived (%s)", what, o.context)
				}
			}
			t.Fatalf("%s: the HIU decrypted\n  %s\nwant\n  %s", what, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}

	// The consent's whole range: the three consultations of 2025 in OP-1
	// and OP-2; not the one of 2024 or 2026, the prescription, or OP-3.
	got, refused := received(nil)
	if refused != "" {
		t.Fatalf("the first health-information request was refused: %s", refused)
	}
	check("the consent's dates", got, march, august, april)
	// A narrower range asked: only what falls in it.
	got, refused = received(map[string]string{"from": "2025-06-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"})
	if refused != "" {
		t.Fatalf("the request for June–December was refused: %s", refused)
	}
	check("June to December", got, august)
	waitFor(t, "the HIP's on-request and notify are delivered", func() string { return hipJobsPending(t, n) })
	// The HIU, having decrypted every page, tells the CM so (§3.6 step
	// 5), and the CM takes its notify (204).
	waitFor(t, "the HIU's health-information/notify is taken", func() string {
		var hs struct {
			HIRequests []struct {
				TransactionID string `json:"transactionId"`
				NotifyStatus  int    `json:"notifyStatus"`
			} `json:"hiRequests"`
		}
		jsonCall(t, "GET", hiu+"/test/state", nil, nil, 200, &hs)
		if len(hs.HIRequests) != 2 {
			return fmt.Sprintf("%d health-information requests", len(hs.HIRequests))
		}
		for _, q := range hs.HIRequests {
			if q.NotifyStatus != 204 {
				return fmt.Sprintf("transaction %s: notify answered %d", q.TransactionID, q.NotifyStatus)
			}
		}
		return ""
	})

	// The person revokes; the HIU is told, and no data comes for a new
	// request (the CM refuses it, or the HIP sends nothing).
	var before struct{ Pushes int }
	jsonCall(t, "GET", hiu+"/test/state", nil, nil, 200, &before)
	jsonCall(t, "POST", base+"/cm/consents/revoke", pinToken("consent.revoke", ""), map[string]any{"consents": []string{artID}}, 204, nil)
	waitFor(t, "the HIP and the HIU learn of the revocation", func() string {
		c, err := n.db.HIPConsent(t.Context(), artID)
		if err != nil || c.Status != "REVOKED" {
			return fmt.Sprintf("HIP: %+v %v", c, err)
		}
		if s := artefactStatus(); s != "REVOKED" {
			return "HIU: artefact status " + s
		}
		return ""
	})
	if got, refused := received(nil); refused == "" {
		time.Sleep(time.Second)
		if len(got) != 0 {
			t.Fatalf("data was pushed after revocation: %d entries", len(got))
		}
	}
	var after struct {
		Pushes         int
		UnclaimedPages int `json:"unclaimedPages"`
	}
	jsonCall(t, "GET", hiu+"/test/state", nil, nil, 200, &after)
	if after.Pushes != before.Pushes || after.UnclaimedPages != 0 {
		t.Fatalf("the HIU received %d pushes after revocation (%d for no request of its own)", after.Pushes-before.Pushes, after.UnclaimedPages)
	}
}
