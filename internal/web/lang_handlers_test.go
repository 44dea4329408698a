package web

import (
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// inHindi switches b to Hindi on path's page and fetches it again, for the
// CSRF token of a page in Hindi.
func inHindi(t *testing.T, b *browser, path string) {
	t.Helper()
	if p := b.get(path + "?lang=hi"); p.status != http.StatusSeeOther {
		t.Fatalf("switch on %s: %d", path, p.status)
	}
	if p := b.get(path); !strings.Contains(p.body, `<html lang="hi">`) {
		t.Fatalf("%s is not in Hindi: %d", path, p.status)
	}
}

// wantHindi checks p is in Hindi and shows one of the messages ids in
// Hindi and none of them in English.
func wantHindi(t *testing.T, p page, status int, ids ...string) {
	t.Helper()
	if p.status != status || !strings.Contains(p.body, `<html lang="hi">`) {
		t.Fatalf("%d, want %d in Hindi\n%s", p.status, status, p.body)
	}
	found := false
	for _, id := range ids {
		if strings.Contains(p.body, template.HTMLEscapeString(messagesEN[id])) {
			t.Errorf("%s is in English", id)
		}
		found = found || strings.Contains(p.body, template.HTMLEscapeString(messagesHI[id]))
	}
	if !found {
		t.Errorf("none of %q in Hindi:\n%s", ids, p.body)
	}
}

// TestHandlerWordsInHindi: the words a handler makes on a form's error are
// in the page's language from the start, on every page set, without the
// read-back of English text into Hindi after rendering that pages once had.
func TestHandlerWordsInHindi(t *testing.T) {
	t.Run("emr", func(t *testing.T) {
		e := newEMREnv(t)
		b := e.browser(t)
		inHindi(t, b, "/emr/sign-in")
		p := b.post("/emr/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {"not the password"}})
		wantHindi(t, p, p.status, "emr.signin.failed")
	})
	t.Run("registry", func(t *testing.T) {
		e := newRegistryEnv(t)
		b := e.browser(t)
		inHindi(t, b, "/registry/facilities/new")
		form := facilityForm(t, "Kasturba Community Health Centre", "28")
		form.Set("lat", "16.3")
		wantHindi(t, b.post("/registry/facilities/new", form), http.StatusBadRequest, "registry.form.coords")
	})
	t.Run("ops", func(t *testing.T) {
		e := newOpsEnv(t)
		b := e.browser(t)
		inHindi(t, b, "/cm/ops/login")
		p := b.post("/cm/ops/login", url.Values{"token": {"not the token"}})
		wantHindi(t, p, p.status, "ops.login.failed")
	})
	t.Run("hiu", func(t *testing.T) {
		e := newHIUEnv(t)
		b := e.signIn(t)
		inHindi(t, b, "/hiu/")
		form := url.Values{"patient": {"asha@sbx"}, "purpose": {"CAREMGT"}, "hitype": {"Prescription"}, "from": {"2025-01-01"}, "to": {"2024-01-01"},
			"erase_at": {time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}}
		wantHindi(t, b.post("/hiu/requests", form), http.StatusUnprocessableEntity, "hiu.ask.order")
	})
	t.Run("phr", func(t *testing.T) {
		e := phrEnv(t)
		asha := e.browser(t)
		e.enrol(t, asha, aadhaar("23456789012"), "")
		inHindi(t, asha, "/abha/consents")
		// The PIN check's refusal: this test's PHR has no consent manager
		// to reach, which is the refusal's words.
		p := asha.post("/abha/consents", url.Values{"action": {"revoke"}, "id": {"a"}, "pin": {"0000"}})
		ids := append(slices.Collect(maps.Values(pinErrors)), "phr.err.unavailable")
		wantHindi(t, p, p.status, ids...)
		inHindi(t, asha, "/abha/documents")
		wantHindi(t, asha.upload("X-ray", []byte("<html>"), ""), http.StatusUnsupportedMediaType, "phr.doc.kind")
	})
}

// TestTypedTextStaysAsTyped: a document a person titled exactly as an
// English message is listed as they typed it on a page in Hindi.
func TestTypedTextStaysAsTyped(t *testing.T) {
	e := phrEnv(t)
	asha := e.browser(t)
	e.enrol(t, asha, aadhaar("23456789012"), "")
	inHindi(t, asha, "/abha/documents")
	title := messagesEN["phr.hitype.Prescription"]
	if messagesHI["phr.hitype.Prescription"] == title {
		t.Fatal("the message is the same in Hindi")
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	if p := asha.upload(title, png, ""); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, p.body)
	}
	p := asha.get("/abha/documents")
	if !strings.Contains(p.body, `<html lang="hi">`) || !strings.Contains(p.body, ">"+title+"<") {
		t.Errorf("the title is not as typed:\n%s", p.body)
	}
	if strings.Contains(p.body, ">"+messagesHI["phr.hitype.Prescription"]+"<") {
		t.Errorf("the title was translated:\n%s", p.body)
	}
}

// TestDateIn: a date a handler formats names its month in the catalogue's
// words.
func TestDateIn(t *testing.T) {
	d := time.Date(2026, time.November, 30, 9, 32, 0, 0, time.UTC)
	if got := dateIn(messagesEN, d, "Mon, 2 Jan 2006 15:04 MST"); got != "Mon, 30 Nov 2026 09:32 UTC" {
		t.Errorf("English: %q", got)
	}
	if got, want := dateIn(messagesHI, d, "2 Jan 2006"), "30 "+messagesHI["month.11"]+" 2026"; got != want {
		t.Errorf("Hindi: %q, want %q", got, want)
	}
	if got := dateIn(messagesHI, d, "02-01-2006"); got != "30-11-2026" {
		t.Errorf("digits: %q", got)
	}
}
