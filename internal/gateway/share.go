package gateway

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
)

// Scan and share (abdm-protocol.md §3.4): at a hospital's registration
// desk the person scans the HIP's QR code in their PHR app, and the
// consent manager sends the HIP their ABHA profile (patients/profile/share)
// so the desk registers them without typing. The person waits for the
// HIP's acknowledgement, which carries their token number in the queue.
// A v3 HIP also gets a link token for the person, to link the care context
// this visit will make.

// LinkShare is the kind of a link transaction that is a profile share.
const LinkShare = "share"

// ShareResult is what the person sees once the HIP has acknowledged.
type ShareResult struct {
	Status      string `json:"status"` // SUCCESS or FAILURE
	HealthID    string `json:"healthId"`
	TokenNumber string `json:"tokenNumber,omitempty"`
	Expiry      string `json:"expiry,omitempty"`
}

// ShareProfile sends the person's profile to the HIP, with the counter
// code from the HIP's QR (hipCode, may be empty), and waits for its
// acknowledgement.
func (s *Service) ShareProfile(ctx context.Context, patient, userToken, hipID, hipCode string) (*ShareResult, error) {
	if len(hipCode) > 50 {
		return nil, invalidMsg("the HIP's code is at most 50 characters")
	}
	svc, b, err := s.hipFor(ctx, hipID)
	if err != nil {
		return nil, err
	}
	prof, err := s.users.Profile(ctx, userToken)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var payload map[string]any
	if b.Version == V3 {
		linkToken, err := s.keys.SignJWT(jwt.MapClaims{"iss": s.cfg.Issuer, "sub": patient, "typ": "LinkToken", "hip": svc.ID,
			"iat": now.Unix(), "exp": now.Add(linkTokenTTL).Unix(), "jti": uuid.NewString()})
		if err != nil {
			return nil, err
		}
		payload = map[string]any{"abhaAddress": patient, "abhaNumber": prof.ABHANumber, "name": prof.Name, "gender": prof.Gender,
			"yearOfBirth": prof.YearOfBirth, "dayOfBirth": prof.DayOfBirth, "monthOfBirth": prof.MonthOfBirth,
			"address": prof.Address, "district": prof.District, "state": prof.State, "pincode": prof.PinCode, "phoneNumber": prof.Mobile,
			"intent": map[string]any{"context": hipCode, "linkToken": linkToken}, "metaData": map[string]any{"hipId": svc.ID, "context": hipCode}}
	} else {
		ids := []map[string]string{}
		if prof.Mobile != "" {
			ids = append(ids, map[string]string{"type": "MOBILE", "value": prof.Mobile})
		}
		payload = map[string]any{"intent": map[string]string{"type": "PROFILE_SHARE"}, "profile": map[string]any{"hipCode": hipCode,
			"patient": map[string]any{"healthId": patient, "healthIdNumber": prof.ABHANumber, "name": prof.Name, "gender": prof.Gender,
				"yearOfBirth": prof.YearOfBirth, "dayOfBirth": prof.DayOfBirth, "monthOfBirth": prof.MonthOfBirth, "identifiers": ids,
				"address": map[string]string{"line": prof.Address, "district": prof.District, "state": prof.State, "pincode": prof.PinCode}}}}
	}
	t := &LinkTxn{Kind: LinkShare, Patient: patient, HIPID: svc.ID, TransactionID: uuid.NewString()}
	got, err := s.send(ctx, t, b, "patients/profile/share", payload)
	if err != nil {
		return nil, err
	}
	s.auditLink(ctx, patient, "profile.share", svc.ID, got.Status)
	if got.Status != LinkDone {
		return nil, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1015", "the hospital could not take your profile; ask at the desk")
	}
	var res ShareResult
	if err := json.Unmarshal(got.Result, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// onShare takes patients/profile/on-share. v0.5 acknowledges
// {status, healthId, tokenNumber}; v3 {abhaAddress, status,
// profile:{context, tokenNumber, expiry}}.
func (s *Service) onShare(ctx context.Context, m *message) (Effects, error) {
	t, pending, err := s.linkCallback(ctx, m, LinkShare)
	if err != nil || !pending {
		return Effects{}, err
	}
	var body struct {
		Acknowledgement *struct {
			Status      string `json:"status"`
			HealthID    string `json:"healthId"`
			ABHAAddress string `json:"abhaAddress"`
			TokenNumber string `json:"tokenNumber"`
			Profile     *struct {
				TokenNumber string `json:"tokenNumber"`
				Expiry      string `json:"expiry"`
			} `json:"profile"`
		} `json:"acknowledgement"`
		Error *hipError `json:"error"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return Effects{}, invalidMsg("the body is not an on-share message")
	}
	now := s.now()
	a := body.Acknowledgement
	if body.Error != nil || a == nil || !strings.EqualFold(a.Status, "SUCCESS") {
		return failed(t, now), nil
	}
	res := ShareResult{Status: "SUCCESS", HealthID: t.Patient, TokenNumber: a.TokenNumber}
	if a.Profile != nil {
		res.TokenNumber, res.Expiry = a.Profile.TokenNumber, a.Profile.Expiry
	}
	if len(res.TokenNumber) > 20 || len(res.Expiry) > 64 {
		return Effects{}, invalidMsg("acknowledgement.tokenNumber is at most 20 characters")
	}
	b, err := json.Marshal(res)
	if err != nil {
		return Effects{}, err
	}
	return Effects{LinkResults: []LinkResult{{RequestID: t.RequestID, Status: LinkDone, Result: b, At: now}}}, nil
}
