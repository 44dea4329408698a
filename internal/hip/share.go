package hip

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
)

// Scan and share (abdm-protocol.md §3.4): at the registration desk a
// person scans the facility's QR code in their PHR app, and the consent
// manager sends the HIP their ABHA profile (patients/profile/share). The
// HIP registers them — or finds them, by ABHA number or address — without
// anyone typing, and answers with their token number in the day's queue
// (patients/profile/on-share). The desk sees them among the facility's
// patients, registered from the profile.

// ShareRequest is the body of patients/profile/share (v0.5).
type ShareRequest struct {
	Intent struct {
		Type string `json:"type"`
	} `json:"intent"`
	Profile struct {
		HIPCode string `json:"hipCode"`
		Patient struct {
			HealthID       string       `json:"healthId"`
			HealthIDNumber string       `json:"healthIdNumber"`
			Name           string       `json:"name"`
			Gender         string       `json:"gender"`
			YearOfBirth    int          `json:"yearOfBirth"`
			MonthOfBirth   int          `json:"monthOfBirth"`
			DayOfBirth     int          `json:"dayOfBirth"`
			Identifiers    []Identifier `json:"identifiers"`
		} `json:"patient"`
	} `json:"profile"`
}

// ParseShare reads and checks a patients/profile/share body.
func ParseShare(body []byte) (*ShareRequest, error) {
	var r ShareRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a profile share")
	}
	p := &r.Profile.Patient
	p.HealthID = strings.ToLower(strings.TrimSpace(p.HealthID))
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	switch {
	case p.HealthID == "" || len(p.HealthID) > 100:
		return nil, arogya.Errorf(arogya.EINVALID, "profile.patient.healthId is required")
	case p.Name == "" || utf8.RuneCountInString(p.Name) > 200:
		return nil, arogya.Errorf(arogya.EINVALID, "profile.patient.name is required")
	case len(p.Gender) > 1 || len(r.Profile.HIPCode) > 50 || len(p.Identifiers) > 20:
		return nil, arogya.Errorf(arogya.EINVALID, "profile.patient.gender, hipCode or identifiers are malformed")
	case p.YearOfBirth != 0 && (p.YearOfBirth < 1880 || p.YearOfBirth > 2200):
		return nil, arogya.Errorf(arogya.EINVALID, "profile.patient.yearOfBirth is not a year")
	}
	for _, id := range p.Identifiers {
		if len(id.Value) > 100 || len(id.Type) > 32 {
			return nil, arogya.Errorf(arogya.EINVALID, "an identifier is too long")
		}
	}
	return &r, nil
}

// indiaTime is the zone of a desk's day.
var indiaTime = time.FixedZone("IST", 5*3600+1800)

// profileShare registers or finds the person and answers on-share with
// their token.
func (b *Bridge) profileShare(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	reply := func(payload map[string]any) *Effects {
		return &Effects{Jobs: []*Job{b.message(facilityID, "patients/profile/on-share", requestID, payload)}}
	}
	r, err := ParseShare(body)
	if err != nil {
		return reply(map[string]any{"error": abdmError(codeNoPatient, arogya.ErrorMessage(err))}), nil
	}
	sp := r.Profile.Patient
	number, address, err := personIDs(sp.HealthIDNumber, sp.HealthID)
	if err != nil {
		return reply(map[string]any{"error": abdmError(codeNoPatient, arogya.ErrorMessage(err))}), nil
	}
	found, err := b.svc.store.HIPPatientsByIdentifier(ctx, facilityID, number, address, "", 2)
	if err != nil {
		return nil, err
	}
	now := b.svc.now()
	var p *Patient
	switch len(found) {
	case 0:
		gender := strings.ToUpper(sp.Gender)
		if gender != "M" && gender != "F" && gender != "O" {
			gender = "U"
		}
		p = &Patient{FacilityID: facilityID, Ref: newPatientRef(), Name: sp.Name, Gender: gender, YearOfBirth: sp.YearOfBirth,
			ABHANumber: number, ABHAAddress: address, CreatedAt: now, UpdatedAt: now}
		if sp.YearOfBirth > 0 && sp.MonthOfBirth >= 1 && sp.MonthOfBirth <= 12 && sp.DayOfBirth >= 1 && sp.DayOfBirth <= 31 {
			p.BirthDate = time.Date(sp.YearOfBirth, time.Month(sp.MonthOfBirth), sp.DayOfBirth, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		}
		for _, id := range sp.Identifiers {
			if strings.EqualFold(id.Type, "MOBILE") {
				if m := lastDigits(id.Value, 10); len(m) == 10 {
					p.Mobile = m
				}
			}
		}
		if err := b.svc.store.PutHIPPatient(ctx, p); err != nil {
			return nil, err
		}
	case 1:
		p = found[0]
		if (p.ABHAAddress == "" && address != "") || (p.ABHANumber == "" && number != "") {
			p.ABHAAddress, p.ABHANumber, p.UpdatedAt = cmp.Or(p.ABHAAddress, address), cmp.Or(p.ABHANumber, number), now
			if err := b.svc.store.PutHIPPatient(ctx, p); err != nil {
				return nil, err
			}
		}
	default:
		return reply(map[string]any{"error": abdmError(codeMultiplePatients, "more than one patient of this facility has that ABHA")}), nil
	}
	day := now.In(indiaTime)
	token, err := b.svc.store.NextHIPToken(ctx, facilityID, day.Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	b.svc.auditEvent(ctx, "hip.profile.share", facilityID, "ok", "token "+strconv.Itoa(token))
	return reply(map[string]any{"acknowledgement": map[string]any{
		"status": "SUCCESS", "healthId": address, "tokenNumber": strconv.Itoa(token)}}), nil
}
