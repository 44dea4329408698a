package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// phrChromium starts a headless Chromium for the test and returns a tab,
// skipping the test when there is none (failing instead when CI is set).
func phrChromium(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if path, err = exec.LookPath("chromium"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("chromium not found at /usr/bin/chromium or on PATH; CI must install it")
			}
			t.Skip("chromium not found; install it to run the browser test")
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return tab
}

func phrEval[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserPHRJourney walks the person's app in Chromium on a phone-sized
// screen, without JavaScript in the pages: log in with an OTP, see the
// timeline, set the consent PIN, approve a request with it, see the
// consent active, and revoke it.
func TestBrowserPHRJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	tab := phrChromium(t, ctx)
	w := newPHRWorld(t)
	base := w.base
	do := func(what string, actions ...chromedp.Action[struct{}]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	noSideScroll := func(page string) {
		t.Helper()
		if sw := phrEval[int](t, tab, `document.documentElement.scrollWidth`); sw > 360 {
			t.Errorf("%s scrolls sideways at 360 px: %d px wide", page, sw)
		}
	}

	sent := smsCount(t, w.sms)
	do("open the login page",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(base+"/abha/login"),
		chromedp.WaitVisible(chromedp.ID("loginId")),
		chromedp.SendKeys(chromedp.ID("loginId"), w.p.number),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("otp")),
	)
	otp := phrOTP(t, w.sms, sent, w.p.mobile)
	do("log in with the OTP",
		chromedp.SendKeys(chromedp.ID("otp"), otp),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("abha-number")),
		chromedp.Navigate(base+"/abha/records"),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	)
	timeline := phrEval[string](t, tab, `document.getElementById('timeline').innerText`)
	if !strings.Contains(timeline, "Fever visit") || !strings.Contains(timeline, "Lotus Hospital") || !strings.Contains(timeline, "Consultation") {
		t.Fatalf("the timeline: %q", timeline)
	}
	noSideScroll("the timeline")

	do("set the consent PIN",
		chromedp.Navigate(base+"/abha/consents"),
		chromedp.WaitVisible(chromedp.CSS("#setpin summary")),
		chromedp.Click(chromedp.CSS("#setpin summary")),
		chromedp.WaitVisible(chromedp.ID("newpin")),
		chromedp.SendKeys(chromedp.ID("newpin"), "4826"),
		chromedp.SendKeys(chromedp.ID("newpin2"), "4826"),
		chromedp.Click(chromedp.CSS(`button[value=setpin]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if id, refused := w.askConsent(t); id == "" {
		t.Fatalf("consent request: %s", refused)
	}
	do("review the request",
		chromedp.Navigate(base+"/abha/consents"),
		chromedp.WaitVisible(chromedp.CSS(`#inbox button[value=review]`)),
		chromedp.Click(chromedp.CSS(`#inbox button[value=review]`)),
		chromedp.WaitVisible(chromedp.ID("approve")),
	)
	noSideScroll("the approval form")
	// Share only the fever visit's consultation.
	phrEval[bool](t, tab, `(() => {
		for (const c of document.querySelectorAll('input[name=cc]')) c.checked = c.value.endsWith(' OP-1');
		for (const c of document.querySelectorAll('input[name=hitype]')) c.checked = c.value === 'OPConsultation';
		return true;
	})()`)
	do("approve with the PIN",
		chromedp.SendKeys(chromedp.ID("pin"), "4826"),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("active")),
	)
	active := phrEval[string](t, tab, `document.getElementById('active').innerText`)
	if !strings.Contains(active, "Review Clinic") || !strings.Contains(active, "Fever visit") || strings.Contains(active, "Follow-up visit") {
		t.Fatalf("the active consent: %q", active)
	}
	noSideScroll("the consents page")
	do("revoke with the PIN",
		chromedp.Click(chromedp.CSS("#active .revoke summary")),
		chromedp.WaitVisible(chromedp.CSS(`#active input[name=pin]`)),
		chromedp.SendKeys(chromedp.CSS(`#active input[name=pin]`), "4826"),
		chromedp.Click(chromedp.CSS(`#active button[value=revoke]`)),
		// The approval's notice is still on the page until the revocation's
		// answer replaces it: wait for the active consent to be gone.
		chromedp.WaitNotPresent(chromedp.CSS(`#active`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if notice := phrEval[string](t, tab, `document.querySelector('.notice').innerText`); notice != "Consent revoked." {
		t.Errorf("notice %q", notice)
	}
}
