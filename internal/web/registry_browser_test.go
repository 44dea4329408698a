package web

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRegistryVerify submits a facility of Andhra Pradesh in
// Chromium, on a phone-sized screen; Telangana's verifier cannot see or
// approve it, Andhra Pradesh's approves it from the queue, and it then
// appears in public search. JavaScript is used only by the test.
func TestBrowserRegistryVerify(t *testing.T) {
	chromiumPath(t) // skip before building anything
	e := newRegistryEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	tab := newChromium(t, ctx)
	shots := os.Getenv("AROGYA_SCREENSHOTS") == "1"

	// Other entries, so the queue and the results are not alone.
	e.facility(t, "Guntur Government General Hospital", "28", true)
	e.facility(t, "Guntur Urban Primary Health Centre", "28", true)
	e.facility(t, "Hanamkonda Community Health Centre", "36", false)
	e.professional(t, "Sunitha Reddy", "sunitha.reddy", "28", false)

	const name = "Guntur Kasturba Community Health Centre"
	d := district(t, "28")
	text := func(sel string) string { return run(t, tab, chromedp.Text(chromedp.CSS(sel))) }

	// The registry pages fit the narrowest common phone.
	must(t, chromedp.Do(tab, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2))))
	for _, u := range []string{"/registry/", "/registry/facilities?state=28", "/registry/facilities/new", "/registry/professionals/new", "/registry/verify/login"} {
		must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+u), chromedp.WaitReady(chromedp.CSS("main"))))
		if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %dpx wide at a 360px viewport", u, w)
		}
	}

	// Submit the facility; the districts are listed once the state is sent.
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/registry/"),
		chromedp.Click(chromedp.ID("new-facility")),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SetValue(chromedp.ID("type"), "chc"),
		chromedp.SetValue(chromedp.ID("ownership"), "government"),
		chromedp.SetValue(chromedp.ID("ownershipSubType"), "state"),
		chromedp.Click(chromedp.ID("systems-modern")),
		chromedp.SendKeys(chromedp.ID("line"), "Near the bus stand"),
		chromedp.SendKeys(chromedp.ID("city"), d.Name),
		chromedp.SetValue(chromedp.ID("state"), "28"),
		chromedp.Click(chromedp.ID("show-districts")),
		chromedp.WaitReady(chromedp.CSS(`#district option[value="`+d.Code+`"]`)),
	))
	if got := run(t, tab, chromedp.Value(chromedp.ID("name"))); got != name {
		t.Errorf("after listing districts the name is %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.SetValue(chromedp.ID("district"), d.Code),
		chromedp.SendKeys(chromedp.ID("pin"), d.Pincode),
		chromedp.SendKeys(chromedp.ID("phone"), "0863 223 4567"),
		chromedp.Click(chromedp.ID("specialities-general-medicine")),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("new-id")),
	))
	id := text("#new-id")
	if !strings.HasPrefix(id, "IN28") || len(id) != 12 {
		t.Fatalf("confirmation shows ID %q", id)
	}
	if got := text("#new-status"); got != "Pending verification" {
		t.Errorf("confirmation status %q", got)
	}

	signIn := func(verifier, key string) {
		t.Helper()
		must(t, chromedp.Do(tab,
			chromedp.Navigate(e.srv.URL+"/registry/verify/login"),
			chromedp.WaitVisible(chromedp.ID("verifier")),
			chromedp.SendKeys(chromedp.ID("verifier"), verifier),
			chromedp.SendKeys(chromedp.ID("key"), key),
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("nav-logout")),
		))
	}

	// Telangana's verifier does not see it, and may neither open nor
	// approve it.
	signIn(e.v36.ID, e.key36)
	if q := text("main"); strings.Contains(q, name) || !strings.Contains(q, "Hanamkonda") {
		t.Errorf("Telangana's queue: %q", q)
	}
	must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+"/registry/verify/facilities/"+id), chromedp.WaitVisible(chromedp.ID("form-error"))))
	if got := text("#form-error"); !strings.Contains(got, "belongs to another state") {
		t.Errorf("another state's verifier sees %q", got)
	}
	// The page's own CSRF token, posted as the approve button would.
	status := run(t, tab, chromedp.Evaluate[int](`fetch('/registry/verify/facilities/`+id+`', {method: 'POST',
		body: new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value, decision: 'approve'})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("another state's approval: status %d, want 403", status)
	}
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("nav-logout")), chromedp.WaitVisible(chromedp.ID("verifier"))))

	// Andhra Pradesh's verifier approves it from the queue.
	signIn(e.v28.ID, e.key28)
	must(t, chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`a[href="/registry/verify/facilities/`+id+`"]`))))
	if shots {
		screenshot(t, tab, "registry-queue.png")
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`a[href="/registry/verify/facilities/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.ID("approve")),
	))
	if got := text("#review-status"); got != "Pending verification" {
		t.Errorf("review status %q", got)
	}
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.CSS(".notice"))))
	if q := text("main"); strings.Contains(q, name) {
		t.Error("the approved facility is still in the queue")
	}

	// The public finds it.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("nav-logout")),
		chromedp.WaitVisible(chromedp.ID("verifier")),
		chromedp.Navigate(e.srv.URL+"/registry/"),
		chromedp.WaitVisible(chromedp.ID("q-facilities")),
		chromedp.SendKeys(chromedp.ID("q-facilities"), name),
		chromedp.Click(chromedp.ID("search-facilities")),
		chromedp.WaitVisible(chromedp.ID("result-count")),
	))
	if !strings.Contains(text("#results"), name) {
		t.Errorf("search results lack the approved facility: %q", text("main"))
	}
	if shots {
		screenshot(t, tab, "registry-search.png")
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`a[href="/registry/facilities/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.ID("facility-name")),
	))
	if got := text("#facility-id"); got != id {
		t.Errorf("detail page shows ID %q, want %q", got, id)
	}
}
