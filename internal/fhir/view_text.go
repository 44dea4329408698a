package fhir

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text helpers for the view: short phrases from codes and dates, and
// plain text from narratives.

func (w words) onsetText(dt string, p *Period, s string) string {
	switch {
	case dt != "":
		return w.tf("onset.since", w.dateTime(dt))
	case p != nil && p.Start != "":
		return w.periodText(p)
	}
	return clean(s)
}

func statusLabel(cc *CodeableConcept) string {
	l := cc.Label()
	if strings.EqualFold(l, "active") {
		return ""
	}
	return titleCase(l)
}

// statusText shows a status code in w's words, leaving out the usual ones;
// a code no catalogue knows is shown as written.
func (w words) statusText(s string) string {
	switch s {
	case "", "final", "active", "completed", "current", "finished", "issued", "billed":
		return ""
	}
	return w.code("status.", s, titleCase(strings.ReplaceAll(clean(s), "-", " ")))
}

// notDone says that an immunization was not given.
func (w words) notDone(status string) string {
	if status == "not-done" {
		return w.t("immunization.notGiven")
	}
	return ""
}

// periodText shows a period: "from …", "until …" or "… to …".
func (w words) periodText(p *Period) string {
	switch {
	case p == nil || (p.Start == "" && p.End == ""):
		return ""
	case p.End == "":
		return w.tf("period.from", w.dateTime(p.Start))
	case p.Start == "":
		return w.tf("period.until", w.dateTime(p.End))
	}
	return w.tf("period.range", w.dateTime(p.Start), w.dateTime(p.End))
}

func labelled(label, value string) string {
	if value = strings.TrimSpace(value); value == "" {
		return ""
	}
	return label + ": " + value
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>`)
var scriptRE = regexp.MustCompile(`(?is)<(script|style)\b.*?(</(script|style)\s*>|$)`)
var breakRE = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>`)

// narrativeText turns a narrative's XHTML into lines of plain text. Markup
// from outside is never passed on.
func narrativeText(div string) []string {
	if len(div) > maxViewText {
		div = div[:maxViewText]
	}
	s := breakRE.ReplaceAllString(scriptRE.ReplaceAllString(div, ""), "\n")
	s = html.UnescapeString(tagRE.ReplaceAllString(s, ""))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = clean(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// clean collapses white space and drops control characters.
func clean(s string) string {
	if s == "" {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func titleCase(s string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

func nonZero(ns []int) []int {
	var out []int
	for _, n := range ns {
		if n > 0 {
			out = append(out, n)
		}
	}
	return out
}
