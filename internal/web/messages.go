package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// catalogue maps message ids to text in one language.
type catalogue map[string]string

// catalogues holds every language the pages speak, by BCP 47 tag (the
// catalogue's own "lang" message). Add a language (Tamil, say) by writing
// its catalogue with exactly the English keys and the same fmt verbs, in
// files like messages_hi.go, messages_phr_hi.go and messages_hiu_hi.go, and
// adding one entry here: "ta": messagesTA. Nothing else changes: every
// page set parses its templates once per catalogue, the switch on every
// layout lists each language by its "lang.name", and Accept-Language
// finds it (lang.go). TestCataloguesMatchEnglish checks the keys and verbs.
var catalogues = map[string]catalogue{"en": messagesEN, "hi": messagesHI}

// text returns the message id, formatted with args when given. An unknown id
// is returned as is, so a missing translation shows up plainly in review
// (TestCatalogueCoversTemplates catches it first).
func (c catalogue) text(id string, args ...any) string {
	s, ok := c[id]
	if !ok {
		return id
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// dateIn formats t with layout, whose month is "Jan", with cat's short name
// of t's month (month.1 … month.12), and whose weekday, if it shows one
// ("Mon" or "Monday"), with cat's name of t's weekday (weekday.0 for
// Sunday … weekday.6). A catalogue's weekday names are short: a layout's
// full "Monday" keeps English's full name in English and takes the
// catalogue's name in other languages.
func dateIn(cat catalogue, t time.Time, layout string) string {
	s := t.Format(layout)
	if name, ok := cat["month."+strconv.Itoa(int(t.Month()))]; ok && strings.Contains(layout, "Jan") {
		s = strings.Replace(s, t.Month().String()[:3], name, 1)
	}
	day := t.Weekday().String()
	if name, ok := cat["weekday."+strconv.Itoa(int(t.Weekday()))]; ok {
		switch {
		case strings.Contains(layout, "Monday"):
			if name != day[:3] {
				s = strings.Replace(s, day, name, 1)
			}
		case strings.Contains(layout, "Mon"):
			s = strings.Replace(s, day[:3], name, 1)
		}
	}
	return s
}
