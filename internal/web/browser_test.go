package web

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/arogya-health/arogya/internal/abha"
)

// chromiumPath returns the Chromium to drive, skipping the test when there
// is none (failing instead when CI is set).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found at /usr/bin/chromium or on PATH; CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium not found at /usr/bin/chromium or on PATH; install it to run the browser test")
	return ""
}

// newChromium starts a headless Chromium for the test and returns a tab.
func newChromium(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return tab
}

var abhaNumberRE = regexp.MustCompile(`^\d{2}-\d{4}-\d{4}-\d{4}$`)

// TestBrowserEnrolToCard walks from enrolment to the card download in
// Chromium, on a phone-sized screen, with JavaScript used only by the test.
func TestBrowserEnrolToCard(t *testing.T) {
	chromiumPath(t) // skip before building anything
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	tab := newChromium(t, ctx)
	shots := os.Getenv("AROGYA_SCREENSHOTS") == "1"

	a := aadhaar("67890123456")
	mobile := e.kycMobile(t, a)
	downloads := t.TempDir()

	// At the narrowest common phone width nothing may scroll sideways.
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/abha/"),
		chromedp.WaitVisible(chromedp.ID("start-enrol")),
	))
	for _, u := range []string{"/abha/", "/abha/enrol", "/abha/login"} {
		must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+u), chromedp.WaitReady(chromedp.CSS("main"))))
		if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %dpx wide at a 360px viewport", u, w)
		}
	}

	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/abha/"),
		chromedp.Click(chromedp.ID("start-enrol")),
		chromedp.WaitVisible(chromedp.ID("aadhaar")),
		chromedp.SendKeys(chromedp.ID("aadhaar"), a),
		chromedp.Click(chromedp.ID("consent")),
	))
	if shots {
		screenshot(t, tab, "abha-enrol.png")
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("otp")),
	))
	if got := run(t, tab, chromedp.Text(chromedp.CSS("main"))); !regexp.MustCompile(`\*{6}` + mobile[6:]).MatchString(got) {
		t.Errorf("OTP page does not name the masked mobile: %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("otp"), e.otp(t, mobile)),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("choice-0")),
	))
	choice := run(t, tab, chromedp.Value(chromedp.ID("choice-0")))
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("choice-0")),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("abha-number")),
	))
	number := run(t, tab, chromedp.Text(chromedp.ID("abha-number")))
	accounts, err := e.db.AccountsByMobile(ctx, mobile)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts for the mobile: %d, %v", len(accounts), err)
	}
	if !abhaNumberRE.MatchString(number) || number != abha.FormatNumber(accounts[0].Number) {
		t.Errorf("profile shows ABHA number %q, want %q", number, abha.FormatNumber(accounts[0].Number))
	}
	if got := run(t, tab, chromedp.Text(chromedp.ID("abha-address"))); got != choice+"@sbx" {
		t.Errorf("profile shows address %q, want %q", got, choice+"@sbx")
	}
	if shots {
		screenshot(t, tab, "abha-profile.png")
	}

	// Click the download button; the browser saves the card to downloads.
	if _, err := chromedp.CallBrowser(tab, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("card-png"))))
	card := waitFile(t, ctx, filepath.Join(downloads, "abha-card.png"))
	if !bytes.HasPrefix(card, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("downloaded card is not a PNG: % x", card[:min(len(card), 8)])
	}

	// The PDF, fetched by the page itself with its session cookie.
	head := run(t, tab, chromedp.Evaluate[string](
		`fetch('/abha/card.pdf').then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 5)))`,
		chromedp.EvalAwaitPromise))
	if head != "%PDF-" {
		t.Errorf("card.pdf starts %q", head)
	}

	// The switch on the landing page turns it, and the next pages, into
	// Hindi, which still fits the narrowest phone; and back to English.
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/abha/"),
		chromedp.Click(chromedp.ID("lang-hi")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="hi"] #lang-en`)),
	))
	if got := run(t, tab, chromedp.Text(chromedp.CSS("h1"))); got != messagesHI["landing.heading"] {
		t.Errorf("after switching to Hindi the heading is %q", got)
	}
	if u := run(t, tab, chromedp.Evaluate[string](`location.pathname + location.search`)); u != "/abha/" {
		t.Errorf("the switch came back to %q", u)
	}
	if shots {
		screenshot(t, tab, "abha-landing-hi.png")
	}
	must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+"/abha/profile"), chromedp.WaitVisible(chromedp.ID("abha-number"))))
	if got := run(t, tab, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, messagesHI["profile.card"]) {
		t.Errorf("the profile after switching is not in Hindi: %q", got)
	}
	if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
		t.Errorf("the Hindi profile is %dpx wide at a 360px viewport", w)
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("lang-en")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #lang-hi`)),
	))
	if got := run(t, tab, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Your ABHA card") {
		t.Errorf("switching back did not give English: %q", got)
	}
}

// waitFile waits for a finished download at path and returns its bytes.
func waitFile(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			if _, err := os.Stat(path + ".crdownload"); os.IsNotExist(err) {
				return b
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no download at %s: %v", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// screenshot saves the viewport to docs/screenshots under the module root.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png := run(t, tab, chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(dir, name))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
