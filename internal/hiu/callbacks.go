package hiu

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/protocol"
)

// inboundKinds are the callbacks the bridge takes, by their path under
// /v0.5/ (ndhm-hiu.yml).
var inboundKinds = []string{
	"consent-requests/on-init",
	"consents/hiu/notify",
	"consents/on-fetch",
	"health-information/hiu/on-request",
	"patients/on-find",
}

// handle does an inbound callback's work and returns what it changes.
func (b *Bridge) handle(ctx context.Context, j *Job) (*Effects, error) {
	env, err := protocol.ReadEnvelope(protocol.V05, nil, j.Body)
	if err != nil {
		return nil, permanentError{err}
	}
	switch j.Path {
	case "consent-requests/on-init":
		return b.onInit(ctx, j.FacilityID, env.InResponseTo, j.Body)
	case "consents/hiu/notify":
		return b.consentNotify(ctx, j.FacilityID, env.RequestID, j.Body, j.CreatedAt)
	case "consents/on-fetch":
		return b.onFetch(ctx, j.FacilityID, j.Body)
	case "health-information/hiu/on-request":
		return b.onRequest(ctx, j.FacilityID, env.InResponseTo, j.Body)
	case "patients/on-find":
		return b.onFind(ctx, j.FacilityID, env.InResponseTo, j.Body)
	}
	return nil, permanentError{arogya.Errorf(arogya.EINVALID, "unknown callback")}
}

// abdmErr is an error object of a callback: v0.5 codes are numbers, the
// gateway's are "ABDM-…" strings.
type abdmErr struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

func (e *abdmErr) String() string {
	if e == nil {
		return ""
	}
	msg := e.Message
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return strings.TrimSpace(strings.Trim(jsonString(e.Code), `"`) + " " + msg)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// OnInit is the body of consent-requests/on-init.
type OnInit struct {
	ConsentRequest *struct {
		ID string `json:"id"`
	} `json:"consentRequest"`
	Error *abdmErr `json:"error"`
}

// ParseOnInit reads a consent-requests/on-init body.
func ParseOnInit(body []byte) (*OnInit, error) {
	var m OnInit
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a consent-requests/on-init")
	}
	if m.Error == nil && (m.ConsentRequest == nil || !protocol.IsUUID(m.ConsentRequest.ID)) {
		return nil, arogya.Errorf(arogya.EINVALID, "consentRequest.id must be a UUID")
	}
	return &m, nil
}

func (b *Bridge) onInit(ctx context.Context, facilityID, inResponseTo string, body []byte) (*Effects, error) {
	m, err := ParseOnInit(body)
	if err != nil {
		return nil, permanentError{err}
	}
	r, err := b.svc.store.HIUConsentRequest(ctx, inResponseTo)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && r.FacilityID != facilityID) {
		return nil, nil // not ours: nothing to do
	} else if err != nil {
		return nil, err
	}
	if r.Status != RequestPending {
		return nil, nil
	}
	if m.Error != nil {
		r.Status, r.Error = RequestErrored, m.Error.String()
	} else {
		r.Status, r.CMID = RequestRequested, m.ConsentRequest.ID
	}
	r.UpdatedAt = b.svc.now()
	b.svc.auditEvent(ctx, "gateway", "hiu.consent-request."+strings.ToLower(r.Status), facilityID, "ok", r.ID)
	return &Effects{ConsentRequest: r}, nil
}

// notifyPatience is how long a consent notice naming an unknown consent
// request is retried before it is acknowledged UNKNOWN.
const notifyPatience = time.Minute

// Notice is the body of consents/hiu/notify.
type Notice struct {
	Notification struct {
		ConsentRequestID string `json:"consentRequestId"`
		Status           string `json:"status"`
		ConsentArtefacts []struct {
			ID string `json:"id"`
		} `json:"consentArtefacts"`
	} `json:"notification"`
}

// ParseNotice reads and checks a consents/hiu/notify body.
func ParseNotice(body []byte) (*Notice, error) {
	var n Notice
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a consents/hiu/notify")
	}
	c := &n.Notification
	switch c.Status {
	case "GRANTED", "DENIED", "REVOKED", "EXPIRED":
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "notification.status must be GRANTED, DENIED, REVOKED or EXPIRED")
	}
	if c.ConsentRequestID != "" && !protocol.IsUUID(c.ConsentRequestID) {
		return nil, arogya.Errorf(arogya.EINVALID, "notification.consentRequestId must be a UUID")
	}
	if len(c.ConsentArtefacts) > 100 {
		return nil, arogya.Errorf(arogya.EINVALID, "notification.consentArtefacts lists more than 100 artefacts")
	}
	for _, a := range c.ConsentArtefacts {
		if !protocol.IsUUID(a.ID) {
			return nil, arogya.Errorf(arogya.EINVALID, "notification.consentArtefacts[].id must be a UUID")
		}
	}
	if (c.Status == "REVOKED" || c.Status == "EXPIRED") && len(c.ConsentArtefacts) == 0 {
		return nil, arogya.Errorf(arogya.EINVALID, "notification.consentArtefacts must name the artefacts that ended")
	}
	return &n, nil
}

// consentNotify takes consents/hiu/notify: a grant fetches every artefact
// named (consents/fetch); a denial marks the request; a revocation or
// expiry erases what was received under the artefacts. Every notice is
// acknowledged (consents/hiu/on-notify, one acknowledgement per artefact).
func (b *Bridge) consentNotify(ctx context.Context, facilityID, requestID string, body []byte, received time.Time) (*Effects, error) {
	n, err := ParseNotice(body)
	if err != nil {
		return &Effects{Jobs: []*Job{b.message(facilityID, "consents/hiu/on-notify", "", requestID, map[string]any{
			"acknowledgement": []map[string]string{}, "error": map[string]any{"code": 1000, "message": arogya.ErrorMessage(err)}})}}, nil
	}
	c := n.Notification
	now := b.svc.now()
	fx := &Effects{}
	acks := make([]map[string]string, 0, len(c.ConsentArtefacts))
	switch c.Status {
	case "GRANTED", "DENIED":
		r, err := b.svc.store.HIUConsentRequest(ctx, c.ConsentRequestID)
		if err != nil && arogya.ErrorCode(err) != arogya.ENOTFOUND {
			return nil, err
		}
		known := err == nil && r.FacilityID == facilityID
		if err != nil && b.svc.now().Sub(received) < notifyPatience {
			// An auto-approved request's notice may be taken before its
			// on-init, which names the CM's ID: wait for it a little.
			return nil, errors.New("hiu: a consent notice for a request whose on-init has not been handled yet")
		}
		for _, a := range c.ConsentArtefacts {
			st := "OK"
			if !known {
				st = "UNKNOWN"
			}
			acks = append(acks, map[string]string{"status": st, "consentId": a.ID})
		}
		if !known {
			break
		}
		r.Status, r.UpdatedAt = c.Status, now
		for _, a := range c.ConsentArtefacts {
			if !slices.Contains(r.ArtefactIDs, a.ID) {
				r.ArtefactIDs = append(r.ArtefactIDs, a.ID)
			}
			if c.Status != "GRANTED" {
				continue
			}
			if old, err := b.svc.store.HIUArtefact(ctx, a.ID); err == nil && old.Status != ArtefactFetching {
				continue // already fetched, or ended
			}
			fx.Artefacts = append(fx.Artefacts, &Artefact{ID: a.ID, ConsentRequestID: r.ID, FacilityID: facilityID, Status: ArtefactFetching,
				Patient: r.Patient, UpdatedAt: now})
			fx.Jobs = append(fx.Jobs, b.message(facilityID, "consents/fetch", "", "", map[string]any{"consentId": a.ID}))
		}
		fx.ConsentRequest = r
		b.svc.auditEvent(ctx, "gateway", "hiu.consent."+strings.ToLower(c.Status), facilityID, "ok", r.ID)
	default: // REVOKED, EXPIRED: the data received under them goes now
		for _, a := range c.ConsentArtefacts {
			old, err := b.svc.store.HIUArtefact(ctx, a.ID)
			if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && old.FacilityID != facilityID) {
				acks = append(acks, map[string]string{"status": "UNKNOWN", "consentId": a.ID})
				continue
			} else if err != nil {
				return nil, err
			}
			if err := b.svc.eraseConsent(ctx, old, c.Status); err != nil {
				return nil, err
			}
			acks = append(acks, map[string]string{"status": "OK", "consentId": a.ID})
		}
	}
	fx.Jobs = append([]*Job{b.message(facilityID, "consents/hiu/on-notify", "", requestID, map[string]any{"acknowledgement": acks})}, fx.Jobs...)
	return fx, nil
}

// Fetched is the body of consents/on-fetch.
type Fetched struct {
	Consent *struct {
		Status        string          `json:"status"`
		ConsentDetail json.RawMessage `json:"consentDetail"`
		Signature     string          `json:"signature"`
	} `json:"consent"`
	Error *abdmErr `json:"error"`
}

// Detail is what the HIU reads of a consent artefact's consentDetail.
type Detail struct {
	ConsentID string `json:"consentId"`
	Patient   struct {
		ID string `json:"id"`
	} `json:"patient"`
	HIU struct {
		ID string `json:"id"`
	} `json:"hiu"`
	HIP struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"hip"`
	HITypes      []string  `json:"hiTypes"`
	CareContexts []Context `json:"careContexts"`
	Permission   struct {
		DateRange struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"dateRange"`
		DataEraseAt time.Time `json:"dataEraseAt"`
	} `json:"permission"`
}

// ParseFetched reads and checks a consents/on-fetch body; an on-fetch
// carrying an error returns it with a nil Detail.
func ParseFetched(body []byte) (*Fetched, *Detail, error) {
	var f Fetched
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, nil, arogya.Errorf(arogya.EINVALID, "the body is not a consents/on-fetch")
	}
	if f.Consent == nil {
		if f.Error == nil {
			return nil, nil, arogya.Errorf(arogya.EINVALID, "consent or error is required")
		}
		return &f, nil, nil
	}
	var d Detail
	if err := json.Unmarshal(f.Consent.ConsentDetail, &d); err != nil {
		return nil, nil, arogya.Errorf(arogya.EINVALID, "consent.consentDetail is not a consent artefact")
	}
	p := d.Permission
	switch {
	case !protocol.IsUUID(d.ConsentID):
		return nil, nil, arogya.Errorf(arogya.EINVALID, "consentDetail.consentId must be a UUID")
	case f.Consent.Status != "GRANTED" && f.Consent.Status != "REVOKED" && f.Consent.Status != "EXPIRED" && f.Consent.Status != "DENIED":
		return nil, nil, arogya.Errorf(arogya.EINVALID, "consent.status is not an artefact status")
	case len(d.CareContexts) > 1000 || len(d.HITypes) == 0 || len(d.HITypes) > 20 || len(d.HIP.ID) > 64 || len(d.HIP.Name) > 300 || len(d.Patient.ID) > 200:
		return nil, nil, arogya.Errorf(arogya.EINVALID, "consentDetail has too many or too long fields")
	case p.DateRange.From.IsZero() || p.DateRange.To.Before(p.DateRange.From) || p.DataEraseAt.IsZero():
		return nil, nil, arogya.Errorf(arogya.EINVALID, "consentDetail.permission needs a date range and dataEraseAt")
	}
	for _, c := range d.CareContexts {
		if len(c.ContextRef) > 200 || len(c.PatientRef) > 200 {
			return nil, nil, arogya.Errorf(arogya.EINVALID, "consentDetail.careContexts has a reference too long")
		}
	}
	return &f, &d, nil
}

// onFetch keeps the artefact fetched, once its signature checks.
func (b *Bridge) onFetch(ctx context.Context, facilityID string, body []byte) (*Effects, error) {
	f, d, err := ParseFetched(body)
	if err != nil {
		return nil, permanentError{err}
	}
	if d == nil {
		b.log.Warn("hiu: consents/on-fetch carried an error", "error", f.Error.String())
		return nil, nil
	}
	old, err := b.svc.store.HIUArtefact(ctx, d.ConsentID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && old.FacilityID != facilityID) {
		return nil, nil // an artefact no notice told this facility of
	} else if err != nil {
		return nil, err
	}
	if old.Status == "REVOKED" || old.Status == "EXPIRED" {
		return nil, nil // ended meanwhile: not brought back
	}
	now := b.svc.now()
	a := &Artefact{ID: d.ConsentID, ConsentRequestID: old.ConsentRequestID, FacilityID: facilityID, Patient: old.Patient, UpdatedAt: now}
	if err := b.gw.Certs.VerifyArtefact(ctx, f.Consent.ConsentDetail, f.Consent.Signature); err != nil {
		if arogya.ErrorCode(err) == arogya.EUNAVAILABLE {
			return nil, err
		}
		a.Status = ArtefactInvalid
		b.svc.auditEvent(ctx, "gateway", "hiu.artefact.fetch", facilityID, arogya.EUNAUTHORIZED, a.ID)
		return &Effects{Artefacts: []*Artefact{a}}, nil
	}
	if !strings.EqualFold(d.HIU.ID, facilityID) {
		a.Status = ArtefactInvalid
		b.svc.auditEvent(ctx, "gateway", "hiu.artefact.fetch", facilityID, arogya.EFORBIDDEN, a.ID)
		return &Effects{Artefacts: []*Artefact{a}}, nil
	}
	a.Status, a.Patient, a.HIPID, a.HIPName, a.HITypes, a.Contexts = f.Consent.Status, strings.ToLower(d.Patient.ID), normalFacility(d.HIP.ID), d.HIP.Name, d.HITypes, d.CareContexts
	a.From, a.To, a.EraseAt = d.Permission.DateRange.From.UTC(), d.Permission.DateRange.To.UTC(), d.Permission.DataEraseAt.UTC()
	b.svc.auditEvent(ctx, "gateway", "hiu.artefact.fetch", facilityID, "ok", a.ID)
	return &Effects{Artefacts: []*Artefact{a}}, nil
}

// OnRequest is the body of health-information/hiu/on-request.
type OnRequest struct {
	HIRequest *struct {
		TransactionID string `json:"transactionId"`
		SessionStatus string `json:"sessionStatus"`
	} `json:"hiRequest"`
	Error *abdmErr `json:"error"`
}

// ParseOnRequest reads and checks a health-information/hiu/on-request body.
func ParseOnRequest(body []byte) (*OnRequest, error) {
	var m OnRequest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a health-information/hiu/on-request")
	}
	if m.Error == nil && (m.HIRequest == nil || !protocol.IsUUID(m.HIRequest.TransactionID)) {
		return nil, arogya.Errorf(arogya.EINVALID, "hiRequest.transactionId must be a UUID")
	}
	return &m, nil
}

// onRequest binds the CM's transaction ID to the transfer asked for, or
// ends the transfer the CM refused (its key deleted).
func (b *Bridge) onRequest(ctx context.Context, facilityID, inResponseTo string, body []byte) (*Effects, error) {
	m, err := ParseOnRequest(body)
	if err != nil {
		return nil, permanentError{err}
	}
	b.pushMu.Lock() // a page may be binding the same transfer
	defer b.pushMu.Unlock()
	t, err := b.svc.store.HIUTransfer(ctx, inResponseTo)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && t.FacilityID != facilityID) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	t.UpdatedAt = b.svc.now()
	switch {
	case m.Error != nil || (m.HIRequest != nil && m.HIRequest.SessionStatus == "ERRORED"):
		if t.Status != TransferRequested {
			return nil, nil
		}
		t.Status, t.Error, t.PrivateKey = TransferFailed, m.Error.String(), nil
		b.svc.auditEvent(ctx, "gateway", "hiu.data-request", facilityID, arogya.EFORBIDDEN, "consent "+t.ConsentID)
	case t.TransactionID == "":
		t.TransactionID = m.HIRequest.TransactionID
		if t.Status == TransferRequested {
			t.Status = TransferAccepted
		}
	case t.TransactionID != m.HIRequest.TransactionID:
		return nil, permanentError{arogya.Errorf(arogya.ECONFLICT, "on-request names another transaction than the pages did")}
	default:
		return nil, nil
	}
	// Written now, under b.pushMu, not with the job's effects after it is
	// released: a page taken in between would be overwritten by this
	// older copy of the transfer, and lost. Done again, this callback
	// finds the transaction bound and changes nothing.
	if err := b.svc.store.ApplyHIU(ctx, &Effects{Transfer: t}); err != nil {
		return nil, err
	}
	return nil, nil
}

// Found is the body of patients/on-find.
type Found struct {
	Patient *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"patient"`
	Error *abdmErr `json:"error"`
}

// ParseFound reads and checks a patients/on-find body.
func ParseFound(body []byte) (*Found, error) {
	var f Found
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a patients/on-find")
	}
	if p := f.Patient; p != nil && (len(p.ID) > 200 || len(p.Name) > 300) {
		return nil, arogya.Errorf(arogya.EINVALID, "patient.id or name is too long")
	}
	return &f, nil
}

func (b *Bridge) onFind(ctx context.Context, facilityID, inResponseTo string, body []byte) (*Effects, error) {
	m, err := ParseFound(body)
	if err != nil {
		return nil, permanentError{err}
	}
	f, err := b.svc.store.HIUFind(ctx, inResponseTo)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && f.FacilityID != facilityID) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if m.Patient != nil && m.Patient.ID != "" {
		f.Status, f.PatientID, f.PatientName = FindFound, strings.ToLower(m.Patient.ID), m.Patient.Name
	} else {
		f.Status = FindNotFound
	}
	return &Effects{Find: f}, nil
}
