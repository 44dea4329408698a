package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzAcceptLanguage: whatever the header holds, the answer is a
// catalogue's tag or nothing, and a header whose first entry is a plain
// "hi" gives Hindi.
func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "hi-IN,hi;q=0.9", "en-IN,en;q=0.9,hi;q=0.8", "*;q=0.1", "hi;q=1e308", "hi;q=NaN", "hi;q=-0", ";;,,;q=", "\xff-hi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tag := acceptLanguage(h)
		if _, ok := catalogues[tag]; tag != "" && !ok {
			t.Fatalf("acceptLanguage(%q) = %q, not a catalogue", h, tag)
		}
		if len(h) <= maxAcceptLanguage && len(h) < 100 && !strings.Contains(h, ";") {
			if got := acceptLanguage("hi," + h); got != "hi" {
				t.Fatalf("acceptLanguage(%q) = %q", "hi,"+h, got)
			}
		}
	})
}

// FuzzLangSwitch: whatever the path and query, the switch sends the
// browser only to a path on this host.
func FuzzLangSwitch(f *testing.F) {
	for _, s := range []string{"/abha/", "//evil.example/", `/\evil.example`, "/%2F%2Fevil.example", "/a?b", "\\\\x"} {
		f.Add(s, "next=https://evil.example/")
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path, r.URL.RawPath = path, ""
		r.URL.RawQuery = query + "&lang=hi"
		w := httptest.NewRecorder()
		if !switchLang(w, r) {
			return // a query that does not parse to lang=hi is the page's
		}
		loc := w.Header().Get("Location")
		u, err := url.Parse(loc)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(loc, "/") ||
			strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, "\r\n\x00") {
			t.Fatalf("path %q query %q: sent to %q", path, query, loc)
		}
		if u.Query().Has(langParam) {
			t.Fatalf("path %q query %q: the switch's parameter is kept: %q", path, query, loc)
		}
	})
}

// FuzzTranslatePage: reading a page back into English changes nothing,
// into Hindi never touches a textarea's text or any tag, and neither
// panics on a page cut short.
func FuzzTranslatePage(f *testing.F) {
	f.Add(`<p>Sign in</p><textarea>Sign in</textarea><input value="Sign in">`)
	f.Add(`<p>  Medicine 3 has no drug name. </p><pre>Records</pre>`)
	f.Add(`<TEXTAREA >Records</textarea ><p>1.5 s</p><p>Scan &amp; Share at your desk</p>`)
	tr := englishMessages()
	f.Fuzz(func(t *testing.T, page string) {
		if got := string(tr.page([]byte(page), messagesEN)); got != page {
			t.Fatalf("English page changed:\n%q\n%q", page, got)
		}
		hi := string(tr.page([]byte(page), messagesHI))
		tags := regexp.MustCompile(`<[^>]*>`)
		if !slices.Equal(tags.FindAllString(page, -1), tags.FindAllString(hi, -1)) {
			t.Fatalf("tags changed:\n%q\n%q", page, hi)
		}
		if !strings.Contains(strings.ToLower(page), "<textarea") {
			return
		}
		boxes := regexp.MustCompile(`(?is)<textarea[\s>].*?</textarea`)
		if !slices.Equal(boxes.FindAllString(page, -1), boxes.FindAllString(hi, -1)) {
			t.Fatalf("a textarea's text changed:\n%q\n%q", page, hi)
		}
	})
}
