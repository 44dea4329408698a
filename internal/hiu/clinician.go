package hiu

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fidelius"
	"github.com/arogya-health/arogya/internal/protocol"
)

// What the clinicians' pages call. Every method takes the facility the
// clinician works at; the caller (Handler, or the pages) has checked
// they may act for it (Authorize).

// Purposes are the purposes of use a consent request may name, with the
// text the spec gives them.
var Purposes = map[string]string{
	"CAREMGT": "Care Management",
	"BTG":     "Break the Glass",
	"PUBHLTH": "Public Health",
	"HPAYMT":  "Healthcare Payment",
	"DSRCH":   "Disease Specific Healthcare Research",
	"PATRQT":  "Self Requested",
}

// HITypes are the health information types a consent request may ask for.
var HITypes = []string{"OPConsultation", "Prescription", "DischargeSummary", "DiagnosticReport",
	"ImmunizationRecord", "HealthDocumentRecord", "WellnessRecord", "Invoice"}

func (s *Service) needBridge() (*Bridge, error) {
	if s.bridge == nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "this node's HIU bridge is not running")
	}
	return s.bridge, nil
}

// FindPatient asks the consent manager whether an ABHA address is known
// (patients/find), and waits up to wait for the answer. The Find returned
// is PENDING if it has not come yet: read it again with FindResult.
func (s *Service) FindPatient(ctx context.Context, facilityID, abhaAddress string, wait time.Duration) (*Find, error) {
	b, err := s.needBridge()
	if err != nil {
		return nil, err
	}
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	addr, err := abhaAddressOf(abhaAddress)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	find := &Find{ID: id, FacilityID: f.ID, Query: addr, Status: FindPending, CreatedAt: s.now()}
	msg := b.message(f.ID, "patients/find", id, "", map[string]any{"query": map[string]any{
		"patient": map[string]string{"id": addr}, "requester": map[string]string{"type": "HIU", "id": f.ID}}})
	done, forget := b.wait(id)
	defer forget()
	if err := s.store.ApplyHIU(ctx, &Effects{Find: find, Jobs: []*Job{msg}}); err != nil {
		return nil, err
	}
	b.Kick()
	s.auditEvent(ctx, actorOf(ctx), "hiu.patient.find", f.ID, "ok", id)
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return s.FindResult(ctx, f.ID, id)
}

// FindResult returns a patients/find made by the facility, with its
// answer once it came.
func (s *Service) FindResult(ctx context.Context, facilityID, id string) (*Find, error) {
	f, err := s.store.HIUFind(ctx, id)
	if err != nil || f.FacilityID != normalFacility(facilityID) {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no patient search with that ID")
	}
	return f, nil
}

func abhaAddressOf(s string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(s))
	name, cm, ok := strings.Cut(a, "@")
	if !ok || name == "" || cm == "" || len(a) > 100 || strings.ContainsAny(a, " \t\r\n") {
		return "", arogya.Errorf(arogya.EINVALID, "patient must be an ABHA address, e.g. name@sbx")
	}
	return a, nil
}

// ConsentInput is a clinician's consent request form.
type ConsentInput struct {
	Patient  string    // the person's ABHA address
	HIPID    string    // optional: ask for one HIP's records only
	Purpose  string    // a key of Purposes
	HITypes  []string  // of HITypes
	From, To time.Time // the dates of the records asked for
	EraseAt  time.Time // when the data received must be erased (dataEraseAt)
	// Requests is how many health-information requests the consent allows
	// an hour (frequency); 0 means 10.
	Requests int
}

// RequestConsent sends a consent request for the person to the consent
// manager (consent-requests/init); it is PENDING until the CM takes it,
// then REQUESTED, then GRANTED or DENIED as the person decides.
func (s *Service) RequestConsent(ctx context.Context, facilityID string, in ConsentInput) (*ConsentRequest, error) {
	b, err := s.needBridge()
	if err != nil {
		return nil, err
	}
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	patient, err := abhaAddressOf(in.Patient)
	if err != nil {
		return nil, err
	}
	now := s.now()
	types := slices.Compact(slices.Sorted(slices.Values(in.HITypes)))
	switch {
	case Purposes[in.Purpose] == "":
		return nil, arogya.Errorf(arogya.EINVALID, "purpose must be one of CAREMGT, BTG, PUBHLTH, HPAYMT, DSRCH, PATRQT")
	case len(types) == 0 || slices.ContainsFunc(types, func(t string) bool { return !slices.Contains(HITypes, t) }):
		return nil, arogya.Errorf(arogya.EINVALID, "hiTypes must list types of: %s", strings.Join(HITypes, ", "))
	case in.From.IsZero() || in.To.IsZero() || in.To.Before(in.From):
		return nil, arogya.Errorf(arogya.EINVALID, "the date range needs from and to, from first")
	case !in.EraseAt.After(now):
		return nil, arogya.Errorf(arogya.EINVALID, "the erase-by time must be in the future")
	case len(in.HIPID) > 64 || in.Requests < 0 || in.Requests > 1000:
		return nil, arogya.Errorf(arogya.EINVALID, "hipId or requests is out of range")
	}
	requester, hprID := f.Name, ""
	if a := arogya.ActorFrom(ctx); a.Kind == arogya.ActorStaff {
		hprID = a.ID
		if st, err := s.store.HIUStaff(ctx, f.ID, a.ID); err == nil && st.Name != "" {
			requester = st.Name
		}
	}
	id := uuid.NewString()
	r := &ConsentRequest{ID: id, FacilityID: f.ID, Patient: patient, HIPID: normalFacility(in.HIPID), Purpose: in.Purpose, HITypes: types,
		From: in.From.UTC().Truncate(time.Millisecond), To: in.To.UTC().Truncate(time.Millisecond), EraseAt: in.EraseAt.UTC().Truncate(time.Millisecond),
		Requester: hprID, Status: RequestPending, CreatedAt: now, UpdatedAt: now}
	who := map[string]any{"name": cmp.Or(requester, "Clinician")}
	if hprID != "" {
		who["identifier"] = map[string]string{"type": "HPR", "value": hprID, "system": "https://hpr.abdm.gov.in"}
	}
	c := map[string]any{
		"purpose":   map[string]string{"code": r.Purpose, "text": Purposes[r.Purpose]},
		"patient":   map[string]string{"id": patient},
		"hiu":       map[string]string{"id": f.ID},
		"requester": who,
		"hiTypes":   types,
		"permission": map[string]any{
			"accessMode":  "VIEW",
			"dateRange":   map[string]string{"from": protocol.FormatTimestamp(r.From), "to": protocol.FormatTimestamp(r.To)},
			"dataEraseAt": protocol.FormatTimestamp(r.EraseAt),
			"frequency":   map[string]any{"unit": "HOUR", "value": 1, "repeats": cmp.Or(in.Requests, 10)},
		},
	}
	if r.HIPID != "" {
		c["hip"] = map[string]string{"id": r.HIPID}
	}
	msg := b.message(f.ID, "consent-requests/init", id, "", map[string]any{"consent": c})
	if err := s.store.ApplyHIU(ctx, &Effects{ConsentRequest: r, Jobs: []*Job{msg}}); err != nil {
		return nil, err
	}
	b.Kick()
	s.auditEvent(ctx, actorOf(ctx), "hiu.consent-request.create", f.ID, "ok", id)
	return r, nil
}

// ConsentRequests lists the facility's consent requests, newest first, of
// one person if patient is not "". Their Status changes as the CM's
// callbacks come: a page polls it to show it live.
func (s *Service) ConsentRequests(ctx context.Context, facilityID, patient string) ([]*ConsentRequest, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	if patient != "" {
		if patient, err = abhaAddressOf(patient); err != nil {
			return nil, err
		}
	}
	return s.store.HIUConsentRequests(ctx, f.ID, patient, 500)
}

// ConsentRequest returns one of the facility's consent requests, by this
// node's ID or the CM's.
func (s *Service) ConsentRequest(ctx context.Context, facilityID, id string) (*ConsentRequest, error) {
	r, err := s.store.HIUConsentRequest(ctx, id)
	if err != nil || r.FacilityID != normalFacility(facilityID) {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no consent request with that ID")
	}
	return r, nil
}

// Artefacts lists the consent artefacts granted to the facility (of one
// consent request if consentRequestID is not ""), newest first.
func (s *Service) Artefacts(ctx context.Context, facilityID, consentRequestID string) ([]*Artefact, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	if consentRequestID != "" {
		r, err := s.ConsentRequest(ctx, f.ID, consentRequestID)
		if err != nil {
			return nil, err
		}
		consentRequestID = r.ID
	}
	return s.store.HIUArtefacts(ctx, f.ID, consentRequestID)
}

// Artefact returns one of the facility's artefacts.
func (s *Service) Artefact(ctx context.Context, facilityID, id string) (*Artefact, error) {
	a, err := s.store.HIUArtefact(ctx, id)
	if err != nil || a.FacilityID != normalFacility(facilityID) {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no consent artefact with that ID")
	}
	return a, nil
}

// transferKeyLife is how long a transfer's key is kept waiting for pages.
const transferKeyLife = 24 * time.Hour

// RequestData asks for the data an artefact covers
// (health-information/cm/request), over the artefact's whole date range
// or the narrower one given (zero times: the artefact's), with a fresh
// Fidelius key pair and nonce whose private key is kept sealed until the
// transfer ends. The HIP pushes to this node's dataPushUrl.
func (s *Service) RequestData(ctx context.Context, facilityID, consentID string, from, to time.Time) (*Transfer, error) {
	b, err := s.needBridge()
	if err != nil {
		return nil, err
	}
	a, err := s.Artefact(ctx, facilityID, consentID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case a.Status != "GRANTED":
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "the consent is %s", a.Status)
	case !now.Before(a.EraseAt):
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "the consent has expired")
	}
	from, to = cmp.Or(from, a.From), cmp.Or(to, a.To)
	if from.Before(a.From) || to.After(a.To) || to.Before(from) {
		return nil, arogya.Errorf(arogya.EINVALID, "the date range must lie within the consent's")
	}
	key, err := s.facilityKey(ctx, a.FacilityID)
	if err != nil {
		return nil, err
	}
	priv, err := fidelius.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	nonce, err := fidelius.NewNonce(rand.Reader)
	if err != nil {
		return nil, err
	}
	exp := now.Add(transferKeyLife)
	km, err := fidelius.NewKeyMaterial(priv.Public(), fidelius.RawKey, nonce, exp)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	raw := priv.Bytes()
	sealed, err := auth.SealAD(key, raw, keyAD(a.FacilityID, id))
	clear(raw)
	if err != nil {
		return nil, err
	}
	t := &Transfer{ID: id, ConsentID: a.ID, FacilityID: a.FacilityID, HIPID: a.HIPID, From: from.UTC(), To: to.UTC(), PrivateKey: sealed,
		Nonce: base64.StdEncoding.EncodeToString(nonce), KeyExpiresAt: exp, Status: TransferRequested, Results: map[string]string{}, CreatedAt: now, UpdatedAt: now}
	msg := b.message(a.FacilityID, "health-information/cm/request", id, "", map[string]any{"hiRequest": map[string]any{
		"consent":     map[string]string{"id": a.ID},
		"dateRange":   map[string]string{"from": protocol.FormatTimestamp(t.From), "to": protocol.FormatTimestamp(t.To)},
		"dataPushUrl": b.PushURL(),
		"keyMaterial": km,
	}})
	if err := s.store.ApplyHIU(ctx, &Effects{Transfer: t, Jobs: []*Job{msg}}); err != nil {
		return nil, err
	}
	b.Kick()
	s.auditEvent(ctx, actorOf(ctx), "hiu.data-request", a.FacilityID, "ok", "consent "+a.ID+" request "+id)
	return t, nil
}

// Transfer returns one of the facility's health-information requests, by
// its ID or transaction ID: its status, pages and results so far.
func (s *Service) Transfer(ctx context.Context, facilityID, id string) (*Transfer, error) {
	t, err := s.store.HIUTransfer(ctx, id)
	if err != nil || t.FacilityID != normalFacility(facilityID) {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no health-information request with that ID")
	}
	t.PrivateKey = nil
	return t, nil
}

// maxTransfersListed bounds an artefact's transfers listed: its frequency
// allows a few an hour, and the newest are the ones a clinician follows.
const maxTransfersListed = 100

// Transfers lists the health-information requests made under one of the
// facility's artefacts, newest first, without their keys; ENOTFOUND for an
// artefact that is not the facility's.
func (s *Service) Transfers(ctx context.Context, facilityID, artefactID string) ([]*Transfer, error) {
	a, err := s.store.HIUArtefact(ctx, artefactID)
	if err != nil || a.FacilityID != normalFacility(facilityID) {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no consent artefact with that ID")
	}
	ts, err := s.store.HIUTransfers(ctx, a.ID, maxTransfersListed)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		t.PrivateKey = nil
	}
	return ts, nil
}

// RecordGroup is the records of one HIP on one day.
type RecordGroup struct {
	HIPID   string
	HIPName string
	Day     string // YYYY-MM-DD, in India's time
	Records []*Record
}

var ist = time.FixedZone("IST", 5*3600+1800)

// Records lists the records received for the facility, of a person
// (ABHA address) and/or under one consent artefact, grouped by HIP and
// then by day (newest first), without their contents: Record reads one.
func (s *Service) Records(ctx context.Context, facilityID, patient, consentID string) ([]*RecordGroup, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	if patient != "" {
		if patient, err = abhaAddressOf(patient); err != nil {
			return nil, err
		}
	}
	if patient == "" && consentID == "" {
		return nil, arogya.Errorf(arogya.EINVALID, "give a patient or a consent")
	}
	rs, err := s.store.HIURecords(ctx, f.ID, patient, consentID)
	if err != nil {
		return nil, err
	}
	var groups []*RecordGroup
	index := map[string]*RecordGroup{}
	slices.SortStableFunc(rs, func(a, b *Record) int {
		return cmp.Or(strings.Compare(a.HIPID, b.HIPID), b.Date.Compare(a.Date), strings.Compare(a.ID, b.ID))
	})
	for _, r := range rs {
		r.Sealed = nil
		day := r.Date.In(ist).Format("2006-01-02")
		k := r.HIPID + "\x00" + day
		g := index[k]
		if g == nil {
			g = &RecordGroup{HIPID: r.HIPID, HIPName: r.HIPName, Day: day}
			index[k] = g
			groups = append(groups, g)
		}
		g.Records = append(g.Records, r)
	}
	if len(rs) > 0 {
		s.auditEvent(ctx, actorOf(ctx), "hiu.records.list", f.ID, "ok", strings.TrimSpace(consentID+" "+strconv.Itoa(len(rs))+" records"))
	}
	return groups, nil
}

// Record returns a record received for the facility and its FHIR bundle,
// as the HIP sent it (raw JSON), decrypted; the read is audited.
func (s *Service) Record(ctx context.Context, facilityID, id string) (*Record, []byte, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.store.HIURecord(ctx, id)
	if err != nil || r.FacilityID != f.ID {
		return nil, nil, arogya.Errorf(arogya.ENOTFOUND, "no record with that ID")
	}
	key, err := s.dataKey(f)
	if err != nil {
		return nil, nil, err
	}
	plain, err := auth.OpenAD(key, r.Sealed, recordAD(f.ID, r.ID))
	if err != nil {
		return nil, nil, arogya.Errorf(arogya.EINTERNAL, "a stored record does not open")
	}
	r.Sealed = nil
	s.auditEvent(ctx, actorOf(ctx), "hiu.record.read", f.ID, "ok", "consent "+r.ConsentID+" record "+r.ID)
	return r, plain, nil
}
