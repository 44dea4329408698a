package storetest

import (
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// testHIPLinkTokens: a finished job keeps a v3 link token per facility and
// ABHA address, replaces it, drops it; a purge forgets expired ones.
func testHIPLinkTokens(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	f, g := "IN2810000001", "IN2810000002"
	finish := func(id string, fx *hip.Effects) {
		t.Helper()
		_, err := db.AddHIPJobs(c, &hip.Job{ID: id, Kind: hip.JobInbound, FacilityID: f, Path: "x", Body: []byte("{}"), NextAt: ms(0), CreatedAt: ms(0)})
		must(t, "AddHIPJobs", err)
		must(t, "FinishHIPJob", db.FinishHIPJob(c, id, ms(time.Second), fx))
	}
	_, err := db.HIPLinkToken(c, f, "asha@sbx")
	wantCode(t, "HIPLinkToken(none)", err, arogya.ENOTFOUND)
	finish("in:t1", &hip.Effects{LinkToken: &hip.LinkToken{FacilityID: f, ABHAAddress: "asha@sbx", Sealed: []byte{1, 0, 2}, ExpiresAt: ms(time.Hour), CreatedAt: ms(0)}})
	finish("in:t2", &hip.Effects{LinkToken: &hip.LinkToken{FacilityID: g, ABHAAddress: "asha@sbx", Sealed: []byte{7}, ExpiresAt: ms(2 * time.Hour), CreatedAt: ms(0)}})
	tok, err := db.HIPLinkToken(c, f, "asha@sbx")
	must(t, "HIPLinkToken", err)
	if string(tok.Sealed) != "\x01\x00\x02" || !tok.ExpiresAt.Equal(ms(time.Hour)) || tok.FacilityID != f || tok.ABHAAddress != "asha@sbx" {
		t.Fatalf("HIPLinkToken = %+v", tok)
	}
	// Replaced: a drop and a new token in one job leave the new one.
	finish("in:t3", &hip.Effects{DropLinkToken: &hip.LinkToken{FacilityID: f, ABHAAddress: "asha@sbx"},
		LinkToken: &hip.LinkToken{FacilityID: f, ABHAAddress: "asha@sbx", Sealed: []byte{3}, ExpiresAt: ms(3 * time.Hour), CreatedAt: ms(time.Minute)}})
	if tok, err = db.HIPLinkToken(c, f, "asha@sbx"); err != nil || string(tok.Sealed) != "\x03" || !tok.CreatedAt.Equal(ms(time.Minute)) {
		t.Fatalf("HIPLinkToken(replaced) = %+v, %v", tok, err)
	}
	finish("in:t4", &hip.Effects{DropLinkToken: &hip.LinkToken{FacilityID: f, ABHAAddress: "asha@sbx"}})
	_, err = db.HIPLinkToken(c, f, "asha@sbx")
	wantCode(t, "HIPLinkToken(dropped)", err, arogya.ENOTFOUND)
	if tok, err = db.HIPLinkToken(c, g, "asha@sbx"); err != nil || string(tok.Sealed) != "\x07" {
		t.Fatalf("another facility's token: %+v, %v", tok, err)
	}
	if _, err := db.PurgeHIP(c, ms(0), ms(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = db.HIPLinkToken(c, g, "asha@sbx")
	wantCode(t, "HIPLinkToken(expired, purged)", err, arogya.ENOTFOUND)
}
