package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// acceptConsents stores the requests, each with an inbound message.
func acceptConsents(t *testing.T, db *sqldb.DB, rs ...*consent.Request) {
	t.Helper()
	for i, r := range rs {
		must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", r.ID+"-in-"+string(rune('a'+i))),
			gateway.Effects{ConsentRequests: []*consent.Request{r}}))
	}
}

func testConsentByPatient(t *testing.T, db *sqldb.DB) {
	var rs []*consent.Request
	for i := range 5 {
		r := consentReq(100 + i)
		r.Patient = "asha.devi@sbx"
		r.CreatedAt, r.UpdatedAt = ms(time.Duration(i)*time.Minute), ms(time.Duration(i)*time.Minute)
		if i == 3 {
			r.Status = consent.StatusDenied
		}
		rs = append(rs, r)
	}
	someoneElse := consentReq(200)
	acceptConsents(t, db, append(rs, someoneElse)...)
	ids := func(got []*consent.Request) []string {
		var out []string
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		status        string
		limit, offset int
		want          []*consent.Request
	}{
		{"", 10, 0, []*consent.Request{rs[4], rs[3], rs[2], rs[1], rs[0]}},
		{consent.StatusRequested, 10, 0, []*consent.Request{rs[4], rs[2], rs[1], rs[0]}},
		{consent.StatusDenied, 10, 0, []*consent.Request{rs[3]}},
		{"", 2, 1, []*consent.Request{rs[3], rs[2]}},
		{consent.StatusGranted, 10, 0, nil},
	} {
		got, err := db.ConsentRequestsByPatient(ctx(t), "asha.devi@sbx", tc.status, tc.limit, tc.offset)
		must(t, "ConsentRequestsByPatient", err)
		if g, w := ids(got), ids(tc.want); len(g) != len(w) || (len(g) > 0 && g[0] != w[0]) || (len(g) > 1 && g[len(g)-1] != w[len(w)-1]) {
			t.Errorf("status %q limit %d offset %d: got %v, want %v", tc.status, tc.limit, tc.offset, g, w)
		}
	}
	if got, err := db.ConsentRequestsByPatient(ctx(t), "nobody@sbx", "", 10, 0); err != nil || len(got) != 0 {
		t.Fatalf("unknown patient: %v %v", got, err)
	}
}

func testConsentDecide(t *testing.T, db *sqldb.DB) {
	r := consentReq(300)
	acceptConsents(t, db, r)
	at := ms(time.Hour)
	o := outbound(300)
	must(t, "DecideConsentRequest", db.DecideConsentRequest(ctx(t), r.ID, consent.StatusRequested, consent.StatusDenied, at, []*gateway.Outbound{o}))
	got, err := db.ConsentRequest(ctx(t), r.ID)
	must(t, "ConsentRequest", err)
	if got.Status != consent.StatusDenied || !got.UpdatedAt.Equal(at) {
		t.Fatalf("after decide: status %s updated %s", got.Status, got.UpdatedAt)
	}
	if o.ID == 0 {
		t.Fatal("the notice was not stored")
	}
	if _, err := db.Outbound(ctx(t), o.ID); err != nil {
		t.Fatalf("notice: %v", err)
	}
	// A second decision from the old status conflicts and enqueues nothing.
	o2 := outbound(301)
	err = db.DecideConsentRequest(ctx(t), r.ID, consent.StatusRequested, consent.StatusGranted, at, []*gateway.Outbound{o2})
	if arogya.ErrorCode(err) != arogya.ECONFLICT || o2.ID != 0 {
		t.Fatalf("stale decision: %v (notice id %d)", err, o2.ID)
	}
	counts, err := db.OutboundCounts(ctx(t))
	must(t, "OutboundCounts", err)
	if counts[gateway.OutPending] != 1 {
		t.Fatalf("pending notices %d, want 1", counts[gateway.OutPending])
	}
	err = db.DecideConsentRequest(ctx(t), "0c3b1f5e-7d2a-4c8e-9b61-999999999999", consent.StatusRequested, consent.StatusDenied, at, nil)
	if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("unknown request: %v", err)
	}
}

func testConsentGrant(t *testing.T, db *sqldb.DB) {
	r := consentReq(400)
	acceptConsents(t, db, r)
	at := ms(2 * time.Hour)
	arts := []*consent.Artefact{
		{ID: "a1000000-0000-4000-8000-000000000001", RequestID: r.ID, Status: consent.StatusGranted, Patient: r.Patient,
			HIPID: "IN2710001234", HIUID: r.HIU.ID, BridgeID: r.BridgeID, EraseAt: ms(48 * time.Hour),
			Detail: []byte(`{"consentId":"a1000000-0000-4000-8000-000000000001","hip":{"id":"IN2710001234"}}`), Signature: "h.p.s"},
		{ID: "a1000000-0000-4000-8000-000000000002", RequestID: r.ID, Status: consent.StatusGranted, Patient: r.Patient,
			HIPID: "IN2710005678", HIUID: r.HIU.ID, BridgeID: r.BridgeID, EraseAt: ms(24 * time.Hour),
			Detail: []byte(`{"consentId":"a1000000-0000-4000-8000-000000000002"}`), Signature: "h.p.t"},
	}
	o := outbound(400)
	must(t, "GrantConsentRequest", db.GrantConsentRequest(ctx(t), r.ID, consent.StatusRequested, at, arts, []*gateway.Outbound{o}))
	got, err := db.Artefact(ctx(t), arts[0].ID)
	must(t, "Artefact", err)
	if got.RequestID != r.ID || got.HIPID != "IN2710001234" || string(got.Detail) != string(arts[0].Detail) || got.Signature != "h.p.s" ||
		!got.EraseAt.Equal(arts[0].EraseAt) || !got.CreatedAt.Equal(at) || got.Status != consent.StatusGranted {
		t.Fatalf("artefact round trip: %+v", got)
	}
	list, err := db.ArtefactsByRequest(ctx(t), r.ID)
	must(t, "ArtefactsByRequest", err)
	if len(list) != 2 || list[0].ID != arts[0].ID || list[1].ID != arts[1].ID {
		t.Fatalf("artefacts of the request: %d", len(list))
	}
	req, err := db.ConsentRequest(ctx(t), r.ID)
	must(t, "ConsentRequest", err)
	if req.Status != consent.StatusGranted {
		t.Fatalf("request status %s", req.Status)
	}
	// Granting again conflicts and stores nothing more.
	again := []*consent.Artefact{{ID: "a1000000-0000-4000-8000-000000000003", RequestID: r.ID, Status: consent.StatusGranted,
		Patient: r.Patient, HIPID: "X", HIUID: "Y", BridgeID: "Z", EraseAt: at, Detail: []byte(`{}`), Signature: "s"}}
	if err := db.GrantConsentRequest(ctx(t), r.ID, consent.StatusRequested, at, again, nil); arogya.ErrorCode(err) != arogya.ECONFLICT {
		t.Fatalf("second grant: %v", err)
	}
	if _, err := db.Artefact(ctx(t), again[0].ID); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("artefact of a refused grant: %v", err)
	}
}

func testConsentArtefactEnd(t *testing.T, db *sqldb.DB) {
	r := consentReq(500)
	acceptConsents(t, db, r)
	mk := func(n int, erase time.Duration) *consent.Artefact {
		return &consent.Artefact{ID: "b1000000-0000-4000-8000-00000000000" + string(rune('0'+n)), RequestID: r.ID, Status: consent.StatusGranted,
			Patient: r.Patient, HIPID: "IN2710001234", HIUID: r.HIU.ID, BridgeID: r.BridgeID, EraseAt: ms(erase), Detail: []byte(`{}`), Signature: "s"}
	}
	arts := []*consent.Artefact{mk(1, time.Hour), mk(2, 3*time.Hour), mk(3, 2*time.Hour)}
	must(t, "GrantConsentRequest", db.GrantConsentRequest(ctx(t), r.ID, consent.StatusRequested, ms(0), arts, nil))

	due, err := db.ArtefactsDue(ctx(t), ms(150*time.Minute), 10)
	must(t, "ArtefactsDue", err)
	if len(due) != 2 || due[0].ID != arts[0].ID || due[1].ID != arts[2].ID {
		t.Fatalf("due: %d", len(due))
	}
	// All or nothing: one artefact not GRANTED stops the change.
	o := outbound(500)
	must(t, "ChangeArtefacts", db.ChangeArtefacts(ctx(t), []string{arts[0].ID}, consent.StatusGranted, consent.StatusRevoked, ms(time.Minute), []*gateway.Outbound{o}))
	err = db.ChangeArtefacts(ctx(t), []string{arts[2].ID, arts[0].ID}, consent.StatusGranted, consent.StatusExpired, ms(time.Minute), nil)
	if arogya.ErrorCode(err) != arogya.ECONFLICT {
		t.Fatalf("changing a revoked artefact: %v", err)
	}
	if a, _ := db.Artefact(ctx(t), arts[2].ID); a.Status != consent.StatusGranted {
		t.Fatalf("a refused change changed an artefact to %s", a.Status)
	}
	if err := db.ChangeArtefacts(ctx(t), []string{"b1000000-0000-4000-8000-000000000009"}, consent.StatusGranted, consent.StatusRevoked, ms(0), nil); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("unknown artefact: %v", err)
	}
	if a, _ := db.Artefact(ctx(t), arts[0].ID); a.Status != consent.StatusRevoked || o.ID == 0 {
		t.Fatalf("revoked artefact: %s, notice %d", a.Status, o.ID)
	}
	due, err = db.ArtefactsDue(ctx(t), ms(150*time.Minute), 10)
	must(t, "ArtefactsDue", err)
	if len(due) != 1 || due[0].ID != arts[2].ID {
		t.Fatalf("due after revocation: %d", len(due))
	}
}

func testConsentFlows(t *testing.T, db *sqldb.DB) {
	f := &consent.Flow{TransactionID: "c1000000-0000-4000-8000-000000000001", ArtefactID: "a1", HIPID: "IN2710001234", HIUID: "IN2810014366",
		BridgeID: "hiu-bridge", From: ms(-time.Hour), To: ms(0), Status: consent.FlowRequested, RequestedAt: ms(time.Minute)}
	must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", "flow-1"), gateway.Effects{Flows: []*consent.Flow{f}}))
	got, err := db.Flow(ctx(t), f.TransactionID)
	must(t, "Flow", err)
	if got.ArtefactID != "a1" || got.Status != consent.FlowRequested || !got.From.Equal(f.From) || !got.RequestedAt.Equal(f.RequestedAt) {
		t.Fatalf("flow round trip: %+v", got)
	}
	for _, tc := range []struct {
		since time.Duration
		want  int
	}{{0, 1}, {time.Minute, 1}, {2 * time.Minute, 0}} {
		n, err := db.FlowsSince(ctx(t), "a1", ms(tc.since))
		must(t, "FlowsSince", err)
		if n != tc.want {
			t.Errorf("since %s: %d, want %d", tc.since, n, tc.want)
		}
	}
	update := func(req string, from []string, to string) {
		must(t, "Accept", db.Accept(ctx(t), inbound("hip-bridge", req), gateway.Effects{FlowUpdates: []consent.FlowUpdate{
			{TransactionID: f.TransactionID, From: from, To: to, At: ms(2 * time.Minute)}}}))
	}
	update("u1", []string{consent.FlowRequested}, consent.FlowAcknowledged)
	update("u2", []string{consent.FlowRequested, consent.FlowAcknowledged}, consent.FlowTransferred)
	update("u3", []string{consent.FlowRequested}, consent.FlowFailed) // late: no longer REQUESTED
	if got, _ = db.Flow(ctx(t), f.TransactionID); got.Status != consent.FlowTransferred || !got.UpdatedAt.Equal(ms(2*time.Minute)) {
		t.Fatalf("after updates: %+v", got)
	}
	if _, err := db.Flow(ctx(t), "c1000000-0000-4000-8000-000000000009"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("unknown flow: %v", err)
	}
}

func testConsentPIN(t *testing.T, db *sqldb.DB) {
	if _, err := db.ConsentPIN(ctx(t), "asha.devi@sbx"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("no pin yet: %v", err)
	}
	p := &consent.PIN{Patient: "asha.devi@sbx", Hash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", UpdatedAt: ms(0)}
	must(t, "PutConsentPIN", db.PutConsentPIN(ctx(t), p))
	p2 := *p
	p2.Failures, p2.LockedUntil, p2.UpdatedAt = 5, ms(15*time.Minute), ms(time.Minute)
	must(t, "PutConsentPIN again", db.PutConsentPIN(ctx(t), &p2))
	got, err := db.ConsentPIN(ctx(t), "asha.devi@sbx")
	must(t, "ConsentPIN", err)
	if got.Hash != p.Hash || got.Failures != 5 || !got.LockedUntil.Equal(p2.LockedUntil) || !got.UpdatedAt.Equal(p2.UpdatedAt) {
		t.Fatalf("pin round trip: %+v", got)
	}
}

func testConsentAccessLog(t *testing.T, db *sqldb.DB) {
	r := consentReq(600)
	r.Patient = "kavya.rao@sbx"
	acceptConsents(t, db, r)
	art := func(n int, patient string) *consent.Artefact {
		return &consent.Artefact{ID: "d1000000-0000-4000-8000-00000000000" + string(rune('0'+n)), RequestID: r.ID, Status: consent.StatusGranted,
			Patient: patient, HIPID: "IN2710001234", HIUID: r.HIU.ID, BridgeID: r.BridgeID, EraseAt: ms(time.Hour), Detail: []byte(`{}`), Signature: "s"}
	}
	mine, theirs := art(1, "kavya.rao@sbx"), art(2, "someone.else@sbx")
	must(t, "GrantConsentRequest", db.GrantConsentRequest(ctx(t), r.ID, consent.StatusRequested, ms(0), []*consent.Artefact{mine, theirs}, nil))
	flow := func(n int, a *consent.Artefact, at time.Duration) *consent.Flow {
		return &consent.Flow{TransactionID: "e1000000-0000-4000-8000-00000000000" + string(rune('0'+n)), ArtefactID: a.ID, HIPID: a.HIPID,
			HIUID: a.HIUID, BridgeID: a.BridgeID, From: ms(-time.Hour), To: ms(0), Status: consent.FlowRequested, RequestedAt: ms(at)}
	}
	fs := []*consent.Flow{flow(1, mine, time.Minute), flow(2, theirs, 2*time.Minute), flow(3, mine, 3*time.Minute), flow(4, mine, 4*time.Minute)}
	must(t, "Accept", db.Accept(ctx(t), inbound("hiu-bridge", "access-log-flows"), gateway.Effects{Flows: fs}))
	for _, tc := range []struct {
		patient       string
		limit, offset int
		want          []string
	}{
		{"kavya.rao@sbx", 10, 0, []string{fs[3].TransactionID, fs[2].TransactionID, fs[0].TransactionID}},
		{"kavya.rao@sbx", 1, 1, []string{fs[2].TransactionID}},
		{"someone.else@sbx", 10, 0, []string{fs[1].TransactionID}},
		{"nobody@sbx", 10, 0, nil},
	} {
		got, err := db.FlowsByPatient(ctx(t), tc.patient, tc.limit, tc.offset)
		must(t, "FlowsByPatient", err)
		var ids []string
		for _, f := range got {
			ids = append(ids, f.TransactionID)
		}
		if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s limit %d offset %d: got %v, want %v", tc.patient, tc.limit, tc.offset, ids, tc.want)
		}
	}
	if got, _ := db.FlowsByPatient(ctx(t), "kavya.rao@sbx", 1, 0); len(got) != 1 || got[0].ArtefactID != mine.ID || !got[0].RequestedAt.Equal(ms(4*time.Minute)) {
		t.Fatalf("the newest flow round trip: %+v", got)
	}
}

func testConsentLock(t *testing.T, db *sqldb.DB) {
	check := func(what string, wantLocked bool, wantAt time.Time) {
		t.Helper()
		at, locked, err := db.ConsentLock(ctx(t), "meera.nair@sbx")
		must(t, "ConsentLock", err)
		if locked != wantLocked || !at.Equal(wantAt) {
			t.Fatalf("%s: locked %v at %v, want %v at %v", what, locked, at, wantLocked, wantAt)
		}
	}
	check("never locked", false, time.Time{})
	must(t, "lock", db.SetConsentLock(ctx(t), "meera.nair@sbx", true, ms(time.Minute)))
	must(t, "lock again", db.SetConsentLock(ctx(t), "meera.nair@sbx", true, ms(time.Hour)))
	check("locked twice: the first time stays", true, ms(time.Minute))
	if _, locked, _ := db.ConsentLock(ctx(t), "someone.else@sbx"); locked {
		t.Fatal("another person is locked too")
	}
	must(t, "unlock", db.SetConsentLock(ctx(t), "meera.nair@sbx", false, ms(2*time.Hour)))
	must(t, "unlock again", db.SetConsentLock(ctx(t), "meera.nair@sbx", false, ms(3*time.Hour)))
	check("unlocked", false, time.Time{})
}
