package gateway

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/protocol"
)

// User-initiated discovery and linking (abdm-protocol.md §3.1, §3.2). The
// person asks through the consent manager's API (ndhm-phr-app.yml:
// /v1/care-contexts/discover, /v1/links/link/init,
// /v1/links/link/confirm/{linkRefNumber}) and is answered synchronously,
// while the consent manager speaks to the HIP asynchronously: it commits
// a LinkTxn with the outbound message, and waits until the HIP's callback
// (on-discover, on-init, on-confirm) has been committed against it. The
// callback may land on any node, so the wait reads the database; a
// callback landing on this node wakes the waiter at once.
//
// What the HIP confirms goes into the link index: which care contexts of
// which person live at which HIP — references and display names only.

// Link transaction kinds: the message the consent manager sent the HIP.
const (
	LinkDiscover = "discover"
	LinkInit     = "link-init"
	LinkConfirm  = "link-confirm"
)

// Link transaction statuses.
const (
	LinkPending = "PENDING"
	LinkDone    = "DONE"  // the HIP answered
	LinkFailed  = "ERROR" // the HIP answered with an error
	LinkUsed    = "USED"  // a users/auth authentication whose access token has linked
)

// CareContext is a care context as a HIP names it.
type CareContext struct {
	ReferenceNumber string `json:"referenceNumber"`
	Display         string `json:"display,omitempty"`
}

// HIPPatient is the person as a HIP knows them: its reference and the care
// contexts it found or linked.
type HIPPatient struct {
	ReferenceNumber string        `json:"referenceNumber"`
	Display         string        `json:"display"`
	CareContexts    []CareContext `json:"careContexts"`
	MatchedBy       []string      `json:"matchedBy,omitempty"`
}

// LinkTxn is one message the consent manager sent a HIP for a person, and
// the HIP's answer once it came.
type LinkTxn struct {
	RequestID     string // the requestId of the message sent to the HIP; the callback's resp.requestId
	Kind          string // LinkDiscover, LinkInit, LinkConfirm
	Patient       string // ABHA address
	HIPID         string
	BridgeID      string // the HIP's bridge
	TransactionID string // discovery's transactionId, carried through linking
	LinkRef       string // the HIP's linkRefNumber: set by on-init; given at confirm
	Status        string
	// Asked is what the person asked for (link-init: the HIP patient
	// reference and care contexts), as JSON; Result is the HIP's answer
	// (HIPPatient for discovery and confirm, the link object for init) or
	// its error, as JSON.
	Asked     []byte
	Result    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LinkResult is a HIP's answer to a LinkTxn, committed with the callback.
type LinkResult struct {
	RequestID string
	// From is the status the transaction must be in; "" means LinkPending.
	// A transaction in another status fails the whole message (EGONE):
	// two answers racing in for one request cannot both take effect.
	From    string
	Status  string // LinkDone, LinkFailed or LinkUsed
	LinkRef string
	Result  []byte
	At      time.Time
}

// Link is one care context of a person at a HIP: an entry of the link
// index.
type Link struct {
	Patient            string
	HIPID              string
	PatientRef         string
	PatientDisplay     string
	CareContextRef     string
	CareContextDisplay string
	LinkedAt           time.Time
	// What the HIP's last links/context/notify said the care context
	// holds: HI types, the date of its latest record, and when the notice
	// came (zero if none came).
	HITypes []string
	DataAt  time.Time
	NotedAt time.Time
}

// DataNote records a HIP's links/context/notify on the care context it
// names, if that is linked to the person.
type DataNote struct {
	Patient, HIPID, CareContextRef string
	HITypes                        []string
	DataAt, NotedAt                time.Time
}

// LinkStore keeps link transactions and the link index.
type LinkStore interface {
	// StartLinkTxn records t and the message that starts it in one
	// transaction.
	StartLinkTxn(ctx context.Context, t *LinkTxn, out *Outbound) error
	// LinkTxn returns a transaction by the requestId of its message;
	// ENOTFOUND when absent.
	LinkTxn(ctx context.Context, requestID string) (*LinkTxn, error)
	// LatestLinkTxn returns the person's newest transaction of the kind
	// with the transaction ID (LinkDiscover) or link reference (LinkInit,
	// when linkRef is set); ENOTFOUND when absent.
	LatestLinkTxn(ctx context.Context, patient, kind, transactionID, linkRef string) (*LinkTxn, error)
	// Links lists the person's link index entries, by HIP then patient
	// and care context reference.
	Links(ctx context.Context, patient string) ([]*Link, error)
}

// Limits on what a HIP sends back, so one bad bridge cannot fill the index.
const (
	maxCareContexts = 500
	maxRef          = 100
	maxDisplay      = 300
)

// waiters wakes people waiting on link transactions when the callback
// lands on this node.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (w *waiters) add(id string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]chan struct{}{}
	}
	c := make(chan struct{})
	w.m[id] = c
	return c
}

func (w *waiters) remove(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.m, id)
}

// wake is called once a callback has been committed.
func (w *waiters) wake(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.m[id]; ok {
		close(c)
		delete(w.m, id)
	}
}

// linkPoll is how often a waiter re-reads the database for a callback that
// landed on another node.
const linkPoll = 100 * time.Millisecond

// hipFor returns an active HIP service and its bridge.
func (s *Service) hipFor(ctx context.Context, hipID string) (*HIService, *Bridge, error) {
	hipID = strings.ToUpper(strings.TrimSpace(hipID))
	svc, err := s.store.Service(ctx, hipID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (!svc.Active || !slices.Contains(svc.Types, TypeHIP))) {
		return nil, nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "no active HIP with that id")
	} else if err != nil {
		return nil, nil, err
	}
	b, err := s.store.Bridge(ctx, svc.BridgeID)
	if err != nil {
		return nil, nil, err
	}
	if !b.Active || b.URL == "" {
		return nil, nil, arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098", "the HIP cannot be reached through the gateway")
	}
	return svc, b, nil
}

// send starts a link transaction: it commits the transaction with its
// message to the HIP, then waits for the HIP's answer.
func (s *Service) send(ctx context.Context, t *LinkTxn, b *Bridge, kind string, payload map[string]any) (*LinkTxn, error) {
	out, err := s.callback(b, kind, t.HIPID, "", payload)
	if err != nil {
		return nil, err
	}
	t.RequestID, t.BridgeID, t.Status = out.RequestID, b.ID, LinkPending
	t.CreatedAt, t.UpdatedAt = out.CreatedAt, out.CreatedAt
	woken := s.waiting.add(t.RequestID)
	defer s.waiting.remove(t.RequestID)
	if err := s.links.StartLinkTxn(ctx, t, out); err != nil {
		return nil, err
	}
	if s.kick != nil {
		s.kick()
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LinkWait)
	defer cancel()
	tick := time.NewTicker(linkPoll)
	defer tick.Stop()
	for {
		select {
		case <-woken:
			woken = nil // read once more, below, then poll
		case <-tick.C:
		case <-ctx.Done():
			return nil, arogya.ABDMError(arogya.ETIMEOUT, "ABDM-1097", "the HIP did not answer in time; try again later")
		}
		got, err := s.links.LinkTxn(ctx, t.RequestID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, arogya.ABDMError(arogya.ETIMEOUT, "ABDM-1097", "the HIP did not answer in time; try again later")
			}
			return nil, err
		}
		if got.Status != LinkPending {
			return got, nil
		}
	}
}

// Identifier is a patient identifier of discovery (PatientIdentifier).
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Identifier types a person may add as unverified at discovery; the
// verified ones come from ABHA.
var identifierTypes = []string{"MR", "MOBILE", "NDHM_HEALTH_NUMBER", "HEALTH_ID"}

// Discover asks the HIP whether it holds records of the person, with the
// demographics and verified identifiers of their ABHA profile (read with
// their own token) and any unverified identifiers they add, such as the
// hospital's medical record number.
func (s *Service) Discover(ctx context.Context, patient, userToken, hipID string, unverified []Identifier) (transactionID string, p *HIPPatient, err error) {
	if len(unverified) > 5 {
		return "", nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "send at most 5 unverified identifiers")
	}
	for i, id := range unverified {
		id.Type, id.Value = strings.ToUpper(strings.TrimSpace(id.Type)), strings.TrimSpace(id.Value)
		if !slices.Contains(identifierTypes, id.Type) || id.Value == "" || len(id.Value) > maxRef {
			return "", nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "unverifiedIdentifiers: type must be MR, MOBILE, NDHM_HEALTH_NUMBER or HEALTH_ID, with a value of at most 100 characters")
		}
		unverified[i] = id
	}
	svc, b, err := s.hipFor(ctx, hipID)
	if err != nil {
		return "", nil, err
	}
	prof, err := s.users.Profile(ctx, userToken)
	if err != nil {
		return "", nil, err
	}
	verified := []Identifier{{Type: "HEALTH_ID", Value: patient}}
	if prof.Mobile != "" {
		verified = append(verified, Identifier{Type: "MOBILE", Value: prof.Mobile})
	}
	if prof.ABHANumber != "" {
		verified = append(verified, Identifier{Type: "NDHM_HEALTH_NUMBER", Value: prof.ABHANumber})
	}
	if unverified == nil {
		unverified = []Identifier{}
	}
	t := &LinkTxn{Kind: LinkDiscover, Patient: patient, HIPID: svc.ID, TransactionID: uuid.NewString()}
	pat := map[string]any{"id": patient, "verifiedIdentifiers": verified, "unverifiedIdentifiers": unverified,
		"name": prof.Name, "gender": prof.Gender}
	if prof.YearOfBirth > 0 {
		pat["yearOfBirth"] = prof.YearOfBirth
	}
	got, err := s.send(ctx, t, b, "care-contexts/discover", map[string]any{"transactionId": t.TransactionID, "patient": pat})
	if err != nil {
		return "", nil, err
	}
	s.auditLink(ctx, patient, "link.discover", svc.ID, got.Status)
	if got.Status != LinkDone {
		return "", nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "the HIP found no record that matches you")
	}
	var hp HIPPatient
	if err := json.Unmarshal(got.Result, &hp); err != nil {
		return "", nil, err
	}
	return t.TransactionID, &hp, nil
}

// LinkRequest is what the person asks to link after discovery.
type LinkRequest struct {
	TransactionID   string
	PatientRef      string
	CareContextRefs []string
}

// LinkInfo is a HIP's answer to links/link/init: how it will check that
// the person is who they say (an OTP it sent them).
type LinkInfo struct {
	ReferenceNumber    string   `json:"referenceNumber"`
	AuthenticationType string   `json:"authenticationType"`
	Meta               LinkMeta `json:"meta"`
}

// LinkMeta is link.meta.
type LinkMeta struct {
	CommunicationMedium string `json:"communicationMedium,omitempty"`
	CommunicationHint   string `json:"communicationHint,omitempty"`
	CommunicationExpiry string `json:"communicationExpiry,omitempty"`
}

// InitLink asks the HIP to link care contexts it found at discovery; the
// HIP answers with a link reference and sends the person an OTP.
func (s *Service) InitLink(ctx context.Context, patient string, req LinkRequest) (*LinkInfo, error) {
	if !protocol.IsUUID(req.TransactionID) {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "transactionId must be the transactionId of your discovery (a UUID)")
	}
	if len(req.CareContextRefs) == 0 || len(req.CareContextRefs) > maxCareContexts {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient.careContexts must name 1 to 500 care contexts")
	}
	disc, err := s.links.LatestLinkTxn(ctx, patient, LinkDiscover, req.TransactionID, "")
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && disc.Status != LinkDone) {
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "no discovery of yours has that transactionId")
	} else if err != nil {
		return nil, err
	}
	var found HIPPatient
	if err := json.Unmarshal(disc.Result, &found); err != nil {
		return nil, err
	}
	if req.PatientRef != found.ReferenceNumber {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient.referenceNumber is not the one the HIP found")
	}
	known := make(map[string]bool, len(found.CareContexts))
	for _, c := range found.CareContexts {
		known[c.ReferenceNumber] = true
	}
	ccs := make([]CareContext, 0, len(req.CareContextRefs))
	seen := map[string]bool{}
	for _, ref := range req.CareContextRefs {
		if !known[ref] {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient.careContexts names a care context the HIP did not find")
		}
		if !seen[ref] {
			seen[ref] = true
			ccs = append(ccs, CareContext{ReferenceNumber: ref})
		}
	}
	_, b, err := s.hipFor(ctx, disc.HIPID)
	if err != nil {
		return nil, err
	}
	asked, err := json.Marshal(HIPPatient{ReferenceNumber: req.PatientRef, CareContexts: ccs})
	if err != nil {
		return nil, err
	}
	t := &LinkTxn{Kind: LinkInit, Patient: patient, HIPID: disc.HIPID, TransactionID: disc.TransactionID, Asked: asked}
	got, err := s.send(ctx, t, b, "links/link/init", map[string]any{"transactionId": disc.TransactionID,
		"patient": map[string]any{"id": patient, "referenceNumber": req.PatientRef, "careContexts": ccs}})
	if err != nil {
		return nil, err
	}
	s.auditLink(ctx, patient, "link.init", disc.HIPID, got.Status)
	if got.Status != LinkDone {
		return nil, arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1015", "the HIP could not start linking those care contexts")
	}
	var li LinkInfo
	if err := json.Unmarshal(got.Result, &li); err != nil {
		return nil, err
	}
	return &li, nil
}

// ConfirmLink sends the HIP the OTP the person received; the HIP answers
// with the care contexts now linked, which go into the link index.
func (s *Service) ConfirmLink(ctx context.Context, patient, linkRef, token string) (*HIPPatient, error) {
	linkRef, token = strings.TrimSpace(linkRef), strings.TrimSpace(token)
	if linkRef == "" || len(linkRef) > maxRef {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "linkRefNumber is required")
	}
	if token == "" || len(token) > 64 {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "token must be the code the HIP sent you")
	}
	init, err := s.links.LatestLinkTxn(ctx, patient, LinkInit, "", linkRef)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && init.Status != LinkDone) {
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "no link request of yours has that linkRefNumber")
	} else if err != nil {
		return nil, err
	}
	_, b, err := s.hipFor(ctx, init.HIPID)
	if err != nil {
		return nil, err
	}
	t := &LinkTxn{Kind: LinkConfirm, Patient: patient, HIPID: init.HIPID, TransactionID: init.TransactionID, LinkRef: linkRef, Asked: init.Asked}
	got, err := s.send(ctx, t, b, "links/link/confirm", map[string]any{
		"confirmation": map[string]string{"linkRefNumber": linkRef, "token": token}})
	if err != nil {
		return nil, err
	}
	s.auditLink(ctx, patient, "link.confirm", init.HIPID, got.Status)
	if got.Status != LinkDone {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the HIP did not accept the code")
	}
	var hp HIPPatient
	if err := json.Unmarshal(got.Result, &hp); err != nil {
		return nil, err
	}
	return &hp, nil
}

// PersonLinks lists the person's link index entries.
func (s *Service) PersonLinks(ctx context.Context, patient string) ([]*Link, error) {
	return s.links.Links(ctx, patient)
}

func (s *Service) auditLink(ctx context.Context, patient, action, hipID, status string) {
	outcome := "ok"
	if status != LinkDone {
		outcome = "refused"
	}
	// The audit log's own failure must not undo what the HIP did; it is
	// logged by the audit package.
	_ = s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: action,
		Subject: "hip:" + hipID, Outcome: outcome})
}

// The HIP's callbacks.

// linkCallback finds the pending transaction a callback answers, checking
// that it came from the bridge the message went to. A callback for a
// transaction already answered is a late repeat: ok is false and it causes
// nothing.
func (s *Service) linkCallback(ctx context.Context, m *message, kind string) (t *LinkTxn, ok bool, err error) {
	if m.Env.InResponseTo == "" {
		return nil, false, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "resp.requestId is required: the requestId of the message this answers")
	}
	t, err = s.links.LinkTxn(ctx, m.Env.InResponseTo)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (t.Kind != kind || t.BridgeID != m.Bridge.ID)) {
		return nil, false, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1009", "resp.requestId answers no "+m.Route.Kind[:strings.LastIndexByte(m.Route.Kind, '/')]+" request sent to this bridge")
	} else if err != nil {
		return nil, false, err
	}
	return t, t.Status == LinkPending, nil
}

// hipError is the error object of a callback.
type hipError struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

func failed(t *LinkTxn, at time.Time) Effects {
	// The HIP's own message is not kept: it may name the patient.
	res, _ := json.Marshal(map[string]any{"error": map[string]string{"message": "the HIP answered with an error"}})
	return Effects{LinkResults: []LinkResult{{RequestID: t.RequestID, Status: LinkFailed, Result: res, At: at}}}
}

// checkHIPPatient checks a patient as a HIP describes it.
func checkHIPPatient(p *HIPPatient, needContexts bool) error {
	bad := func(msg string) error { return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", msg) }
	p.ReferenceNumber = strings.TrimSpace(p.ReferenceNumber)
	if p.ReferenceNumber == "" || len(p.ReferenceNumber) > maxRef {
		return bad("patient.referenceNumber is required, at most 100 characters")
	}
	if utf8.RuneCountInString(p.Display) > maxDisplay {
		return bad("patient.display is at most 300 characters")
	}
	if len(p.CareContexts) > maxCareContexts || (needContexts && len(p.CareContexts) == 0) {
		return bad("patient.careContexts must hold 1 to 500 care contexts")
	}
	seen := map[string]bool{}
	out := p.CareContexts[:0]
	for _, c := range p.CareContexts {
		c.ReferenceNumber = strings.TrimSpace(c.ReferenceNumber)
		if c.ReferenceNumber == "" || len(c.ReferenceNumber) > maxRef || utf8.RuneCountInString(c.Display) > maxDisplay {
			return bad("each care context needs a referenceNumber (at most 100 characters) and a display of at most 300")
		}
		if !seen[c.ReferenceNumber] {
			seen[c.ReferenceNumber] = true
			out = append(out, c)
		}
	}
	p.CareContexts = out
	if len(p.MatchedBy) > 10 {
		p.MatchedBy = p.MatchedBy[:10]
	}
	return nil
}

// onDiscover takes care-contexts/on-discover. v0.5 sends one patient; v3
// HIPs send a list of them (one per HI type group): their care contexts
// are merged under the first reference.
func (s *Service) onDiscover(ctx context.Context, m *message) (Effects, error) {
	t, pending, err := s.linkCallback(ctx, m, LinkDiscover)
	if err != nil || !pending {
		return Effects{}, err
	}
	var body struct {
		TransactionID string          `json:"transactionId"`
		Patient       json.RawMessage `json:"patient"`
		Error         *hipError       `json:"error"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the body is not an on-discover message")
	}
	if body.TransactionID != "" && body.TransactionID != t.TransactionID {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "transactionId is not the discovery's")
	}
	now := s.now()
	raw := strings.TrimSpace(string(body.Patient))
	if body.Error != nil || raw == "" || raw == "null" || raw == "[]" {
		return failed(t, now), nil
	}
	var p HIPPatient
	if strings.HasPrefix(raw, "[") {
		var list []HIPPatient
		if err := json.Unmarshal(body.Patient, &list); err != nil {
			return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient must be an object or a list of them")
		}
		if len(list) == 0 {
			return failed(t, now), nil
		}
		p = list[0]
		for _, q := range list[1:] {
			if q.ReferenceNumber == p.ReferenceNumber {
				p.CareContexts = append(p.CareContexts, q.CareContexts...)
			}
		}
	} else if err := json.Unmarshal(body.Patient, &p); err != nil {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient must be an object")
	}
	if err := checkHIPPatient(&p, false); err != nil {
		return Effects{}, err
	}
	res, err := json.Marshal(p)
	if err != nil {
		return Effects{}, err
	}
	return Effects{LinkResults: []LinkResult{{RequestID: t.RequestID, Status: LinkDone, Result: res, At: now}}}, nil
}

// onLinkInit takes links/link/on-init: the HIP's link reference.
func (s *Service) onLinkInit(ctx context.Context, m *message) (Effects, error) {
	t, pending, err := s.linkCallback(ctx, m, LinkInit)
	if err != nil || !pending {
		return Effects{}, err
	}
	var body struct {
		TransactionID string    `json:"transactionId"`
		Link          *LinkInfo `json:"link"`
		Error         *hipError `json:"error"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the body is not an on-init message")
	}
	now := s.now()
	if body.Error != nil || body.Link == nil {
		return failed(t, now), nil
	}
	l := body.Link
	l.ReferenceNumber = strings.TrimSpace(l.ReferenceNumber)
	if l.ReferenceNumber == "" || len(l.ReferenceNumber) > maxRef {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "link.referenceNumber is required, at most 100 characters")
	}
	if l.AuthenticationType != "MEDIATED" && l.AuthenticationType != "DIRECT" {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "link.authenticationType must be MEDIATED or DIRECT")
	}
	if len(l.Meta.CommunicationHint) > maxDisplay || len(l.Meta.CommunicationMedium) > 20 || len(l.Meta.CommunicationExpiry) > 64 {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "link.meta is too long")
	}
	res, err := json.Marshal(l)
	if err != nil {
		return Effects{}, err
	}
	return Effects{LinkResults: []LinkResult{{RequestID: t.RequestID, Status: LinkDone, LinkRef: l.ReferenceNumber, Result: res, At: now}}}, nil
}

// onLinkConfirm takes links/link/on-confirm: the care contexts linked. Only
// those the person asked to link, under the patient reference they chose,
// enter the index: a HIP cannot link what the person did not ask for.
func (s *Service) onLinkConfirm(ctx context.Context, m *message) (Effects, error) {
	t, pending, err := s.linkCallback(ctx, m, LinkConfirm)
	if err != nil || !pending {
		return Effects{}, err
	}
	var body struct {
		Patient *HIPPatient `json:"patient"`
		Error   *hipError   `json:"error"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the body is not an on-confirm message")
	}
	now := s.now()
	if body.Error != nil || body.Patient == nil {
		return failed(t, now), nil
	}
	p := body.Patient
	if err := checkHIPPatient(p, true); err != nil {
		return Effects{}, err
	}
	var asked HIPPatient
	if err := json.Unmarshal(t.Asked, &asked); err != nil {
		return Effects{}, err
	}
	if p.ReferenceNumber != asked.ReferenceNumber {
		return Effects{}, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "patient.referenceNumber is not the one being linked")
	}
	want := map[string]bool{}
	for _, c := range asked.CareContexts {
		want[c.ReferenceNumber] = true
	}
	var links []*Link
	kept := p.CareContexts[:0]
	for _, c := range p.CareContexts {
		if !want[c.ReferenceNumber] {
			continue
		}
		kept = append(kept, c)
		links = append(links, &Link{Patient: t.Patient, HIPID: t.HIPID, PatientRef: p.ReferenceNumber, PatientDisplay: p.Display,
			CareContextRef: c.ReferenceNumber, CareContextDisplay: c.Display, LinkedAt: now})
	}
	p.CareContexts = kept
	res, err := json.Marshal(p)
	if err != nil {
		return Effects{}, err
	}
	return s.withLinkEvents(ctx, Effects{LinkResults: []LinkResult{{RequestID: t.RequestID, Status: LinkDone, Result: res, At: now}}, Links: links}, t.Patient, t.HIPID)
}

// hipName is the name a HIP registered its service with; "" if it has gone.
func (s *Service) hipName(ctx context.Context, id string) string {
	svc, err := s.store.Service(ctx, id)
	if err != nil {
		return ""
	}
	return svc.Name
}
