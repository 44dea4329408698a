package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The language a page is written in is the person's choice, kept in the
// lang cookie by the switch every layout shows (a plain link, ?lang=hi, on
// the page's own path), else the first language their browser asks for that
// has a catalogue, else English. The cookie is a preference, not a
// credential: it is read only as one of the catalogues' tags, so a forged
// one can do no more than choose a language.

const (
	langCookie        = "lang" // the person's chosen language, one of catalogues' tags
	langParam         = "lang" // the switch's query parameter
	langLife          = 365 * 24 * time.Hour
	defaultLang       = "en"
	maxAcceptLanguage = 512 // bytes of Accept-Language worth reading
)

// messagesLangEN are the switch's own words in English. They live here, not
// in messages_en.go, beside the switch; init merges them as the PHR's are.
var messagesLangEN = catalogue{
	"lang.name":   "English", // the language's name in itself, as the switch offers it
	"lang.switch": "Language",
}

func init() {
	for id, s := range messagesLangEN {
		if _, dup := messagesEN[id]; dup {
			panic("web: message id " + id + " is in two English catalogues")
		}
		messagesEN[id] = s
	}
}

// langTags are catalogues' tags, English first and the rest in order, as
// the switch lists them.
func langTags() []string {
	tags := make([]string, 0, len(catalogues))
	for tag := range catalogues {
		if tag != defaultLang {
			tags = append(tags, tag)
		}
	}
	slices.Sort(tags)
	return append([]string{defaultLang}, tags...)
}

// requestLang returns the tag of the catalogue r's page is written in.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := catalogues[c.Value]; ok {
			return c.Value
		}
	}
	if tag := acceptLanguage(r.Header.Get("Accept-Language")); tag != "" {
		return tag
	}
	return defaultLang
}

// acceptLanguage returns the tag of the catalogue the Accept-Language
// header h prefers most (RFC 9110 §12.5.4): by quality, then by order, a
// region or script ("hi-IN", "hi-Deva") matching its language's catalogue.
// It returns "" when no language asked for has one, and for anything it
// cannot read; only the header's first maxAcceptLanguage bytes are read.
func acceptLanguage(h string) string {
	if len(h) > maxAcceptLanguage {
		h = h[:maxAcceptLanguage]
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(h, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		tag, _, _ = strings.Cut(tag, "-")
		if _, ok := catalogues[tag]; !ok {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = tag, q
		}
	}
	return best
}

// switchLang answers a GET or HEAD asking for a language (?lang=hi, one of
// catalogues' tags) by keeping it in the lang cookie and sending the browser
// back to the same path without the parameter, reporting whether it did.
// The way back is only ever a path on this host.
func switchLang(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	q := r.URL.Query()
	tag := q.Get(langParam)
	if _, ok := catalogues[tag]; !ok || tag == "" {
		return false
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: tag, Path: "/", MaxAge: int(langLife / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	q.Del(langParam)
	back := localPath(r.URL.EscapedPath())
	if len(q) > 0 {
		back += "?" + q.Encode()
	}
	w.Header().Set("Location", back)
	w.WriteHeader(http.StatusSeeOther)
	return true
}

// localPath returns p as a path on this host: it begins with exactly one
// slash, so no browser reads it as another host ("//evil.example",
// "/\evil.example"), and holds no control characters.
func localPath(p string) string {
	p = "/" + strings.TrimLeft(p, `/\`)
	if strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return "/"
	}
	return p
}

// langLink is one language the switch offers.
type langLink struct {
	Tag  string // BCP 47, for lang and hreflang
	Name string // in itself: "English", "हिन्दी"
	Href string // the page's own path asking for it
}

// langLinks returns the switch's links on a page written in tag: every
// other language. Each is the page's path with the switch's parameter
// alone; keepQuery adds the rest of the page's query when it has one.
func langLinks(tag string) []langLink {
	var links []langLink
	for _, t := range langTags() {
		if t != tag {
			links = append(links, langLink{Tag: t, Name: catalogues[t].text("lang.name"), Href: langHref(t)})
		}
	}
	return links
}

func langHref(tag string) string { return "?" + url.Values{langParam: {tag}}.Encode() }

// keepQuery makes the switch's links on a page fetched with a query (a
// search's, or a facility's Scan & Share code) keep it, so the page the
// switch comes back to is the same one.
func keepQuery(page []byte, r *http.Request) []byte {
	if r.URL.RawQuery == "" || r.Method != http.MethodGet {
		return page
	}
	q := r.URL.Query()
	for tag := range catalogues {
		q.Set(langParam, tag)
		page = bytes.ReplaceAll(page, []byte(`href="`+template.HTMLEscapeString(langHref(tag))+`"`),
			[]byte(`href="`+template.HTMLEscapeString("?"+q.Encode())+`"`))
	}
	return page
}
