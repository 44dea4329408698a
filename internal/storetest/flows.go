package storetest

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/sqldb"
)

func testTxn(t *testing.T, db *sqldb.DB) {
	_, err := db.Txn(ctx(t), "missing")
	wantCode(t, "Txn(missing)", err, arogya.ENOTFOUND)

	full := &abha.Txn{
		ID: "txn-1", Kind: abha.TxnEnrolAadhaar, Scope: []string{"abha-enrol", "mobile-verify"},
		OTPHash: []byte{1, 2, 3, 0, 255}, OTPExpires: ms(5 * time.Minute), OTPAttempts: 2,
		OTPTo: "9000000001", Verified: true, AadhaarKey: "aad-1",
		KYC: &abha.Identity{Aadhaar: "xxxx1234", Name: "Asha Verma", Gender: "F", DateOfBirth: "1990-05-17",
			Mobile: "9000000001", Address: "12 MG Road", StateCode: "27", DistrictCode: "519", Pincode: "411001"},
		PendingMobile: "9000000002", Number: "91000000000001", Accounts: []string{"91000000000001", "91000000000002"},
		Purpose: "mobile-verify", CreatedAt: ms(0), ExpiresAt: ms(15 * time.Minute),
	}
	tests := []*abha.Txn{
		full,
		{ID: "txn-2", Kind: abha.TxnLogin, CreatedAt: ms(0), ExpiresAt: ms(time.Minute)},
	}
	for _, want := range tests {
		must(t, "PutTxn", db.PutTxn(ctx(t), want))
		got, err := db.Txn(ctx(t), want.ID)
		must(t, "Txn", err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Txn(%s):\n got  %+v\n want %+v", want.ID, got, want)
		}
	}

	// Replace.
	repl := *full
	repl.Kind, repl.OTPAttempts, repl.Verified, repl.KYC, repl.Scope = abha.TxnProfile, 3, false, nil, nil
	repl.ExpiresAt = ms(30 * time.Minute)
	must(t, "PutTxn(replace)", db.PutTxn(ctx(t), &repl))
	got, err := db.Txn(ctx(t), full.ID)
	must(t, "Txn(replaced)", err)
	if !reflect.DeepEqual(got, &repl) {
		t.Fatalf("Txn after replace:\n got  %+v\n want %+v", got, &repl)
	}

	// Delete, twice: the second is harmless.
	must(t, "DeleteTxn", db.DeleteTxn(ctx(t), full.ID))
	must(t, "DeleteTxn(again)", db.DeleteTxn(ctx(t), full.ID))
	_, err = db.Txn(ctx(t), full.ID)
	wantCode(t, "Txn(deleted)", err, arogya.ENOTFOUND)
	if _, err := db.Txn(ctx(t), "txn-2"); err != nil {
		t.Fatalf("DeleteTxn removed another flow: %v", err)
	}

	n, err := db.DeleteExpiredTxns(ctx(t), ms(2*time.Minute))
	must(t, "DeleteExpiredTxns", err)
	if n != 1 {
		t.Fatalf("DeleteExpiredTxns = %d, want 1", n)
	}
	_, err = db.Txn(ctx(t), "txn-2")
	wantCode(t, "Txn(expired, deleted)", err, arogya.ENOTFOUND)
}

func testReserveOTPSend(t *testing.T, db *sqldb.DB) {
	const max = 3
	window := 10 * time.Minute
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"mobile:1", 0, true},
		{"mobile:1", time.Minute, true},
		{"mobile:2", time.Minute, true}, // other keys are counted apart
		{"mobile:1", 2 * time.Minute, true},
		{"mobile:1", 3 * time.Minute, false}, // 3 in the last 10 minutes
		{"mobile:1", 9 * time.Minute, false},
		{"mobile:1", 10*time.Minute + time.Second, true}, // the first left the window
		{"mobile:1", 10*time.Minute + 2*time.Second, false},
		{"mobile:1", 30 * time.Minute, true},
	}
	for i, s := range steps {
		at := ms(s.at)
		got, err := db.ReserveOTPSend(ctx(t), s.key, at, at.Add(-window), max)
		must(t, "ReserveOTPSend", err)
		if got != s.want {
			t.Fatalf("step %d: ReserveOTPSend(%s, +%v) = %v, want %v", i, s.key, s.at, got, s.want)
		}
	}
	ok, err := db.ReserveOTPSend(ctx(t), "mobile:3", ms(0), ms(-window), 0)
	must(t, "ReserveOTPSend(max 0)", err)
	if ok {
		t.Fatal("ReserveOTPSend with max 0 succeeded")
	}
	n, err := db.PruneOTPSends(ctx(t), ms(time.Hour))
	must(t, "PruneOTPSends", err)
	if n == 0 {
		t.Fatal("PruneOTPSends deleted nothing")
	}
}

func testReserveOTPSendConcurrent(t *testing.T, db *sqldb.DB) {
	const (
		max     = 5
		workers = 8
		each    = 4
	)
	var granted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				at := ms(time.Duration(w*each+i) * time.Millisecond)
				ok, err := db.ReserveOTPSend(ctx(t), "mobile:race", at, ms(-time.Hour), max)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					granted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("ReserveOTPSend: %v", err)
	}
	if got := granted.Load(); got != max {
		t.Fatalf("%d concurrent ReserveOTPSend calls granted %d, want exactly %d", workers*each, got, max)
	}
}

func testReviews(t *testing.T, db *sqldb.DB) {
	_, err := db.Review(ctx(t), "missing")
	wantCode(t, "Review(missing)", err, arogya.ENOTFOUND)

	cand := *account(7)
	cand.Addresses = []string{"asha7@sbx", "b@sbx"}
	reviews := []*abha.Review{
		{ID: "r1", Candidate: cand, Matches: []string{"91000000000001"}, Score: 0.93, Status: abha.ReviewOpen, CreatedAt: ms(0)},
		{ID: "r2", Candidate: *account(8), Matches: []string{"91000000000002", "91000000000003"}, Score: 0.8, Status: abha.ReviewOpen, CreatedAt: ms(time.Second)},
		{ID: "r3", Candidate: abha.Account{FirstName: "Ravi"}, Score: 0.71, Status: abha.ReviewRejected, CreatedAt: ms(2 * time.Second), DecidedAt: ms(time.Hour)},
		{ID: "r4", Candidate: *account(9), Score: 0.9, Status: abha.ReviewOpen, CreatedAt: ms(3 * time.Second)},
	}
	for _, r := range reviews {
		must(t, "PutReview", db.PutReview(ctx(t), r))
	}
	got, err := db.Review(ctx(t), "r1")
	must(t, "Review", err)
	if !reflect.DeepEqual(got, reviews[0]) {
		t.Fatalf("Review(r1):\n got  %+v\n want %+v", got, reviews[0])
	}

	// Decide r2: replace.
	r2 := *reviews[1]
	r2.Status, r2.DecidedAt = abha.ReviewCreated, ms(2*time.Hour)
	must(t, "PutReview(replace)", db.PutReview(ctx(t), &r2))
	got, err = db.Review(ctx(t), "r2")
	must(t, "Review(r2)", err)
	if !reflect.DeepEqual(got, &r2) {
		t.Fatalf("Review(r2) after replace:\n got  %+v\n want %+v", got, &r2)
	}

	tests := []struct {
		status string
		limit  int
		want   []string
	}{
		{abha.ReviewOpen, 10, []string{"r1", "r4"}},
		{abha.ReviewOpen, 1, []string{"r1"}},
		{abha.ReviewCreated, 10, []string{"r2"}},
		{abha.ReviewRejected, 10, []string{"r3"}},
		{"", 10, []string{"r1", "r2", "r3", "r4"}},
		{abha.ReviewOpen, 0, nil},
	}
	for _, tt := range tests {
		list, err := db.Reviews(ctx(t), tt.status, tt.limit)
		must(t, "Reviews", err)
		var ids []string
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("Reviews(%q, %d) = %v, want %v", tt.status, tt.limit, ids, tt.want)
		}
	}
}

// testSwapTxn: compare-and-swap on a flow's version.
func testSwapTxn(t *testing.T, db *sqldb.DB) {
	tx := &abha.Txn{ID: "txn-cas", Kind: abha.TxnLogin, OTPAttempts: 0, CreatedAt: ms(0), ExpiresAt: ms(time.Minute)}
	must(t, "PutTxn", db.PutTxn(ctx(t), tx))
	a, err := db.Txn(ctx(t), tx.ID)
	must(t, "Txn", err)
	b, err := db.Txn(ctx(t), tx.ID)
	must(t, "Txn", err)
	if a.Version != tx.Version {
		t.Fatalf("read version %d, PutTxn reported %d", a.Version, tx.Version)
	}
	a.OTPAttempts = 1
	must(t, "SwapTxn(a)", db.SwapTxn(ctx(t), a))
	if a.Version == b.Version {
		t.Fatal("SwapTxn did not move the version")
	}
	b.OTPAttempts = 1
	wantCode(t, "SwapTxn(stale)", db.SwapTxn(ctx(t), b), arogya.ECONFLICT)
	got, err := db.Txn(ctx(t), tx.ID)
	must(t, "Txn", err)
	if got.OTPAttempts != 1 || got.Version != a.Version {
		t.Fatalf("after swaps: attempts %d version %d, want 1 and %d", got.OTPAttempts, got.Version, a.Version)
	}
	// A PutTxn moves the version too, so a swap prepared before it fails.
	must(t, "PutTxn", db.PutTxn(ctx(t), got))
	wantCode(t, "SwapTxn(after put)", db.SwapTxn(ctx(t), a), arogya.ECONFLICT)
	wantCode(t, "SwapTxn(missing)", db.SwapTxn(ctx(t), &abha.Txn{ID: "nope", Kind: abha.TxnLogin}), arogya.ENOTFOUND)
}
