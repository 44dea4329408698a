package main

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
)

// TestHIPEndToEnd runs the hip role against this node's own gateway, over
// HTTP only: a verified facility is served as HIP (its bridge is created
// and registered with no manual step), its system pushes FHIR bundles
// with an API key, the person discovers and links them through the CM
// with the OTP the HIP sends, consents to one care context's
// consultations of 2025, and the HIU gets exactly that record, encrypted
// for it alone; after revocation nothing more is sent. Then a new visit
// of the person is linked by the HIP on its own and shows in their links.
// TestHIPV3EndToEnd (hipv3_test.go) runs the same with the bridge in v3.
func TestHIPEndToEnd(t *testing.T) {
	hipEndToEnd(t, "v0.5")
}

// hipEndToEnd is TestHIPEndToEnd with the HIP bridge speaking version; it
// returns the node.
func hipEndToEnd(t *testing.T, version string) *node {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const adminToken = "hip-e2e-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = adminToken
		c.HIPVersion = version
	})
	op := map[string]string{"Authorization": "Bearer " + adminToken}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}

	hipID := verifiedFacility(t, base, op, "Records Hospital")
	hiuID := verifiedFacility(t, base, op, "Review Clinic")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)

	// The HIP made its bridge and registered the facility, by itself.
	waitFor(t, "the HIP's bridge registers", func() string {
		var bridges struct {
			Items []struct{ ID, URL, Version string } `json:"items"`
		}
		jsonCall(t, "GET", base+"/api/v1/admin/bridges", op, nil, 200, &bridges)
		for _, b := range bridges.Items {
			// The bridge set its URL in the version it speaks.
			if strings.HasPrefix(b.ID, "arogya-hip-") && b.URL == base+"/hip" && b.Version == version {
				st, _ := jsonDo(t, "GET", base+"/api/v1/facilities/"+hipID, nil, nil)
				if st == 200 && hipServiceActive(t, base, op, hipID) {
					return ""
				}
			}
		}
		return fmt.Sprintf("bridges %+v", bridges.Items)
	})

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
	bundle := func(content fhir.Content, visit string, at time.Time) []byte {
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
		out, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	consult := fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")}}
	rx := fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}}
	push := func(id map[string]string, visit, display string, data []byte) {
		t.Helper()
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", hmis, map[string]any{"patient": id,
			"careContext": map[string]string{"referenceNumber": visit, "display": display}, "bundle": jsonRaw(data)}, 201, nil)
	}
	byNumber := map[string]string{"abhaNumber": p.number}
	wanted := bundle(consult, "OP-1", day("2025-03-11 10:30"))
	push(byNumber, "OP-1", "OP visit, 11 Mar 2025", wanted)
	push(byNumber, "OP-1", "OP visit, 11 Mar 2025", bundle(consult, "OP-1", day("2024-06-01 10:30"))) // before the consent's dates
	push(byNumber, "OP-1", "OP visit, 11 Mar 2025", bundle(rx, "OP-1", day("2025-03-12 09:00")))      // an HI type not consented
	push(byNumber, "OP-2", "OP visit, 2 Apr 2025", bundle(consult, "OP-2", day("2025-04-02 11:00")))  // a care context not consented

	// Discovery through the person's CM finds the patient by the verified
	// ABHA number, name and gender, with both care contexts.
	var found struct {
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ReferenceNumber string                                      `json:"referenceNumber"`
			CareContexts    []struct{ ReferenceNumber, Display string } `json:"careContexts"`
			MatchedBy       []string                                    `json:"matchedBy"`
		} `json:"patient"`
	}
	jsonCall(t, "POST", base+"/cm/v1/care-contexts/discover", person, map[string]any{"requestId": uuid.NewString(), "hip": map[string]string{"id": hipID}}, 200, &found)
	if len(found.Patient.CareContexts) != 2 || !slices.Contains(found.Patient.MatchedBy, "NDHM_HEALTH_NUMBER") {
		t.Fatalf("discover: %+v", found)
	}
	patientRef := found.Patient.ReferenceNumber

	// Linking with the OTP the HIP sent to the person's mobile; a wrong
	// one first.
	var initiated struct {
		Link struct {
			ReferenceNumber, AuthenticationType string
			Meta                                struct{ CommunicationMedium, CommunicationHint string }
		} `json:"link"`
	}
	jsonCall(t, "POST", base+"/cm/v1/links/link/init", person, map[string]any{"requestId": uuid.NewString(), "transactionId": found.TransactionID,
		"patient": map[string]any{"referenceNumber": patientRef, "careContexts": []map[string]string{{"referenceNumber": "OP-1"}, {"referenceNumber": "OP-2"}}},
	}, 200, &initiated)
	l := initiated.Link
	if l.ReferenceNumber == "" || l.AuthenticationType != "MEDIATED" || l.Meta.CommunicationMedium != "MOBILE" ||
		strings.Contains(l.Meta.CommunicationHint, p.mobile) || !strings.HasSuffix(l.Meta.CommunicationHint, p.mobile[6:]) {
		t.Fatalf("link init: %+v", initiated)
	}
	to, otp := lastOTP(t, sms)
	if to != p.mobile || len(otp) != 6 {
		t.Fatalf("the HIP's OTP went to another number, or is not 6 digits")
	}
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, otp)+1)%1000000)
	if st, body := jsonDo(t, "POST", base+"/cm/v1/links/link/confirm/"+l.ReferenceNumber, person, map[string]string{"token": wrong}); st/100 == 2 {
		t.Fatalf("confirm with a wrong OTP: %d %s", st, body)
	}
	jsonCall(t, "POST", base+"/cm/v1/links/link/confirm/"+l.ReferenceNumber, person, map[string]string{"token": otp}, 200, nil)
	if links, err := n.db.HIPLinks(t.Context(), hipID, "OP-1"); err != nil || len(links) != 1 || links[0].ABHAAddress != p.address || links[0].ByHIP {
		t.Fatalf("the HIP's links of OP-1: %v %v", links, err)
	}
	// The HIP then tells the person's PHR what the visit holds.
	waitFor(t, "the CM learns what the linked visit holds", func() string {
		var ls struct {
			Patient struct {
				Links []struct {
					CareContexts []struct {
						ReferenceNumber, Date string
						HITypes               []string
					}
				}
			}
		}
		jsonCall(t, "GET", base+"/cm/patients/links", person, nil, 200, &ls)
		for _, l := range ls.Patient.Links {
			for _, c := range l.CareContexts {
				if c.ReferenceNumber == "OP-1" && len(c.HITypes) > 0 && c.Date != "" {
					return ""
				}
			}
		}
		return fmt.Sprintf("%+v", ls)
	})

	// The clinic asks for consultations of 2025; the person grants OP-1 only.
	hiu := newTestHIU(t, base, op, hiuID)
	from, until := "2025-01-01T00:00:00.000Z", "2025-12-31T00:00:00.000Z"
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	hiTypes := []string{"OPConsultation"}
	reqID := hiu.requestConsent(p.address, hipID, hiTypes, from, until, eraseAt)
	jsonCall(t, "POST", base+"/cm/patients/pin", person, map[string]string{"pin": "4826"}, 204, nil)
	pinToken := func(scope, request string) map[string]string {
		var pin struct{ TemporaryToken string }
		jsonCall(t, "POST", base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": scope, "requestId": request}, 200, &pin)
		return map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}
	}
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(t, "POST", base+"/cm/consent-requests/"+reqID+"/approve", pinToken("consentrequest.approve", reqID), map[string]any{"consents": []map[string]any{{
		"hip": map[string]string{"id": hipID}, "hiTypes": hiTypes,
		"careContexts": []map[string]string{{"patientReference": patientRef, "careContextReference": "OP-1"}},
		"permission":   map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": from, "to": until}, "dataEraseAt": eraseAt, "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
	}}}, 200, &approved)
	artID := approved.Consents[0].ID
	waitFor(t, "the HIP keeps the artefact", func() string {
		c, err := n.db.HIPConsent(t.Context(), artID)
		if err != nil || c.Status != "GRANTED" {
			return fmt.Sprintf("%v %v", c, err)
		}
		return ""
	})

	// The data: one page, the 2025 consultation of OP-1, decrypted with
	// the HIU's key; nothing else.
	tx, hiuKey, hiuNonce, refused := hiu.hiRequest(artID, from, until)
	if refused != "" {
		t.Fatalf("health-information request refused: %s", refused)
	}
	waitFor(t, "the HIP finishes the transfer", func() string {
		j, err := n.db.HIPJob(t.Context(), "transfer:"+tx)
		if err != nil || j.Status != hip.JobDone {
			return fmt.Sprintf("%v %v", j, err)
		}
		return ""
	})
	pages := hiu.pages(tx)
	// No credential of the HIP's travels with the data: a gateway token
	// would let the HIU act as the HIP's bridge.
	if len(pages) != 1 || pages[0].PageCount != 1 || len(pages[0].Entries) != 1 || pages[0].Authorization != "" {
		t.Fatalf("pages: %+v", pages)
	}
	e := pages[0].Entries[0]
	plain := decrypt(t, hiuKey, hiuNonce, pages[0], e.Content)
	sum := md5.Sum(plain)
	if !bytes.Equal(plain, wanted) || e.CareContextReference != "OP-1" || e.Media != "application/fhir+json" || e.Checksum != hex.EncodeToString(sum[:]) {
		t.Fatalf("the page is not the consented record: %d bytes, context %q, checksum %q", len(plain), e.CareContextReference, e.Checksum)
	}
	// The HIP told the gateway how the transfer went.
	waitFor(t, "the HIP's on-request and notify are delivered", func() string { return hipJobsPending(t, n) })

	// After revocation the HIP keeps only a tombstone and sends nothing.
	jsonCall(t, "POST", base+"/cm/consents/revoke", pinToken("consent.revoke", ""), map[string]any{"consents": []string{artID}}, 204, nil)
	waitFor(t, "the HIP learns of the revocation", func() string {
		c, err := n.db.HIPConsent(t.Context(), artID)
		if err != nil || c.Status != "REVOKED" || len(c.Contexts) != 0 {
			return fmt.Sprintf("%+v %v", c, err)
		}
		return ""
	})
	if tx2, _, _, refused := hiu.hiRequest(artID, from, until); refused == "" {
		time.Sleep(2 * time.Second)
		if len(hiu.pages(tx2)) != 0 {
			t.Fatal("data was pushed after revocation")
		}
	}

	// A new visit of the person, pushed with their ABHA address, is linked
	// by the HIP at once (users/auth DEMOGRAPHICS, add-contexts,
	// context/notify) and shows in the person's links.
	push(map[string]string{"abhaAddress": p.address, "abhaNumber": p.number}, "OP-3", "OP visit, 5 May 2025", bundle(consult, "OP-3", day("2025-05-05 10:00")))
	waitFor(t, "the HIP links the new visit", func() string {
		steps, _ := n.db.HIPLinkSteps(t.Context(), hipID, "OP-3")
		links, err := n.db.HIPLinks(t.Context(), hipID, "OP-3")
		if err != nil || len(links) != 1 || !links[0].ByHIP {
			var s []string
			for _, x := range steps {
				s = append(s, x.Step+":"+x.Status)
			}
			return fmt.Sprintf("links %v, steps %v", links, s)
		}
		return ""
	})
	var status struct {
		State string
		Links []struct {
			ByHip bool `json:"byHip"`
		}
	}
	jsonCall(t, "GET", base+"/api/v1/hip/"+hipID+"/care-contexts/OP-3", hmis, nil, 200, &status)
	if status.State != hip.LinkStateLinked || len(status.Links) != 1 || !status.Links[0].ByHip {
		t.Fatalf("the facility's view of OP-3: %+v", status)
	}
	var links struct {
		Patient struct {
			Links []struct {
				HIP          struct{ ID string }                `json:"hip"`
				CareContexts []struct{ ReferenceNumber string } `json:"careContexts"`
			} `json:"links"`
		} `json:"patient"`
	}
	jsonCall(t, "GET", base+"/cm/patients/links", person, nil, 200, &links)
	var refs []string
	for _, l := range links.Patient.Links {
		for _, c := range l.CareContexts {
			refs = append(refs, c.ReferenceNumber)
		}
	}
	if !slices.Contains(refs, "OP-3") || !slices.Contains(refs, "OP-1") {
		t.Fatalf("the person's links: %v", refs)
	}
	// The last answers (the context notice's) may still be on their way.
	waitFor(t, "the HIP's work all done", func() string { return hipJobsPending(t, n) })
	return n
}

// hipServiceActive reports whether the facility is a registered HIP service.
func hipServiceActive(t testing.TB, base string, op map[string]string, id string) bool {
	st, body := jsonDo(t, "GET", base+"/api/v1/admin/bridges", op, nil)
	return st == 200 && bytes.Contains(body, []byte("arogya-hip-")) && id != ""
}

// hipJobsPending lists the HIP's jobs not done, or "".
func hipJobsPending(t *testing.T, n *node) string {
	rows, err := n.db.SQL().QueryContext(t.Context(), "SELECT kind, path, status, last_error FROM hip_jobs WHERE status <> 'DONE'")
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, p, s, e string
		if err := rows.Scan(&k, &p, &s, &e); err != nil {
			return err.Error()
		}
		out = append(out, k+" "+p+" "+s+" "+e)
	}
	return strings.Join(out, "; ")
}

// jsonRaw embeds JSON bytes as they are.
type jsonRaw []byte

// MarshalJSON returns the bytes.
func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }
