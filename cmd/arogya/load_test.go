package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name          string
		lat           []time.Duration
		p50, p99, max time.Duration
	}{
		{"empty", nil, 0, 0, 0},
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"two", ms(9, 1), 1 * time.Millisecond, 9 * time.Millisecond, 9 * time.Millisecond},
		{"odd", ms(5, 1, 3), 3 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond},
		{"hundred", ms(hundred...), 50 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond},
		{"outlier", ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1000), 1 * time.Millisecond, 1000 * time.Millisecond, 1000 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.lat)
			if s.N != len(tt.lat) || s.P50 != tt.p50 || s.P99 != tt.p99 || s.Max != tt.max {
				t.Errorf("summarize = %+v, want p50 %v p99 %v max %v", s, tt.p50, tt.p99, tt.max)
			}
		})
	}
}

func TestLoadResultString(t *testing.T) {
	r := &loadResult{Scenario: "enrol", Concurrency: 4, Ops: 100, Errors: 2, Reviews: 1, Requests: 206,
		Elapsed: 2 * time.Second, Latencies: []time.Duration{time.Millisecond, 3 * time.Millisecond},
		Kinds: map[string]int{"otp 429 ABDM-1013": 2}}
	if got := r.Rate(); got != 50 {
		t.Errorf("Rate = %v, want 50", got)
	}
	s := r.String()
	for _, want := range []string{"100 enrolments", "50.0/s", "p50 1.00ms", "p99 3.00ms", "errors 2 [otp 429 ABDM-1013×2]", "409 reviews 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.8.9.10", true},
		{"https://localhost:8443/", true},
		{"http://LOCALHOST:1", true},
		{"http://[::1]:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://192.168.1.5", false},
		{"http://[::2]:80", false},
		{"http://abdm.gov.in", false},
		{"http://localhost.example.com", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := checkLoopback(tt.target)
		if (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.target, err, tt.ok)
		}
	}
}

func TestLoadRunRefusesRemoteTarget(t *testing.T) {
	var stderr bytes.Buffer
	err := cmdLoad(context.Background(), []string{"run", "--scenario", "profile", "--target", "http://203.0.113.7:8080"},
		func(string) string { return "" }, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v, want a refusal naming loopback", err)
	}
}

func TestRandomAadhaar(t *testing.T) {
	for range 1000 {
		if a := randomAadhaar(); !abha.ValidAadhaar(a) {
			t.Fatalf("randomAadhaar() = %q: not a valid Aadhaar number", a)
		}
	}
}

func TestLoadSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "seed.db")
	var out bytes.Buffer
	args := []string{"seed", "--data", dir, "--db", dsn, "--count", "2000", "--batch", "300"}
	if err := cmdLoad(ctx, args, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("load seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "2000/2000 inserted") {
		t.Errorf("no final progress line in:\n%s", out.String())
	}
	out.Reset()
	if err := cmdLoad(ctx, args, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("load seed again: %v", err)
	}
	if !strings.Contains(out.String(), "nothing to seed") {
		t.Errorf("second seed did not say it had nothing to do:\n%s", out.String())
	}

	db, _, err := openDB(ctx, dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountAccounts(ctx); err != nil || n != 2000 {
		t.Fatalf("CountAccounts = %d, %v; want 2000", n, err)
	}
	// Seeded accounts are whole: found by their default address, with a
	// valid number and the fields the node's lookups and dedup use.
	a, err := db.AccountByAddress(ctx, mustSeededNumber(t, db)+"@sbx")
	if err != nil {
		t.Fatalf("AccountByAddress: %v", err)
	}
	if !abha.LuhnValid(a.Number) || a.NameKey == "" || a.StateCode == "" || a.DistrictCode == "" ||
		!abha.ValidMobile(a.Mobile) || len(a.AadhaarKey) != 64 || a.Status != abha.StatusActive {
		t.Errorf("seeded account is incomplete: %+v", a)
	}
}

// mustSeededNumber returns the number of some seeded account with a 1950s
// birth date, found through DedupCandidates like the node does.
func mustSeededNumber(t *testing.T, db interface {
	DedupCandidates(ctx context.Context, birthDate, gender, mobile string, limit int) ([]*abha.Account, error)
}) string {
	t.Helper()
	for d := birthFrom; d.Year() < 2009; d = d.AddDate(0, 0, 1) {
		for _, g := range []string{"M", "F"} {
			as, err := db.DedupCandidates(context.Background(), d.Format(time.DateOnly), g, "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) > 0 {
				return as[0].Number
			}
		}
	}
	t.Fatal("no seeded account found")
	return ""
}

// TestLoadEndToEnd runs a node in-process and the enrol and profile
// scenarios against it, with the OTPs going through the SMS webhook.
func TestLoadEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inbox := newSMSInbox()
	sms := &http.Server{Handler: inbox}
	go func() { _ = sms.Serve(ln) }()
	defer sms.Close()

	cfg := Config{Addr: "127.0.0.1:0", Data: dir, DB: "sqlite:" + dir + "/a.db", CMID: "sbx", Roles: []string{"abha"},
		SMSWebhook: "http://" + ln.Addr().String() + "/sms", MasterKeyFile: dir + "/master.key", AdminToken: "test-admin-token-123456"}
	n, err := newNode(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(n.handler)
	defer srv.Close()

	for _, sc := range []string{"enrol", "profile"} {
		var out bytes.Buffer
		res, err := runLoad(ctx, loadOptions{Target: srv.URL, Scenario: sc, Duration: 2 * time.Second, Concurrency: 2, Accounts: 5}, inbox, &out)
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		t.Log(strings.TrimSpace(out.String()))
		if res.Ops == 0 || res.Errors != 0 {
			t.Errorf("%s: %d ops, %d errors %s; want some ops and no errors", sc, res.Ops, res.Errors, res.errorKinds())
		}
		if len(res.Latencies) != res.Ops {
			t.Errorf("%s: %d latencies for %d ops", sc, len(res.Latencies), res.Ops)
		}
	}
	count, err := n.db.CountAccounts(ctx)
	if err != nil || count < 5 {
		t.Errorf("CountAccounts = %d, %v; want the enrolled people", count, err)
	}
}

func TestBaselines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs baselines")
	}
	for _, sc := range []string{"baseline-rsa", "baseline-http"} {
		var out bytes.Buffer
		res, err := runLoad(context.Background(), loadOptions{Scenario: sc, Duration: 300 * time.Millisecond, Concurrency: 2}, nil, &out)
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		if res.Ops == 0 || res.Errors != 0 || !strings.HasPrefix(out.String(), sc) {
			t.Errorf("%s: %q", sc, out.String())
		}
	}
}

// TestRunOpsAtOpenLoop: the open loop offers exactly rate × duration
// operations, and a slow operation's delay shows in the latency of those
// queued behind it (measured from their scheduled times), not hidden.
func TestRunOpsAtOpenLoop(t *testing.T) {
	var calls atomic.Int64
	res := runOpsAt(context.Background(), "facility-search", 1, 500*time.Millisecond, 100, func(context.Context, int) opResult {
		if calls.Add(1) == 1 {
			time.Sleep(200 * time.Millisecond) // one worker: the next ~20 wait behind this
		}
		return opResult{OK: true, Requests: 1}
	})
	if res.Ops != 50 || res.Requests != 50 || res.Offered != 100 {
		t.Fatalf("ops %d requests %d offered %v, want 50, 50, 100", res.Ops, res.Requests, res.Offered)
	}
	s := summarize(res.Latencies)
	if s.Max < 200*time.Millisecond {
		t.Fatalf("max latency %s: the stall was hidden", s.Max)
	}
	queued := 0
	for _, l := range res.Latencies {
		if l > 50*time.Millisecond {
			queued++
		}
	}
	if queued < 10 {
		t.Fatalf("only %d operations show the wait behind the stall", queued)
	}
}
