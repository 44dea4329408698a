package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// testHIPBridge: the node keeps one bridge; storing another replaces it.
func testHIPBridge(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	_, err := db.HIPBridge(c)
	wantCode(t, "HIPBridge(none)", err, arogya.ENOTFOUND)
	must(t, "PutHIPBridge", db.PutHIPBridge(c, &hip.BridgeCreds{ID: "arogya-hip-1", ClientID: "c1", Secret: []byte{1, 0, 2}, GatewayURL: "http://g/gateway", CreatedAt: ms(0)}))
	must(t, "PutHIPBridge(again)", db.PutHIPBridge(c, &hip.BridgeCreds{ID: "arogya-hip-2", ClientID: "c2", Secret: []byte{3}, GatewayURL: "http://h/gateway", CreatedAt: ms(time.Second)}))
	b, err := db.HIPBridge(c)
	must(t, "HIPBridge", err)
	if b.ID != "arogya-hip-2" || b.ClientID != "c2" || string(b.Secret) != "\x03" || b.GatewayURL != "http://h/gateway" || !b.CreatedAt.Equal(ms(time.Second)) {
		t.Fatalf("HIPBridge = %+v", b)
	}
}

// testHIPJobs: a job is stored once by ID; a claim leases due jobs, oldest
// due first, and a second claim during the lease gets none of them; a
// retry makes a job due later, or dead.
func testHIPJobs(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	job := func(id string, due time.Duration) *hip.Job {
		return &hip.Job{ID: id, Kind: hip.JobSend, FacilityID: "IN2810000001", Path: "/v0.5/x", Body: []byte(`{"a":1}`), NextAt: ms(due), CreatedAt: ms(0)}
	}
	n, err := db.AddHIPJobs(c, job("b", 2*time.Second), job("a", time.Second), job("later", time.Hour))
	must(t, "AddHIPJobs", err)
	if n != 3 {
		t.Fatalf("AddHIPJobs added %d, want 3", n)
	}
	if n, err = db.AddHIPJobs(c, job("a", 0)); err != nil || n != 0 {
		t.Fatalf("AddHIPJobs(repeat) = %d, %v; want 0", n, err)
	}
	now := ms(time.Minute)
	got, err := db.ClaimHIPJobs(c, now, now.Add(time.Minute), 10, false)
	must(t, "ClaimHIPJobs", err)
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" || string(got[0].Body) != `{"a":1}` || got[0].Status != hip.JobPending {
		t.Fatalf("ClaimHIPJobs = %d jobs, first %+v", len(got), got[0])
	}
	if again, err := db.ClaimHIPJobs(c, now, now.Add(time.Minute), 10, false); err != nil || len(again) != 0 {
		t.Fatalf("ClaimHIPJobs(leased) = %d jobs, %v", len(again), err)
	}
	// After the lease runs out (a node died), another claim takes them.
	after := now.Add(2 * time.Minute)
	if again, err := db.ClaimHIPJobs(c, after, after.Add(time.Minute), 1, false); err != nil || len(again) != 1 || again[0].ID != "a" {
		t.Fatalf("ClaimHIPJobs(after the lease) = %v, %v", again, err)
	}
	must(t, "RetryHIPJob", db.RetryHIPJob(c, "a", 1, after.Add(time.Hour), "HTTP 503", false))
	must(t, "RetryHIPJob(dead)", db.RetryHIPJob(c, "b", 16, after, "refused", true))
	a, err := db.HIPJob(c, "a")
	must(t, "HIPJob", err)
	if a.Attempts != 1 || a.LastError != "HTTP 503" || !a.NextAt.Equal(after.Add(time.Hour)) || a.Status != hip.JobPending {
		t.Fatalf("after retry: %+v", a)
	}
	b, err := db.HIPJob(c, "b")
	must(t, "HIPJob(b)", err)
	if b.Status != hip.JobDead {
		t.Fatalf("dead job: %+v", b)
	}
	late := after.Add(2 * time.Hour)
	got, err = db.ClaimHIPJobs(c, late, late.Add(time.Minute), 10, false)
	must(t, "ClaimHIPJobs(late)", err)
	if ids := fmt.Sprint(jobIDs(got)); ids != "[later a]" {
		t.Fatalf("ClaimHIPJobs(late) = %s, want [later a], by due time (never the dead one)", ids)
	}
	must(t, "FinishHIPJob", db.FinishHIPJob(c, "a", late, nil))
	// Transfers are claimed apart from the other jobs.
	tr := job("transfer:1", 0)
	tr.Kind = hip.JobTransfer
	_, err = db.AddHIPJobs(c, tr)
	must(t, "AddHIPJobs(transfer)", err)
	late = late.Add(time.Hour)
	if got, err := db.ClaimHIPJobs(c, late, late.Add(time.Minute), 10, false); err != nil || fmt.Sprint(jobIDs(got)) != "[later]" {
		t.Fatalf("ClaimHIPJobs(not transfers) = %v, %v", jobIDs(got), err)
	}
	if got, err := db.ClaimHIPJobs(c, late, late.Add(time.Minute), 10, true); err != nil || fmt.Sprint(jobIDs(got)) != "[transfer:1]" {
		t.Fatalf("ClaimHIPJobs(transfers) = %v, %v", jobIDs(got), err)
	}
	a, err = db.HIPJob(c, "a")
	must(t, "HIPJob(done)", err)
	if a.Status != hip.JobDone {
		t.Fatalf("finished job: %+v", a)
	}
	_, err = db.HIPJob(c, "missing")
	wantCode(t, "HIPJob(missing)", err, arogya.ENOTFOUND)
}

func jobIDs(js []*hip.Job) []string {
	var ids []string
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	return ids
}

// testHIPJobEffects: a finished job's effects are written with it: a
// discovery, a link request (inserted, then updated only from the version
// read), links, a consent copy and its tombstone, linking steps, new jobs.
func testHIPJobEffects(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	f := "IN2810000001"
	_, err := db.AddHIPJobs(c, &hip.Job{ID: "in:1", Kind: hip.JobInbound, FacilityID: f, Path: "care-contexts/discover", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)})
	must(t, "AddHIPJobs", err)
	lr := &hip.LinkRequest{Ref: "L1", FacilityID: f, TransactionID: "T1", ABHAAddress: "asha@sbx", PatientRef: "MRN-1", ContextRefs: []string{"V1", "V2"},
		OTPHash: []byte{9, 9}, ExpiresAt: ms(10 * time.Minute), Version: 1, CreatedAt: ms(0)}
	fx := &hip.Effects{
		Discovery:   &hip.Discovery{TransactionID: "T1", FacilityID: f, ABHAAddress: "asha@sbx", PatientRef: "MRN-1", ContextRefs: []string{"V1", "V2"}, Mobile: "9876543210", CreatedAt: ms(0)},
		LinkRequest: lr,
		Links:       []*hip.Link{{FacilityID: f, ContextRef: "V0", ABHAAddress: "asha@sbx", PatientRef: "MRN-1", ByHIP: true, LinkedAt: ms(time.Second)}},
		Consent: &hip.Consent{ID: "C1", FacilityID: f, Status: "GRANTED", ABHAAddress: "asha@sbx", HIUID: "IN2810000009",
			Contexts: []hip.ConsentContext{{PatientRef: "MRN-1", ContextRef: "V1"}}, HITypes: []string{"OPConsultation"},
			From: ms(0), To: ms(time.Hour), EraseAt: ms(48 * time.Hour), ExpiresAt: ms(48 * time.Hour), UpdatedAt: ms(0)},
		LinkSteps: []*hip.LinkStep{{RequestID: "R1", Step: "users/auth/init", FacilityID: f, ContextRef: "V0", ABHAAddress: "asha@sbx", Status: "SENT", CreatedAt: ms(0)}},
		Jobs:      []*hip.Job{{ID: "out:1", Kind: hip.JobSend, FacilityID: f, Path: "/v0.5/care-contexts/on-discover", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)}},
	}
	must(t, "FinishHIPJob", db.FinishHIPJob(c, "in:1", ms(time.Second), fx))

	d, err := db.HIPDiscovery(c, "T1")
	must(t, "HIPDiscovery", err)
	if d.PatientRef != "MRN-1" || fmt.Sprint(d.ContextRefs) != "[V1 V2]" || d.Mobile != "9876543210" || d.ABHAAddress != "asha@sbx" {
		t.Fatalf("HIPDiscovery = %+v", d)
	}
	_, err = db.HIPDiscovery(c, "T9")
	wantCode(t, "HIPDiscovery(missing)", err, arogya.ENOTFOUND)
	got, err := db.HIPLinkRequest(c, "L1")
	must(t, "HIPLinkRequest", err)
	if got.Version != 1 || got.Tries != 0 || string(got.OTPHash) != "\x09\x09" || !got.ExpiresAt.Equal(ms(10*time.Minute)) || fmt.Sprint(got.ContextRefs) != "[V1 V2]" {
		t.Fatalf("HIPLinkRequest = %+v", got)
	}
	links, err := db.HIPLinks(c, f, "V0")
	must(t, "HIPLinks", err)
	if len(links) != 1 || !links[0].ByHIP || links[0].ABHAAddress != "asha@sbx" {
		t.Fatalf("HIPLinks = %v", links)
	}
	co, err := db.HIPConsent(c, "C1")
	must(t, "HIPConsent", err)
	if co.Status != "GRANTED" || len(co.Contexts) != 1 || co.Contexts[0].ContextRef != "V1" || fmt.Sprint(co.HITypes) != "[OPConsultation]" ||
		!co.To.Equal(ms(time.Hour)) || !co.ExpiresAt.Equal(ms(48*time.Hour)) || co.HIUID != "IN2810000009" {
		t.Fatalf("HIPConsent = %+v", co)
	}
	st, err := db.HIPLinkStep(c, "R1")
	must(t, "HIPLinkStep", err)
	if st.Step != "users/auth/init" || st.Status != "SENT" || st.ContextRef != "V0" {
		t.Fatalf("HIPLinkStep = %+v", st)
	}
	if j, err := db.HIPJob(c, "out:1"); err != nil || j.Status != hip.JobPending {
		t.Fatalf("the effect's job: %+v, %v", j, err)
	}

	// A wrong OTP: the update names the version read; a stale one fails
	// and changes nothing, the job staying undone.
	_, err = db.AddHIPJobs(c, &hip.Job{ID: "in:2", Kind: hip.JobInbound, FacilityID: f, Path: "links/link/confirm", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)})
	must(t, "AddHIPJobs(2)", err)
	upd := *got
	upd.Tries, upd.Version = 1, 2
	stale := upd
	must(t, "FinishHIPJob(try)", db.FinishHIPJob(c, "in:2", ms(time.Second), &hip.Effects{LinkRequest: &upd,
		LinkSteps: []*hip.LinkStep{{RequestID: "R1", Step: "users/auth/init", FacilityID: f, ContextRef: "V0", ABHAAddress: "asha@sbx", Status: "FAILED", CreatedAt: ms(0)}}}))
	_, err = db.AddHIPJobs(c, &hip.Job{ID: "in:3", Kind: hip.JobInbound, FacilityID: f, Path: "links/link/confirm", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)})
	must(t, "AddHIPJobs(3)", err)
	wantCode(t, "FinishHIPJob(stale)", db.FinishHIPJob(c, "in:3", ms(time.Second), &hip.Effects{LinkRequest: &stale,
		Consent: &hip.Consent{ID: "C1", FacilityID: f, Status: "REVOKED", UpdatedAt: ms(time.Minute)}}), arogya.ECONFLICT)
	if j, _ := db.HIPJob(c, "in:3"); j.Status != hip.JobPending {
		t.Fatalf("a failed finish marked the job %s", j.Status)
	}
	if co, _ := db.HIPConsent(c, "C1"); co.Status != "GRANTED" {
		t.Fatal("a failed finish wrote its consent")
	}
	if got, _ := db.HIPLinkRequest(c, "L1"); got.Tries != 1 || got.Version != 2 {
		t.Fatalf("after a wrong OTP: %+v", got)
	}
	if st, _ := db.HIPLinkStep(c, "R1"); st.Status != "FAILED" {
		t.Fatalf("the step's status: %s", st.Status)
	}
	steps, err := db.HIPLinkSteps(c, f, "V0")
	must(t, "HIPLinkSteps", err)
	if len(steps) != 1 {
		t.Fatalf("HIPLinkSteps = %d", len(steps))
	}
	// Revocation leaves a tombstone; the link request goes.
	must(t, "FinishHIPJob(revoke)", db.FinishHIPJob(c, "in:3", ms(time.Second), &hip.Effects{DropLink: "L1",
		Consent: &hip.Consent{ID: "C1", FacilityID: f, Status: "REVOKED", UpdatedAt: ms(time.Minute)}}))
	co, err = db.HIPConsent(c, "C1")
	must(t, "HIPConsent(tombstone)", err)
	if co.Status != "REVOKED" || len(co.Contexts) != 0 || len(co.HITypes) != 0 || co.ABHAAddress != "" {
		t.Fatalf("tombstone = %+v", co)
	}
	_, err = db.HIPLinkRequest(c, "L1")
	wantCode(t, "HIPLinkRequest(dropped)", err, arogya.ENOTFOUND)

	// Purge: finished jobs and discoveries before the cut go; pending jobs,
	// tombstones and links stay; a granted copy past its end expires.
	_, err = db.AddHIPJobs(c, &hip.Job{ID: "in:4", Kind: hip.JobInbound, FacilityID: f, Path: "consents/hip/notify", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)})
	must(t, "AddHIPJobs(4)", err)
	must(t, "FinishHIPJob(grant)", db.FinishHIPJob(c, "in:4", ms(time.Second), &hip.Effects{Consent: &hip.Consent{ID: "C2", FacilityID: f, Status: "GRANTED",
		ABHAAddress: "asha@sbx", Contexts: []hip.ConsentContext{{PatientRef: "MRN-1", ContextRef: "V1"}}, HITypes: []string{"OPConsultation"},
		From: ms(0), To: ms(time.Hour), EraseAt: ms(2 * time.Hour), ExpiresAt: ms(2 * time.Hour), UpdatedAt: ms(0)}}))
	n, err := db.PurgeHIP(c, ms(time.Minute), ms(3*time.Hour))
	must(t, "PurgeHIP", err)
	if n < 5 {
		t.Errorf("PurgeHIP changed %d rows, want at least 5", n)
	}
	_, err = db.HIPJob(c, "in:1")
	wantCode(t, "HIPJob(purged)", err, arogya.ENOTFOUND)
	_, err = db.HIPDiscovery(c, "T1")
	wantCode(t, "HIPDiscovery(purged)", err, arogya.ENOTFOUND)
	if j, err := db.HIPJob(c, "out:1"); err != nil || j.Status != hip.JobPending {
		t.Fatalf("a pending job was purged: %v", err)
	}
	if co, err := db.HIPConsent(c, "C2"); err != nil || co.Status != "EXPIRED" || len(co.Contexts) != 0 || co.ABHAAddress != "" {
		t.Fatalf("a consent past its end: %+v %v", co, err)
	}
	if co, err := db.HIPConsent(c, "C1"); err != nil || co.Status != "REVOKED" {
		t.Fatalf("the tombstone: %+v %v", co, err)
	}
	if links, _ := db.HIPLinks(c, f, "V0"); len(links) != 1 {
		t.Fatal("a link was purged")
	}
}
