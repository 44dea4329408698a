package web

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserEMRConsultation signs a doctor in to the facility EMR in
// Chromium, on a phone-sized screen, registers a patient, writes an OP
// consultation and a lab report, and reads them back: the diagnosis in the
// consultation, the low haemoglobin flagged in words. JavaScript is used
// only by the test.
func TestBrowserEMRConsultation(t *testing.T) {
	chromiumPath(t) // skip before building anything
	e := newEMREnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	tab := newChromium(t, ctx)
	shots := os.Getenv("AROGYA_SCREENSHOTS") == "1"
	text := func(sel string) string { return run(t, tab, chromedp.Text(chromedp.CSS(sel))) }
	narrow := func(what string) {
		t.Helper()
		if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %dpx wide at a 360px viewport", what, w)
		}
	}

	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/emr/"),
		chromedp.WaitVisible(chromedp.ID("facility")), // sent to sign in
	))
	narrow("the sign-in page")
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("facility"), e.facility),
		chromedp.SendKeys(chromedp.ID("hpr"), e.hpr),
		chromedp.SendKeys(chromedp.ID("password"), e.password),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("register")),
	))
	narrow("the home page")

	// Register the patient.
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("name"), "Lakshmi Devi"),
		chromedp.SetValue(chromedp.ID("gender"), "F"),
		chromedp.SendKeys(chromedp.ID("year_of_birth"), "1984"),
		chromedp.SendKeys(chromedp.ID("mobile"), "9876543210"),
		chromedp.SendKeys(chromedp.ID("abha_number"), "91-1234-5678-9012"),
		chromedp.Click(chromedp.ID("register")),
		chromedp.WaitVisible(chromedp.ID("patient-name")),
	))
	if got := text("#patient-name"); got != "Lakshmi Devi" {
		t.Errorf("patient page names %q", got)
	}

	// The consultation: a bad pulse first, which comes back with the
	// values kept; then the good one.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("new-consultation")),
		chromedp.WaitVisible(chromedp.ID("complaints")),
	))
	narrow("the consultation form")
	if ref := run(t, tab, chromedp.Value(chromedp.ID("visit_ref"))); !strings.HasPrefix(ref, "OP-") {
		t.Errorf("suggested visit reference %q", ref)
	}
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("complaints"), "Fever for 3 days\nBody ache"),
		chromedp.SendKeys(chromedp.ID("bp_sys"), "124"),
		chromedp.SendKeys(chromedp.ID("bp_dia"), "82"),
		chromedp.SendKeys(chromedp.ID("pulse"), "9o"),
		chromedp.SendKeys(chromedp.ID("temp"), "101.4"),
		chromedp.SendKeys(chromedp.ID("spo2"), "97"),
		chromedp.SendKeys(chromedp.ID("weight"), "58"),
		chromedp.SendKeys(chromedp.ID("diagnoses"), "Acute viral fever"),
		chromedp.SendKeys(chromedp.ID("drug1"), "Paracetamol 500 mg tablet"),
		chromedp.SendKeys(chromedp.ID("dose1"), "1 tablet"),
		chromedp.SendKeys(chromedp.ID("freq1"), "1-1-1"),
		chromedp.SendKeys(chromedp.ID("days1"), "3"),
		chromedp.SendKeys(chromedp.ID("instr1"), "after food"),
		chromedp.SendKeys(chromedp.ID("advice"), "Plenty of fluids"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	))
	if got := text("#form-error"); !strings.Contains(got, "Pulse") {
		t.Errorf("bad pulse: %q", got)
	}
	if got := run(t, tab, chromedp.Value(chromedp.ID("diagnoses"))); got != "Acute viral fever" {
		t.Errorf("diagnoses kept as %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.Clear(chromedp.ID("pulse")),
		chromedp.SendKeys(chromedp.ID("pulse"), "90"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("visits")),
	))
	if got := text(".notice"); got != "Record saved." {
		t.Errorf("notice %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("#visits a.record-link")),
		chromedp.WaitVisible(chromedp.CSS("article.fhir-record")),
	))
	narrow("the consultation record")
	if rec := text("article.fhir-record"); !strings.Contains(rec, "Acute viral fever") || !strings.Contains(rec, "Paracetamol 500 mg tablet") {
		t.Errorf("the consultation shows %q", rec)
	}
	if shots {
		screenshot(t, tab, "emr-consultation.png")
	}

	// The lab report: a low haemoglobin is flagged in words.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("back-patient")),
		chromedp.WaitVisible(chromedp.ID("new-lab")),
		chromedp.Click(chromedp.ID("new-lab")),
		chromedp.WaitVisible(chromedp.ID("test")),
		chromedp.SendKeys(chromedp.ID("test"), "Complete blood count"),
		chromedp.SendKeys(chromedp.ID("name1"), "Haemoglobin"),
		chromedp.SendKeys(chromedp.ID("value1"), "9.2"),
		chromedp.SendKeys(chromedp.ID("unit1"), "g/dL"),
		chromedp.SendKeys(chromedp.ID("low1"), "12"),
		chromedp.SendKeys(chromedp.ID("high1"), "15.5"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("visits")),
		chromedp.Click(chromedp.CSS(`#visits a.record-link[href*="/visits/LAB-"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.fhir-record .flag-abnormal")),
	))
	if flag := text("article.fhir-record .flag-abnormal"); !strings.Contains(strings.ToLower(flag), "low") {
		t.Errorf("the low haemoglobin is flagged %q", flag)
	}
	if shots {
		screenshot(t, tab, "emr-lab.png")
	}

	// The prescription: days typed in words come back with the rows kept;
	// fixed, both medicines are saved and read back.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("back-patient")),
		chromedp.WaitVisible(chromedp.ID("new-prescription")),
		chromedp.Click(chromedp.ID("new-prescription")),
		chromedp.WaitVisible(chromedp.ID("drug1")),
	))
	narrow("the prescription form")
	if ref := run(t, tab, chromedp.Value(chromedp.ID("visit_ref"))); !strings.HasPrefix(ref, "RX-") {
		t.Errorf("suggested visit reference %q", ref)
	}
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("drug1"), "Amoxicillin 500 mg capsule"),
		chromedp.SendKeys(chromedp.ID("dose1"), "1 capsule"),
		chromedp.SendKeys(chromedp.ID("frequency1"), "1-1-1"),
		chromedp.SendKeys(chromedp.ID("days1"), "five"),
		chromedp.SendKeys(chromedp.ID("instructions1"), "after food"),
		chromedp.SendKeys(chromedp.ID("drug2"), "Cetirizine 10 mg tablet"),
		chromedp.SendKeys(chromedp.ID("frequency2"), "0-0-1"),
		chromedp.SendKeys(chromedp.ID("notes"), "Complete the course"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	))
	if got := text("#form-error"); !strings.Contains(got, "Medicine 1: days") {
		t.Errorf("bad days: %q", got)
	}
	if got := run(t, tab, chromedp.Value(chromedp.ID("drug2"))); got != "Cetirizine 10 mg tablet" {
		t.Errorf("the second medicine kept as %q", got)
	}
	narrow("the refused prescription")
	must(t, chromedp.Do(tab,
		chromedp.Clear(chromedp.ID("days1")),
		chromedp.SendKeys(chromedp.ID("days1"), "5"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("visits")),
		chromedp.Click(chromedp.CSS(`#visits a.record-link[href*="/visits/RX-"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.fhir-record")),
	))
	if rec := text("article.fhir-record"); !strings.Contains(rec, "Amoxicillin 500 mg capsule") || !strings.Contains(rec, "Cetirizine 10 mg tablet") {
		t.Errorf("the prescription shows %q", rec)
	}
	if shots {
		screenshot(t, tab, "emr-prescription.png")
	}

	// Signed out, the record is gone from the browser.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("nav-signout")),
		chromedp.WaitVisible(chromedp.ID("facility")),
		chromedp.NavigateBack(),
		chromedp.WaitVisible(chromedp.ID("facility")),
	))
}

// TestBrowserEMRStaff: in Chromium, on a phone-sized screen, the operator
// adds a nurse from the facility's staff page and reads the one-time
// password off it; the nurse sets their own password with it and signs in
// to the EMR; the operator disables the account, confirming in words, and
// the nurse's next page is the sign-in.
func TestBrowserEMRStaff(t *testing.T) {
	chromiumPath(t)
	e := newEMREnv(t)
	ops := e.staffOps(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	tab := newChromium(t, ctx)
	shots := os.Getenv("AROGYA_SCREENSHOTS") == "1"
	text := func(sel string) string { return run(t, tab, chromedp.Text(chromedp.CSS(sel))) }
	narrow := func(what string) {
		t.Helper()
		if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %dpx wide at a 360px viewport", what, w)
		}
	}
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(ops.URL+"/cm/ops/facilities"),
		chromedp.WaitVisible(chromedp.ID("token")), // sent to sign in
		chromedp.SendKeys(chromedp.ID("token"), opsToken),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("nav-staff")),
		chromedp.Click(chromedp.ID("nav-staff")),
		chromedp.WaitVisible(chromedp.ID("facility-"+e.facility)),
		chromedp.Click(chromedp.ID("facility-"+e.facility)),
		chromedp.WaitVisible(chromedp.ID("hprId")),
	))
	narrow("the staff page")
	if got := text("#staff-" + e.hpr); !strings.Contains(got, "Meera Rao") || !strings.Contains(got, "Active") {
		t.Errorf("the doctor is listed as %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("hprId"), e.nurse),
		chromedp.Click(chromedp.ID("add-staff")),
		chromedp.WaitVisible(chromedp.ID("one-time-password")),
	))
	narrow("the added account")
	oneTime := strings.TrimSpace(text("#one-time-password"))
	if len(oneTime) < 10 {
		t.Fatalf("one-time password %q", oneTime)
	}
	if u := run(t, tab, chromedp.Evaluate[string](`location.href`)); strings.Contains(u, oneTime) {
		t.Error("the password is in the URL")
	}
	if shots {
		screenshot(t, tab, "ops-staff-added.png")
	}

	// The nurse sets their own password with it, then signs in.
	const own = "nurse's own password"
	must(t, chromedp.Do(tab,
		chromedp.Navigate(e.srv.URL+"/emr/password"),
		chromedp.WaitVisible(chromedp.ID("new")),
		chromedp.SendKeys(chromedp.ID("facility"), e.facility),
		chromedp.SendKeys(chromedp.ID("hpr"), e.nurse),
		chromedp.SendKeys(chromedp.ID("password"), oneTime),
		chromedp.SendKeys(chromedp.ID("new"), own),
		chromedp.SendKeys(chromedp.ID("confirm"), own),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
		chromedp.Navigate(e.srv.URL+"/emr/sign-in"),
		chromedp.WaitVisible(chromedp.ID("facility")),
		chromedp.SendKeys(chromedp.ID("facility"), e.facility),
		chromedp.SendKeys(chromedp.ID("hpr"), e.nurse),
		chromedp.SendKeys(chromedp.ID("password"), own),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("register")),
	))

	// The operator disables the account; the nurse's next page is the sign-in.
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ops.URL+staffURL(e.facility)),
		chromedp.WaitVisible(chromedp.ID("disable-"+e.nurse)),
		chromedp.Click(chromedp.ID("disable-"+e.nurse)),
		chromedp.WaitVisible(chromedp.ID("confirm-disable")),
	))
	narrow("the confirmation")
	if q := text("#disable-question"); !strings.Contains(q, "Asha Kumari") || !strings.Contains(q, e.nurse) {
		t.Errorf("the confirmation asks %q", q)
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("confirm-disable")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	))
	if got := text("#staff-" + e.nurse + " .staff-status"); !strings.Contains(got, "Disabled") {
		t.Errorf("the nurse's account shows %q", got)
	}
	if shots {
		screenshot(t, tab, "ops-staff.png")
	}
	must(t, chromedp.Do(tab,
		chromedp.Navigate(e.srv.URL+"/emr/"),
		chromedp.WaitVisible(chromedp.ID("facility")),
	))
}
