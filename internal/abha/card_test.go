package abha

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

// cardTestJWS returns a JWS-shaped payload of about n characters.
func cardTestJWS(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	s := "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString(b)
	s = s[:n-87] + "." + base64.RawURLEncoding.EncodeToString(b[:64])[:86]
	return s
}

func cardTestCard(t *testing.T, qr string) Card {
	return Card{
		Name: "Mohammed Irfan Shaikh", Number: "91-6285-4575-5116", Address: "irfan.shaikh@sbx",
		Gender: "M", BirthDate: "1987-03-14", Mobile: "9876543210",
		IssuedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), QR: qr,
	}
}

// cardTool returns the path of a command-line tool the test needs, skipping
// the test when it is absent, except in CI where it must be installed.
func cardTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not on PATH; CI must install it (Debian zbar-tools / poppler-utils)", name)
		}
		t.Skipf("%s not on PATH: skipping", name)
	}
	return p
}

func TestRenderCardPNG(t *testing.T) {
	for _, n := range []int{120, 300, 600} {
		payload := cardTestJWS(t, n)
		b, err := RenderCardPNG(cardTestCard(t, payload))
		if err != nil {
			t.Fatalf("RenderCardPNG (%d-char QR): %v", n, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("card is not a PNG: %v", err)
		}
		if got := img.Bounds().Size(); got.X != CardWidth || got.Y != CardHeight {
			t.Errorf("card size %v, want %dx%d", got, CardWidth, CardHeight)
		}
		if _, px, _ := cardQR(payload); px < minModulePx {
			t.Errorf("%d-char QR: %d px per module", n, px)
		}
		zbar := cardTool(t, "zbarimg")
		path := filepath.Join(t.TempDir(), "card.png")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
		if err != nil {
			t.Fatalf("zbarimg found no QR code in the %d-char card: %v", n, err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != payload {
			t.Errorf("QR decodes to %q, want %q", got, payload)
		}
	}
}

func TestRenderCardPNGVariants(t *testing.T) {
	long := cardTestCard(t, "x")
	long.Name = strings.Repeat("Venkatasubramanian ", 6)
	long.BirthDate = "1987"
	long.Mobile = ""
	long.IssuedAt = time.Time{}
	if _, err := RenderCardPNG(long); err != nil {
		t.Errorf("long name, year of birth only: %v", err)
	}
	if got := long.fields(); got[1][0] != "Year of birth" || got[1][1] != "1987" || len(got) != 2 {
		t.Errorf("fields = %v", got)
	}
	if got := cardTestCard(t, "x").fields(); got[0][1] != "Male" || got[1][1] != "14-03-1987" {
		t.Errorf("fields = %v", got)
	}
	for _, qr := range []string{"", strings.Repeat("x", 1500)} {
		_, err := RenderCardPNG(cardTestCard(t, qr))
		if arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("RenderCardPNG with %d-char QR: error %v, want EINVALID", len(qr), err)
		}
	}
}

func TestRenderCardPDF(t *testing.T) {
	c := cardTestCard(t, cardTestJWS(t, 600))
	b, err := RenderCardPDF(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("PDF starts %q", b[:min(8, len(b))])
	}
	again, _ := RenderCardPDF(c)
	if !bytes.Equal(b, again) {
		t.Error("RenderCardPDF is not deterministic")
	}
	pdftotext := cardTool(t, "pdftotext")
	path := filepath.Join(t.TempDir(), "card.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"91-6285-4575-5116", "irfan.shaikh@sbx", "Mohammed Irfan Shaikh", "ABHA Health ID card", "14-03-1987"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
}

func TestRenderQRPNG(t *testing.T) {
	b, err := RenderQRPNG("hello", 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("RenderQRPNG: %v, bounds %v", err, img.Bounds())
	}
	for _, tt := range []struct {
		text string
		size int
	}{{"", 256}, {"x", 10}, {"x", 5000}, {strings.Repeat("x", 5000), 256}} {
		if _, err := RenderQRPNG(tt.text, tt.size); arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("RenderQRPNG(%d chars, %d): error %v, want EINVALID", len(tt.text), tt.size, err)
		}
	}
}
