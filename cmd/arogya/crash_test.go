package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestMain lets the crash test run this test binary as the arogya
// command, so that it can kill a real server process.
func TestMain(m *testing.M) {
	if os.Getenv("AROGYA_TEST_SERVE") == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("AROGYA_TEST_ARGS")), &args); err != nil {
			fmt.Fprintln(os.Stderr, "AROGYA_TEST_ARGS:", err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, args, os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// server is an arogya serve process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	a, _ := json.Marshal(append([]string{"serve"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "AROGYA_TEST_SERVE=1", "AROGYA_TEST_ARGS="+string(a))
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: logs}
	for i, v := range args {
		if v == "--addr" {
			s.base = "http://" + args[i+1]
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("server did not start:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCrashLosesNoAcceptedMessage is the check: SIGKILL the server
// while 1,000 consent requests are in flight, restart it, and every request
// that was answered 202 gets its on-init callback; none is lost, and a
// callback sent again after the crash carries the same requestId, so the
// HIU can drop the repeat. Requests that failed in the crash are retried
// by the HIU with their original requestId and create nothing twice.
func TestCrashLosesNoAcceptedMessage(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL: not on Windows")
	}
	if testing.Short() {
		t.Skip("starts and kills server processes; skipped with -short")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	args := []string{"--data", dir, "--addr", addr, "--roles", "registry,cm", "--admin-token", "crash-op",
		"--outbox-lease", "2s", "--log-level", "error"}
	srv := startServer(t, args...)
	base := srv.base

	// The HIU's callback server: on-init messages by the requestId they answer.
	var crashed atomic.Bool
	var (
		mu        sync.Mutex
		callbacks = map[string][]struct{ own, consentID string }{}
	)
	hiu := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			RequestID      string `json:"requestId"`
			ConsentRequest struct {
				ID string `json:"id"`
			} `json:"consentRequest"`
			Resp struct {
				RequestID string `json:"requestId"`
			} `json:"resp"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.URL.Path != "/v0.5/consent-requests/on-init" {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		callbacks[m.Resp.RequestID] = append(callbacks[m.Resp.RequestID], struct{ own, consentID string }{m.RequestID, m.ConsentRequest.ID})
		mu.Unlock()
		if !crashed.Load() {
			// Slower than the requests come: at the kill, accepted
			// on-inits are still queued in the outbox, leased to it.
			time.Sleep(50 * time.Millisecond)
		}
		w.WriteHeader(202)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hiu.Serve(ln)
	defer hiu.Close()

	hc := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, token string, body any, out any) (int, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CM-ID", "sbx")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if out != nil {
			_ = json.Unmarshal(data, out)
		}
		return resp.StatusCode, nil
	}
	must := func(st int, err error, want int, what string) {
		t.Helper()
		if err != nil || st != want {
			t.Fatalf("%s: %d %v\n%s", what, st, err, srv.logs)
		}
	}

	// Set up: a verified facility, a bridge for it as HIU, a session.
	var f struct{ ID string }
	st, err := call("POST", "/api/v1/facilities", "", map[string]any{"name": "Crash Test Hospital", "type": "hospital", "ownership": "private",
		"systemsOfMedicine": []string{"modern"}, "address": map[string]string{"stateCode": "28", "districtCode": "520", "pin": "530002"}}, &f)
	must(st, err, 201, "submit facility")
	st, err = call("POST", "/api/v1/facilities/"+f.ID+"/verification", "crash-op", map[string]string{"decision": "VERIFIED"}, nil)
	must(st, err, 200, "verify facility")
	var cr struct{ ClientID, ClientSecret string }
	st, err = call("POST", "/api/v1/admin/bridges", "crash-op", map[string]string{"id": "crash-hiu", "name": "Crash HIU", "url": "http://" + ln.Addr().String()}, &cr)
	must(st, err, 201, "create bridge")
	var sess struct{ AccessToken string }
	st, err = call("POST", "/gateway/v0.5/sessions", "", map[string]string{"clientId": cr.ClientID, "clientSecret": cr.ClientSecret, "grantType": "client_credentials"}, &sess)
	must(st, err, 200, "session")
	st, err = call("POST", "/gateway/v1/bridges/addUpdateServices", sess.AccessToken, []map[string]any{{"id": f.ID, "name": "Crash HIU", "type": "HIU", "active": true}}, nil)
	must(st, err, 200, "add service")

	initBody := func(rid string) map[string]any {
		return map[string]any{"requestId": rid, "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
			"consent": map[string]any{"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"},
				"patient": map[string]string{"id": "crash.test@sbx"}, "hiu": map[string]string{"id": f.ID},
				"requester": map[string]string{"name": "Dr. Crash"}, "hiTypes": []string{"Prescription"},
				"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-01-01T00:00:00.000Z"},
					"dataEraseAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339), "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}}}}
	}

	// 1,000 consent requests from 50 clients; the server is killed once 300
	// have been answered 202.
	const total = 1000
	ids := make([]string, total)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	accepted := make([]atomic.Bool, total)
	var n202 atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for i := range next {
				st, err := call("POST", "/gateway/v0.5/consent-requests/init", sess.AccessToken, initBody(ids[i]), nil)
				if err == nil && st == 202 {
					accepted[i].Store(true)
					if n202.Add(1) == 300 {
						once.Do(func() {
							_ = srv.cmd.Process.Signal(syscall.SIGKILL)
							close(killed)
						})
					}
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("the server was never killed: only %d requests were accepted", n202.Load())
	}
	_ = srv.cmd.Wait()
	crashed.Store(true)
	mu.Lock()
	delivered := len(callbacks)
	mu.Unlock()
	before := n202.Load()
	t.Logf("%d of %d requests answered 202 before and around the kill, %d of them answered on-init", before, total, delivered)
	if delivered >= int(before) {
		t.Fatalf("every accepted request had its on-init before the kill: the test does not show that queued callbacks survive")
	}

	// Restart on the same data; the HIU retries what failed, with the same
	// requestIds.
	srv = startServer(t, args...)
	defer func() {
		_ = srv.cmd.Process.Signal(syscall.SIGTERM)
		_ = srv.cmd.Wait()
	}()
	base = srv.base
	st, err = call("POST", "/gateway/v0.5/sessions", "", map[string]string{"clientId": cr.ClientID, "clientSecret": cr.ClientSecret, "grantType": "client_credentials"}, &sess)
	must(st, err, 200, "session after restart")
	for i := range total {
		if accepted[i].Load() {
			continue
		}
		st, err := call("POST", "/gateway/v0.5/consent-requests/init", sess.AccessToken, initBody(ids[i]), nil)
		if err != nil || st != 202 {
			t.Fatalf("retry after restart: %d %v", st, err)
		}
	}

	// Every request gets its on-init; a repeat repeats the same message.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		got := len(callbacks)
		mu.Unlock()
		if got == total {
			break
		}
		if time.Now().After(deadline) {
			var missing []string
			mu.Lock()
			for i, id := range ids {
				if len(callbacks[id]) == 0 {
					missing = append(missing, fmt.Sprintf("%d(accepted=%v)", i, accepted[i].Load()))
				}
			}
			mu.Unlock()
			t.Fatalf("%d of %d requests never got on-init: %s", len(missing), total, strings.Join(missing[:min(len(missing), 20)], " "))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let late repeats arrive
	mu.Lock()
	defer mu.Unlock()
	repeats := 0
	for rid, cbs := range callbacks {
		for _, c := range cbs[1:] {
			repeats++
			if c != cbs[0] {
				t.Fatalf("request %s: a repeated callback differs (%v vs %v): the consent request was created twice", rid, c, cbs[0])
			}
		}
	}
	t.Logf("all %d requests got on-init; %d callbacks were delivered again after the crash, each the same message", total, repeats)
}
