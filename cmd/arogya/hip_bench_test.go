package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/fhir"
)

// BenchmarkTransfer100CareContexts is the end-to-end time of one
// health-information request for a consent over 100 care contexts: the
// HIU asks the gateway, which checks the consent and asks the HIP; the
// HIP checks its copy, reads and decrypts the 100 records, encrypts each
// for the HIU (one Fidelius agreement, a nonce per page) and pushes 100
// pages to the HIU's dataPushUrl, then notifies the gateway; the time
// ends when the HIU has all 100 pages and has decrypted them. All roles
// run in one node on 127.0.0.1, over HTTP.
//
//	go test -run '^$' -bench Transfer100 -benchtime 5x ./cmd/arogya
//
// Set-up (untimed): a person, a facility served as HIP, 100 OP
// consultations pushed as 100 care contexts, which the person discovers
// and links through the CM with one OTP, a consent to all of them
// approved by the person.
func BenchmarkTransfer100CareContexts(b *testing.B) {
	const contexts = 100
	const adminToken = "hip-bench-operator-token"
	n, base, sms := testNode(b, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = adminToken
	})
	op := map[string]string{"Authorization": "Bearer " + adminToken}
	p := enrolPerson(b, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}
	hipID := verifiedFacility(b, base, op, "Records Hospital")
	hiuID := verifiedFacility(b, base, op, "Review Clinic")
	jsonCall(b, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	var key struct{ Key string }
	jsonCall(b, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
	hmis := map[string]string{"Authorization": "Bearer " + key.Key}

	start := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	size := 0
	for i := range contexts {
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		ref := fmt.Sprintf("OP-%03d", i)
		bd, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "Records Hospital", HFRID: hipID},
			Visit:    fhir.Visit{ID: ref, Class: "AMB", Start: at.Add(-time.Hour), End: at.Add(-30 * time.Minute)},
			Date:     at,
		}, fhir.Consultation{
			ChiefComplaints: []fhir.Concept{fhir.SNOMED("386661006", "Fever"), fhir.SNOMED("49727002", "Cough")},
			Vitals:          fhir.Vitals{Systolic: 128, Diastolic: 84, Pulse: 88, Temperature: 38.1, SpO2: 97, Height: 162, Weight: 61},
			Diagnoses:       []fhir.Concept{fhir.SNOMED("54150009", "Upper respiratory infection")},
			Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", TimesPerDay: 3, Days: 3},
				{Drug: fhir.Text("Cetirizine 10 mg tablet"), Dose: "1 tablet", Frequency: "0-0-1", TimesPerDay: 1, Days: 5}},
			Advice: "Rest and fluids.", FollowUp: &fhir.FollowUp{Date: at.AddDate(0, 0, 7), Reason: "Review"},
		})
		if err != nil {
			b.Fatal(err)
		}
		data, err := fhir.Marshal(bd)
		if err != nil {
			b.Fatal(err)
		}
		// As the push carries it: encoding/json writes < > & as \u003c….
		sent, err := json.Marshal(jsonRaw(data))
		if err != nil {
			b.Fatal(err)
		}
		size += len(sent)
		jsonCall(b, "POST", base+"/api/v1/hip/"+hipID+"/bundles", hmis, map[string]any{"patient": map[string]string{"abhaNumber": p.number},
			"careContext": map[string]string{"referenceNumber": ref, "display": "OP visit " + at.Format("2 Jan 2006")}, "bundle": jsonRaw(data)}, 201, nil)
	}
	// The person finds and links them through the CM, with the HIP's OTP.
	var found struct {
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ReferenceNumber string                             `json:"referenceNumber"`
			CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
		} `json:"patient"`
	}
	jsonCall(b, "POST", base+"/cm/v1/care-contexts/discover", person, map[string]any{"requestId": uuid.NewString(), "hip": map[string]string{"id": hipID}}, 200, &found)
	if len(found.Patient.CareContexts) != contexts {
		b.Fatalf("discovered %d care contexts", len(found.Patient.CareContexts))
	}
	ps := found.Patient.ReferenceNumber
	asked := make([]map[string]string, contexts)
	for i, c := range found.Patient.CareContexts {
		asked[i] = map[string]string{"referenceNumber": c.ReferenceNumber}
	}
	var initiated struct {
		Link struct{ ReferenceNumber string } `json:"link"`
	}
	jsonCall(b, "POST", base+"/cm/v1/links/link/init", person, map[string]any{"requestId": uuid.NewString(), "transactionId": found.TransactionID,
		"patient": map[string]any{"referenceNumber": ps, "careContexts": asked}}, 200, &initiated)
	_, otp := lastOTP(b, sms)
	jsonCall(b, "POST", base+"/cm/v1/links/link/confirm/"+initiated.Link.ReferenceNumber, person, map[string]string{"token": otp}, 200, nil)
	cc := make([]map[string]string, contexts)
	for i := range contexts {
		cc[i] = map[string]string{"patientReference": ps, "careContextReference": fmt.Sprintf("OP-%03d", i)}
	}
	hiu := newTestHIU(b, base, op, hiuID)
	hiu.repeats = 1000
	from, until := "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	reqID := hiu.requestConsent(p.address, hipID, []string{"OPConsultation"}, from, until, eraseAt)
	jsonCall(b, "POST", base+"/cm/patients/pin", person, map[string]string{"pin": "4826"}, 204, nil)
	var pin struct{ TemporaryToken string }
	jsonCall(b, "POST", base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": "consentrequest.approve", "requestId": reqID}, 200, &pin)
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(b, "POST", base+"/cm/consent-requests/"+reqID+"/approve", map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken},
		map[string]any{"consents": []map[string]any{{"hip": map[string]string{"id": hipID}, "hiTypes": []string{"OPConsultation"}, "careContexts": cc,
			"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": from, "to": until}, "dataEraseAt": eraseAt,
				"frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 1000}}}}}, 200, &approved)
	artID := approved.Consents[0].ID
	waitFor(b, "the HIP keeps the artefact", func() string {
		c, err := n.db.HIPConsent(b.Context(), artID)
		if err != nil || c.Status != "GRANTED" {
			return fmt.Sprintf("%v %v", c, err)
		}
		return ""
	})

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tx, hiuKey, hiuNonce, refused := hiu.hiRequest(artID, from, until)
		if refused != "" {
			b.Fatalf("health-information request refused: %s", refused)
		}
		var pages []hiuPush
		for deadline := time.Now().Add(2 * time.Minute); ; {
			if pages = hiu.pages(tx); len(pages) == contexts {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d pages after 2 minutes", len(pages), contexts)
			}
			time.Sleep(2 * time.Millisecond)
		}
		got := 0
		for _, pg := range pages {
			for _, e := range pg.Entries {
				got += len(decrypt(b, hiuKey, hiuNonce, pg, e.Content))
			}
		}
		if got != size {
			b.Fatalf("decrypted %d bytes of the %d pushed", got, size)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(contexts), "care-contexts/op")
	b.ReportMetric(float64(size)/contexts, "bytes/care-context")
}
