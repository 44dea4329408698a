package main

// Helpers of TestSpecBridgesEndToEnd (cm_e2e_test.go).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// specPerson is who enrolPerson made: what their ABHA profile says.
type specPerson struct {
	address, token               string
	name, gender, mobile, number string
	yearOfBirth                  int
	dateOfBirth                  string // YYYY-MM-DD, or YYYY when ABHA has no day and month
}

// enrolPerson enrols an ABHA by Aadhaar-sandbox OTP through the ABHA v3 API,
// creates an address, logs in with it and reads the profile.
func enrolPerson(t testing.TB, base, sms string) specPerson {
	t.Helper()
	c := newSpecClient(t, base)
	var otpResp struct{ TxnID string }
	c.json("POST", "/v3/enrollment/request/otp", map[string]any{"scope": []string{"abha-enrol"}, "loginHint": "aadhaar",
		"loginId": c.enc("234123412346"), "otpSystem": "aadhaar"}, 200, &otpResp)
	mobile, otp := lastOTP(t, sms)
	var enrol struct {
		TxnID string `json:"txnId"`
	}
	c.json("POST", "/v3/enrollment/enrol/byAadhaar", otpBody(otpResp.TxnID, otp, c, map[string]any{"mobile": mobile}), 200, &enrol)
	var sugg struct {
		List []string `json:"abhaAddressList"`
	}
	status, out, _ := c.do("GET", "/v3/enrollment/enrol/suggestion", nil, map[string]string{"TRANSACTION_ID": enrol.TxnID})
	if status != 200 || json.Unmarshal(out, &sugg) != nil || len(sugg.List) == 0 {
		t.Fatalf("suggestion: %d %s", status, out)
	}
	c.json("POST", "/v3/enrollment/enrol/abha-address", map[string]any{"txnId": enrol.TxnID, "abhaAddress": sugg.List[0], "preferred": 1}, 200, nil)
	var login struct{ TxnID, Token string }
	c.json("POST", "/v3/profile/login/request/otp", map[string]any{"scope": []string{"abha-login", "mobile-verify"},
		"loginHint": "abha-address", "loginId": c.enc(sugg.List[0] + "@sbx"), "otpSystem": "abdm"}, 200, &login)
	_, otp = lastOTP(t, sms)
	c.json("POST", "/v3/profile/login/verify", map[string]any{"scope": []string{"abha-login", "mobile-verify"},
		"authData": map[string]any{"authMethods": []string{"otp"}, "otp": map[string]any{"txnId": login.TxnID, "otpValue": c.enc(otp)}}}, 200, &login)
	c.xtoken = login.Token
	var prof struct {
		ABHANumber, PreferredAbhaAddress, Mobile, Name, Gender, YearOfBirth, MonthOfBirth, DayOfBirth string
	}
	c.json("GET", "/v3/profile/account", nil, 200, &prof)
	p := specPerson{address: prof.PreferredAbhaAddress, token: login.Token, name: prof.Name, gender: prof.Gender,
		mobile: prof.Mobile, number: prof.ABHANumber, yearOfBirth: mustAtoi(t, prof.YearOfBirth), dateOfBirth: prof.YearOfBirth}
	if prof.MonthOfBirth != "" && prof.DayOfBirth != "" {
		p.dateOfBirth = fmt.Sprintf("%s-%02d-%02d", prof.YearOfBirth, mustAtoi(t, prof.MonthOfBirth), mustAtoi(t, prof.DayOfBirth))
	}
	if p.token == "" || p.address == "" || len(p.mobile) != 10 || p.name == "" || p.gender == "" {
		t.Fatalf("the person's profile is incomplete: %+v", prof)
	}
	return p
}

// verifiedFacility submits a facility to the registry and verifies it as
// the operator; it returns the facility's ID.
func verifiedFacility(t testing.TB, base string, op map[string]string, name string) string {
	t.Helper()
	var f struct{ ID string }
	jsonCall(t, "POST", base+"/api/v1/facilities", nil, map[string]any{"name": name, "type": "hospital", "ownership": "private",
		"systemsOfMedicine": []string{"modern"}, "address": map[string]string{"stateCode": "28", "districtCode": "520", "pin": "530002"}}, 201, &f)
	jsonCall(t, "POST", base+"/api/v1/facilities/"+f.ID+"/verification", op, map[string]string{"decision": "VERIFIED"}, 200, nil)
	return f.ID
}

// startBridge runs a bridge program and returns the URL it prints once it
// has registered with the gateway. The program is killed at cleanup; its
// stderr is logged if the test failed.
func startBridge(t *testing.T, name, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() && stderr.String() != "" {
			t.Logf("%s stderr:\n%s", name, stderr)
		}
	})
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		first <- line
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case line := <-first:
		u, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
		if !ok {
			t.Fatalf("%s did not start: %q\n%s", name, line, stderr)
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed nothing in 30 s\n%s", name, stderr)
		return ""
	}
}

// hipOTP reads the OTP the HIP "sent" for a link reference from its outbox.
func hipOTP(t *testing.T, outbox, linkRef, mobile string) string {
	t.Helper()
	b, err := os.ReadFile(outbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m struct{ Mobile, OTP, LinkRefNumber string }
		if json.Unmarshal(line, &m) == nil && m.LinkRefNumber == linkRef {
			if m.Mobile != mobile || len(m.OTP) != 6 {
				t.Fatalf("the HIP's OTP message is not for the person, or not 6 digits")
			}
			return m.OTP
		}
	}
	t.Fatalf("the HIP sent no OTP for link %s", linkRef)
	return ""
}

// waitFor polls check until it reports "" (done), failing with its last
// report after 20 s.
func waitFor(t testing.TB, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s: %s", what, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jsonDo makes one JSON request; it waits long enough for the CM's
// discovery, which waits up to 20 s for the HIP.
func jsonDo(t testing.TB, method, url string, hdr map[string]string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 40 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// jsonCall is jsonDo that fails the test unless the status is want, and
// decodes the answer into out.
func jsonCall(t testing.TB, method, url string, hdr map[string]string, body any, want int, out any) {
	t.Helper()
	st, b := jsonDo(t, method, url, hdr, body)
	if st != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
}

func writeJSONFile(t *testing.T, file string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func otherGender(g string) string {
	if g == "F" {
		return "M"
	}
	return "F"
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
