package web

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEMRDeskQR: a signed-in desk gets its counter's Scan & Share code,
// which decodes to the PHR's share page naming the facility and counter;
// a bad counter and a browser not signed in get nothing.
func TestEMRDeskQR(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	if p := b.get("/emr/desk/qr.png"); p.status != http.StatusUnauthorized {
		t.Fatalf("the code without signing in: %d", p.status)
	}
	if p := b.get("/emr/desk"); p.status != http.StatusSeeOther {
		t.Fatalf("the page without signing in: %d", p.status)
	}
	e.signIn(t, b)
	want := e.srv.URL + "/abha/share?" + url.Values{"counter-code": {"OPD-2"}, "hip-id": {e.facility}}.Encode()
	p := b.get("/emr/desk?counter=OPD-2")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="desk-qr"`) || !strings.Contains(p.body, strings.ReplaceAll(want, "&", "&amp;")) {
		t.Fatalf("the desk page: %d\n%s", p.status, p.body)
	}
	for _, bad := range []string{"OPD 2", "<b>", strings.Repeat("9", 21)} {
		if p := b.get("/emr/desk?counter=" + url.QueryEscape(bad)); p.status != http.StatusBadRequest || strings.Contains(p.body, `id="desk-qr"`) {
			t.Errorf("counter %q: %d", bad, p.status)
		}
		if p := b.get("/emr/desk/qr.png?counter=" + url.QueryEscape(bad)); p.status != http.StatusBadRequest {
			t.Errorf("the code for counter %q: %d", bad, p.status)
		}
	}
	p = b.get("/emr/desk/qr.png?counter=OPD-2")
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "image/png" {
		t.Fatalf("the code: %d %s", p.status, p.header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader([]byte(p.body))); err != nil {
		t.Fatalf("the code is not a PNG: %v", err)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg not on PATH; CI must install it (Debian zbar-tools)")
		}
		t.Skip("zbarimg not on PATH: the code's content is not read back")
	}
	file := filepath.Join(t.TempDir(), "desk.png")
	if err := os.WriteFile(file, []byte(p.body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
	if err != nil {
		t.Fatalf("zbarimg read no code: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("the code holds %q, want %q", got, want)
	}
}
