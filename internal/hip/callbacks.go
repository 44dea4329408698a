package hip

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fidelius"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/protocol"
)

// Link OTPs: 6 digits, 10 minutes, 5 wrong tries.
const (
	otpLife     = 10 * time.Minute
	otpMaxTries = 5
)

// inboundKinds are the callbacks the bridge takes, by kind (their path
// under /v0.5/; v3-only ones by their name in protocol's table).
var inboundKinds = []string{
	"care-contexts/discover",
	"links/link/init",
	"links/link/confirm",
	"consents/hip/notify",
	"health-information/hip/request",
	"users/auth/on-init",
	"users/auth/on-confirm",
	"links/link/on-add-contexts",
	"links/context/on-notify",
	"patients/profile/share",
	"v3/hip/token/on-generate-token",
}

// inboundEnvelope reads a stored callback's kind and envelope. A v0.5 job's
// Path is its kind and its envelope is in the body; a v3 job's Path is the
// v3 bridge path it came to, its REQUEST-ID is the job's ID (TIMESTAMP, not
// kept, is the job's time) and response.requestId is in the body.
func inboundEnvelope(j *Job) (kind string, env protocol.Envelope, err error) {
	if !strings.HasPrefix(j.Path, "/") {
		env, err = protocol.ReadEnvelope(protocol.V05, nil, j.Body)
		return j.Path, env, err
	}
	route, ok := protocol.ByV3Bridge(j.Path)
	if !ok {
		return "", env, arogya.Errorf(arogya.EINVALID, "unknown callback")
	}
	h, _, err := protocol.Build(protocol.V3, strings.TrimPrefix(j.ID, "in:"), j.CreatedAt, "", nil)
	if err != nil {
		return "", env, arogya.Errorf(arogya.EINVALID, "the stored callback's request ID is not a UUID")
	}
	hdr := http.Header{}
	for k, v := range h {
		hdr.Set(k, v)
	}
	env, err = protocol.ReadEnvelope(protocol.V3, hdr, j.Body)
	return route.Kind, env, err
}

// handle does an inbound callback's work and returns what it changes,
// its answer among the jobs.
func (b *Bridge) handle(ctx context.Context, j *Job) (*Effects, error) {
	kind, env, err := inboundEnvelope(j)
	if err != nil {
		return nil, permanentError{err}
	}
	switch kind {
	case "care-contexts/discover":
		return b.discover(ctx, j.FacilityID, env.RequestID, j.Body)
	case "links/link/init":
		return b.linkInit(ctx, j.FacilityID, env.RequestID, j.Body)
	case "links/link/confirm":
		return b.linkConfirm(ctx, j.FacilityID, env.RequestID, j.Body)
	case "consents/hip/notify":
		return b.consentNotify(ctx, j.FacilityID, env.RequestID, j.Body)
	case "health-information/hip/request":
		return b.hiRequest(ctx, j.FacilityID, env.RequestID, j.Body)
	case "patients/profile/share":
		return b.profileShare(ctx, j.FacilityID, env.RequestID, j.Body)
	case "users/auth/on-init", "users/auth/on-confirm", "links/link/on-add-contexts", "links/context/on-notify", "v3/hip/token/on-generate-token":
		return b.linkAnswer(ctx, kind, env.InResponseTo, j.Body)
	}
	return nil, permanentError{arogya.Errorf(arogya.EINVALID, "unknown callback")}
}

// DiscoverRequest is the body of care-contexts/discover.
type DiscoverRequest struct {
	TransactionID string `json:"transactionId"`
	Patient       Query  `json:"patient"`
}

// ParseDiscover reads and checks a care-contexts/discover body.
func ParseDiscover(body []byte) (*DiscoverRequest, error) {
	var r DiscoverRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a discover request")
	}
	q := &r.Patient
	switch {
	case !protocol.IsUUID(r.TransactionID):
		return nil, arogya.Errorf(arogya.EINVALID, "transactionId must be a UUID")
	case len(q.VerifiedIdentifiers) == 0 || len(q.VerifiedIdentifiers)+len(q.UnverifiedIdentifiers) > 20:
		return nil, arogya.Errorf(arogya.EINVALID, "patient needs 1 to 20 identifiers, one of them verified")
	case utf8.RuneCountInString(q.Name) > 200 || len(q.ID) > 100 || len(q.Gender) > 1:
		return nil, arogya.Errorf(arogya.EINVALID, "patient.name, id or gender is too long")
	}
	for _, ids := range [][]Identifier{q.VerifiedIdentifiers, q.UnverifiedIdentifiers} {
		for _, id := range ids {
			if len(id.Value) > 100 || len(id.Type) > 32 {
				return nil, arogya.Errorf(arogya.EINVALID, "an identifier is too long")
			}
		}
	}
	q.ID = strings.ToLower(strings.TrimSpace(q.ID))
	return &r, nil
}

// discover matches the person against the facility's patients and offers
// the matched patient's care contexts not yet linked to them.
func (b *Bridge) discover(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	reply := func(payload map[string]any) *Effects {
		return &Effects{Jobs: []*Job{b.message(facilityID, "care-contexts/on-discover", requestID, payload)}}
	}
	r, err := ParseDiscover(body)
	if err != nil {
		var tx string
		if r != nil {
			tx = r.TransactionID
		}
		return reply(map[string]any{"transactionId": tx, "error": abdmError(codeNoPatient, arogya.ErrorMessage(err))}), nil
	}
	q := r.Patient
	var number, address, mobile string
	for _, id := range q.VerifiedIdentifiers {
		switch strings.ToUpper(id.Type) {
		case "NDHM_HEALTH_NUMBER":
			number = lastDigits(id.Value, 14)
		case "HEALTH_ID":
			address = strings.ToLower(strings.TrimSpace(id.Value))
		case "MOBILE":
			mobile = lastDigits(id.Value, 10)
		}
	}
	cands, err := b.svc.store.HIPPatientsByIdentifier(ctx, facilityID, number, address, mobile, 100)
	if err != nil {
		return nil, err
	}
	p, by, outcome := Match(cands, q)
	switch outcome {
	case matchNone:
		return reply(map[string]any{"transactionId": r.TransactionID, "error": abdmError(codeNoPatient, "No patient at this facility matches.")}), nil
	case matchAmbiguous:
		return reply(map[string]any{"transactionId": r.TransactionID,
			"error": abdmError(codeMultiplePatients, "More than one patient at this facility matches; add your medical record number.")}), nil
	}
	ccs, err := b.svc.store.HIPCareContexts(ctx, facilityID, p.Ref)
	if err != nil {
		return nil, err
	}
	offered := []map[string]string{}
	var refs []string
	for _, cc := range ccs {
		links, err := b.svc.store.HIPLinks(ctx, facilityID, cc.Ref)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(links, func(l *Link) bool { return l.ABHAAddress == q.ID }) {
			continue
		}
		offered = append(offered, map[string]string{"referenceNumber": cc.Ref, "display": cc.Display})
		refs = append(refs, cc.Ref)
	}
	fx := reply(map[string]any{"transactionId": r.TransactionID, "patient": map[string]any{
		"referenceNumber": p.Ref, "display": p.Name, "careContexts": offered, "matchedBy": by}})
	fx.Discovery = &Discovery{TransactionID: r.TransactionID, FacilityID: facilityID, ABHAAddress: q.ID, PatientRef: p.Ref,
		ContextRefs: refs, Mobile: mobile, CreatedAt: b.svc.now()}
	b.svc.auditEvent(ctx, "hip.discover", facilityID, "ok", "")
	return fx, nil
}

// LinkInitRequest is the body of links/link/init.
type LinkInitRequest struct {
	TransactionID string `json:"transactionId"`
	Patient       struct {
		ID              string `json:"id"`
		ReferenceNumber string `json:"referenceNumber"`
		CareContexts    []struct {
			ReferenceNumber string `json:"referenceNumber"`
		} `json:"careContexts"`
	} `json:"patient"`
}

// ParseLinkInit reads and checks a links/link/init body.
func ParseLinkInit(body []byte) (*LinkInitRequest, error) {
	var r LinkInitRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a link request")
	}
	if !protocol.IsUUID(r.TransactionID) {
		return &r, arogya.Errorf(arogya.EINVALID, "transactionId must be the discovery's")
	}
	if n := len(r.Patient.CareContexts); n == 0 || n > 500 {
		return &r, arogya.Errorf(arogya.EINVALID, "patient.careContexts must name 1 to 500 care contexts")
	}
	r.Patient.ID = strings.ToLower(strings.TrimSpace(r.Patient.ID))
	return &r, nil
}

// linkInit sends an OTP to the patient for the care contexts the person
// chose among those discovery offered.
func (b *Bridge) linkInit(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	r, perr := ParseLinkInit(body)
	tx := ""
	if r != nil {
		tx = r.TransactionID
	}
	refuse := func(code int, msg string) (*Effects, error) {
		return &Effects{Jobs: []*Job{b.message(facilityID, "links/link/on-init", requestID,
			map[string]any{"transactionId": tx, "error": abdmError(code, msg)})}}, nil
	}
	if perr != nil {
		return refuse(codeNoDiscovery, arogya.ErrorMessage(perr))
	}
	d, err := b.svc.store.HIPDiscovery(ctx, r.TransactionID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && d.FacilityID != facilityID) {
		return refuse(codeNoDiscovery, "No discovery at this facility with that transactionId.")
	} else if err != nil {
		return nil, err
	}
	if d.ABHAAddress != r.Patient.ID || d.PatientRef != r.Patient.ReferenceNumber {
		return refuse(codeNoPatient, "The patient is not the one discovered in this transaction.")
	}
	var refs []string
	for _, c := range r.Patient.CareContexts {
		if !slices.Contains(d.ContextRefs, c.ReferenceNumber) {
			return refuse(codeNoCareContext, "A care context was not offered in this discovery.")
		}
		if !slices.Contains(refs, c.ReferenceNumber) {
			refs = append(refs, c.ReferenceNumber)
		}
	}
	p, err := b.svc.store.HIPPatient(ctx, facilityID, d.PatientRef)
	if err != nil {
		return nil, err
	}
	mobile := cmp.Or(lastDigits(p.Mobile, 10), d.Mobile)
	if len(mobile) != 10 {
		return refuse(codeOTPFailed, "The facility has no mobile number to send the OTP to.")
	}
	ref, otp := uuid.NewString(), auth.NewOTP()
	now := b.svc.now()
	expires := now.Add(otpLife)
	f, err := b.svc.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	if err := b.cfg.SMS.SendSMS(ctx, notify.Message{To: mobile, OTP: otp,
		Text: otp + " is your OTP to link your records at " + f.Name + " to your ABHA. It is valid for 10 minutes."}); err != nil {
		return refuse(codeOTPFailed, "The facility could not send the OTP; try again.")
	}
	lr := &LinkRequest{Ref: ref, FacilityID: facilityID, TransactionID: r.TransactionID, ABHAAddress: d.ABHAAddress, PatientRef: d.PatientRef,
		ContextRefs: refs, OTPHash: auth.HashOTP(b.cfg.OTPKey, ref, otp), ExpiresAt: expires, Version: 1, CreatedAt: now}
	fx := &Effects{LinkRequest: lr, Jobs: []*Job{b.message(facilityID, "links/link/on-init", requestID, map[string]any{
		"transactionId": r.TransactionID,
		"link": map[string]any{"referenceNumber": ref, "authenticationType": "MEDIATED", "meta": map[string]string{
			"communicationMedium": "MOBILE", "communicationHint": notify.MaskMobile(mobile),
			"communicationExpiry": expires.Format(protocol.TimestampLayout)}},
	})}}
	return fx, nil
}

// LinkConfirmRequest is the body of links/link/confirm.
type LinkConfirmRequest struct {
	Confirmation struct {
		LinkRefNumber string `json:"linkRefNumber"`
		Token         string `json:"token"`
	} `json:"confirmation"`
}

// ParseLinkConfirm reads and checks a links/link/confirm body.
func ParseLinkConfirm(body []byte) (*LinkConfirmRequest, error) {
	var r LinkConfirmRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a link confirmation")
	}
	c := r.Confirmation
	if c.LinkRefNumber == "" || len(c.LinkRefNumber) > 100 || c.Token == "" || len(c.Token) > 100 {
		return nil, arogya.Errorf(arogya.EINVALID, "confirmation needs linkRefNumber and token")
	}
	return &r, nil
}

// notifyAfterConfirm is how long after on-confirm the context notices of
// the visits a person linked go.
const notifyAfterConfirm = 2 * time.Second

// linkConfirm checks the OTP and links the care contexts.
func (b *Bridge) linkConfirm(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	refuse := func(fx *Effects, code int, msg string) (*Effects, error) {
		if fx == nil {
			fx = &Effects{}
		}
		fx.Jobs = append(fx.Jobs, b.message(facilityID, "links/link/on-confirm", requestID, map[string]any{"error": abdmError(code, msg)}))
		return fx, nil
	}
	r, err := ParseLinkConfirm(body)
	if err != nil {
		return refuse(nil, codeNoLinkRequest, arogya.ErrorMessage(err))
	}
	lr, err := b.svc.store.HIPLinkRequest(ctx, r.Confirmation.LinkRefNumber)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && lr.FacilityID != facilityID) {
		return refuse(nil, codeNoLinkRequest, "No link in progress with that linkRefNumber.")
	} else if err != nil {
		return nil, err
	}
	now := b.svc.now()
	if !now.Before(lr.ExpiresAt) {
		return refuse(&Effects{DropLink: lr.Ref}, codeOTPExpired, "The OTP has expired; start linking again.")
	}
	if !auth.EqualMAC(auth.HashOTP(b.cfg.OTPKey, lr.Ref, r.Confirmation.Token), lr.OTPHash) {
		b.svc.auditEvent(ctx, "hip.link.confirm", facilityID, arogya.EUNAUTHORIZED, "wrong OTP")
		if lr.Tries+1 >= otpMaxTries {
			return refuse(&Effects{DropLink: lr.Ref}, codeOTPInvalid, "Wrong OTP; too many tries, start linking again.")
		}
		lr.Tries++
		lr.Version++
		return refuse(&Effects{LinkRequest: lr}, codeOTPInvalid, "Wrong OTP.")
	}
	p, err := b.svc.store.HIPPatient(ctx, facilityID, lr.PatientRef)
	if err != nil {
		return nil, err
	}
	fx := &Effects{DropLink: lr.Ref}
	linked := []map[string]string{}
	for _, ref := range lr.ContextRefs {
		cc, err := b.svc.store.HIPCareContext(ctx, facilityID, ref)
		if err != nil {
			return nil, err
		}
		fx.Links = append(fx.Links, &Link{FacilityID: facilityID, ContextRef: ref, ABHAAddress: lr.ABHAAddress, PatientRef: lr.PatientRef, LinkedAt: now})
		linked = append(linked, map[string]string{"referenceNumber": cc.Ref, "display": cc.Display})
	}
	fx.Jobs = append(fx.Jobs, b.message(facilityID, "links/link/on-confirm", requestID, map[string]any{
		"patient": map[string]any{"referenceNumber": p.Ref, "display": p.Name, "careContexts": linked}}))
	// Then, as after linking a visit itself, the HIP tells the person's
	// PHR what each visit holds (links/context/notify), so the visits
	// show with their record types and dates at once. A moment later: the
	// CM must have taken on-confirm, which puts them in its link index.
	for _, ref := range lr.ContextRefs {
		notice, err := b.contextNotice(ctx, facilityID, p.Ref, ref, lr.ABHAAddress)
		if err != nil {
			return nil, err
		}
		m := b.message(facilityID, "links/context/notify", "", notice)
		m.NextAt = now.Add(notifyAfterConfirm)
		fx.Jobs = append(fx.Jobs, m)
	}
	b.svc.auditEvent(ctx, "hip.link.confirm", facilityID, "ok", "")
	return fx, nil
}

// ConsentNotice is the body of consents/hip/notify.
type ConsentNotice struct {
	Notification struct {
		Status        string          `json:"status"`
		ConsentID     string          `json:"consentId"`
		ConsentDetail json.RawMessage `json:"consentDetail"`
		Signature     string          `json:"signature"`
	} `json:"notification"`
}

// ConsentDetail is what the HIP keeps of an artefact's consentDetail.
type ConsentDetail struct {
	ConsentID string `json:"consentId"`
	Patient   struct {
		ID string `json:"id"`
	} `json:"patient"`
	HIP struct {
		ID string `json:"id"`
	} `json:"hip"`
	HIU struct {
		ID string `json:"id"`
	} `json:"hiu"`
	CareContexts []ConsentContext `json:"careContexts"`
	HITypes      []string         `json:"hiTypes"`
	Permission   struct {
		DateRange struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"dateRange"`
		DataEraseAt time.Time `json:"dataEraseAt"`
	} `json:"permission"`
}

// ParseConsentNotice reads and checks a consents/hip/notify body; the
// detail is parsed only for a GRANTED notice.
func ParseConsentNotice(body []byte) (*ConsentNotice, *ConsentDetail, error) {
	var n ConsentNotice
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, nil, arogya.Errorf(arogya.EINVALID, "the body is not a consent notification")
	}
	c := n.Notification
	if !protocol.IsUUID(c.ConsentID) {
		return &n, nil, arogya.Errorf(arogya.EINVALID, "notification.consentId must be a UUID")
	}
	switch c.Status {
	case "GRANTED":
	case "REVOKED", "EXPIRED", "DENIED":
		return &n, nil, nil
	default:
		return &n, nil, arogya.Errorf(arogya.EINVALID, "notification.status must be GRANTED, REVOKED or EXPIRED")
	}
	var d ConsentDetail
	if err := json.Unmarshal(c.ConsentDetail, &d); err != nil {
		return &n, nil, arogya.Errorf(arogya.EINVALID, "notification.consentDetail is not a consent artefact")
	}
	p := d.Permission
	switch {
	case d.ConsentID != c.ConsentID:
		return &n, nil, arogya.Errorf(arogya.EINVALID, "consentDetail.consentId is not notification.consentId")
	case len(d.CareContexts) == 0 || len(d.CareContexts) > 500 || len(d.HITypes) == 0 || len(d.HITypes) > 20:
		return &n, nil, arogya.Errorf(arogya.EINVALID, "consentDetail needs care contexts and HI types")
	case p.DateRange.From.IsZero() || p.DateRange.To.Before(p.DateRange.From) || p.DataEraseAt.IsZero():
		return &n, nil, arogya.Errorf(arogya.EINVALID, "consentDetail.permission needs a date range and dataEraseAt")
	}
	return &n, &d, nil
}

// consentNotify keeps the HIP's copy of a granted artefact, or ends it.
func (b *Bridge) consentNotify(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	n, d, err := ParseConsentNotice(body)
	ack := func(fx *Effects, consentID, status string) *Effects {
		if fx == nil {
			fx = &Effects{}
		}
		fx.Jobs = append(fx.Jobs, b.message(facilityID, "consents/hip/on-notify", requestID,
			map[string]any{"acknowledgement": map[string]string{"status": status, "consentId": consentID}}))
		return fx
	}
	if err != nil {
		id := ""
		if n != nil {
			id = n.Notification.ConsentID
		}
		fx := ack(nil, id, "UNKNOWN")
		fx.Jobs[0] = b.message(facilityID, "consents/hip/on-notify", requestID, map[string]any{
			"acknowledgement": map[string]string{"status": "UNKNOWN", "consentId": id}, "error": abdmError(codeNoConsent, arogya.ErrorMessage(err))})
		return fx, nil
	}
	c := n.Notification
	old, err := b.svc.store.HIPConsent(ctx, c.ConsentID)
	if err != nil && arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	if old != nil && old.FacilityID != facilityID {
		return ack(nil, c.ConsentID, "UNKNOWN"), nil
	}
	now := b.svc.now()
	if c.Status != "GRANTED" {
		// The copy goes; a tombstone with the status refuses later requests.
		b.svc.auditEvent(ctx, "hip.consent."+strings.ToLower(c.Status), facilityID, "ok", c.ConsentID)
		if old == nil {
			return ack(&Effects{Consent: &Consent{ID: c.ConsentID, FacilityID: facilityID, Status: c.Status, UpdatedAt: now}}, c.ConsentID, "UNKNOWN"), nil
		}
		return ack(&Effects{Consent: &Consent{ID: c.ConsentID, FacilityID: facilityID, Status: c.Status, UpdatedAt: now}}, c.ConsentID, "OK"), nil
	}
	if old != nil && old.Status != "GRANTED" {
		return ack(nil, c.ConsentID, "OK"), nil // an ended artefact is not granted again
	}
	if err := b.gw.Certs.VerifyArtefact(ctx, c.ConsentDetail, c.Signature); err != nil {
		if arogya.ErrorCode(err) == arogya.EUNAVAILABLE {
			return nil, err // try again once the gateway's keys can be fetched
		}
		b.svc.auditEvent(ctx, "hip.consent.granted", facilityID, arogya.EUNAUTHORIZED, c.ConsentID)
		fx := &Effects{Jobs: []*Job{b.message(facilityID, "consents/hip/on-notify", requestID, map[string]any{
			"acknowledgement": map[string]string{"status": "UNKNOWN", "consentId": c.ConsentID},
			"error":           abdmError(codeNoConsent, "The artefact's signature does not verify.")})}}
		return fx, nil
	}
	if !strings.EqualFold(d.HIP.ID, facilityID) {
		return ack(nil, c.ConsentID, "UNKNOWN"), nil
	}
	b.svc.auditEvent(ctx, "hip.consent.granted", facilityID, "ok", c.ConsentID)
	return ack(&Effects{Consent: &Consent{ID: c.ConsentID, FacilityID: facilityID, Status: "GRANTED", ABHAAddress: strings.ToLower(d.Patient.ID),
		HIUID: d.HIU.ID, Contexts: d.CareContexts, HITypes: d.HITypes, From: d.Permission.DateRange.From.UTC(), To: d.Permission.DateRange.To.UTC(),
		EraseAt: d.Permission.DataEraseAt.UTC(), ExpiresAt: d.Permission.DataEraseAt.UTC(), UpdatedAt: now}}, c.ConsentID, "OK"), nil
}

// HIRequest is the body of health-information/hip/request.
type HIRequest struct {
	TransactionID string `json:"transactionId"`
	HIRequest     struct {
		Consent struct {
			ID string `json:"id"`
		} `json:"consent"`
		DateRange struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"dateRange"`
		DataPushURL string               `json:"dataPushUrl"`
		KeyMaterial fidelius.KeyMaterial `json:"keyMaterial"`
	} `json:"hiRequest"`
}

// ParseHIRequest reads and checks a health-information/hip/request body.
func ParseHIRequest(body []byte) (*HIRequest, error) {
	var r HIRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a health-information request")
	}
	h := r.HIRequest
	switch {
	case !protocol.IsUUID(r.TransactionID):
		return nil, arogya.Errorf(arogya.EINVALID, "transactionId must be a UUID")
	case !protocol.IsUUID(h.Consent.ID):
		return &r, arogya.Errorf(arogya.EINVALID, "hiRequest.consent.id must be a UUID")
	case h.DateRange.From.IsZero() || h.DateRange.To.Before(h.DateRange.From):
		return &r, arogya.Errorf(arogya.EINVALID, "hiRequest.dateRange needs from before to")
	case !validPushURL(h.DataPushURL):
		return &r, arogya.Errorf(arogya.EINVALID, "hiRequest.dataPushUrl must be an absolute http(s) URL")
	}
	if _, _, err := h.KeyMaterial.Parse(); err != nil {
		return &r, arogya.Errorf(arogya.EINVALID, "hiRequest.keyMaterial is not ECDH Curve25519 key material")
	}
	return &r, nil
}

func validPushURL(u string) bool {
	return len(u) <= 2000 && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " \r\n")
}

// transferJob is what a transfer job carries.
type transferJob struct {
	TransactionID string               `json:"transactionId"`
	ConsentID     string               `json:"consentId"`
	From          time.Time            `json:"from"`
	To            time.Time            `json:"to"`
	DataPushURL   string               `json:"dataPushUrl"`
	KeyMaterial   fidelius.KeyMaterial `json:"keyMaterial"`
}

// hiRequest checks a health-information request against the HIP's copy
// of the artefact, acknowledges it and starts the transfer.
func (b *Bridge) hiRequest(ctx context.Context, facilityID, requestID string, body []byte) (*Effects, error) {
	r, err := ParseHIRequest(body)
	tx := ""
	if r != nil {
		tx = r.TransactionID
	}
	refuse := func(msg string) (*Effects, error) {
		b.svc.auditEvent(ctx, "hip.data-request", facilityID, arogya.EFORBIDDEN, msg)
		return &Effects{Jobs: []*Job{b.message(facilityID, "health-information/hip/on-request", requestID, map[string]any{
			"hiRequest": map[string]string{"transactionId": tx, "sessionStatus": "ERRORED"},
			"error":     abdmError(codeNoConsent, msg)})}}, nil
	}
	if err != nil {
		return refuse(arogya.ErrorMessage(err))
	}
	h := r.HIRequest
	c, err := b.svc.store.HIPConsent(ctx, h.Consent.ID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && c.FacilityID != facilityID) {
		return refuse("This HIP has no such consent artefact.")
	} else if err != nil {
		return nil, err
	}
	now := b.svc.now()
	switch {
	case c.Status != "GRANTED":
		return refuse("The consent is " + c.Status + ".")
	case !now.Before(c.ExpiresAt):
		return refuse("The consent has expired.")
	case h.DateRange.From.Before(c.From) || h.DateRange.To.After(c.To):
		return refuse("The date range asked for is outside the consent's.")
	case !h.KeyMaterial.DHPublicKey.Expiry.IsZero() && !now.Before(h.KeyMaterial.DHPublicKey.Expiry):
		return refuse("The HIU's key has expired.")
	}
	job, _ := json.Marshal(transferJob{TransactionID: r.TransactionID, ConsentID: c.ID, From: h.DateRange.From.UTC(), To: h.DateRange.To.UTC(),
		DataPushURL: h.DataPushURL, KeyMaterial: h.KeyMaterial})
	b.svc.auditEvent(ctx, "hip.data-request", facilityID, "ok", c.ID)
	return &Effects{Jobs: []*Job{
		b.message(facilityID, "health-information/hip/on-request", requestID, map[string]any{
			"hiRequest": map[string]string{"transactionId": r.TransactionID, "sessionStatus": "ACKNOWLEDGED"}}),
		{ID: "transfer:" + r.TransactionID, Kind: JobTransfer, FacilityID: facilityID, Path: "transfer", Body: job, NextAt: now, CreatedAt: now},
	}}, nil
}

// auditEvent records what the HIP did in the protocol: no personal data,
// the facility and at most an artefact ID.
func (s *Service) auditEvent(ctx context.Context, action, facilityID, outcome, detail string) {
	_ = s.audit.Record(ctx, audit.Event{Actor: "gateway", Action: action, Subject: "facility:" + facilityID, Outcome: outcome, Detail: detail})
}
