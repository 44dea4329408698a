package main

// HIP-initiated linking and patients/find in TestSpecBridgesEndToEnd
// (cm_e2e_test.go): the spec HIP links a new visit to the person on its
// own, the person sees it and consents to it, and the spec HIU identifies
// the person by ABHA address.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/notify"
)

// specEnv is what the journey set up: the node, the person, the bridges.
type specEnv struct {
	base, sms, version string
	p                  specPerson
	person             map[string]string // the person's Authorization
	hip, hiu           string            // the bridges' URLs
	hipID, hiuID       string
}

// newVisit is the care context the HIP creates at its desk and links itself.
const newVisit = "OP-2025-0620"

func hipInitiatedLinking(t *testing.T, e specEnv) {
	p := e.p
	cc := map[string]string{"referenceNumber": newVisit, "display": "Outpatient visit, 20 Jun 2025"}
	if e.version == "v0.5" {
		// The front desk checks who the person is (KYC) by their
		// demographics: the consent manager answers with the ABHA's name.
		kyc := authInit(t, e, "KYC", "DEMOGRAPHICS")
		st, body := jsonDo(t, "POST", e.hip+"/test/auth/confirm", nil, map[string]any{"transactionId": kyc,
			"demographic": map[string]string{"name": p.name, "gender": otherGender(p.gender), "dateOfBirth": p.dateOfBirth}})
		if st != 502 || !json.Valid(body) {
			t.Fatalf("users/auth/confirm with the wrong gender: %d %s, want on-confirm's error (502 from the HIP)", st, body)
		}
		kyc = authInit(t, e, "KYC", "DEMOGRAPHICS")
		var known struct {
			Linkable           bool
			Patient            json.RawMessage
			PatientOutsideAuth json.RawMessage
		}
		jsonCall(t, "POST", e.hip+"/test/auth/confirm", nil, map[string]any{"transactionId": kyc,
			"demographic": map[string]string{"name": p.name, "gender": p.gender, "dateOfBirth": p.dateOfBirth}}, 200, &known)
		if known.Linkable {
			t.Errorf("users/auth/on-confirm for KYC carried an access token; KYC returns only the patient")
		}
		// PatientAuthConfirmResponse has the patient in auth; if it came
		// elsewhere, that is reported and it is checked there.
		got := known.Patient
		if string(got) == "null" || len(got) == 0 {
			t.Errorf("users/auth/on-confirm for KYC has no auth.patient (ndhm-gateway.yml PatientAuthConfirmResponse); a top-level patient: %s", known.PatientOutsideAuth)
			got = known.PatientOutsideAuth
		}
		var pt struct {
			ID, Name, Gender string
			YearOfBirth      int
			Identifiers      []struct{ Type, Value string }
		}
		if err := json.Unmarshal(got, &pt); err != nil || pt.ID != p.address || pt.Name != p.name || pt.Gender != p.gender || pt.YearOfBirth != p.yearOfBirth {
			t.Errorf("users/auth/on-confirm for KYC: patient %s, want the person's ABHA profile", got)
		}
		for _, id := range pt.Identifiers {
			// ndhm-gateway.yml IdentifierType.
			if !slices.Contains([]string{"MR", "MOBILE", "NDHM_HEALTH_NUMBER", "HEALTH_ID"}, id.Type) {
				t.Errorf("users/auth/on-confirm for KYC: patient identifier type %q is not one of IdentifierType's MR, MOBILE, NDHM_HEALTH_NUMBER, HEALTH_ID", id.Type)
			}
		}

		// Linking: the person reads out the OTP the consent manager sent
		// to their ABHA mobile.
		sent := smsCount(t, e.sms)
		txn := authInit(t, e, "LINK", "MOBILE_OTP")
		otp := newSMS(t, e.sms, sent, p.mobile)
		wrong := fmt.Sprintf("%06d", (mustAtoi(t, otp)+1)%1000000)
		if st, body := jsonDo(t, "POST", e.hip+"/test/auth/confirm", nil, map[string]any{"transactionId": txn, "otp": wrong}); st != 502 {
			t.Fatalf("users/auth/confirm with a wrong OTP: %d %s, want on-confirm's error (502 from the HIP)", st, body)
		}
		var confirmed struct {
			Linkable bool
			Validity struct {
				Purpose, Expiry string
				Limit           int
			}
		}
		jsonCall(t, "POST", e.hip+"/test/auth/confirm", nil, map[string]any{"transactionId": txn, "otp": otp}, 200, &confirmed)
		if !confirmed.Linkable || confirmed.Validity.Purpose != "LINK" {
			t.Fatalf("users/auth/on-confirm for LINK: %+v, want an access token for LINK", confirmed)
		}
		var added struct{ Status string }
		jsonCall(t, "POST", e.hip+"/test/link", nil, map[string]any{"patientReference": patientRef, "careContext": cc, "transactionId": txn}, 200, &added)
		if added.Status != "SUCCESS" {
			t.Fatalf("links/link/on-add-contexts: %+v", added)
		}
		// on-confirm gave the token validity.limit 1: a second use is refused.
		again := map[string]any{"patientReference": patientRef, "transactionId": txn, "reuseToken": true,
			"careContext": map[string]string{"referenceNumber": "OP-2025-0621", "display": "Outpatient visit, 21 Jun 2025"}}
		if st, body := jsonDo(t, "POST", e.hip+"/test/link", nil, again); st != 502 {
			t.Errorf("links/link/add-contexts with an access token already used once (validity.limit %d): %d %s, want on-add-contexts' error (502 from the HIP)",
				confirmed.Validity.Limit, st, bytes.TrimSpace(body))
		}
	} else {
		// generate-token: demographics that are not the person's get no
		// link token; the person's ABHA profile's do.
		link := map[string]any{"patientReference": patientRef, "careContext": cc, "abhaAddress": p.address,
			"name": p.name, "gender": p.gender, "yearOfBirth": p.yearOfBirth - 10}
		st, body := jsonDo(t, "POST", e.hip+"/test/link", nil, link)
		var refused struct {
			CallbackError *struct {
				Code    any
				Message string
			}
		}
		if st != 502 || json.Unmarshal(body, &refused) != nil || refused.CallbackError == nil {
			t.Fatalf("generate-token with the wrong year of birth: %d %s, want on-generate-token's error (502 from the HIP)", st, body)
		}
		// HIECM-LinkTokenService.yml: error.code is a string, "ABDM-nnnn".
		if code, ok := refused.CallbackError.Code.(string); !ok || !strings.HasPrefix(code, "ABDM-") {
			t.Errorf("on-generate-token's error: code %#v, want a string ABDM-nnnn as HIECM-LinkTokenService.yml has it: %s", refused.CallbackError.Code, body)
		}
		link["yearOfBirth"] = p.yearOfBirth
		var linked struct{ Status, ABHAAddress string }
		jsonCall(t, "POST", e.hip+"/test/link", nil, link, 200, &linked)
		if linked.ABHAAddress != p.address || linked.Status == "" {
			t.Fatalf("on_carecontext: %+v", linked)
		}
	}

	// The HIP recorded its link; the person sees the new visit at the HIP.
	type hipLink struct {
		PatientReference string   `json:"patientReference"`
		CareContexts     []string `json:"careContexts"`
		ByHIP            bool     `json:"byHip"`
	}
	var hs struct {
		Links []hipLink `json:"links"`
	}
	jsonCall(t, "GET", e.hip+"/test/state", nil, nil, 200, &hs)
	if !slices.ContainsFunc(hs.Links, func(l hipLink) bool {
		return l.ByHIP && l.PatientReference == patientRef && slices.Equal(l.CareContexts, []string{newVisit})
	}) {
		t.Fatalf("the HIP's links: %+v", hs.Links)
	}
	waitFor(t, "the person's links show the new visit", func() string {
		var links struct {
			Patient struct {
				Links []struct {
					HIP             struct{ ID string }                `json:"hip"`
					ReferenceNumber string                             `json:"referenceNumber"`
					CareContexts    []struct{ ReferenceNumber string } `json:"careContexts"`
				} `json:"links"`
			} `json:"patient"`
		}
		st, body := jsonDo(t, "GET", e.base+"/cm/patients/links", e.person, nil)
		if st != 200 || json.Unmarshal(body, &links) != nil {
			return fmt.Sprintf("%d %s", st, body)
		}
		for _, l := range links.Patient.Links {
			if l.HIP.ID == e.hipID && l.ReferenceNumber == patientRef &&
				slices.ContainsFunc(l.CareContexts, func(c struct{ ReferenceNumber string }) bool { return c.ReferenceNumber == newVisit }) {
				return ""
			}
		}
		return string(body)
	})

	// The HIU asks for the visit's records; the person consents to the new
	// care context, and the artefacts name it.
	eraseAt := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	dates := map[string]string{"from": "2025-06-01T00:00:00.000Z", "to": "2025-06-30T00:00:00.000Z"}
	hiTypes := []string{"OPConsultation"}
	var asked struct{ ConsentRequestID string }
	jsonCall(t, "POST", e.hiu+"/test/consent-request", nil, map[string]any{"patient": p.address, "hipId": e.hipID, "purpose": "CAREMGT",
		"hiTypes": hiTypes, "dateRange": dates, "dataEraseAt": eraseAt}, 200, &asked)
	var pin struct{ TemporaryToken string }
	jsonCall(t, "POST", e.base+"/cm/patients/verify-pin", e.person, map[string]string{"pin": "4826", "scope": "consentrequest.approve",
		"requestId": asked.ConsentRequestID}, 200, &pin)
	approver := map[string]string{"Authorization": e.person["Authorization"], "X-AUTH-TOKEN": pin.TemporaryToken}
	var approved struct {
		Consents []struct{ ID string } `json:"consents"`
	}
	jsonCall(t, "POST", e.base+"/cm/consent-requests/"+asked.ConsentRequestID+"/approve", approver, map[string]any{"consents": []map[string]any{{
		"hip": map[string]string{"id": e.hipID}, "hiTypes": hiTypes,
		"careContexts": []map[string]string{{"patientReference": patientRef, "careContextReference": newVisit}},
		"permission":   map[string]any{"accessMode": "VIEW", "dateRange": dates, "dataEraseAt": eraseAt, "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
	}}}, 200, &approved)
	if len(approved.Consents) != 1 {
		t.Fatalf("approve: %+v", approved)
	}
	artID := approved.Consents[0].ID
	waitFor(t, "the HIU fetches the artefact for the new visit", func() string {
		var us hiuState
		jsonCall(t, "GET", e.hiu+"/test/state", nil, nil, 200, &us)
		i := slices.IndexFunc(us.Artefacts, func(a hiuArtefact) bool { return a.ID == artID })
		if i < 0 {
			return fmt.Sprintf("HIU state %+v", us)
		}
		if a := us.Artefacts[i]; a.FetchError != "" || a.Status != "GRANTED" || !a.SignatureValid || a.HIPID != e.hipID || a.CareContexts != 1 {
			return fmt.Sprintf("artefact %+v", a)
		}
		return ""
	})
	waitFor(t, "the HIP receives the artefact for the new visit", func() string {
		var ps struct {
			Consents []struct {
				ID, Status     string
				SignatureValid bool
				CareContexts   []string
			} `json:"consents"`
		}
		jsonCall(t, "GET", e.hip+"/test/state", nil, nil, 200, &ps)
		for _, c := range ps.Consents {
			if c.ID == artID && c.Status == "GRANTED" && c.SignatureValid && slices.Equal(c.CareContexts, []string{newVisit}) {
				return ""
			}
		}
		return fmt.Sprintf("HIP consents %+v", ps.Consents)
	})

	// patients/find: the HIU is told the name of an ABHA address's holder,
	// and that an address nobody holds is no one's.
	var found struct {
		Patient *struct{ ID, Name string } `json:"patient"`
		Error   json.RawMessage            `json:"error"`
	}
	jsonCall(t, "POST", e.hiu+"/test/find", nil, map[string]string{"patient": p.address}, 200, &found)
	if found.Patient == nil || found.Patient.ID != p.address || found.Patient.Name != p.name || found.Error != nil {
		t.Errorf("patients/on-find for the person: patient %+v, error %s; want their ABHA address and name %q", found.Patient, found.Error, p.name)
	}
	found.Patient, found.Error = nil, nil
	jsonCall(t, "POST", e.hiu+"/test/find", nil, map[string]string{"patient": "nobody.holds.this@sbx"}, 200, &found)
	if found.Patient != nil || found.Error == nil {
		t.Errorf("patients/on-find for an address nobody holds: patient %+v, error %s; want an error and no patient", found.Patient, found.Error)
	}
}

// authInit has the HIP start users/auth for the person (fetch-modes, then
// init) and returns the transactionId; the consent manager must offer
// MOBILE_OTP and DEMOGRAPHICS.
func authInit(t *testing.T, e specEnv, purpose, mode string) string {
	t.Helper()
	var started struct {
		TransactionID string
		Modes         []string
		Mode          string
	}
	jsonCall(t, "POST", e.hip+"/test/auth/init", nil, map[string]string{"abhaAddress": e.p.address, "purpose": purpose, "mode": mode}, 200, &started)
	if started.TransactionID == "" || started.Mode != mode || !slices.Contains(started.Modes, "MOBILE_OTP") || !slices.Contains(started.Modes, "DEMOGRAPHICS") {
		t.Fatalf("users/auth %s %s: %+v", purpose, mode, started)
	}
	return started.TransactionID
}

// smsCount is how many messages the node's SMS outbox holds.
func smsCount(t *testing.T, outbox string) int {
	t.Helper()
	entries, err := notify.ReadOutbox(outbox)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// newSMS waits for an SMS after the first `after` in the outbox and
// returns its OTP, which must be 6 digits sent to mobile.
func newSMS(t *testing.T, outbox string, after int, mobile string) string {
	t.Helper()
	var otp string
	waitFor(t, "the OTP SMS to the person", func() string {
		entries, err := notify.ReadOutbox(outbox)
		if err != nil || len(entries) <= after {
			return fmt.Sprintf("%d messages (%v)", len(entries), err)
		}
		m := entries[after]
		if _, err := strconv.Atoi(m.OTP); m.To != mobile || len(m.OTP) != 6 || err != nil {
			return "the new SMS is not a 6-digit OTP to the person's mobile"
		}
		otp = m.OTP
		return ""
	})
	return otp
}
