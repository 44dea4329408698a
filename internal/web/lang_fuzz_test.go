package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
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
