package storetest

import (
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqldb"
)

var hiuTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"HIUFacilities", testHIUFacilities},
	{"HIUJobs", testHIUJobs},
	{"HIUConsentFlow", testHIUConsentFlow},
	{"HIUErase", testHIUErase},
	{"HIUStaff", testHIUStaff},
	{"HIUAPIKeys", testHIUAPIKeys},
}

func testHIUFacilities(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	f := &hiu.Facility{ID: "IN2810000009", Name: "Review Clinic", DataKey: []byte{1, 2, 3}, AddedAt: ms(0)}
	must(t, "AddHIUFacility", db.AddHIUFacility(c, f))
	wantCode(t, "AddHIUFacility(again)", db.AddHIUFacility(c, f), arogya.ECONFLICT)
	got, err := db.HIUFacility(c, f.ID)
	if err != nil || got.Name != f.Name || string(got.DataKey) != string(f.DataKey) || !got.AddedAt.Equal(f.AddedAt) {
		t.Fatalf("HIUFacility = %+v, %v", got, err)
	}
	_, err = db.HIUFacility(c, "IN0000000000")
	wantCode(t, "HIUFacility(unknown)", err, arogya.ENOTFOUND)
	if fs, err := db.HIUFacilities(c); err != nil || len(fs) != 1 {
		t.Fatalf("HIUFacilities = %v, %v", fs, err)
	}
	_, err = db.HIUBridge(c)
	wantCode(t, "HIUBridge(none)", err, arogya.ENOTFOUND)
	must(t, "PutHIUBridge", db.PutHIUBridge(c, &hiu.BridgeCreds{ID: "b1", ClientID: "c1", Secret: []byte("s"), GatewayURL: "http://g", CreatedAt: ms(0)}))
	must(t, "PutHIUBridge(replace)", db.PutHIUBridge(c, &hiu.BridgeCreds{ID: "b2", ClientID: "c2", Secret: []byte("s2"), GatewayURL: "http://g", CreatedAt: ms(time.Second)}))
	if b, err := db.HIUBridge(c); err != nil || b.ID != "b2" || string(b.Secret) != "s2" {
		t.Fatalf("HIUBridge = %+v, %v", b, err)
	}
}

func testHIUJobs(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	j := &hiu.Job{ID: "in:1", Kind: hiu.JobInbound, FacilityID: "F", Path: "consents/hiu/notify", Body: []byte(`{}`), NextAt: ms(0), CreatedAt: ms(0)}
	if n, err := db.AddHIUJobs(c, j, j); err != nil || n != 1 {
		t.Fatalf("AddHIUJobs = %d, %v; want 1 new", n, err)
	}
	jobs, err := db.ClaimHIUJobs(c, ms(time.Second), ms(time.Minute), 10)
	if err != nil || len(jobs) != 1 || jobs[0].ID != "in:1" {
		t.Fatalf("ClaimHIUJobs = %v, %v", jobs, err)
	}
	if again, err := db.ClaimHIUJobs(c, ms(2*time.Second), ms(time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("a leased job was claimed again: %v, %v", again, err)
	}
	must(t, "RetryHIUJob", db.RetryHIUJob(c, "in:1", 1, ms(3*time.Second), "boom", false))
	out := &hiu.Job{ID: "out:2", Kind: hiu.JobSend, FacilityID: "F", Path: "/v0.5/x", Body: []byte(`{}`), NextAt: ms(0), CreatedAt: ms(0)}
	must(t, "FinishHIUJob", db.FinishHIUJob(c, "in:1", ms(4*time.Second), &hiu.Effects{Jobs: []*hiu.Job{out}}))
	if got, err := db.HIUJob(c, "in:1"); err != nil || got.Status != hiu.JobDone || got.Attempts != 1 {
		t.Fatalf("HIUJob = %+v, %v", got, err)
	}
	if got, err := db.HIUJob(c, "out:2"); err != nil || got.Status != hiu.JobPending {
		t.Fatalf("the job the effects started: %+v, %v", got, err)
	}
	if n, err := db.PurgeHIU(c, ms(time.Hour)); err != nil || n != 1 {
		t.Fatalf("PurgeHIU = %d, %v; want the done job", n, err)
	}
}

func testHIUConsentFlow(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	r := &hiu.ConsentRequest{ID: "r1", FacilityID: "F", Patient: "asha@sbx", Purpose: "CAREMGT", HITypes: []string{"OPConsultation"},
		From: ms(-time.Hour), To: ms(0), EraseAt: ms(48 * time.Hour), Requester: "71234567890123", Status: hiu.RequestPending, CreatedAt: ms(0), UpdatedAt: ms(0)}
	must(t, "ApplyHIU(request)", db.ApplyHIU(c, &hiu.Effects{ConsentRequest: r}))
	r.CMID, r.Status, r.ArtefactIDs, r.UpdatedAt = "cm1", hiu.RequestGranted, []string{"a1"}, ms(time.Second)
	must(t, "ApplyHIU(request granted)", db.ApplyHIU(c, &hiu.Effects{ConsentRequest: r, Artefacts: []*hiu.Artefact{{ID: "a1", ConsentRequestID: "r1", FacilityID: "F",
		Status: "GRANTED", Patient: "asha@sbx", HIPID: "H", HITypes: []string{"OPConsultation"}, Contexts: []hiu.Context{{PatientRef: "p", ContextRef: "OP-1"}},
		From: ms(-time.Hour), To: ms(0), EraseAt: ms(48 * time.Hour), UpdatedAt: ms(time.Second)}}}))
	for _, id := range []string{"r1", "cm1"} {
		got, err := db.HIUConsentRequest(c, id)
		if err != nil || got.ID != "r1" || got.Status != hiu.RequestGranted || len(got.ArtefactIDs) != 1 || got.HITypes[0] != "OPConsultation" || !got.From.Equal(ms(-time.Hour)) {
			t.Fatalf("HIUConsentRequest(%s) = %+v, %v", id, got, err)
		}
	}
	if list, err := db.HIUConsentRequests(c, "F", "", 10); err != nil || len(list) != 1 {
		t.Fatalf("HIUConsentRequests = %v, %v", list, err)
	}
	if list, err := db.HIUConsentRequests(c, "F", "ravi@sbx", 10); err != nil || len(list) != 0 {
		t.Fatalf("HIUConsentRequests(another patient) = %v, %v", list, err)
	}
	a, err := db.HIUArtefact(c, "a1")
	if err != nil || a.Contexts[0].ContextRef != "OP-1" || !a.EraseAt.Equal(ms(48*time.Hour)) {
		t.Fatalf("HIUArtefact = %+v, %v", a, err)
	}
	if list, err := db.HIUArtefacts(c, "F", "r1"); err != nil || len(list) != 1 {
		t.Fatalf("HIUArtefacts = %v, %v", list, err)
	}
	tr := &hiu.Transfer{ID: "t1", ConsentID: "a1", FacilityID: "F", HIPID: "H", From: ms(-time.Hour), To: ms(0), PrivateKey: []byte("k"), Nonce: "n",
		KeyExpiresAt: ms(24 * time.Hour), Status: hiu.TransferRequested, CreatedAt: ms(time.Second), UpdatedAt: ms(time.Second)}
	must(t, "ApplyHIU(transfer)", db.ApplyHIU(c, &hiu.Effects{Transfer: tr}))
	if ts, err := db.HIUUnboundTransfers(c, ms(0), 10); err != nil || len(ts) != 1 || string(ts[0].PrivateKey) != "k" {
		t.Fatalf("HIUUnboundTransfers = %v, %v", ts, err)
	}
	tr.TransactionID, tr.Status, tr.Pages, tr.PageCount, tr.Results, tr.Records = "tx1", hiu.TransferAccepted, []int{1}, 2, map[string]string{"OP-1": "OK"}, 1
	rec := &hiu.Record{ID: "rec1", FacilityID: "F", ConsentID: "a1", TransactionID: "tx1", Patient: "asha@sbx", HIPID: "H", ContextRef: "OP-1",
		HIType: "OPConsultation", Title: "Consultation", Date: ms(-time.Minute), SHA256: "ab", Sealed: []byte("sealed"), EraseAt: ms(48 * time.Hour), CreatedAt: ms(2 * time.Second)}
	must(t, "ApplyHIU(page)", db.ApplyHIU(c, &hiu.Effects{Transfer: tr, Records: []*hiu.Record{rec}}))
	got, err := db.HIUTransfer(c, "tx1")
	if err != nil || got.ID != "t1" || got.PageCount != 2 || got.Results["OP-1"] != "OK" || len(got.Pages) != 1 || got.Records != 1 {
		t.Fatalf("HIUTransfer(tx) = %+v, %v", got, err)
	}
	if ts, err := db.HIUUnboundTransfers(c, ms(0), 10); err != nil || len(ts) != 0 {
		t.Fatalf("a bound transfer is listed unbound: %v, %v", ts, err)
	}
	// A page added to the transfer as read, when another writer has added
	// one since, writes nothing: neither the transfer nor its records.
	stale := *got
	stale.Pages = nil // as read before page 1 was added
	stale.Status = hiu.TransferRequested
	stale.TransactionID = ""
	late := *got
	late.Pages, late.Records = []int{2}, 2
	lateRec := *rec
	lateRec.ID, lateRec.Patient, lateRec.ConsentID = "rec-late", "ravi@sbx", "a9" // out of the way of the checks below
	wantCode(t, "ApplyHIU(a page over a stale read)", db.ApplyHIU(c, &hiu.Effects{Transfer: &late, TransferWas: &stale, Records: []*hiu.Record{&lateRec}}), arogya.ECONFLICT)
	if again, err := db.HIUTransfer(c, "tx1"); err != nil || len(again.Pages) != 1 || again.Pages[0] != 1 || again.Status != hiu.TransferAccepted {
		t.Fatalf("the transfer after a refused stale write: %+v, %v", again, err)
	}
	if _, err := db.HIURecord(c, "rec-late"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("a refused page's record was kept: %v", err)
	}
	// Over the transfer as it is, it is written.
	late.Pages = []int{1, 2}
	must(t, "ApplyHIU(a page over a fresh read)", db.ApplyHIU(c, &hiu.Effects{Transfer: &late, TransferWas: got, Records: []*hiu.Record{&lateRec}}))
	if again, err := db.HIUTransfer(c, "tx1"); err != nil || len(again.Pages) != 2 || again.Records != 2 {
		t.Fatalf("the transfer after a fresh write: %+v, %v", again, err)
	}
	if _, err := db.HIURecord(c, "rec-late"); err != nil {
		t.Fatalf("a taken page's record: %v", err)
	}
	tr2 := &hiu.Transfer{ID: "t2", ConsentID: "a1", FacilityID: "F", HIPID: "H", From: ms(-time.Hour), To: ms(0), PrivateKey: []byte("k2"), Nonce: "n2",
		KeyExpiresAt: ms(24 * time.Hour), Status: hiu.TransferRequested, CreatedAt: ms(3 * time.Second), UpdatedAt: ms(3 * time.Second)}
	must(t, "ApplyHIU(a second transfer)", db.ApplyHIU(c, &hiu.Effects{Transfer: tr2}))
	if ts, err := db.HIUTransfers(c, "a1", 10); err != nil || len(ts) != 2 || ts[0].ID != "t2" || ts[1].ID != "t1" {
		t.Fatalf("HIUTransfers = %v, %v; want t2 then t1", ts, err)
	}
	if ts, err := db.HIUTransfers(c, "a1", 1); err != nil || len(ts) != 1 {
		t.Fatalf("HIUTransfers(limit 1) = %v, %v", ts, err)
	}
	if ts, err := db.HIUTransfers(c, "a9", 10); err != nil || len(ts) != 0 {
		t.Fatalf("HIUTransfers(another artefact) = %v, %v", ts, err)
	}
	if rs, err := db.HIURecords(c, "F", "asha@sbx", ""); err != nil || len(rs) != 1 || string(rs[0].Sealed) != "sealed" || !rs[0].Date.Equal(ms(-time.Minute)) {
		t.Fatalf("HIURecords = %v, %v", rs, err)
	}
	if rs, err := db.HIURecords(c, "F", "", "a2"); err != nil || len(rs) != 0 {
		t.Fatalf("HIURecords(another consent) = %v, %v", rs, err)
	}
	if r, err := db.HIURecord(c, "rec1"); err != nil || r.ConsentID != "a1" {
		t.Fatalf("HIURecord = %+v, %v", r, err)
	}
	must(t, "ApplyHIU(find)", db.ApplyHIU(c, &hiu.Effects{Find: &hiu.Find{ID: "f1", FacilityID: "F", Query: "asha@sbx", Status: hiu.FindPending, CreatedAt: ms(0)}}))
	must(t, "ApplyHIU(found)", db.ApplyHIU(c, &hiu.Effects{Find: &hiu.Find{ID: "f1", FacilityID: "F", Query: "asha@sbx", Status: hiu.FindFound, PatientID: "asha@sbx", CreatedAt: ms(0)}}))
	if f, err := db.HIUFind(c, "f1"); err != nil || f.Status != hiu.FindFound {
		t.Fatalf("HIUFind = %+v, %v", f, err)
	}

	// A revocation erases what came under the artefact, and its keys.
	n, err := db.EraseHIUConsent(c, "a1", "REVOKED", ms(time.Hour))
	if err != nil || n.Records != 1 || n.Keys != 2 { // t1's and t2's
		t.Fatalf("EraseHIUConsent = %+v, %v", n, err)
	}
	if _, err := db.HIURecord(c, "rec1"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("an erased record is still there: %v", err)
	}
	if a, _ := db.HIUArtefact(c, "a1"); a == nil || a.Status != "REVOKED" || len(a.Contexts) != 0 {
		t.Fatalf("the artefact after revocation: %+v", a)
	}
	if tr, _ := db.HIUTransfer(c, "t1"); tr == nil || tr.PrivateKey != nil || tr.Status != hiu.TransferFailed {
		t.Fatalf("the transfer after revocation: %+v", tr)
	}
}

func testHIUErase(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	art := func(id string, erase time.Time) *hiu.Artefact {
		return &hiu.Artefact{ID: id, ConsentRequestID: "r", FacilityID: "F", Status: "GRANTED", HITypes: []string{"Prescription"}, EraseAt: erase, UpdatedAt: ms(0)}
	}
	rec := func(id, consent string, erase time.Time) *hiu.Record {
		return &hiu.Record{ID: id, FacilityID: "F", ConsentID: consent, TransactionID: "tx", Patient: "p@sbx", HIPID: "H", ContextRef: "c", HIType: "Prescription",
			Date: ms(0), SHA256: "s", Sealed: []byte("x"), EraseAt: erase, CreatedAt: ms(0)}
	}
	must(t, "ApplyHIU", db.ApplyHIU(c, &hiu.Effects{
		Artefacts: []*hiu.Artefact{art("old", ms(time.Hour)), art("new", ms(48*time.Hour)), {ID: "fetching", ConsentRequestID: "r", FacilityID: "F", Status: hiu.ArtefactFetching, UpdatedAt: ms(0)}},
		Records:   []*hiu.Record{rec("r-old", "old", ms(time.Hour)), rec("r-new", "new", ms(48*time.Hour))},
		Transfer: &hiu.Transfer{ID: "t-old", ConsentID: "old", FacilityID: "F", PrivateKey: []byte("k"), Nonce: "n", KeyExpiresAt: ms(72 * time.Hour),
			Status: hiu.TransferAccepted, CreatedAt: ms(0), UpdatedAt: ms(0)},
	}))
	must(t, "ApplyHIU", db.ApplyHIU(c, &hiu.Effects{Transfer: &hiu.Transfer{ID: "t-expired", ConsentID: "new", FacilityID: "F", PrivateKey: []byte("k"), Nonce: "n",
		KeyExpiresAt: ms(time.Minute), Status: hiu.TransferRequested, CreatedAt: ms(0), UpdatedAt: ms(0)}}))
	must(t, "ApplyHIU", db.ApplyHIU(c, &hiu.Effects{Transfer: &hiu.Transfer{ID: "t-live", ConsentID: "new", FacilityID: "F", PrivateKey: []byte("k"), Nonce: "n",
		KeyExpiresAt: ms(72 * time.Hour), Status: hiu.TransferRequested, CreatedAt: ms(0), UpdatedAt: ms(0)}}))
	n, err := db.EraseHIUDue(c, ms(2*time.Hour))
	if err != nil || n != (hiu.Erased{Records: 1, Artefacts: 1, Keys: 2}) {
		t.Fatalf("EraseHIUDue = %+v, %v; want the old artefact, its record, and two keys", n, err)
	}
	if _, err := db.HIUArtefact(c, "fetching"); err != nil {
		t.Fatalf("an artefact being fetched was erased: %v", err)
	}
	if tr, _ := db.HIUTransfer(c, "t-expired"); tr == nil || tr.PrivateKey != nil || tr.Status != hiu.TransferExpired {
		t.Fatalf("an expired transfer: %+v", tr)
	}
	if tr, _ := db.HIUTransfer(c, "t-live"); tr == nil || tr.PrivateKey == nil {
		t.Fatalf("a live transfer lost its key: %+v", tr)
	}
	if rs, _ := db.HIURecords(c, "F", "p@sbx", ""); len(rs) != 1 || rs[0].ID != "r-new" {
		t.Fatalf("records left: %v", rs)
	}
	if n, err := db.EraseHIUDue(c, ms(2*time.Hour)); err != nil || n != (hiu.Erased{}) {
		t.Fatalf("EraseHIUDue again = %+v, %v; want nothing", n, err)
	}
}

func testHIUStaff(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	s := &hiu.Staff{FacilityID: "F", HPRID: "71234567890123", Name: "Dr. Meera Rao", PasswordHash: "h1", MustChange: true, CreatedAt: ms(0)}
	must(t, "AddHIUStaff", db.AddHIUStaff(c, s))
	wantCode(t, "AddHIUStaff(again)", db.AddHIUStaff(c, s), arogya.ECONFLICT)
	must(t, "SetHIUStaffPassword", db.SetHIUStaffPassword(c, "F", s.HPRID, "h2"))
	if got, err := db.HIUStaff(c, "F", s.HPRID); err != nil || got.MustChange || got.PasswordHash != "h2" {
		t.Fatalf("HIUStaff = %+v, %v", got, err)
	}
	must(t, "DisableHIUStaff", db.DisableHIUStaff(c, "F", s.HPRID, ms(time.Hour)))
	if list, err := db.HIUStaffList(c, "F"); err != nil || len(list) != 1 || !list[0].DisabledAt.Equal(ms(time.Hour)) {
		t.Fatalf("HIUStaffList = %v, %v", list, err)
	}
	wantCode(t, "DisableHIUStaff(unknown)", db.DisableHIUStaff(c, "F", "00000000000000", ms(0)), arogya.ENOTFOUND)
}
