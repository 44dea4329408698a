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
	"github.com/arogya-health/arogya/internal/protocol"
)

// Scan and share (abdm-protocol.md §3.4): at the registration desk a
// person scans the facility's QR code in their PHR app, and the consent
// manager sends the HIP their ABHA profile (patients/profile/share). The
// HIP registers them — or finds them, by ABHA number or address — without
// anyone typing, and answers with their token number in the day's queue
// (patients/profile/on-share). The desk sees them among the facility's
// patients, registered from the profile.

// ShareRequest is the body of patients/profile/share in v0.5; ParseShare
// reads the v3 body into it too (V3 set).
type ShareRequest struct {
	// V3 tells a v3 share, which is answered in v3's shape; LinkToken is
	// its intent.linkToken, a link token for the person, if it came.
	V3        bool   `json:"-"`
	LinkToken string `json:"-"`

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

// shareV3 is the v3 body of patients/profile/share (its §3.8 form, as
// HIE_CM_Profile_Share.yml has it): the profile at the top level, the
// counter's code in intent.context and metaData.context.
type shareV3 struct {
	ABHAAddress  string          `json:"abhaAddress"`
	ABHANumber   json.RawMessage `json:"abhaNumber"`
	Name         string          `json:"name"`
	Gender       string          `json:"gender"`
	YearOfBirth  json.Number     `json:"yearOfBirth"`
	MonthOfBirth json.Number     `json:"monthOfBirth"`
	DayOfBirth   json.Number     `json:"dayOfBirth"`
	PhoneNumber  string          `json:"phoneNumber"`
	Intent       struct {
		Context   string `json:"context"`
		LinkToken string `json:"linkToken"`
	} `json:"intent"`
	MetaData struct {
		Context string `json:"context"`
	} `json:"metaData"`
}

// number reads a JSON number field sent as a number or a string; 0 if it
// is neither.
func number(n json.Number) int {
	v, err := strconv.Atoi(strings.Trim(string(n), `"`))
	if err != nil {
		return 0
	}
	return v
}

// ParseShare reads and checks a patients/profile/share body, v0.5's
// ({intent, profile:{hipCode, patient}}) or v3's (the profile at the top).
func ParseShare(body []byte) (*ShareRequest, error) {
	var r ShareRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a profile share")
	}
	if r.Profile.Patient.HealthID == "" && r.Profile.Patient.Name == "" {
		var v shareV3
		if err := json.Unmarshal(body, &v); err == nil && v.ABHAAddress != "" {
			r.V3, r.LinkToken = true, v.Intent.LinkToken
			r.Profile.HIPCode = cmp.Or(v.Intent.Context, v.MetaData.Context)
			p := &r.Profile.Patient
			p.HealthID, p.HealthIDNumber, p.Name, p.Gender = v.ABHAAddress, strings.Trim(string(v.ABHANumber), `"`), v.Name, v.Gender
			p.YearOfBirth, p.MonthOfBirth, p.DayOfBirth = number(v.YearOfBirth), number(v.MonthOfBirth), number(v.DayOfBirth)
			if v.PhoneNumber != "" {
				p.Identifiers = []Identifier{{Type: "MOBILE", Value: v.PhoneNumber}}
			}
			if len(r.LinkToken) > maxLinkToken {
				return nil, arogya.Errorf(arogya.EINVALID, "intent.linkToken is too long")
			}
		}
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
	if !r.V3 {
		return reply(map[string]any{"acknowledgement": map[string]any{
			"status": "SUCCESS", "healthId": address, "tokenNumber": strconv.Itoa(token)}}), nil
	}
	// v3 answers {abhaAddress, status, profile:{context, tokenNumber,
	// expiry}}; a link token that came with the share is kept for the
	// person's visits, as generate-token's would be.
	fx := reply(map[string]any{"acknowledgement": map[string]any{"status": "SUCCESS", "abhaAddress": address,
		"profile": map[string]any{"context": r.Profile.HIPCode, "tokenNumber": strconv.Itoa(token),
			"expiry": now.Add(30 * time.Minute).Format(protocol.TimestampLayout)}}})
	if r.LinkToken != "" && address != "" {
		if fx.LinkToken, err = b.sealLinkToken(facilityID, address, r.LinkToken); err != nil {
			return nil, err
		}
	}
	return fx, nil
}
