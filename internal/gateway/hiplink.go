package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/protocol"
)

// HIP-initiated linking (abdm-protocol.md §3.3). A HIP (or HIU) that has
// the person at its desk verifies them through the consent manager:
//
//   - v0.5: users/auth/fetch-modes → init → confirm. The consent manager
//     verifies the person through ABHA's system authentication (an OTP to
//     the ABHA's mobile, or demographics), and answers on-confirm with an
//     access token for linking (purposes LINK, KYC_AND_LINK) and the
//     person's demographics (KYC, KYC_AND_LINK). links/link/add-contexts
//     then links care contexts with that token.
//   - v3: generate-token matches the person's demographics the same way
//     and answers a link token, which /hip/v3/link/carecontext carries in
//     X-LINK-TOKEN.
//
// Both tokens are JWTs signed with the gateway's key, checked on use: what
// they allow (which person, which HIP, until when) is in them, so no state
// outlives the authentication itself.

// Authentication modes the consent manager offers. AADHAAR_OTP and DIRECT
// (the person approves in their PHR app) are not offered yet.
var authModes = []string{"MOBILE_OTP", "DEMOGRAPHICS"}

// Purposes of users/auth.
var authPurposes = []string{"LINK", "KYC", "KYC_AND_LINK"}

const (
	// LinkAuth is the kind of a link transaction that is a users/auth
	// authentication; its RequestID is the transactionId the HIP is given
	// and LinkRef is ABHA's txnId.
	LinkAuth = "auth"
	// authTTL is how long an authentication may take (ABHA's OTPs live 10
	// minutes).
	authTTL = 10 * time.Minute
	// accessTTL is how long a users/auth access token links.
	accessTTL = 30 * time.Minute
	// linkTokenTTL is how long a v3 link token links: six months, as the
	// NHA wrapper keeps it.
	linkTokenTTL = 180 * 24 * time.Hour
)

// requester is users/auth's query.requester.
type requester struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// authQuery is users/auth's query.
type authQuery struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	AuthMode  string    `json:"authMode"`
	Requester requester `json:"requester"`
}

// healthIDPattern is an ABHA address (handle@cm) or a 14-digit ABHA
// number, hyphenated or not.
var healthIDPattern = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._]{2,30}@[A-Za-z0-9.]{2,20}|\d{2}-?\d{4}-?\d{4}-?\d{4})$`)

func invalidMsg(msg string) error { return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", msg) }

// readQuery parses and checks a users/auth query; needMode asks for
// authMode too (init).
func (s *Service) readQuery(ctx context.Context, m *message, needMode bool) (authQuery, error) {
	var body struct {
		Query *authQuery `json:"query"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Query == nil {
		return authQuery{}, invalidMsg("query is required")
	}
	q := *body.Query
	q.ID = strings.ToLower(strings.TrimSpace(q.ID))
	switch {
	case !healthIDPattern.MatchString(q.ID):
		return q, invalidMsg("query.id must be an ABHA address or ABHA number")
	case !slices.Contains(authPurposes, q.Purpose):
		return q, invalidMsg("query.purpose must be LINK, KYC or KYC_AND_LINK")
	case q.Requester.Type != TypeHIP && q.Requester.Type != TypeHIU:
		return q, invalidMsg("query.requester.type must be HIP or HIU")
	case needMode && !slices.Contains(authModes, q.AuthMode):
		return q, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1015", "query.authMode must be one of the modes offered: MOBILE_OTP, DEMOGRAPHICS")
	}
	q.Requester.ID = strings.ToUpper(strings.TrimSpace(q.Requester.ID))
	if err := s.servesAs(ctx, m.Bridge, q.Requester.ID, q.Requester.Type); err != nil {
		return q, err
	}
	return q, nil
}

// answerRequester builds the callback for a message whose requester is a
// HIP or an HIU: the spec addresses it by X-HIP-ID or X-HIU-ID after it.
func (s *Service) answerRequester(m *message, kind string, r requester, payload map[string]any) (Effects, error) {
	out, err := s.callback(m.Bridge, kind, r.ID, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	out.Headers["X-"+r.Type+"-ID"] = r.ID
	return Effects{Outbound: []*Outbound{out}}, nil
}

// errDemographicLimit refuses a HIP that has failed too many DEMOGRAPHICS
// checks for one person lately (demographicFailures).
var errDemographicLimit = arogya.Errorf(arogya.ETOOMANYREQUESTS, "too many failed checks of this person's details from this HIP; try later")

// errorPayload is a callback's error object. Codes are ABDM's for each
// refusal; messages never hold personal data.
func errorPayload(err error) map[string]any {
	code, msg := 1000, "the person could not be verified"
	switch arogya.ErrorCode(err) {
	case arogya.ENOTFOUND:
		code, msg = 1009, "no active ABHA with that id"
	case arogya.EGONE:
		code, msg = 1011, "the authentication has expired or used up its tries; start again"
	case arogya.ETOOMANYREQUESTS:
		code, msg = 1013, "too many attempts for this person; try later"
	case arogya.EUNPROCESSABLE:
		code, msg = 1015, "that authentication mode is not offered"
	case arogya.EUNAVAILABLE:
		code, msg = 1098, "the ABHA service is unavailable; try again"
	}
	return map[string]any{"code": code, "message": msg}
}

// authFetchModes takes users/auth/fetch-modes. The modes do not depend on
// the person, so whether an ABHA exists is not told here.
func (s *Service) authFetchModes(ctx context.Context, m *message) (Effects, error) {
	q, err := s.readQuery(ctx, m, false)
	if err != nil {
		return Effects{}, err
	}
	return s.answerRequester(m, "users/auth/on-fetch-modes", q.Requester, map[string]any{
		"auth": map[string]any{"purpose": q.Purpose, "modes": authModes}})
}

// authInit takes users/auth/init: ABHA starts the authentication (sending
// the OTP for MOBILE_OTP) and the HIP gets a transactionId to confirm.
func (s *Service) authInit(ctx context.Context, m *message) (Effects, error) {
	q, err := s.readQuery(ctx, m, true)
	if err != nil {
		return Effects{}, err
	}
	bearer, err := s.systemToken()
	if err != nil {
		return Effects{}, err
	}
	abhaTxn, err := s.users.AuthInit(ctx, bearer, q.AuthMode, q.ID)
	if err != nil {
		if arogya.ErrorCode(err) == arogya.EINTERNAL {
			return Effects{}, err
		}
		return s.answerRequester(m, "users/auth/on-init", q.Requester, map[string]any{"error": errorPayload(err)})
	}
	now := s.now()
	asked, err := json.Marshal(q)
	if err != nil {
		return Effects{}, err
	}
	id := uuid.NewString()
	eff, err := s.answerRequester(m, "users/auth/on-init", q.Requester, map[string]any{"auth": map[string]any{
		"transactionId": id, "mode": q.AuthMode,
		"meta": map[string]any{"hint": nil, "expiry": now.Add(authTTL).Format("2006-01-02T15:04:05.000Z")}}})
	if err != nil {
		return Effects{}, err
	}
	eff.NewLinkTxns = []*LinkTxn{{RequestID: id, Kind: LinkAuth, Patient: q.ID, HIPID: q.Requester.ID, BridgeID: m.Bridge.ID,
		TransactionID: id, LinkRef: abhaTxn, Status: LinkPending, Asked: asked, CreatedAt: now, UpdatedAt: now}}
	return eff, nil
}

// credential is users/auth/confirm's credential.
type credential struct {
	AuthCode    string `json:"authCode"`
	Demographic *struct {
		Name        string `json:"name"`
		Gender      string `json:"gender"`
		DateOfBirth string `json:"dateOfBirth"` // YYYY, YYYY-MM or YYYY-MM-DD
	} `json:"demographic"`
}

// authConfirm takes users/auth/confirm: ABHA checks the OTP or the
// demographics; the HIP gets an access token to link with and, for KYC,
// the person's details.
func (s *Service) authConfirm(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		TransactionID string      `json:"transactionId"`
		Credential    *credential `json:"credential"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Credential == nil {
		return Effects{}, invalidMsg("transactionId and credential are required")
	}
	t, err := s.links.LinkTxn(ctx, body.TransactionID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (t.Kind != LinkAuth || t.BridgeID != m.Bridge.ID)) {
		return Effects{}, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "transactionId is not an authentication this bridge started")
	} else if err != nil {
		return Effects{}, err
	}
	var q authQuery
	if err := json.Unmarshal(t.Asked, &q); err != nil {
		return Effects{}, err
	}
	now := s.now()
	if t.Status != LinkPending || now.Sub(t.CreatedAt) > authTTL {
		return s.answerRequester(m, "users/auth/on-confirm", q.Requester, map[string]any{"error": errorPayload(arogya.Errorf(arogya.EGONE, ""))})
	}
	proof := map[string]string{}
	c := body.Credential
	switch q.AuthMode {
	case "MOBILE_OTP":
		if c.AuthCode == "" || len(c.AuthCode) > 1024 {
			return Effects{}, invalidMsg("credential.authCode is required for MOBILE_OTP")
		}
		proof["otp"] = c.AuthCode
	case "DEMOGRAPHICS":
		d := c.Demographic
		if d == nil || d.Name == "" || len(d.Name) > 200 || len(d.DateOfBirth) < 4 {
			return Effects{}, invalidMsg("credential.demographic needs name, gender and dateOfBirth for DEMOGRAPHICS")
		}
		proof["name"], proof["gender"], proof["yearOfBirth"] = d.Name, d.Gender, d.DateOfBirth[:4]
	}
	demoKey := q.Requester.ID + "\x00" + strings.ToLower(q.ID)
	if q.AuthMode == "DEMOGRAPHICS" && s.demoFails.Full(demoKey, now) {
		s.auditAuth(ctx, q, "limited")
		return s.answerRequester(m, "users/auth/on-confirm", q.Requester, map[string]any{"error": errorPayload(errDemographicLimit)})
	}
	bearer, err := s.systemToken()
	if err != nil {
		return Effects{}, err
	}
	prof, patient, err := s.verifyPerson(ctx, bearer, q.AuthMode, t.LinkRef, q.ID, proof)
	if err != nil {
		if arogya.ErrorCode(err) == arogya.EINTERNAL {
			return Effects{}, err
		}
		if q.AuthMode == "DEMOGRAPHICS" {
			s.demoFails.Add(demoKey, now)
		}
		// A wrong OTP leaves the authentication open for another try (ABHA
		// counts them); anything else ends it.
		eff, aerr := s.answerRequester(m, "users/auth/on-confirm", q.Requester, map[string]any{"error": errorPayload(err)})
		if aerr == nil && arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
			eff.LinkResults = []LinkResult{{RequestID: t.RequestID, Status: LinkFailed, At: now}}
		}
		s.auditAuth(ctx, q, "refused")
		return eff, aerr
	}
	auth := map[string]any{}
	if q.Purpose != "KYC" {
		// The token names its authentication, which add-contexts uses up:
		// validity.limit is 1.
		tok, err := s.keys.SignJWT(jwt.MapClaims{"iss": s.cfg.Issuer, "sub": patient, "typ": "LinkAccess", "purpose": q.Purpose,
			"requesterType": q.Requester.Type, "requesterId": q.Requester.ID, "txn": t.RequestID,
			"iat": now.Unix(), "exp": now.Add(accessTTL).Unix(), "jti": uuid.NewString()})
		if err != nil {
			return Effects{}, err
		}
		auth["accessToken"] = tok
		auth["validity"] = map[string]any{"purpose": q.Purpose, "requester": q.Requester,
			"expiry": now.Add(accessTTL).Format("2006-01-02T15:04:05.000Z"), "limit": 1}
	}
	// ndhm-gateway.yml puts the patient (KYC) inside auth.
	payload := map[string]any{"auth": auth}
	if q.Purpose != "LINK" {
		ids := []map[string]string{}
		if prof.Mobile != "" {
			ids = append(ids, map[string]string{"type": "MOBILE", "value": prof.Mobile})
		}
		if prof.ABHANumber != "" {
			ids = append(ids, map[string]string{"type": "NDHM_HEALTH_NUMBER", "value": prof.ABHANumber})
		}
		auth["patient"] = map[string]any{"id": patient, "name": prof.Name, "gender": prof.Gender,
			"yearOfBirth": prof.YearOfBirth, "identifiers": ids}
	}
	eff, err := s.answerRequester(m, "users/auth/on-confirm", q.Requester, payload)
	if err != nil {
		return Effects{}, err
	}
	eff.LinkResults = []LinkResult{{RequestID: t.RequestID, Status: LinkDone, At: now}}
	s.auditAuth(ctx, q, "ok")
	return eff, nil
}

// verifyPerson completes ABHA's authentication and reads the person's
// profile with the token it gives; patient is the ABHA address the person
// is linked under: the one asked for, or their preferred one when they
// were named by ABHA number.
func (s *Service) verifyPerson(ctx context.Context, bearer, mode, abhaTxn, id string, proof map[string]string) (*Profile, string, error) {
	tok, err := s.users.AuthConfirm(ctx, bearer, mode, abhaTxn, proof)
	if err != nil {
		return nil, "", err
	}
	prof, err := s.users.Profile(ctx, tok)
	if err != nil {
		return nil, "", err
	}
	patient := prof.Preferred
	if strings.Contains(id, "@") {
		if !slices.Contains(prof.Addresses, id) && prof.Preferred != id {
			return nil, "", arogya.Errorf(arogya.EUNAUTHORIZED, "the person could not be verified")
		}
		patient = id
	}
	if patient == "" {
		return nil, "", arogya.Errorf(arogya.EUNPROCESSABLE, "the person has no ABHA address to link under")
	}
	return prof, patient, nil
}

func (s *Service) auditAuth(ctx context.Context, q authQuery, outcome string) {
	_ = s.audit.Record(ctx, audit.Event{Actor: strings.ToLower(q.Requester.Type) + ":" + q.Requester.ID, Action: "link.auth",
		Subject: "citizen:" + s.personAuditID(q.ID), Outcome: outcome, Detail: q.Purpose + " " + q.AuthMode})
}

// linkClaims checks a token the gateway issued for linking: its type, and
// that it is not expired.
func (s *Service) linkClaims(token, typ string) (jwt.MapClaims, error) {
	claims, err := s.keys.ParseJWT(token, jwt.WithIssuer(s.cfg.Issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.cfg.Now))
	if err != nil {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "the link token is invalid or expired")
	}
	if t, _ := claims["typ"].(string); t != typ {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "the link token is invalid or expired")
	}
	return claims, nil
}

// addContexts takes links/link/add-contexts (v0.5, with the users/auth
// access token in the body) and /hip/v3/link/carecontext (v3, with the
// link token in X-LINK-TOKEN): the HIP links care contexts to the person.
func (s *Service) addContexts(ctx context.Context, m *message) (Effects, error) {
	var (
		hipID, patient string
		patients       []HIPPatient
		used           *LinkResult // the v0.5 access token's authentication, used up
	)
	if m.Version == V3 {
		claims, err := s.linkClaims(m.header("X-LINK-TOKEN"), "LinkToken")
		if err != nil {
			return Effects{}, err
		}
		patient, _ = claims["sub"].(string)
		hipID, _ = claims["hip"].(string)
		if h := strings.ToUpper(m.header("X-HIP-ID")); h != hipID {
			return Effects{}, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1020", "the link token was issued to another HIP")
		}
		var body struct {
			ABHAAddress string       `json:"abhaAddress"`
			Patient     []HIPPatient `json:"patient"`
		}
		if err := json.Unmarshal(m.Body, &body); err != nil || len(body.Patient) == 0 {
			return Effects{}, invalidMsg("patient must list the care contexts to link")
		}
		if body.ABHAAddress != "" && strings.ToLower(body.ABHAAddress) != patient {
			return Effects{}, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1020", "the link token was issued for another person")
		}
		patients = body.Patient
	} else {
		var body struct {
			Link *struct {
				AccessToken string      `json:"accessToken"`
				Patient     *HIPPatient `json:"patient"`
			} `json:"link"`
		}
		if err := json.Unmarshal(m.Body, &body); err != nil || body.Link == nil || body.Link.Patient == nil {
			return Effects{}, invalidMsg("link.accessToken and link.patient are required")
		}
		claims, err := s.linkClaims(body.Link.AccessToken, "LinkAccess")
		if err != nil {
			return Effects{}, err
		}
		if p, _ := claims["purpose"].(string); p == "KYC" {
			return Effects{}, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1020", "the access token was issued for KYC, not for linking")
		}
		if t, _ := claims["requesterType"].(string); t != TypeHIP {
			return Effects{}, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1020", "only a HIP links care contexts")
		}
		patient, _ = claims["sub"].(string)
		hipID, _ = claims["requesterId"].(string)
		patients = []HIPPatient{*body.Link.Patient}
		txn, _ := claims["txn"].(string)
		t, err := s.links.LinkTxn(ctx, txn)
		if err != nil || t.Kind != LinkAuth || t.Status != LinkDone {
			if err != nil && arogya.ErrorCode(err) != arogya.ENOTFOUND {
				return Effects{}, err
			}
			return Effects{}, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "the access token has been used (its limit is 1); authenticate again")
		}
		used = &LinkResult{RequestID: t.RequestID, From: LinkDone, Status: LinkUsed, At: s.now()}
	}
	if err := s.servesAs(ctx, m.Bridge, hipID, TypeHIP); err != nil {
		return Effects{}, err
	}
	now := s.now()
	var links []*Link
	for i := range patients {
		p := &patients[i]
		if err := checkHIPPatient(p, true); err != nil {
			return Effects{}, err
		}
		for _, c := range p.CareContexts {
			links = append(links, &Link{Patient: patient, HIPID: hipID, PatientRef: p.ReferenceNumber, PatientDisplay: p.Display,
				CareContextRef: c.ReferenceNumber, CareContextDisplay: c.Display, LinkedAt: now})
		}
	}
	if len(links) > maxCareContexts {
		return Effects{}, invalidMsg("link at most 500 care contexts at once")
	}
	payload := map[string]any{"acknowledgement": map[string]string{"status": "SUCCESS"}}
	if m.Version == V3 {
		payload = map[string]any{"abhaAddress": patient, "status": "Successfully Linked care context"}
	}
	out, err := s.callback(m.Bridge, "links/link/on-add-contexts", hipID, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: "hip:" + hipID, Action: "link.add-contexts", Subject: "citizen:" + s.personAuditID(patient),
		Outcome: "ok", Detail: strconv.Itoa(len(links)) + " care contexts"})
	eff := Effects{Outbound: []*Outbound{out}, Links: links}
	if used != nil {
		eff.LinkResults = []LinkResult{*used}
	}
	return s.withLinkEvents(ctx, eff, patient, hipID)
}

// generateToken takes v3 generate-token: the HIP names the person (ABHA
// address or number) with their demographics; if ABHA agrees, the HIP gets
// a link token for that person.
func (s *Service) generateToken(ctx context.Context, m *message) (Effects, error) {
	hipID := strings.ToUpper(m.header("X-HIP-ID"))
	if err := s.servesAs(ctx, m.Bridge, hipID, TypeHIP); err != nil {
		return Effects{}, err
	}
	var body struct {
		ABHANumber  json.RawMessage `json:"abhaNumber"` // a number in HIECM-LinkTokenService.yml, a string in practice
		ABHAAddress string          `json:"abhaAddress"`
		Name        string          `json:"name"`
		Gender      string          `json:"gender"`
		YearOfBirth json.RawMessage `json:"yearOfBirth"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return Effects{}, invalidMsg("the body is not a generate-token request")
	}
	id := strings.ToLower(cmp.Or(strings.TrimSpace(body.ABHAAddress), strings.TrimSpace(strings.Trim(string(body.ABHANumber), `"`))))
	yob := strings.Trim(string(body.YearOfBirth), `"`)
	switch {
	case !healthIDPattern.MatchString(id):
		return Effects{}, invalidMsg("abhaAddress or abhaNumber is required")
	case body.Name == "" || len(body.Name) > 200:
		return Effects{}, invalidMsg("name is required")
	case !slices.Contains([]string{"M", "F", "O", "U"}, body.Gender):
		return Effects{}, invalidMsg("gender must be M, F, O or U")
	case len(yob) != 4:
		return Effects{}, invalidMsg("yearOfBirth must be a year")
	}
	answer := func(payload map[string]any) (Effects, error) {
		out, err := s.callback(m.Bridge, "v3/hip/token/on-generate-token", hipID, m.Env.RequestID, payload)
		if err != nil {
			return Effects{}, err
		}
		return Effects{Outbound: []*Outbound{out}}, nil
	}
	bearer, err := s.systemToken()
	if err != nil {
		return Effects{}, err
	}
	q := authQuery{ID: id, Purpose: "LINK", AuthMode: "DEMOGRAPHICS", Requester: requester{Type: TypeHIP, ID: hipID}}
	demoKey, at := hipID+"\x00"+strings.ToLower(id), s.now()
	var patient string
	if s.demoFails.Full(demoKey, at) {
		err = errDemographicLimit
	} else {
		var abhaTxn string
		abhaTxn, err = s.users.AuthInit(ctx, bearer, "DEMOGRAPHICS", id)
		if err == nil {
			_, patient, err = s.verifyPerson(ctx, bearer, "DEMOGRAPHICS", abhaTxn, id,
				map[string]string{"name": body.Name, "gender": body.Gender, "yearOfBirth": yob})
		}
		if err != nil && arogya.ErrorCode(err) != arogya.EINTERNAL {
			s.demoFails.Add(demoKey, at)
		}
	}
	if err != nil {
		if arogya.ErrorCode(err) == arogya.EINTERNAL {
			return Effects{}, err
		}
		s.auditAuth(ctx, q, "refused")
		e := errorPayload(err)
		e["code"] = fmt.Sprintf("ABDM-%d", e["code"]) // HIECM-LinkTokenService.yml's codes are strings
		return answer(map[string]any{"abhaAddress": body.ABHAAddress, "error": e})
	}
	now := s.now()
	tok, err := s.keys.SignJWT(jwt.MapClaims{"iss": s.cfg.Issuer, "sub": patient, "typ": "LinkToken", "hip": hipID,
		"iat": now.Unix(), "exp": now.Add(linkTokenTTL).Unix(), "jti": uuid.NewString()})
	if err != nil {
		return Effects{}, err
	}
	s.auditAuth(ctx, q, "ok")
	return answer(map[string]any{"abhaAddress": patient, "linkToken": tok})
}

// contextNotify takes links/context/notify: a HIP tells the person's PHR
// that a linked care context has new data. The care context must be linked
// to the person at that HIP.
func (s *Service) contextNotify(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		Notification *struct {
			Patient     struct{ ID string } `json:"patient"`
			CareContext struct {
				PatientReference     string `json:"patientReference"`
				CareContextReference string `json:"careContextReference"`
			} `json:"careContext"`
			HITypes []string            `json:"hiTypes"`
			Date    string              `json:"date"`
			HIP     struct{ ID string } `json:"hip"`
		} `json:"notification"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Notification == nil {
		return Effects{}, invalidMsg("notification is required")
	}
	n := body.Notification
	hipID := strings.ToUpper(strings.TrimSpace(n.HIP.ID))
	if err := s.servesAs(ctx, m.Bridge, hipID, TypeHIP); err != nil {
		return Effects{}, err
	}
	links, err := s.links.Links(ctx, strings.ToLower(strings.TrimSpace(n.Patient.ID)))
	if err != nil {
		return Effects{}, err
	}
	linked := slices.ContainsFunc(links, func(l *Link) bool {
		return l.HIPID == hipID && l.PatientRef == n.CareContext.PatientReference && l.CareContextRef == n.CareContext.CareContextReference
	})
	payload := map[string]any{"acknowledgement": map[string]string{"status": "SUCCESS"}}
	if !linked {
		payload = map[string]any{"error": map[string]any{"code": 1009, "message": "the care context is not linked to that person at this HIP"}}
	}
	out, err := s.callback(m.Bridge, "links/context/on-notify", hipID, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	eff := Effects{Outbound: []*Outbound{out}}
	if linked {
		// The PHR shows the visit with what it holds and when it was last
		// added to: HI types of the known kinds only, at most all of them.
		var types []string
		for _, t := range n.HITypes {
			if slices.Contains(consent.HITypes, t) && !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		dataAt, _ := protocol.ParseTimestamp(n.Date) // an unreadable date is left unknown
		eff.DataNotes = []DataNote{{Patient: strings.ToLower(strings.TrimSpace(n.Patient.ID)), HIPID: hipID,
			CareContextRef: n.CareContext.CareContextReference, HITypes: types, DataAt: dataAt, NotedAt: s.now()}}
	}
	return s.withDataEvent(ctx, eff, linked, strings.ToLower(strings.TrimSpace(n.Patient.ID)), hipID,
		n.CareContext.PatientReference, n.CareContext.CareContextReference, n.HITypes)
}

// systemToken returns the consent manager's own token: an RS256 JWT of the
// gateway's, as ABHA takes from systems.
func (s *Service) systemToken() (string, error) {
	return s.sysTok.get(s.cfg.Now(), func(now, exp time.Time) (string, error) {
		return s.keys.SignJWT(jwt.MapClaims{"iss": s.cfg.Issuer, "sub": "hiecm:" + s.cfg.CMID, "clientId": "hiecm:" + s.cfg.CMID,
			"typ": "Bearer", "iat": now.Unix(), "exp": exp.Unix(), "jti": uuid.NewString()})
	})
}

// phonePattern is an Indian mobile number as the spec writes it
// (+91-9999999999), or without the country code.
var phonePattern = regexp.MustCompile(`^(\+?91-?)?([6-9]\d{9})$`)

// smsNotify takes patients/sms/notify: a HIP asks the consent manager to
// text a patient a link to a new record. The text names the HIP and the
// visit, never a diagnosis the HIP might put in careContextInfo beyond 80
// characters.
func (s *Service) smsNotify(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		Notification *struct {
			PhoneNo         string `json:"phoneNo"`
			ReceiverName    string `json:"receiverName"`
			CareContextInfo string `json:"careContextInfo"`
			DeeplinkURL     string `json:"deeplinkUrl"`
			HIP             struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"hip"`
		} `json:"notification"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Notification == nil {
		return Effects{}, invalidMsg("notification is required")
	}
	n := body.Notification
	hipID := strings.ToUpper(strings.TrimSpace(n.HIP.ID))
	ph := phonePattern.FindStringSubmatch(strings.ReplaceAll(strings.TrimSpace(n.PhoneNo), " ", ""))
	switch {
	case ph == nil:
		return Effects{}, invalidMsg("notification.phoneNo must be an Indian mobile number, e.g. +91-9999999999")
	case strings.TrimSpace(n.CareContextInfo) == "":
		return Effects{}, invalidMsg("notification.careContextInfo is required")
	case n.DeeplinkURL != "" && !strings.HasPrefix(n.DeeplinkURL, "https://"):
		return Effects{}, invalidMsg("notification.deeplinkUrl must be an https URL")
	case len(n.DeeplinkURL) > 300:
		return Effects{}, invalidMsg("notification.deeplinkUrl is at most 300 characters")
	}
	if err := s.servesAs(ctx, m.Bridge, hipID, TypeHIP); err != nil {
		return Effects{}, err
	}
	if !s.smsSends.Allow(hipID+"\x00"+ph[2], s.now()) {
		return Effects{}, arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1013", "too many SMS notices from this HIP to that number; try later")
	}
	// The text goes out in the consent manager's name, so it names the
	// HIP as the registry knows it and links only to the PHR: a HIP's own
	// name or link could make it a phishing message.
	hipName := s.hipName(ctx, hipID)
	link := s.cfg.PHRURL
	text := clip(hipName, 60) + " has a new health record for you (" + clip(n.CareContextInfo, 80) + ")."
	if name := clip(strings.TrimSpace(n.ReceiverName), 40); name != "" {
		text = "Dear " + name + ", " + text
	}
	if link != "" {
		text += " Link it to your ABHA: " + link
	}
	status, payload := "ACKNOWLEDGED", map[string]any{}
	if s.cfg.SMS == nil {
		status = "ERRORED"
		payload["error"] = map[string]any{"code": 1098, "message": "the consent manager sends no SMS here"}
	} else if err := s.cfg.SMS.SendSMS(ctx, notify.Message{To: ph[2], Text: text}); err != nil {
		status = "ERRORED"
		payload["error"] = map[string]any{"code": 1098, "message": "the SMS could not be sent; try again later"}
	}
	payload["status"] = status
	out, err := s.callback(m.Bridge, "patients/sms/on-notify", hipID, m.Env.RequestID, payload)
	if err != nil {
		return Effects{}, err
	}
	_ = s.audit.Record(ctx, audit.Event{Actor: "hip:" + hipID, Action: "link.sms-notify", Subject: "hip:" + hipID, Outcome: strings.ToLower(status)})
	return Effects{Outbound: []*Outbound{out}}, nil
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// patientsFind takes patients/find: a HIP or HIU asks whether an ABHA
// address or number is a person's, and is told their name, as ABHA
// answers it to systems.
func (s *Service) patientsFind(ctx context.Context, m *message) (Effects, error) {
	var body struct {
		Query *struct {
			Patient   struct{ ID string } `json:"patient"`
			Requester requester           `json:"requester"`
		} `json:"query"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.Query == nil {
		return Effects{}, invalidMsg("query is required")
	}
	q := body.Query
	id := strings.ToLower(strings.TrimSpace(q.Patient.ID))
	if !healthIDPattern.MatchString(id) {
		return Effects{}, invalidMsg("query.patient.id must be an ABHA address or ABHA number")
	}
	if q.Requester.Type != TypeHIP && q.Requester.Type != TypeHIU {
		return Effects{}, invalidMsg("query.requester.type must be HIP or HIU")
	}
	q.Requester.ID = strings.ToUpper(strings.TrimSpace(q.Requester.ID))
	if err := s.servesAs(ctx, m.Bridge, q.Requester.ID, q.Requester.Type); err != nil {
		return Effects{}, err
	}
	bearer, err := s.systemToken()
	if err != nil {
		return Effects{}, err
	}
	name, err := s.users.Search(ctx, bearer, id)
	switch {
	case err == nil:
		return s.answerRequester(m, "patients/on-find", q.Requester, map[string]any{"patient": map[string]string{"id": q.Patient.ID, "name": name}})
	case arogya.ErrorCode(err) == arogya.EINTERNAL:
		return Effects{}, err
	}
	return s.answerRequester(m, "patients/on-find", q.Requester, map[string]any{"patient": nil, "error": errorPayload(err)})
}
