package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestSpecBridgesEndToEnd is the consent manager's check against software
// it was not written with: an HIP and an HIU bridge written only from the
// ABDM specs (e2e/spechip, e2e/spechiu; stdlib only, nothing of Arogya),
// run as separate programs against an in-process node serving abha,
// registry and cm. A person enrols for an ABHA and logs in, discovers
// their records at the HIP, links two care contexts with the OTP the HIP
// "sends", and approves the HIU's consent request with their PIN; the HIU
// fetches the signed artefact, asks for the data, and the HIP reports the
// transfer. Then the HIP links a new visit on its own (users/auth and
// add-contexts in v0.5, generate-token and link/carecontext in v3), the
// person sees it and consents to it, and the HIU finds the person by ABHA
// address (patients/find). Once in each protocol version.
func TestSpecBridgesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the spec bridges; skipped with -short")
	}
	bins := buildSpecBridges(t)
	for _, version := range []string{"v0.5", "v3"} {
		t.Run(version, func(t *testing.T) { specBridgesJourney(t, bins, version) })
	}
}

// specBins are the built bridge programs.
type specBins struct{ hip, hiu string }

func buildSpecBridges(t *testing.T) specBins {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own toolchain first on PATH
	if err != nil {
		t.Fatalf("the go command is needed to build the bridge programs: %v", err)
	}
	dir := t.TempDir()
	bins := specBins{hip: filepath.Join(dir, "spechip"), hiu: filepath.Join(dir, "spechiu")}
	for pkg, out := range map[string]string{"spechip": bins.hip, "spechiu": bins.hiu} {
		if b, err := exec.Command(goBin, "build", "-o", out, "github.com/arogya-health/arogya/e2e/"+pkg).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, b)
		}
	}
	return bins
}

// The HIP's patients: the person (their name in capitals, as a hospital's
// register might have it) and a relative who shares their mobile, whom
// the name, gender and year of birth tell apart.
const (
	patientRef = "PAT-0042"
	opVisit    = "OP-2025-0311"
	rxVisit    = "RX-2025-0311"
	labReport  = "LAB-2025-0402"
)

func specBridgesJourney(t *testing.T, bins specBins, version string) {
	const adminToken = "spec-bridges-operator-token"
	_, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm"}
		c.AdminToken = adminToken
	})
	op := map[string]string{"Authorization": "Bearer " + adminToken}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}

	// Two verified facilities, each behind its own bridge.
	hipID := verifiedFacility(t, base, op, "Spec Records Hospital")
	hiuID := verifiedFacility(t, base, op, "Spec Review Clinic")
	var hipCreds, hiuCreds struct{ ClientID, ClientSecret string }
	jsonCall(t, "POST", base+"/api/v1/admin/bridges", op, map[string]string{"id": "spec-hip", "name": "Spec HIP bridge"}, 201, &hipCreds)
	jsonCall(t, "POST", base+"/api/v1/admin/bridges", op, map[string]string{"id": "spec-hiu", "name": "Spec HIU bridge"}, 201, &hiuCreds)

	dir := t.TempDir()
	patients, otpOutbox := filepath.Join(dir, "patients.json"), filepath.Join(dir, "otp.jsonl")
	writeJSONFile(t, patients, map[string]any{"patients": []map[string]any{
		{"referenceNumber": patientRef, "name": strings.ToUpper(p.name), "gender": p.gender, "yearOfBirth": p.yearOfBirth,
			"mobile": p.mobile, "abhaNumber": p.number, "careContexts": []map[string]string{
				{"referenceNumber": opVisit, "display": "Outpatient visit, 11 Mar 2025"},
				{"referenceNumber": rxVisit, "display": "Prescription, 11 Mar 2025"},
				{"referenceNumber": labReport, "display": "Lipid profile, 2 Apr 2025"}}},
		{"referenceNumber": "PAT-0043", "name": "Kamala Venkatesh", "gender": otherGender(p.gender), "yearOfBirth": p.yearOfBirth - 30,
			"mobile": p.mobile, "careContexts": []map[string]string{{"referenceNumber": "OP-2024-0917", "display": "Outpatient visit, 17 Sep 2024"}}},
	}})
	hip := startBridge(t, "spechip", bins.hip, "--gateway", base, "--client-id", hipCreds.ClientID, "--client-secret", hipCreds.ClientSecret,
		"--hip-id", hipID, "--listen", "127.0.0.1:0", "--version", version, "--patients", patients, "--otp-outbox", otpOutbox)
	hiu := startBridge(t, "spechiu", bins.hiu, "--gateway", base, "--client-id", hiuCreds.ClientID, "--client-secret", hiuCreds.ClientSecret,
		"--hiu-id", hiuID, "--listen", "127.0.0.1:0", "--version", version)

	// Both registered their callback URL in the version they speak.
	var bridges struct {
		Items []struct{ ID, URL, Version string } `json:"items"`
	}
	jsonCall(t, "GET", base+"/api/v1/admin/bridges", op, nil, 200, &bridges)
	if len(bridges.Items) != 2 {
		t.Fatalf("bridges: %+v", bridges.Items)
	}
	for _, b := range bridges.Items {
		if want := map[string]string{"spec-hip": hip, "spec-hiu": hiu}[b.ID]; b.URL != want || b.Version != version {
			t.Fatalf("bridge %s: url %q version %q, want %q %q", b.ID, b.URL, b.Version, want, version)
		}
	}

	// Discovery: a medical record number the HIP does not know finds
	// nothing; the person's own finds their record, not their relative's.
	discover := func(mr string) (int, []byte) {
		return jsonDo(t, "POST", base+"/cm/v1/care-contexts/discover", person, map[string]any{"requestId": uuid.NewString(),
			"hip": map[string]string{"id": hipID}, "unverifiedIdentifiers": []map[string]string{{"type": "MR", "value": mr}}})
	}
	if st, body := discover("PAT-9999"); st != 404 {
		t.Fatalf("discover with an unknown MR: %d %s, want 404", st, body)
	}
	st, body := discover(patientRef)
	var found struct {
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ReferenceNumber string                                      `json:"referenceNumber"`
			CareContexts    []struct{ ReferenceNumber, Display string } `json:"careContexts"`
			MatchedBy       []string                                    `json:"matchedBy"`
		} `json:"patient"`
	}
	if st != 200 || json.Unmarshal(body, &found) != nil || found.Patient.ReferenceNumber != patientRef ||
		len(found.Patient.CareContexts) != 3 || !slices.Contains(found.Patient.MatchedBy, "MOBILE") {
		t.Fatalf("discover: %d %s", st, body)
	}

	// Linking two of the three care contexts, with the OTP the HIP sent.
	var initiated struct {
		TransactionID string `json:"transactionId"`
		Link          struct {
			ReferenceNumber    string `json:"referenceNumber"`
			AuthenticationType string `json:"authenticationType"`
			Meta               struct{ CommunicationMedium, CommunicationHint string }
		} `json:"link"`
	}
	jsonCall(t, "POST", base+"/cm/v1/links/link/init", person, map[string]any{"requestId": uuid.NewString(), "transactionId": found.TransactionID,
		"patient": map[string]any{"referenceNumber": patientRef, "careContexts": []map[string]string{{"referenceNumber": opVisit}, {"referenceNumber": rxVisit}}},
	}, 200, &initiated)
	ref := initiated.Link.ReferenceNumber
	if ref == "" || initiated.Link.AuthenticationType != "MEDIATED" || initiated.Link.Meta.CommunicationMedium != "MOBILE" ||
		!strings.HasSuffix(initiated.Link.Meta.CommunicationHint, p.mobile[len(p.mobile)-4:]) || strings.Contains(initiated.Link.Meta.CommunicationHint, p.mobile) {
		t.Fatalf("link init: %+v", initiated)
	}
	otp := hipOTP(t, otpOutbox, ref, p.mobile)
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, otp)+1)%1000000)
	if st, body := jsonDo(t, "POST", base+"/cm/v1/links/link/confirm/"+ref, person, map[string]string{"token": wrong}); st != 400 && st != 401 {
		t.Fatalf("confirm with a wrong OTP: %d %s, want 400 or 401", st, body)
	}
	var confirmed struct {
		Patient struct {
			ReferenceNumber string                             `json:"referenceNumber"`
			CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
		} `json:"patient"`
	}
	jsonCall(t, "POST", base+"/cm/v1/links/link/confirm/"+ref, person, map[string]string{"token": otp}, 200, &confirmed)
	if confirmed.Patient.ReferenceNumber != patientRef || len(confirmed.Patient.CareContexts) != 2 {
		t.Fatalf("link confirm: %+v", confirmed)
	}
	var links struct {
		Patient struct {
			ID    string `json:"id"`
			Links []struct {
				HIP             struct{ ID string }                `json:"hip"`
				ReferenceNumber string                             `json:"referenceNumber"`
				CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
			} `json:"links"`
		} `json:"patient"`
	}
	jsonCall(t, "GET", base+"/cm/patients/links", person, nil, 200, &links)
	if l := links.Patient.Links; links.Patient.ID != p.address || len(l) != 1 || l[0].HIP.ID != hipID || l[0].ReferenceNumber != patientRef ||
		len(l[0].CareContexts) != 2 || l[0].CareContexts[0].ReferenceNumber == labReport || l[0].CareContexts[1].ReferenceNumber == labReport {
		t.Fatalf("links: %+v", links)
	}

	// The clinic asks for the person's consultations and prescriptions of 2025.
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	dates := map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"}
	hiTypes := []string{"OPConsultation", "Prescription"}
	var asked struct{ ConsentRequestID string }
	jsonCall(t, "POST", hiu+"/test/consent-request", nil, map[string]any{"patient": p.address, "hipId": hipID, "purpose": "CAREMGT",
		"hiTypes": hiTypes, "dateRange": dates, "dataEraseAt": eraseAt}, 200, &asked)
	reqID := asked.ConsentRequestID

	// The person sees it and approves it with their PIN, for the linked
	// care contexts.
	var listed struct {
		Consents struct {
			Requests []struct {
				ID, Status string
				HIU        struct{ ID string } `json:"hiu"`
			} `json:"requests"`
		} `json:"consents"`
	}
	jsonCall(t, "GET", base+"/cm/patients/requests", person, nil, 200, &listed)
	if r := listed.Consents.Requests; len(r) != 1 || r[0].ID != reqID || r[0].Status != "REQUESTED" || r[0].HIU.ID != hiuID {
		t.Fatalf("the person's requests: %+v", listed)
	}
	jsonCall(t, "POST", base+"/cm/patients/pin", person, map[string]string{"pin": "4826"}, 204, nil)
	var pin struct{ TemporaryToken string }
	jsonCall(t, "POST", base+"/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": "consentrequest.approve", "requestId": reqID}, 200, &pin)
	approver := map[string]string{"Authorization": person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(t, "POST", base+"/cm/consent-requests/"+reqID+"/approve", approver, map[string]any{"consents": []map[string]any{{
		"hip": map[string]string{"id": hipID}, "hiTypes": hiTypes,
		"careContexts": []map[string]string{{"patientReference": patientRef, "careContextReference": opVisit}, {"patientReference": patientRef, "careContextReference": rxVisit}},
		"permission":   map[string]any{"accessMode": "VIEW", "dateRange": dates, "dataEraseAt": eraseAt, "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
	}}}, 200, &approved)
	if len(approved.Consents) != 1 {
		t.Fatalf("approve: %+v", approved)
	}
	artID := approved.Consents[0].ID

	// The HIU is told, acknowledges, and fetches an artefact whose
	// signature verifies against the gateway's certs; the HIP gets it too.
	var hs hiuState
	waitFor(t, "the HIU fetches the granted artefact", func() string {
		jsonCall(t, "GET", hiu+"/test/state", nil, nil, 200, &hs)
		i := slices.IndexFunc(hs.Artefacts, func(a hiuArtefact) bool { return a.ID == artID })
		if i < 0 {
			return fmt.Sprintf("HIU state %+v", hs)
		}
		if a := hs.Artefacts[i]; a.FetchError != "" || a.Status != "GRANTED" || !a.SignatureValid || a.HIPID != hipID || a.CareContexts != 2 {
			return fmt.Sprintf("artefact %+v", a)
		}
		return ""
	})
	if n := hs.Notices; len(n) != 1 || n[0].ConsentRequestID != reqID || n[0].Status != "GRANTED" || !slices.Equal(n[0].ArtefactIDs, []string{artID}) {
		t.Fatalf("HIU notices: %+v", n)
	}
	var ps hipState
	waitFor(t, "the HIP receives the artefact", func() string {
		jsonCall(t, "GET", hip+"/test/state", nil, nil, 200, &ps)
		i := slices.IndexFunc(ps.Consents, func(c hipConsent) bool { return c.ID == artID })
		if i < 0 || ps.Consents[i].Status != "GRANTED" || !ps.Consents[i].SignatureValid || ps.Consents[i].AckStatus == 0 {
			return fmt.Sprintf("HIP state %+v", ps)
		}
		return ""
	})
	// The spec's acknowledgements (consents/hiu/on-notify, consents/hip/on-notify)
	// are messages the gateway must take: 202.
	if st := hs.Notices[0].AckStatus; st != 202 {
		t.Errorf("the gateway answered the HIU's consents/hiu/on-notify %d, want 202", st)
	}
	if st := ps.Consents[slices.IndexFunc(ps.Consents, func(c hipConsent) bool { return c.ID == artID })].AckStatus; st != 202 {
		t.Errorf("the gateway answered the HIP's consents/hip/on-notify %d, want 202", st)
	}

	// The HIU asks for the data; the CM asks the HIP, which acknowledges
	// and reports the transfer (the gateway answers notify 204).
	var requested struct{ TransactionID, SessionStatus string }
	jsonCall(t, "POST", hiu+"/test/hi-request", nil, map[string]string{"consentId": artID}, 200, &requested)
	if requested.TransactionID == "" || requested.SessionStatus != "REQUESTED" {
		t.Fatalf("hi-request: %+v", requested)
	}
	waitFor(t, "the HIP reports the transfer", func() string {
		jsonCall(t, "GET", hip+"/test/state", nil, nil, 200, &ps)
		i := slices.IndexFunc(ps.Transfers, func(x hipTransfer) bool { return x.TransactionID == requested.TransactionID })
		if i < 0 || ps.Transfers[i].NotifyStatus == 0 {
			return fmt.Sprintf("HIP state %+v", ps)
		}
		if x := ps.Transfers[i]; x.ConsentID != artID || x.SessionStatus != "ACKNOWLEDGED" || x.OnRequestStatus != 202 || x.NotifyStatus != 204 {
			return fmt.Sprintf("transfer %+v", x)
		}
		return ""
	})

	// The HIP links a new visit to the person on its own initiative, and
	// the HIU identifies the person by their ABHA address.
	hipInitiatedLinking(t, specEnv{base: base, sms: sms, version: version, p: p, person: person, hip: hip, hiu: hiu, hipID: hipID, hiuID: hiuID})

	// Nothing the gateway owed a bridge was refused.
	var dead struct {
		Items []struct{ Kind, LastError string } `json:"items"`
	}
	jsonCall(t, "GET", base+"/api/v1/admin/outbox?status=DEAD", op, nil, 200, &dead)
	if len(dead.Items) != 0 {
		t.Errorf("dead messages: %+v", dead.Items)
	}
}

// hiuState and hipState are the bridges' GET /test/state.
type (
	hiuState struct {
		ConsentRequests []struct{ ID, Status string } `json:"consentRequests"`
		Notices         []struct {
			ConsentRequestID string   `json:"consentRequestId"`
			Status           string   `json:"status"`
			ArtefactIDs      []string `json:"artefactIds"`
			AckStatus        int      `json:"ackStatus"`
		} `json:"notices"`
		Artefacts  []hiuArtefact                                                     `json:"artefacts"`
		HIRequests []struct{ ConsentID, TransactionID, SessionStatus, Error string } `json:"hiRequests"`
	}
	hiuArtefact struct {
		ID             string `json:"id"`
		Status         string `json:"status"`
		HIPID          string `json:"hipId"`
		CareContexts   int    `json:"careContexts"`
		SignatureValid bool   `json:"signatureValid"`
		FetchError     string `json:"fetchError"`
	}
	hipState struct {
		Discoveries int           `json:"discoveries"`
		Consents    []hipConsent  `json:"consents"`
		Transfers   []hipTransfer `json:"transfers"`
	}
	hipConsent struct {
		ID             string `json:"id"`
		Status         string `json:"status"`
		SignatureValid bool   `json:"signatureValid"`
		AckStatus      int    `json:"ackStatus"`
	}
	hipTransfer struct {
		TransactionID   string `json:"transactionId"`
		ConsentID       string `json:"consentId"`
		SessionStatus   string `json:"sessionStatus"`
		Refusal         string `json:"refusal"`
		OnRequestStatus int    `json:"onRequestStatus"`
		NotifyStatus    int    `json:"notifyStatus"`
	}
)
