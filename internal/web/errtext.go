package web

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/arogya-health/arogya"
)

// The services' error messages are English, written where they arise with
// arogya.Errorf(code, format, args…). A page in another language shows the
// message's translation: its language's error catalogue (messages_err_hi.go)
// maps the English format to its own, and errText finds the format a
// message was made from, reading the values back out of the message to put
// them in the translation. A message no entry matches is shown as a
// sentence for its code ("err.code.<code>" in the page catalogue), so no
// English message reaches a page in another language. Add a language by
// writing its error catalogue and registering it in errFormats (as
// messages_err_hi.go's init does).

// errFormats holds, by language tag, the translations of the services'
// error formats, keyed by the English format.
var errFormats = map[string]catalogue{}

// fmtVerb finds a format's fmt verbs, with an explicit argument index when
// given ("%[2]s"); "%%" is not a verb.
var fmtVerb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// errPattern is one error format with verbs, as a regexp over messages.
type errPattern struct {
	re     *regexp.Regexp
	target string // the translation, its verbs rewritten to %[n]s
	fixed  int    // the format's length without verbs: longer is more specific
}

// errMatcher is a language's error catalogue, ready to match messages.
type errMatcher struct {
	exact    map[string]string // formats without verbs
	patterns []errPattern      // most specific first
}

var (
	errMatchersOnce sync.Once
	errMatchers     map[string]*errMatcher
)

// matcherFor returns tag's matcher, or nil when the language has no error
// catalogue. The matchers are built once, on first use.
func matcherFor(tag string) *errMatcher {
	errMatchersOnce.Do(func() {
		errMatchers = make(map[string]*errMatcher, len(errFormats))
		for t, c := range errFormats {
			errMatchers[t] = newErrMatcher(c)
		}
	})
	return errMatchers[tag]
}

// newErrMatcher prepares the catalogue c of English formats to
// translations. A pair whose verbs differ is left out (the test of the
// catalogues reports it).
func newErrMatcher(c catalogue) *errMatcher {
	m := &errMatcher{exact: map[string]string{}}
	for format, target := range c {
		verbs := fmtVerb.FindAllStringSubmatch(format, -1)
		if !hasVerbs(verbs) {
			m.exact[strings.ReplaceAll(format, "%%", "%")] = strings.ReplaceAll(target, "%%", "%")
			continue
		}
		re, fixed, ok := formatRegexp(format)
		t, tok := indexedTarget(target, countVerbs(verbs))
		if !ok || !tok {
			continue
		}
		m.patterns = append(m.patterns, errPattern{re: re, target: t, fixed: fixed})
	}
	slices.SortFunc(m.patterns, func(a, b errPattern) int {
		return cmp.Or(cmp.Compare(b.fixed, a.fixed), strings.Compare(a.re.String(), b.re.String()))
	})
	return m
}

// hasVerbs reports whether a format's verb matches include a real verb.
func hasVerbs(verbs [][]string) bool { return countVerbs(verbs) > 0 }

// countVerbs counts the real verbs (not "%%") among a format's matches.
func countVerbs(verbs [][]string) int {
	n := 0
	for _, v := range verbs {
		if v[2] != "%" {
			n++
		}
	}
	return n
}

// formatRegexp turns an English format into an anchored regexp capturing
// each verb's text in order, and returns the length of its fixed text.
// Formats with explicit argument indexes are not supported (ok is false):
// the services' formats take their arguments in order.
func formatRegexp(format string) (re *regexp.Regexp, fixed int, ok bool) {
	var b strings.Builder
	b.WriteString(`^`)
	last := 0
	for _, loc := range fmtVerb.FindAllStringSubmatchIndex(format, -1) {
		lit := format[last:loc[0]]
		b.WriteString(regexp.QuoteMeta(lit))
		fixed += len(lit)
		last = loc[1]
		if loc[2] >= 0 {
			return nil, 0, false
		}
		switch format[loc[4]:loc[5]] {
		case "%":
			b.WriteString(`%`)
			fixed++
		case "d":
			b.WriteString(`(-?\d+)`)
		case "q":
			b.WriteString(`("(?:[^"\\]|\\.)*")`)
		default: // s, v and the rest: any text, as little as will do
			b.WriteString(`(.*?)`)
		}
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	fixed += len(format) - last
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	return re, fixed, err == nil
}

// indexedTarget rewrites a translation's verbs to "%[n]s", n the verb's
// argument (explicit, or counted in order), so the captured text of the
// English message's n'th verb takes its place. ok is false when a verb
// names an argument the English format does not have.
func indexedTarget(target string, n int) (string, bool) {
	next, ok := 0, true
	out := fmtVerb.ReplaceAllStringFunc(target, func(v string) string {
		m := fmtVerb.FindStringSubmatch(v)
		if m[2] == "%" {
			return v
		}
		i := next + 1
		if m[1] != "" {
			i, _ = strconv.Atoi(m[1])
		}
		next = i
		if i < 1 || i > n {
			ok = false
		}
		return "%[" + strconv.Itoa(i) + "]s"
	})
	return out, ok
}

// translate returns msg in the matcher's language, or false when no entry
// matches.
func (m *errMatcher) translate(msg string) (string, bool) {
	if s, ok := m.exact[msg]; ok {
		return s, true
	}
	for _, p := range m.patterns {
		sub := p.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		args := make([]any, len(sub)-1)
		for i, s := range sub[1:] {
			args[i] = s
		}
		return fmt.Sprintf(p.target, args...), true
	}
	return "", false
}

// errText returns err's message as a page in cat's language shows it: the
// service's own words in English; in another language their translation,
// or a sentence for the error's code when there is none. It returns "" only
// for a nil err.
func errText(cat catalogue, err error) string {
	if err == nil {
		return ""
	}
	var e *arogya.Error
	if !errors.As(err, &e) {
		return codeText(cat, arogya.EINTERNAL)
	}
	if cat["lang"] == defaultLang {
		if strings.TrimSpace(e.Message) == "" {
			return codeText(cat, e.Code)
		}
		return e.Message
	}
	if m := matcherFor(cat["lang"]); m != nil {
		if s, ok := m.translate(e.Message); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return codeText(cat, e.Code)
}

// errCodes are the error codes with a sentence of their own in every
// catalogue ("err.code.<code>"); any other code is told as EINTERNAL's.
var errCodes = []string{arogya.EINVALID, arogya.EUNAUTHORIZED, arogya.EFORBIDDEN, arogya.ENOTFOUND, arogya.ECONFLICT,
	arogya.EGONE, arogya.EUNPROCESSABLE, arogya.ETOOMANYREQUESTS, arogya.EINTERNAL, arogya.EUNAVAILABLE, arogya.ETIMEOUT}

// codeText is the sentence for an error code in cat's language.
func codeText(cat catalogue, code string) string {
	if !slices.Contains(errCodes, code) {
		code = arogya.EINTERNAL
	}
	return cat.text(errCodeID(code))
}

// errCodeID is the message id of code's sentence.
func errCodeID(code string) string { return "err.code." + code }
