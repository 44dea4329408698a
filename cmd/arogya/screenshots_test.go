package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshotsExchange saves the main pages of issue 6's exchange as
// PNGs of a phone's screen (390×844 CSS px at twice the density): the
// ABHA landing, the PHR's timeline, consent inbox, access log and
// timeline in Hindi, the clinician's consent request, records and a
// rendered record (and that record in Hindi), and a HIP facility's EMR (a patient, the consultation
// form, the desk's Scan & Share code). It runs only with
// AROGYA_SCREENSHOTS set: to a directory to write them to, or to 1 for
// docs/screenshots (as the web package's browser tests take it), so CI
// never rewrites them.
func TestScreenshotsExchange(t *testing.T) {
	dir := os.Getenv("AROGYA_SCREENSHOTS")
	if dir == "" {
		t.Skip("set AROGYA_SCREENSHOTS to a directory (or 1 for docs/screenshots) to save the pages' screenshots")
	}
	if dir == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	shots := &journeyShots{dir: dir}
	clinician, person := journeyBrowsers(t, ctx, 2)
	w := newJourneyWorld(t, false)

	person.do("the ABHA landing", chromedp.Navigate(w.hubBase+"/abha/"), chromedp.WaitReady(chromedp.CSS("main")))
	shots.take(person, "abha-landing")
	runExchangeJourney(t, w, clinician, person, shots)

	// The lakeside hospital's EMR, as its doctor sees it.
	emr := person // a window of its own would do as well; the person is done
	hpr := w.professional(t, w.hips[0], "dr.ravi.kumar", "Ravi Kumar")
	var account struct{ Password string }
	jsonCall(t, "POST", w.hubBase+"/api/v1/admin/hip/facilities/"+w.hips[0]+"/staff", w.op, map[string]string{"hprId": hpr}, 201, &account)
	const password = "the EMR doctor's passphrase"
	jsonCall(t, "POST", w.hubBase+"/api/v1/hip/"+w.hips[0]+"/staff/password", nil,
		map[string]string{"hprId": hpr, "password": account.Password, "newPassword": password}, 204, nil)
	emr.do("the doctor signs in to the EMR",
		chromedp.Navigate(w.hubBase+"/emr/"),
		chromedp.WaitVisible(chromedp.ID("facility")),
		chromedp.SendKeys(chromedp.ID("facility"), w.hips[0]),
		chromedp.SendKeys(chromedp.ID("hpr"), hpr),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), w.p.number),
		chromedp.Click(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.CSS("#found a.result-name")),
		chromedp.Click(chromedp.CSS("#found a.result-name")),
		chromedp.WaitVisible(chromedp.ID("patient-name")),
	)
	shots.take(emr, "emr-patient")
	emr.do("the consultation form",
		chromedp.Click(chromedp.ID("new-consultation")),
		chromedp.WaitVisible(chromedp.ID("complaints")),
		chromedp.SendKeys(chromedp.ID("complaints"), "Fever for 3 days"),
		chromedp.SendKeys(chromedp.ID("bp_sys"), "124"),
		chromedp.SendKeys(chromedp.ID("bp_dia"), "82"),
		chromedp.SendKeys(chromedp.ID("pulse"), "90"),
	)
	emr.eval(`(window.scrollTo(0, 0), '')`)
	shots.take(emr, "emr-consultation")
	emr.do("the desk's Scan & Share code", chromedp.Navigate(w.hubBase+"/emr/desk"), chromedp.WaitVisible(chromedp.CSS("img")))
	emr.until("the QR code loaded", `[...document.images].every(i => i.complete && i.naturalWidth > 0)`)
	shots.take(emr, "emr-desk")
}
