package web

import (
	"bytes"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// Most of a page's words are the template's, looked up in the page's
// catalogue by t. Some are made by a handler before the page is rendered (a
// form's error, a registry form's labels, a document's kind), from the
// request's catalogue (pageSet.catFor). Only the PHR record viewer's
// handlers (phr_view.go) still make an HI type's name from the English
// catalogue; on its pages alone (pageSet.withReadBack) the page set reads
// those back: every text of a rendered page that is an English message,
// with its arguments if it has any, becomes the same message in the page's
// language. Once they take the request's catalogue, the translator goes.
// Text a person typed into a form (a textarea's) is left as it is; so is
// every attribute, and any text that is no English message, such as a
// service's own error. Handlers that take the request's catalogue make
// this a no-op for their words.

// englishPattern reads back a message made from the English catalogue with
// arguments.
type englishPattern struct {
	id      string
	re      *regexp.Regexp
	args    []int  // the argument index each group holds
	longest string // the longest run of the message's own text, which a match must contain
	short   bool   // so little text of its own that only numbers are read as its arguments
}

// verbRe matches a fmt verb with an explicit argument index, as catalogue
// messages with arguments write them, or "%%".
var verbRe = regexp.MustCompile(`%\[(\d+)\][-+# 0]*\d*(?:\.\d+)?[a-zA-Z]|%%`)

// numberRe is an argument a short message may take: "1.5" in "1.5 s",
// or a date.
var numberRe = regexp.MustCompile(`^-?[0-9][0-9.,:/-]*$`)

// minOwnText is the bytes of its own text a message with arguments needs
// for any argument to be read back; with less ("%[1]s s") only numbers are.
const minOwnText = 6

// translator turns messages made from the English catalogue into another.
type translator struct {
	exact    map[string]string // English text → id, for messages without arguments
	patterns []englishPattern
}

// newTranslator indexes en's messages by their text.
func newTranslator(en catalogue) *translator {
	tr := &translator{exact: make(map[string]string, len(en))}
	ids := make([]string, 0, len(en))
	for id := range en {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the same id wins for the same text on every start
	for _, id := range ids {
		if id == "lang" || strings.HasPrefix(id, "lang.") {
			continue // the switch names each language in itself
		}
		s := en[id]
		var re strings.Builder
		var args []int
		var own []string
		re.WriteString(`^`)
		last := 0
		for _, m := range verbRe.FindAllStringSubmatchIndex(s, -1) {
			if m[2] < 0 { // %%, which text leaves as it is without arguments
				continue
			}
			n, _ := strconv.Atoi(s[m[2]:m[3]])
			args = append(args, n)
			arg := `(.*?)`
			if s[m[1]-1] == 'd' {
				arg = `(-?\d+)`
			}
			own = append(own, strings.ReplaceAll(s[last:m[0]], "%%", "%"))
			re.WriteString(regexp.QuoteMeta(own[len(own)-1]) + arg)
			last = m[1]
		}
		if len(args) == 0 { // shown as written
			if _, dup := tr.exact[s]; !dup {
				tr.exact[s] = id
			}
			continue
		}
		own = append(own, strings.ReplaceAll(s[last:], "%%", "%"))
		re.WriteString(regexp.QuoteMeta(own[len(own)-1]) + `$`)
		p, err := regexp.Compile(re.String())
		if err != nil {
			continue
		}
		longest := slices.MaxFunc(own, func(a, b string) int { return len(a) - len(b) })
		n := len(strings.Join(own, ""))
		tr.patterns = append(tr.patterns, englishPattern{id: id, re: p, args: args, longest: longest, short: n < minOwnText})
	}
	// The message with the most text of its own is the likeliest: "%[1]d
	// of %[2]d" is tried after "Disable the EMR account of %[1]s (HPR
	// %[2]s) at %[3]s?".
	slices.SortStableFunc(tr.patterns, func(a, b englishPattern) int {
		return len(b.re.String()) - len(a.re.String())
	})
	return tr
}

// translate returns s, a message made from the English catalogue, in to's
// words; anything else is returned as is. The arguments are carried over
// as text.
func (tr *translator) translate(s string, to catalogue) string {
	if id, ok := tr.exact[s]; ok {
		if t, ok := to[id]; ok {
			return t
		}
		return s
	}
next:
	for _, p := range tr.patterns {
		if !strings.Contains(s, p.longest) {
			continue
		}
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		args := map[int]string{}
		for i, n := range p.args {
			if prev, seen := args[n]; (seen && prev != m[i+1]) || (p.short && !numberRe.MatchString(m[i+1])) {
				continue next // not this message
			}
			args[n] = m[i+1]
		}
		t, ok := to[p.id]
		if !ok {
			return s
		}
		return verbRe.ReplaceAllStringFunc(t, func(v string) string {
			if v == "%%" {
				return "%"
			}
			n, _ := strconv.Atoi(verbRe.FindStringSubmatch(v)[1])
			return args[n]
		})
	}
	return s
}

// page returns a rendered page with every text that is an English message
// in to's words. It reads the page as html/template writes it: text
// between tags, and in tags no unescaped '>'. A textarea's, script's,
// style's and pre's text is left alone.
func (tr *translator) page(html []byte, to catalogue) []byte {
	out := make([]byte, 0, len(html)+len(html)/4)
	keep := "" // the element whose text is left as it is, while in it
	for len(html) > 0 {
		lt := bytes.IndexByte(html, '<')
		if lt < 0 {
			lt = len(html)
		} else if gt := bytes.IndexByte(html[lt:], '>'); gt > 0 {
			lt += bytes.LastIndexByte(html[lt:lt+gt], '<') // "<<p>": the tag is the last '<''s
		}
		if keep == "" {
			out = tr.text(out, html[:lt], to)
		} else {
			out = append(out, html[:lt]...)
		}
		html = html[lt:]
		if len(html) == 0 {
			break
		}
		gt := bytes.IndexByte(html, '>')
		if gt < 0 {
			return append(out, html...)
		}
		name := tagName(html[:gt+1])
		switch {
		case keep == "" && slices.Contains([]string{"textarea", "script", "style", "pre"}, name):
			keep = name
		case keep != "" && name == "/"+keep:
			keep = ""
		}
		out = append(out, html[:gt+1]...)
		html = html[gt+1:]
	}
	return out
}

// text appends the text between two tags to out, in to's words if it is an
// English message, keeping the space around it.
func (tr *translator) text(out, text []byte, to catalogue) []byte {
	core := bytes.TrimSpace(text)
	if len(core) == 0 {
		return append(out, text...)
	}
	s := html.UnescapeString(string(core))
	t := tr.translate(s, to)
	if t == s && strings.Contains(s, metaSep) { // "PNG image · 2 KB · 30-11-2026"
		parts := strings.Split(s, metaSep)
		for i, p := range parts {
			parts[i] = tr.translate(p, to)
		}
		t = strings.Join(parts, metaSep)
	}
	if t == s {
		return append(out, text...)
	}
	lead := bytes.Index(text, core)
	out = append(out, text[:lead]...)
	out = append(out, template.HTMLEscapeString(t)...)
	return append(out, text[lead+len(core):]...)
}

// metaSep separates the facts of a list item's line, each of which may be
// a message of its own.
const metaSep = " · "

// tagName returns a tag's lowercased name, with its "/" if it closes one:
// "textarea" for `<textarea id="x">`, "/textarea" for "</textarea>".
func tagName(tag []byte) string {
	tag = bytes.TrimPrefix(tag, []byte("<"))
	end := bytes.IndexFunc(tag, func(r rune) bool { return r == ' ' || r == '>' || r == '\t' || r == '\n' || r == '\r' || r == '\f' })
	if end < 0 {
		end = len(tag)
	}
	return strings.ToLower(string(tag[:end]))
}

// englishMessages indexes the English catalogue when first asked for: it is
// whole only after every init has run.
var englishMessages = sync.OnceValue(func() *translator { return newTranslator(messagesEN) })
