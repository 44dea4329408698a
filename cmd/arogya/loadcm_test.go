package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/auth"
)

// TestLoadConsentInit runs a node with the registry and cm roles and the
// consent-init scenario against it, closed and open loop: every operation
// is a 202 whose on-init callback reached the load tool's listener.
func TestLoadConsentInit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	const admin = "test-admin-token-123456"
	cfg := Config{Addr: ln.Addr().String(), Data: dir, DB: "sqlite:" + filepath.Join(dir, "a.db"), PublicURL: base,
		CMID: "sbx", Roles: []string{"registry", "cm"}, MasterKeyFile: filepath.Join(dir, "master.key"), AdminToken: admin}
	n, err := newNode(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		nodeOptions{Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: n.handler}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		srv.Close()
		n.Close()
	}()

	for _, rate := range []float64{0, 200} {
		var out bytes.Buffer
		o := loadOptions{Target: base, Scenario: "consent-init", Duration: time.Second, Concurrency: 4, Rate: rate,
			AdminToken: admin, CallbackListen: "127.0.0.1:0", CMID: "sbx"}
		res, err := runLoad(ctx, o, nil, &out)
		if err != nil {
			t.Fatalf("rate %v: %v", rate, err)
		}
		t.Log(strings.TrimSpace(out.String()))
		if res.Ops == 0 || res.Errors != 0 {
			t.Errorf("rate %v: %d ops, %d errors%s; want some ops and no errors", rate, res.Ops, res.Errors, res.errorKinds())
		}
		if res.Callbacks != res.Ops || res.Accepted != res.Ops || res.Unmatched != 0 || len(res.Latencies) != res.Ops {
			t.Errorf("rate %v: %d ops, %d 202s, %d callbacks, %d unmatched, %d latencies; want all equal and none unmatched",
				rate, res.Ops, res.Accepted, res.Callbacks, res.Unmatched, len(res.Latencies))
		}
		if !strings.Contains(out.String(), "callbacks") {
			t.Errorf("summary lacks the callback count: %q", out.String())
		}
	}
	// The callback server listens on loopback only.
	if _, err := runLoad(ctx, loadOptions{Target: base, Scenario: "consent-init", Duration: time.Second, Concurrency: 1,
		AdminToken: admin, CallbackListen: "0.0.0.0:0"}, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("callback server on all interfaces: err = %v", err)
	}
	// Without the operator token there is nothing to set up with.
	if _, err := runLoad(ctx, loadOptions{Target: base, Scenario: "consent-init", Duration: time.Second, Concurrency: 1,
		CallbackListen: "127.0.0.1:0"}, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "admin-token") {
		t.Errorf("no admin token: err = %v", err)
	}
}

// TestLoadConsentApprove runs a node with the abha, registry and cm roles
// and the consent-approve scenario against it, closed and open loop: the
// set-up enrols, links and fills a pool through the node's APIs, and every
// operation is an approval whose two notices reached the tool's listener.
func TestLoadConsentApprove(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node under load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	smsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inbox := newSMSInbox()
	sms := &http.Server{Handler: inbox}
	go func() { _ = sms.Serve(smsLn) }()
	defer sms.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	const admin = "test-admin-token-123456"
	cfg := Config{Addr: ln.Addr().String(), Data: dir, DB: "sqlite:" + filepath.Join(dir, "a.db"), PublicURL: base,
		CMID: "sbx", Roles: []string{"abha", "registry", "cm"}, MasterKeyFile: filepath.Join(dir, "master.key"), AdminToken: admin,
		SMSWebhook: "http://" + smsLn.Addr().String() + "/sms"}
	n, err := newNode(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		nodeOptions{Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: n.handler}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		srv.Close()
		n.Close()
	}()

	for _, rate := range []float64{0, 50} {
		var out bytes.Buffer
		o := loadOptions{Target: base, Scenario: "consent-approve", Duration: time.Second, Concurrency: 4, Rate: rate,
			AdminToken: admin, CallbackListen: "127.0.0.1:0", CMID: "sbx", Requests: 400}
		res, err := runLoad(ctx, o, inbox, &out)
		if err != nil {
			t.Fatalf("rate %v: %v", rate, err)
		}
		t.Log(strings.TrimSpace(out.String()))
		if res.Ops == 0 || res.Errors != 0 {
			t.Errorf("rate %v: %d ops, %d errors%s; want some ops and no errors", rate, res.Ops, res.Errors, res.errorKinds())
		}
		if res.Stopped && res.Ops != o.Requests {
			t.Errorf("rate %v: ended early after %d approvals of %d requests; it should end only once all are approved", rate, res.Ops, o.Requests)
		}
		if res.Accepted != res.Ops || res.Callbacks != 2*res.Ops || res.Unmatched != 0 || len(res.Latencies) != res.Ops {
			t.Errorf("rate %v: %d ops, %d 200s, %d notices, %d unmatched, %d latencies; want as many 200s as ops, two notices each, none unmatched",
				rate, res.Ops, res.Accepted, res.Callbacks, res.Unmatched, len(res.Latencies))
		}
		if !strings.Contains(out.String(), "notices") {
			t.Errorf("summary lacks the notice count: %q", out.String())
		}
	}
	// The artefacts are stored, signed.
	var granted int
	if err := n.db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM consent_artefacts WHERE status = 'GRANTED' AND signature <> ''").Scan(&granted); err != nil || granted == 0 {
		t.Errorf("granted artefacts: %d, %v", granted, err)
	}
	// Without the SMS inbox there is no person to enrol.
	if _, err := runLoad(ctx, loadOptions{Target: base, Scenario: "consent-approve", Duration: time.Second, Concurrency: 1,
		AdminToken: admin, CallbackListen: "127.0.0.1:0"}, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "SMS") {
		t.Errorf("no SMS inbox: err = %v", err)
	}
}
