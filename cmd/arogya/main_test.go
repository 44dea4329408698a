package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "arogya "},
		{[]string{"help"}, 0, "Usage:"},
		{nil, 2, ""},
		{[]string{"frobnicate"}, 2, ""},
		{[]string{"audit"}, 2, ""},
		{[]string{"serve", "--roles", "nonsense"}, 1, ""},
		{[]string{"serve", "--db", "mysql://x"}, 1, ""},
	} {
		code, out, _ := runCmd(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("run %v = %d %q, want %d containing %q", tc.args, code, out, tc.code, tc.out)
		}
	}
}

func TestMigrateAndAuditVerify(t *testing.T) {
	n, base, outbox := testNode(t)
	c := newSpecClient(t, base)
	// Produce a few audit events: an enrolment and a profile read.
	var r struct{ TxnID string }
	c.json("POST", "/v3/enrollment/request/otp", map[string]any{"scope": []string{"abha-enrol"}, "loginHint": "aadhaar",
		"loginId": c.enc("234123412346"), "otpSystem": "aadhaar"}, 200, &r)
	_, otp := lastOTP(t, outbox)
	var e struct {
		Tokens struct{ Token string } `json:"tokens"`
	}
	c.json("POST", "/v3/enrollment/enrol/byAadhaar", otpBody(r.TxnID, otp, c, nil), 200, &e)
	c.xtoken = e.Tokens.Token
	c.json("GET", "/v3/profile/account", nil, 200, nil)

	env := map[string]string{"AROGYA_DATA": n.cfg.Data}
	code, out, errs := runCmd(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %q", code, out)
	}

	// The operator endpoint says the same, and needs the token.
	resp, err := http.Get(base + "/api/v1/admin/audit/verify")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin without token: %d", resp.StatusCode)
	}

	// Tamper with one event: verify reports exactly that event.
	db, err := sql.Open("sqlite", filepath.Join(n.cfg.Data, "arogya-audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_events SET outcome = 'forged' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, env, "audit", "verify")
	if code != 1 || !strings.Contains(out, "BROKEN at event 2") {
		t.Fatalf("tampered audit verify: %d %q", code, out)
	}
}

func TestOpsEndpoints(t *testing.T) {
	n, base, _ := testNode(t)
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/healthz", "application/json", `"ok"`},
		{"/readyz", "application/json", `"ready"`},
		{"/metrics", "text/plain", "arogya_http_requests_total"},
		{"/.well-known/jwks.json", "application/json", `"EdDSA"`},
		{"/openapi.json", "application/json", `"/api/v1/abha/verify-qr"`},
		{"/v1/auth/cert", "text/plain", "BEGIN PUBLIC KEY"},
	} {
		// Hit once so that the metrics have a sample.
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if tc.path == "/metrics" && !strings.Contains(b.String(), tc.contains) {
			resp, _ = http.Get(base + tc.path)
			b.Reset()
			b.ReadFrom(resp.Body)
			resp.Body.Close()
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(b.String(), tc.contains) {
			t.Errorf("GET %s: %d %s, body lacks %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains)
		}
		if resp.Header.Get("X-Request-ID") == "" {
			t.Errorf("GET %s: no X-Request-ID", tc.path)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil || doc["openapi"] == nil {
		t.Fatalf("openapi.json is not an OpenAPI document: %v", err)
	}

	// Key rotation: the operator rotates the card key; the JWKS then holds
	// both card keys beside the user-token key.
	req, _ := http.NewRequest("POST", base+"/api/v1/admin/keys/rotate", strings.NewReader(`{"purpose":"card"}`))
	req.Header.Set("Authorization", "Bearer "+n.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("rotate: %d", resp.StatusCode)
	}
	if got := strings.Count(string(n.keys.JWKSJSON()), `"EdDSA"`); got != 3 {
		t.Fatalf("JWKS has %d EdDSA keys after rotation, want 3 (user, old and new card)", got)
	}
}

func TestJanitorSweepsExpiredFlows(t *testing.T) {
	n, base, outbox := testNode(t)
	c := newSpecClient(t, base)
	var r struct{ TxnID string }
	c.json("POST", "/v3/enrollment/request/otp", map[string]any{"scope": []string{"abha-enrol"}, "loginHint": "aadhaar",
		"loginId": c.enc("234123412346"), "otpSystem": "aadhaar"}, 200, &r)
	_, _ = lastOTP(t, outbox)
	ctx := context.Background()
	if _, err := n.db.Txn(ctx, r.TxnID); err != nil {
		t.Fatalf("flow not stored: %v", err)
	}
	n.sweep(ctx, time.Now()) // not expired yet
	if _, err := n.db.Txn(ctx, r.TxnID); err != nil {
		t.Fatalf("live flow swept: %v", err)
	}
	n.sweep(ctx, time.Now().Add(time.Hour)) // past the 30-minute expiry
	if _, err := n.db.Txn(ctx, r.TxnID); err == nil {
		t.Fatal("expired flow kept")
	}
}
