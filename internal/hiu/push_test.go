package hiu_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/fidelius"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// pushEnv is an HIU service and bridge on SQLite in memory, with a
// facility, a granted artefact and a data request made under it; the
// bridge's routes are served, its worker and gateway are not (the
// messages it would send wait in the store).
type pushEnv struct {
	t        *testing.T
	db       *sqldb.DB
	svc      *hiu.Service
	bridge   *hiu.Bridge
	srv      *httptest.Server
	facility string
	artefact string
	transfer *hiu.Transfer
	hiuKey   *fidelius.PublicKey
	hiuNonce []byte
}

const (
	testFacility = "IN2810000042"
	testHIP      = "IN2810000007"
)

func newPushEnv(t *testing.T) *pushEnv { return newPushEnvClock(t, time.Now, 0) }

// newPushEnvClock is newPushEnv with the service's clock and the bridge's
// erasure interval given.
func newPushEnvClock(t *testing.T, now func() time.Time, eraseEvery time.Duration) *pushEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	wrap := bytes.Repeat([]byte{7}, 32)
	svc := hiu.NewService(db, nil, audit.NewLog(db, time.Now), hiu.Config{WrapKey: wrap, TokenKey: bytes.Repeat([]byte{9}, 32), Now: now})
	b := hiu.NewBridge(svc, hiu.BridgeConfig{GatewayURL: "http://127.0.0.1:9/gateway", CMID: "sbx", CallbackURL: "http://hiu.test/hiu", EraseEvery: eraseEvery})
	dk := make([]byte, 32)
	rand.Read(dk)
	sealed, err := auth.Seal(wrap, dk)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddHIUFacility(ctx, &hiu.Facility{ID: testFacility, Name: "Review Clinic", DataKey: sealed, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e := &pushEnv{t: t, db: db, svc: svc, bridge: b, facility: testFacility, artefact: uuid.NewString()}
	a := &hiu.Artefact{ID: e.artefact, ConsentRequestID: "r1", FacilityID: testFacility, Status: "GRANTED", Patient: "asha@sbx", HIPID: testHIP,
		HITypes: []string{"OPConsultation"}, Contexts: []hiu.Context{{PatientRef: "P1", ContextRef: "OP-1"}, {PatientRef: "P1", ContextRef: "OP-2"}},
		From: day("2025-01-01"), To: day("2025-12-31"), EraseAt: time.Now().Add(30 * 24 * time.Hour), UpdatedAt: time.Now()}
	if err := db.ApplyHIU(ctx, &hiu.Effects{Artefacts: []*hiu.Artefact{a}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	b.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.request()
	return e
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// request makes a new data request under the artefact and reads the key
// material its message carries, as the HIP would.
func (e *pushEnv) request() {
	e.t.Helper()
	ctx := context.Background()
	tr, err := e.svc.RequestData(ctx, e.facility, e.artefact, time.Time{}, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	if tr.PrivateKey == nil || tr.Status != hiu.TransferRequested {
		e.t.Fatalf("a new transfer: %+v", tr)
	}
	j, err := e.db.HIUJob(ctx, "out:"+tr.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var m struct {
		HIRequest struct {
			DataPushURL string               `json:"dataPushUrl"`
			KeyMaterial fidelius.KeyMaterial `json:"keyMaterial"`
		} `json:"hiRequest"`
	}
	if err := json.Unmarshal(j.Body, &m); err != nil {
		e.t.Fatal(err)
	}
	if m.HIRequest.DataPushURL != "http://hiu.test"+hiu.PushPath {
		e.t.Fatalf("dataPushUrl = %q", m.HIRequest.DataPushURL)
	}
	if e.hiuKey, e.hiuNonce, err = m.HIRequest.KeyMaterial.Parse(); err != nil {
		e.t.Fatal(err)
	}
	e.transfer = tr
}

// bundle is a valid OP consultation dated at.
func bundle(t *testing.T, at time.Time) []byte {
	t.Helper()
	b, err := fhir.Build(fhir.Header{
		Patient:  fhir.Person{Name: "Asha Verma", Gender: "female", BirthDate: "1990-05-17"},
		Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
		Facility: fhir.Facility{Name: "Records Hospital", HFRID: testHIP},
		Visit:    fhir.Visit{ID: "OP-1", Class: "AMB", Start: at.Add(-time.Hour), End: at.Add(-30 * time.Minute)},
		Date:     at,
	}, fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := fhir.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// hipSide encrypts as a HIP does for the key material the HIU sent.
type hipSide struct {
	priv  *fidelius.PrivateKey
	sess  *fidelius.Session
	nonce []byte
}

func newHIPSide(t *testing.T, hiuKey *fidelius.PublicKey) *hipSide {
	t.Helper()
	priv, err := fidelius.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := fidelius.NewSession(priv, hiuKey)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := fidelius.NewNonce(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &hipSide{priv: priv, sess: sess, nonce: nonce}
}

type entry struct {
	context string
	plain   []byte
	hiu     []byte // the HIU nonce to encrypt for; nil: the right one
}

func (h *hipSide) page(t *testing.T, e *pushEnv, tx string, number, count int, entries ...entry) []byte {
	t.Helper()
	var es []map[string]string
	for _, x := range entries {
		nonce := x.hiu
		if nonce == nil {
			nonce = e.hiuNonce
		}
		ct, err := h.sess.Encrypt(h.nonce, nonce, x.plain)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, map[string]string{"content": base64.StdEncoding.EncodeToString(ct), "media": "application/fhir+json", "careContextReference": x.context})
	}
	km, err := fidelius.NewKeyMaterial(h.priv.Public(), fidelius.X509Key, h.nonce, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"pageNumber": number, "pageCount": count, "transactionId": tx, "entries": es, "keyMaterial": km})
	return body
}

func (e *pushEnv) post(body []byte) int {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+hiu.PushPath, "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// notice returns the statusResponses of the HIU's health-information/notify
// for the transaction, or nil if none was made.
func (e *pushEnv) notice(tx string) (string, map[string]string) {
	e.t.Helper()
	rows, err := e.db.SQL().Query("SELECT body FROM hiu_jobs WHERE path = '/v0.5/health-information/notify'")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			e.t.Fatal(err)
		}
		var m struct {
			Notification struct {
				TransactionID      string `json:"transactionId"`
				Notifier           struct{ Type, ID string }
				StatusNotification struct {
					SessionStatus   string `json:"sessionStatus"`
					HIPID           string `json:"hipId"`
					StatusResponses []struct {
						CareContextReference string `json:"careContextReference"`
						HIStatus             string `json:"hiStatus"`
					} `json:"statusResponses"`
				} `json:"statusNotification"`
			} `json:"notification"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			e.t.Fatal(err)
		}
		n := m.Notification
		if n.TransactionID != tx {
			continue
		}
		if n.Notifier.Type != "HIU" || n.Notifier.ID != e.facility || n.StatusNotification.HIPID != testHIP {
			e.t.Fatalf("the notify's notifier or HIP: %+v", n)
		}
		out := map[string]string{}
		for _, r := range n.StatusNotification.StatusResponses {
			out[r.CareContextReference] = r.HIStatus
		}
		return n.StatusNotification.SessionStatus, out
	}
	return "", nil
}

func (e *pushEnv) records() []*hiu.Record {
	e.t.Helper()
	rs, err := e.db.HIURecords(context.Background(), e.facility, "", e.artefact)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// TestPushBeforeOnRequest: pages that come before on-request named their
// transaction are taken by the request whose key opens them; every
// record is kept as pushed, and the notify reports each care context OK
// once the last page has come. The transfer's key is then gone, and
// another page for it is refused.
func TestPushBeforeOnRequest(t *testing.T) {
	e := newPushEnv(t)
	hip := newHIPSide(t, e.hiuKey)
	tx := uuid.NewString()
	one, two := bundle(t, day("2025-03-11")), bundle(t, day("2025-08-20"))
	if st := e.post(hip.page(t, e, tx, 1, 2, entry{context: "OP-1", plain: one})); st != http.StatusAccepted {
		t.Fatalf("page 1: HTTP %d", st)
	}
	if st := e.post(hip.page(t, e, tx, 1, 2, entry{context: "OP-1", plain: one})); st != http.StatusAccepted {
		t.Fatalf("page 1 again: HTTP %d", st)
	}
	if st, _ := e.notice(tx); st != "" {
		t.Fatalf("a notify before the last page: %s", st)
	}
	if st := e.post(hip.page(t, e, tx, 2, 2, entry{context: "OP-2", plain: two})); st != http.StatusAccepted {
		t.Fatalf("page 2: HTTP %d", st)
	}
	rs := e.records()
	var got []string
	for _, r := range rs {
		got = append(got, r.SHA256)
		if r.TransactionID != tx || r.HIType != "OPConsultation" || r.HIPID != testHIP || r.Sealed == nil || bytes.Contains(r.Sealed, []byte("Fever")) {
			t.Errorf("a record: %+v", r)
		}
	}
	slices.Sort(got)
	want := []string{sha(one), sha(two)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("records kept %v, want %v (a page sent twice must be kept once)", got, want)
	}
	_, plain, err := e.svc.Record(context.Background(), e.facility, rs[0].ID)
	if err != nil || sha(plain) != rs[0].SHA256 {
		t.Fatalf("Record: %v", err)
	}
	status, results := e.notice(tx)
	if status != "TRANSFERRED" || results["OP-1"] != "OK" || results["OP-2"] != "OK" {
		t.Fatalf("notify: %s %v", status, results)
	}
	tr, err := e.db.HIUTransfer(context.Background(), tx)
	if err != nil || tr.Status != hiu.TransferDone || tr.PrivateKey != nil || tr.Records != 2 {
		t.Fatalf("the transfer once done: %+v %v", tr, err)
	}
	if st := e.post(hip.page(t, e, tx, 2, 2, entry{context: "OP-2", plain: two})); st != http.StatusNotFound {
		t.Fatalf("a page for a finished transfer: HTTP %d, want 404", st)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestPushRefusals: a transaction this node never asked for is 404 (also
// when its page is encrypted for another key), a page over 64 MiB is
// 413, a malformed one 400.
func TestPushRefusals(t *testing.T) {
	e := newPushEnv(t)
	stranger := newHIPSide(t, mustKey(t))
	if st := e.post(stranger.page(t, e, uuid.NewString(), 1, 1, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})); st != http.StatusNotFound {
		t.Errorf("a page for no request of this node's: HTTP %d, want 404", st)
	}
	big := make([]byte, hiu.MaxPage+1)
	if st := e.post(big); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a page over 64 MiB: HTTP %d, want 413", st)
	}
	for _, body := range []string{`not json`, `{}`, `{"transactionId":"` + uuid.NewString() + `","pageNumber":2,"pageCount":1,"entries":[]}`} {
		if st := e.post([]byte(body)); st != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", body, st)
		}
	}
	if len(e.records()) != 0 {
		t.Fatal("a refused page left records")
	}
}

// TestPushNothingToSend: a HIP with nothing to send pushes one page of no
// entries. Before the consent manager has named the transaction it is
// answered 503, so that the HIP tries again (it has no key to match it
// by); once named, it ends the transfer with no records and its notify.
func TestPushNothingToSend(t *testing.T) {
	e := newPushEnv(t)
	hip := newHIPSide(t, e.hiuKey)
	tx := uuid.NewString()
	empty := hip.page(t, e, tx, 1, 1)
	if st := e.post(empty); st != http.StatusServiceUnavailable {
		t.Fatalf("an empty page before on-request: HTTP %d, want 503", st)
	}
	e.transfer.TransactionID, e.transfer.Status = tx, hiu.TransferAccepted // as on-request does
	if err := e.db.ApplyHIU(context.Background(), &hiu.Effects{Transfer: e.transfer}); err != nil {
		t.Fatal(err)
	}
	if st := e.post(empty); st != http.StatusAccepted {
		t.Fatalf("the empty page again: HTTP %d, want 202", st)
	}
	tr, err := e.db.HIUTransfer(context.Background(), tx)
	if err != nil || tr.Status != hiu.TransferDone || tr.Records != 0 || tr.PrivateKey != nil {
		t.Fatalf("the transfer of nothing: %s", transferState(tr, err))
	}
	if status, _ := e.notice(tx); status != "TRANSFERRED" {
		t.Fatalf("its notify: %q", status)
	}
}

func mustKey(t *testing.T) *fidelius.PublicKey {
	t.Helper()
	k, err := fidelius.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k.Public()
}

// TestPushEntriesErrored: in a page of the transaction, an entry that does
// not decrypt (encrypted for another nonce), one that is not a valid FHIR
// document, and one of an HI type the consent does not cover are not
// stored and are reported ERRORED; the good one is kept. A page of the
// transaction that decrypts not at all is refused (400) and changes
// nothing.
func TestPushEntriesErrored(t *testing.T) {
	e := newPushEnv(t)
	hip := newHIPSide(t, e.hiuKey)
	tx := uuid.NewString()
	good := bundle(t, day("2025-03-11"))
	otherNonce, _ := fidelius.NewNonce(rand.Reader)
	rx := func() []byte {
		b, err := fhir.Build(fhir.Header{Patient: fhir.Person{Name: "Asha Verma", Gender: "female", BirthDate: "1990-05-17"},
			Author: fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"}, Facility: fhir.Facility{Name: "Records Hospital", HFRID: testHIP},
			Visit: fhir.Visit{ID: "OP-2", Class: "AMB", Start: day("2025-04-01"), End: day("2025-04-01").Add(time.Hour)}, Date: day("2025-04-01")},
			fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := fhir.Marshal(b)
		return data
	}()
	// The whole page under another key: refused, and binds nothing.
	wrong := newHIPSide(t, mustKey(t))
	if st := e.post(wrong.page(t, e, tx, 1, 1, entry{context: "OP-1", plain: good})); st != http.StatusNotFound {
		t.Fatalf("a page no request's key opens: HTTP %d, want 404", st)
	}
	// Bind the transaction with a first page, then a mixed last page.
	if st := e.post(hip.page(t, e, tx, 1, 2, entry{context: "OP-1", plain: good})); st != http.StatusAccepted {
		t.Fatalf("page 1: HTTP %d", st)
	}
	if st := e.post(hip.page(t, e, tx, 2, 2, entry{context: "OP-1", plain: good, hiu: otherNonce})); st != http.StatusBadRequest {
		t.Fatalf("a page of the transaction that does not decrypt: HTTP %d, want 400", st)
	}
	if st := e.post(hip.page(t, e, tx, 2, 2,
		entry{context: "OP-1", plain: good},
		entry{context: "OP-2", plain: good, hiu: otherNonce},
		entry{context: "OP-2", plain: []byte(`{"resourceType":"Bundle","type":"document"}`)},
		entry{context: "OP-2", plain: rx},
	)); st != http.StatusAccepted {
		t.Fatalf("page 2: HTTP %d", st)
	}
	rs := e.records()
	if len(rs) != 2 || rs[0].SHA256 != sha(good) || rs[1].SHA256 != sha(good) {
		t.Fatalf("records kept: %d, want the two good ones", len(rs))
	}
	status, results := e.notice(tx)
	if status != "FAILED" || results["OP-1"] != "OK" || results["OP-2"] != "ERRORED" {
		t.Fatalf("notify: %s %v", status, results)
	}
}

// TestRevocationErases: a consents/hiu/notify REVOKED erases what came
// under the artefact and its transfers' keys; a new data request under it
// is refused.
func TestRevocationErases(t *testing.T) {
	e := newPushEnv(t)
	hip := newHIPSide(t, e.hiuKey)
	tx := uuid.NewString()
	if st := e.post(hip.page(t, e, tx, 1, 1, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})); st != http.StatusAccepted {
		t.Fatalf("page: HTTP %d", st)
	}
	e.request() // a second transfer, still waiting for pages
	ctx := context.Background()
	n, err := e.db.EraseHIUConsent(ctx, e.artefact, "REVOKED", time.Now())
	if err != nil || n.Records != 1 || n.Keys != 1 {
		t.Fatalf("EraseHIUConsent = %+v, %v", n, err)
	}
	if len(e.records()) != 0 {
		t.Fatal("records left after revocation")
	}
	if _, err := e.svc.RequestData(ctx, e.facility, e.artefact, time.Time{}, time.Time{}); err == nil {
		t.Fatal("a data request under a revoked artefact was made")
	}
	if st := e.post(hip.page(t, e, uuid.NewString(), 1, 1, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})); st != http.StatusNotFound {
		t.Fatalf("a page for the waiting transfer after revocation: HTTP %d, want 404", st)
	}
}

// TestPushTwoNodes: two nodes (two bridges over one store, each with its
// own lock) take the two pages of each transfer side by side. Each page
// is added to the transfer as the store has it when written, so none is
// lost: every transfer ends with both records and its notify.
func TestPushTwoNodes(t *testing.T) {
	e := newPushEnv(t)
	other := hiu.NewService(e.db, nil, audit.NewLog(e.db, time.Now), hiu.Config{WrapKey: bytes.Repeat([]byte{7}, 32), TokenKey: bytes.Repeat([]byte{9}, 32)})
	ob := hiu.NewBridge(other, hiu.BridgeConfig{GatewayURL: "http://127.0.0.1:9/gateway", CMID: "sbx", CallbackURL: "http://hiu.test/hiu"})
	mux := http.NewServeMux()
	ob.Register(mux)
	second := httptest.NewServer(mux)
	defer second.Close()
	post := func(base string, body []byte) int {
		resp, err := http.Post(base+hiu.PushPath, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const transfers = 12
	for i := range transfers {
		if i > 0 {
			e.request()
		}
		hip := newHIPSide(t, e.hiuKey)
		tx := uuid.NewString()
		one := hip.page(t, e, tx, 1, 2, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})
		two := hip.page(t, e, tx, 2, 2, entry{context: "OP-2", plain: bundle(t, day("2025-08-20"))})
		codes := make(chan int, 2)
		go func() { codes <- post(e.srv.URL, one) }()
		go func() { codes <- post(second.URL, two) }()
		for range 2 {
			if st := <-codes; st != http.StatusAccepted {
				t.Fatalf("transfer %d: a page answered HTTP %d", i, st)
			}
		}
		tr, err := e.db.HIUTransfer(context.Background(), tx)
		if err != nil || tr.Status != hiu.TransferDone || tr.Records != 2 || !slices.Equal(tr.Pages, []int{1, 2}) {
			t.Fatalf("transfer %d after both pages: %v", i, transferState(tr, err))
		}
		if status, results := e.notice(tx); status != "TRANSFERRED" || len(results) != 2 {
			t.Fatalf("transfer %d's notify: %s %v", i, status, results)
		}
	}
}

// transferState is what a test says of a transfer: its state, not its key.
func transferState(tr *hiu.Transfer, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("status %s, pages %v of %d, records %d, results %v", tr.Status, tr.Pages, tr.PageCount, tr.Records, tr.Results)
}

// TestPushEarlyPageWindow: a page that comes before on-request is matched
// by key only to requests of the last few minutes; an older request's
// page waits for on-request like any other (404 until then).
func TestPushEarlyPageWindow(t *testing.T) {
	var at atomic.Int64
	start := time.Now()
	at.Store(start.UnixNano())
	e := newPushEnvClock(t, func() time.Time { return time.Unix(0, at.Load()) }, 0)
	hip := newHIPSide(t, e.hiuKey)
	page := func(tx string) []byte {
		return hip.page(t, e, tx, 1, 1, entry{context: "OP-1", plain: bundle(t, day("2025-03-11"))})
	}
	at.Store(start.Add(11 * time.Minute).UnixNano())
	if st := e.post(page(uuid.NewString())); st != http.StatusNotFound {
		t.Fatalf("an early page 11 minutes after its request: HTTP %d, want 404", st)
	}
	at.Store(start.Add(time.Minute).UnixNano())
	if st := e.post(page(uuid.NewString())); st != http.StatusAccepted {
		t.Fatalf("an early page a minute after its request: HTTP %d, want 202", st)
	}
}
