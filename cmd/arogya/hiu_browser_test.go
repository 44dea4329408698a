package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserHIUJourney walks a clinician's journey in Chromium on a
// phone-sized screen, without JavaScript in the pages: sign in, find the
// patient by ABHA address, ask for consent; the person approves over the
// CM API and the request's page, reloading itself, shows it granted with
// no hand reload; get records, wait for them, open one.
func TestBrowserHIUJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
	defer cancel()
	tab := phrChromium(t, ctx)
	w := newHIUWorld(t, true)
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
	// until polls the page, which may be reloading itself, until js is true.
	until := func(what, js string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](js)); err == nil && ok {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: not within a minute", what)
	}

	do("sign in",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(w.base+"/hiu/"),
		chromedp.WaitVisible(chromedp.ID("facility")),
		chromedp.SendKeys(chromedp.ID("facility"), w.hiuID),
		chromedp.SendKeys(chromedp.ID("hpr"), w.hpr),
		chromedp.SendKeys(chromedp.ID("password"), w.password),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("new-request")),
	)
	noSideScroll("the home page")
	do("find the patient",
		chromedp.Click(chromedp.ID("new-request")),
		chromedp.WaitVisible(chromedp.ID("find-patient")),
		chromedp.SendKeys(chromedp.ID("find-patient"), w.p.address),
		chromedp.Click(chromedp.ID("find")),
		chromedp.WaitVisible(chromedp.ID("found-name")),
	)
	if got := phrEval[string](t, tab, `document.getElementById('found-name').innerText`); got != w.p.name {
		t.Errorf("found %q, want the person's name", got)
	}
	if u := phrEval[string](t, tab, `location.href`); strings.Contains(u, w.p.address) || strings.Contains(u, "@") {
		t.Errorf("the ABHA address is in the URL %s", u)
	}
	noSideScroll("the consent form")
	do("ask for consent",
		chromedp.Click(chromedp.ID("ht-OPConsultation")),
		chromedp.Click(chromedp.ID("ht-DiagnosticReport")),
		chromedp.SetValue(chromedp.ID("from"), "2025-01-01"),
		chromedp.SetValue(chromedp.ID("to"), "2025-12-31"),
		chromedp.Click(chromedp.ID("ask")),
		chromedp.WaitVisible(chromedp.ID("request-status")),
	)
	until("the request waits for the patient", `document.getElementById('request-status')?.innerText === 'Waiting for the patient'`)
	if !phrEval[bool](t, tab, `!!document.querySelector('meta[http-equiv=refresh]')`) {
		t.Error("the waiting request does not reload itself")
	}
	noSideScroll("the request page")
	u := phrEval[string](t, tab, `location.pathname`)
	id := strings.TrimPrefix(u, "/hiu/requests/")
	c, err := w.n.hiu.ConsentRequest(t.Context(), w.hiuID, id)
	if err != nil || c.CMID == "" {
		t.Fatalf("the request %q: %+v %v", id, c, err)
	}
	w.approve(t, c.CMID, []string{"OPConsultation", "DiagnosticReport"}, "2025-01-01T00:00:00.000Z", "2025-12-31T00:00:00.000Z", time.Now().Add(10*24*time.Hour))

	// No reload by hand: the page reloads itself until the grant shows.
	until("the page shows the grant", `document.getElementById('request-status')?.innerText === 'Granted' && document.querySelectorAll('.get-records').length === 2`)
	if phrEval[bool](t, tab, `!!document.querySelector('meta[http-equiv=refresh]')`) {
		t.Error("the granted request still reloads itself")
	}
	do("get records", chromedp.Click(chromedp.CSS(`.get-records`)), chromedp.WaitVisible(chromedp.ID("transfer-status")))
	until("the records arrive", `document.getElementById('transfer-status')?.innerText === 'Received'`)
	noSideScroll("the transfer page")
	do("open a record",
		chromedp.Click(chromedp.ID("records-link")),
		chromedp.WaitVisible(chromedp.CSS("a.record-link")),
	)
	noSideScroll("the records page")
	do("open it", chromedp.Click(chromedp.CSS("a.record-link")), chromedp.WaitVisible(chromedp.CSS("article.fhir-record")))
	noSideScroll("the record")
	rec := phrEval[string](t, tab, `document.querySelector('article.fhir-record').innerText`)
	if !strings.Contains(rec, "Haemoglobin") && !strings.Contains(rec, "Common cold") {
		t.Errorf("the record shows %q", rec)
	}
	if e := phrEval[string](t, tab, `document.getElementById('record-erase').innerText`); !strings.Contains(e, "erased from this facility on") {
		t.Errorf("the record's erase line: %q", e)
	}
}
