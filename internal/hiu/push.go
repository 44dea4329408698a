package hiu

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/fidelius"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The data push (abdm-protocol.md §3.6 step 3): the HIP POSTs each page of
// a transfer to the dataPushUrl, encrypted for the key this node sent.
// The push carries no credential (the spec names none): it is taken
// because it names a transaction this node asked for and decrypts with
// that transaction's key. Pages may come before on-request tells the
// transaction ID: such a page is matched to the request whose key opens it.

// MaxPage bounds a pushed page; a larger one is refused with 413.
const MaxPage = 64 << 20

// Bounds of a page's shape.
const (
	maxPageCount = 100000
	maxEntries   = 1000
)

// PushPath is the data push's path on the node: the dataPushUrl is the
// node's public URL followed by it.
const PushPath = "/hiu/v0.5/health-information/transfer"

// PushURL is the dataPushUrl this bridge sends.
func (b *Bridge) PushURL() string {
	return strings.TrimSuffix(strings.TrimRight(b.cfg.CallbackURL, "/"), "/hiu") + PushPath
}

// Page is one data push.
type Page struct {
	PageNumber    int                   `json:"pageNumber"`
	PageCount     int                   `json:"pageCount"`
	TransactionID string                `json:"transactionId"`
	Entries       []Entry               `json:"entries"`
	KeyMaterial   *fidelius.KeyMaterial `json:"keyMaterial"`

	hipKey   *fidelius.PublicKey
	hipNonce []byte
}

// Entry is one entry of a page: a FHIR bundle, encrypted.
type Entry struct {
	Content              string `json:"content"`
	Link                 string `json:"link"`
	Media                string `json:"media"`
	Checksum             string `json:"checksum"`
	CareContextReference string `json:"careContextReference"`
}

// ParsePage reads and checks a data push: its shape and the HIP's key
// material. It decrypts nothing.
func ParsePage(body []byte) (*Page, error) {
	var p Page
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a data push")
	}
	switch {
	case !protocol.IsUUID(p.TransactionID):
		return nil, arogya.Errorf(arogya.EINVALID, "transactionId must be a UUID")
	case p.PageCount < 1 || p.PageCount > maxPageCount || p.PageNumber < 1 || p.PageNumber > p.PageCount:
		return nil, arogya.Errorf(arogya.EINVALID, "pageNumber and pageCount must be 1 ≤ pageNumber ≤ pageCount")
	case len(p.Entries) > maxEntries:
		return nil, arogya.Errorf(arogya.EINVALID, "a page has at most 1000 entries")
	case p.KeyMaterial == nil:
		return nil, arogya.Errorf(arogya.EINVALID, "keyMaterial is required: the entries are encrypted with it")
	}
	for _, e := range p.Entries {
		if len(e.CareContextReference) > 200 || len(e.Checksum) > 200 || len(e.Media) > 100 || len(e.Link) > 2000 {
			return nil, arogya.Errorf(arogya.EINVALID, "an entry has a field too long")
		}
	}
	var err error
	if p.hipKey, p.hipNonce, err = p.KeyMaterial.Parse(); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "keyMaterial is not ECDH Curve25519 key material")
	}
	return &p, nil
}

// session is a transfer's Fidelius session: one shared secret for every
// page the HIP encrypts with the same key.
type session struct {
	transferID string
	consentID  string
	hipKey     []byte
	s          *fidelius.Session
	nonce      []byte
	expires    time.Time
	users      int  // pages opening with it now, outside b.pushMu
	dropped    bool // forgotten: closed once its last user is done
}

// sessionFor returns the transfer's session for the HIP's key, opening
// its sealed private key if needed. b.pushMu is held.
func (b *Bridge) sessionFor(ctx context.Context, t *Transfer, hipKey *fidelius.PublicKey) (*session, error) {
	raw := hipKey.Bytes()
	if s := b.sessions[t.ID]; s != nil && bytes.Equal(s.hipKey, raw) {
		return s, nil
	}
	key, err := b.svc.facilityKey(ctx, t.FacilityID)
	if err != nil {
		return nil, err
	}
	pk, err := auth.OpenAD(key, t.PrivateKey, keyAD(t.FacilityID, t.ID))
	if err != nil {
		return nil, arogya.Errorf(arogya.EINTERNAL, "a transfer's key does not open")
	}
	priv, err := fidelius.NewPrivateKey(pk)
	clear(pk)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINTERNAL, "a transfer's key is not a Fidelius key")
	}
	fs, err := fidelius.NewSession(priv, hipKey)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "keyMaterial's key is not usable")
	}
	nonce, err := base64.StdEncoding.DecodeString(t.Nonce)
	if err != nil {
		fs.Close()
		return nil, arogya.Errorf(arogya.EINTERNAL, "a transfer's nonce does not decode")
	}
	b.dropSession(t.ID) // a session for another key of the HIP's
	s := &session{transferID: t.ID, consentID: t.ConsentID, hipKey: raw, s: fs, nonce: nonce, expires: t.KeyExpiresAt}
	b.sessions[t.ID] = s
	return s, nil
}

// dropSession forgets a transfer's session, closing it unless a page is
// being opened with it (then release closes it). b.pushMu is held.
func (b *Bridge) dropSession(id string) {
	if s := b.sessions[id]; s != nil {
		delete(b.sessions, id)
		s.dropped = true
		if s.users == 0 {
			s.s.Close()
		}
	}
}

// release ends a page's use of a session. b.pushMu is held.
func (b *Bridge) release(s *session) {
	s.users--
	if s.dropped && s.users == 0 {
		s.s.Close()
	}
}

// decrypt opens one entry's content.
func (s *session) decrypt(p *Page, e Entry) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(e.Content)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the content is not base64")
	}
	plain, err := s.s.Decrypt(s.nonce, p.hipNonce, ct)
	if err != nil {
		return nil, errUndecryptable
	}
	return plain, nil
}

// Receive takes one pushed page: ENOTFOUND for a transaction this node
// did not ask for or that is over, EINVALID for a page that is malformed
// or whose entries none decrypt. Entries that do not decrypt, check or
// validate are not stored and are reported ERRORED in the notify sent
// once every page has come.
//
// The page's transfer is read and checked under b.pushMu; its entries are
// decrypted, validated and sealed outside it, so that pages of several
// transfers (a consent covering several HIPs) are opened side by side;
// then, under b.pushMu again, the transfer is read afresh and the page
// added to it.
func (b *Bridge) Receive(ctx context.Context, body []byte) error {
	p, err := ParsePage(body)
	if err != nil {
		return err
	}
	b.pushMu.Lock()
	t, a, s, key, err := b.startPage(ctx, p)
	if err != nil || t == nil {
		b.pushMu.Unlock()
		return err // nil: a page sent again
	}
	flight := p.TransactionID + "/" + strconv.Itoa(p.PageNumber)
	b.inflight[flight] = true
	s.users++
	b.pushMu.Unlock()

	var out []pageEntry
	undecryptable := 0
	for _, e := range p.Entries {
		r, err := b.entry(s, p, e, t, a)
		if err == errUndecryptable {
			undecryptable++
		}
		if err == nil {
			r.Sealed, err = auth.SealAD(key, r.Sealed, recordAD(r.FacilityID, r.ID))
		}
		out = append(out, pageEntry{e.CareContextReference, r, err})
	}

	b.pushMu.Lock()
	defer b.pushMu.Unlock()
	delete(b.inflight, flight)
	b.release(s)
	if undecryptable > 0 && undecryptable == len(p.Entries) {
		// Not this transaction's key: nothing of the page is taken.
		return arogya.Errorf(arogya.EINVALID, "no entry of the page decrypts with this transaction's key")
	}
	// b.pushMu keeps this node's pages of a transfer one at a time; a
	// page another node took meanwhile shows as a conflict, and the page
	// is added again to the transfer as it is now.
	for attempt := 1; ; attempt++ {
		err := b.addPage(ctx, t.ID, p, out)
		if arogya.ErrorCode(err) != arogya.ECONFLICT || attempt == addPageAttempts {
			return err
		}
	}
}

// addPageAttempts bounds the tries at adding a page to a transfer that
// other nodes' pages keep changing.
const addPageAttempts = 8

// pageEntry is an entry of a page once opened: the record to keep, or why
// not.
type pageEntry struct {
	ref string
	r   *Record
	err error
}

// addPage adds an opened page to its transfer, read afresh: other pages
// may have been added meanwhile, or the consent ended and the transfer
// with it. ECONFLICT if the transfer changed between the read and the
// write (another node took another page). b.pushMu is held.
func (b *Bridge) addPage(ctx context.Context, id string, p *Page, entries []pageEntry) error {
	fresh, err := b.svc.store.HIUTransfer(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return errNoTransfer
	} else if err != nil {
		return err
	}
	if (fresh.TransactionID != "" && fresh.TransactionID != p.TransactionID) || len(fresh.PrivateKey) == 0 ||
		(fresh.Status != TransferRequested && fresh.Status != TransferAccepted) {
		return errNoTransfer
	}
	if slices.Contains(fresh.Pages, p.PageNumber) {
		return nil // a page sent again
	}
	was := *fresh
	t := fresh
	t.Pages = slices.Clone(fresh.Pages)
	t.Results = maps.Clone(fresh.Results)
	t.TransactionID = p.TransactionID
	now := b.svc.now()
	if t.Results == nil {
		t.Results = map[string]string{}
	}
	var recs []*Record
	for _, k := range entries {
		if k.err != nil {
			t.Results[k.ref] = "ERRORED"
			b.log.Info("hiu: a pushed entry was not kept", "transaction", t.TransactionID, "page", p.PageNumber, "why", arogya.ErrorMessage(k.err))
			continue
		}
		if t.Results[k.ref] == "" {
			t.Results[k.ref] = "OK"
		}
		recs = append(recs, k.r)
	}
	t.Pages = append(t.Pages, p.PageNumber)
	slices.Sort(t.Pages)
	t.PageCount, t.Records, t.UpdatedAt = p.PageCount, t.Records+len(recs), now
	if t.Status == TransferRequested {
		t.Status = TransferAccepted
	}
	fx := &Effects{Transfer: t, TransferWas: &was, Records: recs}
	done := len(t.Pages) >= t.PageCount
	if done {
		fx.Jobs = append(fx.Jobs, b.notice(t))
		t.Status, t.PrivateKey = TransferDone, nil
		for _, st := range t.Results {
			if st != "OK" {
				t.Status = TransferFailed
			}
		}
	}
	if err := b.svc.store.ApplyHIU(ctx, fx); err != nil {
		return err
	}
	if done {
		b.dropSession(t.ID)
	}
	b.Kick()
	b.svc.auditEvent(ctx, "hip:"+t.HIPID, "hiu.data.receive", t.FacilityID, "ok",
		"consent "+t.ConsentID+" transaction "+t.TransactionID+" page "+strconv.Itoa(p.PageNumber)+"/"+strconv.Itoa(p.PageCount)+" records "+strconv.Itoa(len(recs)))
	return nil
}

// startPage finds and checks the transfer a page belongs to and what
// opening it needs: the artefact, the transfer's Fidelius session and the
// facility's data key. A nil transfer and error mean the page came before
// and is done or under way. b.pushMu is held.
func (b *Bridge) startPage(ctx context.Context, p *Page) (*Transfer, *Artefact, *session, []byte, error) {
	now := b.svc.now()
	t, err := b.svc.store.HIUTransfer(ctx, p.TransactionID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		t, err = b.bindPage(ctx, p)
		if code := arogya.ErrorCode(err); code == arogya.ENOTFOUND || code == arogya.EUNAVAILABLE {
			// Another node may have bound it, with another page, between
			// the two reads.
			if bound, rerr := b.svc.store.HIUTransfer(ctx, p.TransactionID); rerr == nil {
				t, err = bound, nil
			}
		}
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if t.TransactionID != p.TransactionID || len(t.PrivateKey) == 0 || !now.Before(t.KeyExpiresAt) ||
		(t.Status != TransferRequested && t.Status != TransferAccepted) {
		return nil, nil, nil, nil, errNoTransfer
	}
	if slices.Contains(t.Pages, p.PageNumber) || b.inflight[p.TransactionID+"/"+strconv.Itoa(p.PageNumber)] {
		return nil, nil, nil, nil, nil
	}
	a, err := b.svc.store.HIUArtefact(ctx, t.ConsentID)
	if err != nil || a.Status != "GRANTED" {
		return nil, nil, nil, nil, errNoTransfer
	}
	s, err := b.sessionFor(ctx, t, p.hipKey)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	key, err := b.svc.facilityKey(ctx, t.FacilityID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return t, a, s, key, nil
}

var errUndecryptable = arogya.Errorf(arogya.EINVALID, "the content does not decrypt with this transaction's key")

var errNoTransfer = arogya.Errorf(arogya.ENOTFOUND, "no transfer in progress with that transactionId")

// errNotYet answers a page with nothing to open for a transaction the
// consent manager has not named yet: 503, so that the HIP tries again.
var errNotYet = arogya.Errorf(arogya.EUNAVAILABLE, "no transfer with that transactionId yet: try again in a moment")

// A page that comes before on-request is matched by trying the keys of the
// requests that have none yet, made within earlyPageWindow, the newest
// maxEarlyMatches of them: on-request follows a request within seconds,
// so the window holds only those in flight, and a page for no request of
// this node's (anyone may push) costs that many key agreements, not one
// per request of the last day.
const (
	earlyPageWindow = 10 * time.Minute
	maxEarlyMatches = 32
)

// bindPage finds the request a page answers before on-request named its
// transaction: a recent one with no transaction yet whose key opens the
// page's first entry. b.pushMu is held.
func (b *Bridge) bindPage(ctx context.Context, p *Page) (*Transfer, error) {
	i := slices.IndexFunc(p.Entries, func(e Entry) bool { return e.Content != "" })
	if i < 0 {
		// Nothing to match by key: a HIP with nothing to send pushes one
		// page of no entries, which can come before on-request.
		return nil, errNotYet
	}
	ts, err := b.svc.store.HIUUnboundTransfers(ctx, b.svc.now().Add(-earlyPageWindow), maxEarlyMatches)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if len(t.PrivateKey) == 0 {
			continue
		}
		s, err := b.sessionFor(ctx, t, p.hipKey)
		if err != nil {
			continue
		}
		plain, err := s.decrypt(p, p.Entries[i])
		if err != nil {
			continue
		}
		clear(plain)
		t.TransactionID = p.TransactionID
		return t, nil
	}
	return nil, errNoTransfer
}

// entry decrypts, checks and validates one entry, and returns the record
// to keep (its Sealed holding the plain bundle, for the caller to seal).
func (b *Bridge) entry(s *session, p *Page, e Entry, t *Transfer, a *Artefact) (*Record, error) {
	switch {
	case e.Content == "" && e.Link != "":
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "link entries are not fetched")
	case e.Media != "" && e.Media != "application/fhir+json" && e.Media != "application/json":
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "the entry's media is not FHIR JSON")
	case len(a.Contexts) > 0 && !slices.ContainsFunc(a.Contexts, func(c Context) bool { return c.ContextRef == e.CareContextReference }):
		return nil, arogya.Errorf(arogya.EFORBIDDEN, "the entry's care context is not in the consent")
	}
	plain, err := s.decrypt(p, e)
	if err != nil {
		return nil, err
	}
	if e.Checksum != "" {
		sum := md5.Sum(plain)
		if !strings.EqualFold(e.Checksum, hex.EncodeToString(sum[:])) && e.Checksum != base64.StdEncoding.EncodeToString(sum[:]) {
			clear(plain)
			return nil, arogya.Errorf(arogya.EINVALID, "the entry's checksum is not the MD5 of its content")
		}
	}
	info, err := checkBundle(plain)
	if err != nil {
		// internal/fhir's own message may quote the document: it is not
		// carried further, so that nothing of a record reaches a log.
		clear(plain)
		return nil, arogya.Errorf(arogya.EINVALID, "the entry is not a valid FHIR document of the NRCeS profiles")
	}
	switch {
	case !slices.Contains(a.HITypes, info.HIType):
		err = arogya.Errorf(arogya.EFORBIDDEN, "the record's HI type is not in the consent")
	case info.Date.Before(t.From) || info.Date.After(t.To.Add(time.Millisecond)):
		err = arogya.Errorf(arogya.EFORBIDDEN, "the record's date is outside the range asked for")
	}
	if err != nil {
		clear(plain)
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(plain)
	now := b.svc.now()
	return &Record{ID: id.String(), FacilityID: t.FacilityID, ConsentID: t.ConsentID, TransactionID: t.TransactionID, Patient: a.Patient,
		HIPID: a.HIPID, HIPName: a.HIPName, ContextRef: e.CareContextReference, HIType: info.HIType, Title: info.Title,
		Date: info.Date.UTC().Truncate(time.Millisecond), SHA256: hex.EncodeToString(sum[:]), Sealed: plain, EraseAt: a.EraseAt, CreatedAt: now}, nil
}

// bundleInfo is what the HIU reads of a received bundle.
type bundleInfo struct {
	HIType string
	Title  string
	Date   time.Time
}

// checkBundle parses and validates a FHIR document bundle against the
// NRCeS profiles (internal/fhir) and reads its kind and date.
func checkBundle(data []byte) (*bundleInfo, error) {
	bd, err := fhir.Parse(data)
	if err != nil {
		return nil, err
	}
	if err := fhir.Validate(bd); err != nil {
		return nil, err
	}
	var info bundleInfo
	if info.HIType, err = bd.HIType(); err != nil {
		return nil, err
	}
	c, err := bd.Composition()
	if err != nil {
		return nil, err
	}
	if info.Date, _, err = fhir.ParseDateTime(c.Date); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the bundle's Composition.date is not a FHIR dateTime")
	}
	info.Title = c.Title
	if info.Title == "" {
		info.Title = info.HIType
	}
	if len(info.Title) > 300 {
		info.Title = info.Title[:300]
	}
	return &info, nil
}

// notice is the HIU's health-information/notify once every page of a
// transfer has come (§3.6 step 5): per care context OK or ERRORED.
func (b *Bridge) notice(t *Transfer) *Job {
	refs := make([]string, 0, len(t.Results))
	for ref := range t.Results {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	status := "TRANSFERRED"
	responses := make([]map[string]string, 0, len(refs))
	for _, ref := range refs {
		st, desc := t.Results[ref], "received and validated"
		if st != "OK" {
			st, desc, status = "ERRORED", "not kept: did not decrypt, check or validate", "FAILED"
		}
		responses = append(responses, map[string]string{"careContextReference": ref, "hiStatus": st, "description": desc})
	}
	return b.message(t.FacilityID, "health-information/notify", "", "", map[string]any{"notification": map[string]any{
		"consentId": t.ConsentID, "transactionId": t.TransactionID, "doneAt": protocol.FormatTimestamp(b.svc.now()),
		"notifier":           map[string]string{"type": "HIU", "id": t.FacilityID},
		"statusNotification": map[string]any{"sessionStatus": status, "hipId": t.HIPID, "statusResponses": responses},
	}})
}
