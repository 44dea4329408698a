package gateway

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/consent"
)

// The person's side of the consent manager (ndhm-phr-app.yml, under /cm):
// the person, signed in with their ABHA token, sees the consent requests
// made for them and decides. So far: list, read, deny. Approval (which
// makes signed artefacts and notifies the HIPs) comes next.

// PersonStore reads a person's consent requests and records decisions with
// the notices they cause, in one transaction.
type PersonStore interface {
	ConsentRequestsByPatient(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Request, error)
	DecideConsentRequest(ctx context.Context, id, from, to string, at time.Time, out []*Outbound) error
	GrantConsentRequest(ctx context.Context, id, from string, at time.Time, arts []*consent.Artefact, out []*Outbound) error
	Artefact(ctx context.Context, id string) (*consent.Artefact, error)
	ArtefactsByRequest(ctx context.Context, requestID string) ([]*consent.Artefact, error)
	ArtefactsByPatient(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Artefact, error)
	ChangeArtefacts(ctx context.Context, ids []string, from, to string, at time.Time, out []*Outbound) error
	ArtefactsDue(ctx context.Context, now time.Time, limit int) ([]*consent.Artefact, error)
	Flow(ctx context.Context, transactionID string) (*consent.Flow, error)
	FlowsSince(ctx context.Context, artefactID string, since time.Time) (int, error)
	FlowsByPatient(ctx context.Context, patient string, limit, offset int) ([]*consent.Flow, error)
	ConsentLock(ctx context.Context, patient string) (at time.Time, locked bool, err error)
	SetConsentLock(ctx context.Context, patient string, locked bool, at time.Time) error
	ConsentPIN(ctx context.Context, patient string) (*consent.PIN, error)
	PutConsentPIN(ctx context.Context, p *consent.PIN) error
}

// MaxPersonPage bounds a page of the person's requests.
const MaxPersonPage = 100

// personPage returns the limit of a page of the person's lists: a limit
// of 0 or past MaxPersonPage is MaxPersonPage. An offset past 100000 is
// refused: the database reads every row it skips.
func personPage(limit, offset int) (int, error) {
	if offset < 0 || offset > 100_000 {
		return 0, arogya.Errorf(arogya.EINVALID, "offset must be 0 to 100000")
	}
	if limit <= 0 || limit > MaxPersonPage {
		limit = MaxPersonPage
	}
	return limit, nil
}

// PersonRequests lists the consent requests made for the person (their
// ABHA address), newest first.
func (s *Service) PersonRequests(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Request, error) {
	switch status {
	case "", consent.StatusRequested, consent.StatusGranted, consent.StatusDenied, consent.StatusExpired, consent.StatusRevoked:
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "status must be REQUESTED, GRANTED, DENIED, EXPIRED or REVOKED")
	}
	limit, err := personPage(limit, offset)
	if err != nil {
		return nil, err
	}
	return s.person.ConsentRequestsByPatient(ctx, patient, status, limit, offset)
}

// PersonRequest returns one of the person's consent requests. Another
// person's request does not exist for them.
func (s *Service) PersonRequest(ctx context.Context, patient, id string) (*consent.Request, error) {
	r, err := s.consents.ConsentRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Patient != patient {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such consent request")
	}
	return r, nil
}

// Deny records the person's refusal and tells the HIU
// (consents/hiu/notify with status DENIED), in one transaction.
func (s *Service) Deny(ctx context.Context, patient, id string) error {
	r, err := s.PersonRequest(ctx, patient, id)
	if err != nil {
		return err
	}
	if r.Status != consent.StatusRequested {
		return arogya.Errorf(arogya.ECONFLICT, "the consent request is already %s", r.Status)
	}
	b, err := s.store.Bridge(ctx, r.BridgeID)
	if err != nil {
		return err
	}
	out, err := s.callback(b, "consents/hiu/notify", r.HIU.ID, "", map[string]any{
		"notification": map[string]any{"consentRequestId": r.ID, "status": consent.StatusDenied, "consentArtefacts": []any{}},
	})
	if err != nil {
		return err
	}
	if err := s.person.DecideConsentRequest(ctx, r.ID, consent.StatusRequested, consent.StatusDenied, s.now(), []*Outbound{out}); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.deny",
		Subject: "consent-request:" + r.ID, Outcome: "ok"})
}

// Approve grants the request as the person chose: one artefact per HIP,
// each a JWS over its consentDetail signed with the gateway's key. The HIU
// is told the artefact IDs (consents/hiu/notify) and each HIP gets its
// artefact (consents/hip/notify); all of it is committed at once.
func (s *Service) Approve(ctx context.Context, patient, authToken, id string, grants []consent.Grant) ([]*consent.Artefact, error) {
	if err := s.checkPINToken(patient, authToken, consent.ScopeApprove, id); err != nil {
		return nil, err
	}
	r, err := s.PersonRequest(ctx, patient, id)
	if err != nil {
		return nil, err
	}
	if r.Status != consent.StatusRequested {
		return nil, arogya.Errorf(arogya.ECONFLICT, "the consent request is already %s", r.Status)
	}
	return s.grant(ctx, r, grants, "citizen:"+s.personAuditID(patient), "consent.grant")
}

// grant makes and commits the artefacts of grants for r, with their
// notices; actor and action name it in the audit log.
func (s *Service) grant(ctx context.Context, r *consent.Request, grants []consent.Grant, actor, action string) ([]*consent.Artefact, error) {
	patient := r.Patient
	now := s.now()
	gs, err := consent.CheckGrants(r, grants, now)
	if err != nil {
		return nil, err
	}
	// Only care contexts linked to the person can be shared: a reference
	// that names someone else's visit at the HIP is refused here, before
	// the HIP is ever asked.
	linked, err := s.links.Links(ctx, patient)
	if err != nil {
		return nil, err
	}
	mine := make(map[[3]string]bool, len(linked))
	for _, l := range linked {
		mine[[3]string{l.HIPID, l.PatientRef, l.CareContextRef}] = true
	}
	for i, g := range gs {
		for _, cc := range g.CareContexts {
			if !mine[[3]string{g.HIP.ID, cc.PatientReference, cc.CareContextReference}] {
				return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "consents[%d].careContexts: one of them is not linked to you at that HIP", i)
			}
		}
	}
	hiuBridge, err := s.store.Bridge(ctx, r.BridgeID)
	if err != nil {
		return nil, err
	}
	var (
		arts []*consent.Artefact
		outs []*Outbound
		refs []map[string]string
	)
	for i, g := range gs {
		// The HIP must be connected: a service of some bridge, as HIP.
		svc, err := s.store.Service(ctx, g.HIP.ID)
		if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (!svc.Active || !slices.Contains(svc.Types, TypeHIP))) {
			return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "consents[%d].hip is not an HIP connected to the exchange", i)
		} else if err != nil {
			return nil, err
		}
		hipBridge, err := s.store.Bridge(ctx, svc.BridgeID)
		if err != nil {
			return nil, err
		}
		if g.HIP.Name == "" {
			g.HIP.Name = svc.Name
		}
		artID := newRowID()
		detail := consent.DetailOf(r, g, artID, s.cfg.CMID, now)
		sig, err := s.keys.SignJWT(jwt.MapClaims(detail))
		if err != nil {
			return nil, err
		}
		canonical, err := json.Marshal(detail) // map keys sorted: the JWS payload's bytes
		if err != nil {
			return nil, err
		}
		arts = append(arts, &consent.Artefact{ID: artID, RequestID: r.ID, Status: consent.StatusGranted, Patient: r.Patient,
			HIPID: g.HIP.ID, HIUID: r.HIU.ID, BridgeID: r.BridgeID, EraseAt: g.Permission.DataEraseAt, Detail: canonical, Signature: sig})
		refs = append(refs, map[string]string{"id": artID})
		out, err := s.callback(hipBridge, "consents/hip/notify", g.HIP.ID, "", map[string]any{"notification": map[string]any{
			"status": consent.StatusGranted, "consentId": artID, "consentDetail": json.RawMessage(canonical), "signature": sig,
			"grantAcknowledgement": false,
		}})
		if err != nil {
			return nil, err
		}
		outs = append(outs, out)
	}
	notice, err := s.callback(hiuBridge, "consents/hiu/notify", r.HIU.ID, "", map[string]any{"notification": map[string]any{
		"consentRequestId": r.ID, "status": consent.StatusGranted, "consentArtefacts": refs,
	}})
	if err != nil {
		return nil, err
	}
	outs = append([]*Outbound{notice}, outs...)
	leased := s.outbox.Prelease(outs, now)
	if err := s.person.GrantConsentRequest(ctx, r.ID, consent.StatusRequested, now, arts, outs); err != nil {
		s.outbox.Release(leased)
		return nil, err
	}
	s.outbox.Hand(leased)
	if len(leased) < len(outs) && s.kick != nil {
		s.kick() // the rest wait in the database
	}
	return arts, s.audit.Record(ctx, audit.Event{Actor: actor, Action: action,
		Subject: "consent-request:" + r.ID, Outcome: "ok", Detail: strconv.Itoa(len(arts)) + " artefacts"})
}

// endNotices are the notices an artefact's end (REVOKED or EXPIRED) owes:
// the HIU (consents/hiu/notify) and the HIP (consents/hip/notify, with the
// artefact so it can find what to stop serving).
func (s *Service) endNotices(ctx context.Context, a *consent.Artefact, status string) ([]*Outbound, error) {
	hiuBridge, err := s.store.Bridge(ctx, a.BridgeID)
	if err != nil {
		return nil, err
	}
	var outs []*Outbound
	hiu, err := s.callback(hiuBridge, "consents/hiu/notify", a.HIUID, "", map[string]any{"notification": map[string]any{
		"consentRequestId": a.RequestID, "status": status, "consentArtefacts": []map[string]string{{"id": a.ID}},
	}})
	if err != nil {
		return nil, err
	}
	outs = append(outs, hiu)
	svc, err := s.store.Service(ctx, a.HIPID)
	if err == nil {
		hipBridge, err := s.store.Bridge(ctx, svc.BridgeID)
		if err != nil {
			return nil, err
		}
		hip, err := s.callback(hipBridge, "consents/hip/notify", a.HIPID, "", map[string]any{"notification": map[string]any{
			"status": status, "consentId": a.ID, "consentDetail": json.RawMessage(a.Detail), "signature": a.Signature,
		}})
		if err != nil {
			return nil, err
		}
		outs = append(outs, hip)
	} else if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	return outs, nil
}

// Revoke ends the person's granted artefacts at once; the HIUs and HIPs
// are told. All or none: an artefact that is not theirs, or not granted,
// stops the whole call.
func (s *Service) Revoke(ctx context.Context, patient, authToken string, ids []string) error {
	if err := s.checkPINToken(patient, authToken, consent.ScopeRevoke, ""); err != nil {
		return err
	}
	if len(ids) == 0 || len(ids) > 100 {
		return arogya.Errorf(arogya.EINVALID, "consents must list 1 to 100 consent artefact ids")
	}
	var outs []*Outbound
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return arogya.Errorf(arogya.EINVALID, "consents lists an artefact twice")
		}
		seen[id] = true
		a, err := s.person.Artefact(ctx, id)
		if err == nil && a.Patient != patient {
			err = arogya.Errorf(arogya.ENOTFOUND, "one or more consents do not exist")
		}
		if err != nil {
			return err
		}
		if a.Status != consent.StatusGranted {
			return arogya.Errorf(arogya.ECONFLICT, "a consent artefact is already %s", a.Status)
		}
		o, err := s.endNotices(ctx, a, consent.StatusRevoked)
		if err != nil {
			return err
		}
		outs = append(outs, o...)
	}
	if err := s.person.ChangeArtefacts(ctx, ids, consent.StatusGranted, consent.StatusRevoked, s.now(), outs); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.revoke",
		Subject: "consent-artefacts", Outcome: "ok", Detail: strconv.Itoa(len(ids)) + " artefacts"})
}

// ExpireDue ends the granted artefacts whose erase time has come, telling
// their HIUs and HIPs; it returns how many it ended. The node runs it
// every minute.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	due, err := s.person.ArtefactsDue(ctx, s.now(), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		outs, err := s.endNotices(ctx, a, consent.StatusExpired)
		if err != nil {
			return n, err
		}
		err = s.person.ChangeArtefacts(ctx, []string{a.ID}, consent.StatusGranted, consent.StatusExpired, s.now(), outs)
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			continue // revoked meanwhile, or another node expired it
		}
		if err != nil {
			return n, err
		}
		n++
		_ = s.audit.Record(ctx, audit.Event{Actor: "system", Action: "consent.expire", Subject: "consent-artefact:" + a.ID, Outcome: "ok"})
	}
	return n, nil
}

// pinTokenTTL is how long a verified PIN's temporary token lasts.
const pinTokenTTL = 5 * time.Minute

// SetPIN sets the person's consent PIN once; changing it needs a token
// from VerifyPIN with scope profile.changepin (ChangePIN).
func (s *Service) SetPIN(ctx context.Context, patient, pin string) error {
	if _, err := s.person.ConsentPIN(ctx, patient); err == nil {
		return arogya.Errorf(arogya.ECONFLICT, "a consent PIN is already set: change it with a verified PIN")
	} else if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return err
	}
	return s.putPIN(ctx, patient, pin, "consent.pin.set")
}

// ChangePIN replaces the PIN; authToken must come from VerifyPIN with
// scope profile.changepin.
func (s *Service) ChangePIN(ctx context.Context, patient, authToken, pin string) error {
	if err := s.checkPINToken(patient, authToken, consent.ScopeChangePIN, ""); err != nil {
		return err
	}
	return s.putPIN(ctx, patient, pin, "consent.pin.change")
}

func (s *Service) putPIN(ctx context.Context, patient, pin, action string) error {
	if !consent.ValidPIN(pin) {
		return arogya.Errorf(arogya.EINVALID, "pin must be 4 digits")
	}
	hash, err := auth.HashPassword(pin, s.cfg.Argon)
	if err != nil {
		return err
	}
	if err := s.person.PutConsentPIN(ctx, &consent.PIN{Patient: patient, Hash: hash, UpdatedAt: s.now()}); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: action,
		Subject: "citizen:" + s.personAuditID(patient), Outcome: "ok"})
}

// VerifyPIN checks the person's PIN and returns a temporary token (5
// minutes) for one scope, and, if requestID is given, for that consent
// request only. Five wrong tries lock the PIN for 15 minutes.
func (s *Service) VerifyPIN(ctx context.Context, patient, pin, scope, requestID string) (string, error) {
	switch scope {
	case consent.ScopeApprove, consent.ScopeRevoke, consent.ScopeChangePIN, consent.ScopeAutoApprove, consent.ScopeUnlock:
	default:
		return "", arogya.Errorf(arogya.EINVALID, "scope must be consentrequest.approve, consent.revoke, consent.autoaprove, consent.unlock or profile.changepin")
	}
	p, err := s.person.ConsentPIN(ctx, patient)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return "", arogya.Errorf(arogya.EFORBIDDEN, "set a consent PIN first (POST /cm/patients/pin)")
	} else if err != nil {
		return "", err
	}
	now := s.now()
	if now.Before(p.LockedUntil) {
		return "", arogya.Errorf(arogya.ETOOMANYREQUESTS, "too many wrong PINs: try again in a while")
	}
	ok, err := auth.CheckPassword(p.Hash, pin)
	if err != nil {
		return "", err
	}
	if !ok {
		p.Failures++
		if p.Failures >= consent.PINMaxFailures {
			p.Failures, p.LockedUntil = 0, now.Add(consent.PINLock)
		}
		p.UpdatedAt = now
		if err := s.person.PutConsentPIN(ctx, p); err != nil {
			return "", err
		}
		_ = s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.pin.verify",
			Subject: "citizen:" + s.personAuditID(patient), Outcome: arogya.EUNAUTHORIZED})
		return "", arogya.Errorf(arogya.EUNAUTHORIZED, "wrong PIN")
	}
	if p.Failures != 0 {
		p.Failures, p.UpdatedAt = 0, now
		if err := s.person.PutConsentPIN(ctx, p); err != nil {
			return "", err
		}
	}
	claims := jwt.MapClaims{"iss": s.cfg.Issuer, "sub": patient, "typ": "consent-pin", "scope": scope,
		"iat": now.Unix(), "exp": now.Add(pinTokenTTL).Unix(), "jti": uuid.NewString()}
	if requestID != "" {
		claims["requestId"] = requestID
	}
	return s.keys.SignJWT(claims)
}

// checkPINToken checks a token from VerifyPIN: this person, this scope,
// and, when it names one, this consent request.
func (s *Service) checkPINToken(patient, token, scope, requestID string) error {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "confirm with your consent PIN: send X-AUTH-TOKEN from /cm/patients/verify-pin with scope %s", scope)
	if token == "" {
		return bad
	}
	claims, err := s.keys.ParseJWT(token, jwt.WithIssuer(s.cfg.Issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.cfg.Now))
	if err != nil {
		return bad
	}
	if claims["typ"] != "consent-pin" || claims["sub"] != patient || claims["scope"] != scope {
		return bad
	}
	if rid, ok := claims["requestId"].(string); ok && rid != "" && rid != requestID {
		return bad
	}
	return nil
}

// PersonArtefacts lists the person's consent artefacts, newest first.
func (s *Service) PersonArtefacts(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Artefact, error) {
	switch status {
	case "", consent.StatusGranted, consent.StatusExpired, consent.StatusRevoked:
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "status must be GRANTED, EXPIRED or REVOKED")
	}
	limit, err := personPage(limit, offset)
	if err != nil {
		return nil, err
	}
	return s.person.ArtefactsByPatient(ctx, patient, status, limit, offset)
}

// PersonArtefact returns one of the person's artefacts; another person's
// does not exist for them.
func (s *Service) PersonArtefact(ctx context.Context, patient, id string) (*consent.Artefact, error) {
	a, err := s.person.Artefact(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Patient != patient {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such consent artefact")
	}
	return a, nil
}

// PersonRequestArtefacts lists the artefacts granted for one of the
// person's consent requests.
func (s *Service) PersonRequestArtefacts(ctx context.Context, patient, requestID string) ([]*consent.Artefact, error) {
	if _, err := s.PersonRequest(ctx, patient, requestID); err != nil {
		return nil, err
	}
	return s.person.ArtefactsByRequest(ctx, requestID)
}
