package fhir

import (
	"fmt"
	"strconv"
)

// words maps the keys of the fixed words and phrases a rendered record
// shows (headings, labels, column headings, flags, month names) to text in
// one language. Text from the record itself is never looked up here: names,
// drug names, code displays, values and narratives are shown as written.
// The one exception is a heading that is only the standard English name of
// its code (a title "Prescription" on a prescription), which other languages
// show in their words for the code (headings.go).
type words map[string]string

// languages holds every language records are rendered in, by the BCP 47
// tag the web pages use. Add a language (Tamil, say) by writing its
// catalogue, words_ta.go, with exactly the English keys and the same fmt
// verbs, and adding one entry here: "ta": wordsTA. Nothing else changes:
// the templates are parsed once per language (render.go), and
// TestWordsMatchEnglish checks the keys and verbs.
var languages = map[string]words{"en": wordsEN, "hi": wordsHI}

// defaultLanguage is what an unknown or empty language tag means.
const defaultLanguage = "en"

// language returns the tag of the catalogue lang names, and the catalogue:
// English for a tag with no catalogue.
func language(lang string) (string, words) {
	if w, ok := languages[lang]; ok {
		return lang, w
	}
	return defaultLanguage, languages[defaultLanguage]
}

// missingWord is called with a key no catalogue has; tests make it fail.
// In production the key falls back to English, then to the key itself, so a
// missing word shows up plainly rather than breaking a page.
var missingWord = func(key string) {}

// t returns the words for key. The key must be a string literal, so that
// TestWordKeysInCatalogue can find it in the source; keys made at run time
// go through code.
func (w words) t(key string) string {
	return w.lookup(key)
}

// tf formats the words for key with args. Its key, too, must be a string
// literal.
func (w words) tf(key string, args ...any) string {
	return fmt.Sprintf(w.lookup(key), args...)
}

// lookup returns the words for key, falling back to English and then to the
// key itself, and reporting the key to missingWord if w lacks it.
func (w words) lookup(key string) string {
	if s, ok := w[key]; ok {
		return s
	}
	missingWord(key)
	if s, ok := wordsEN[key]; ok {
		return s
	}
	return key
}

// code returns the words for a coded value, prefix+code (a flag, a status,
// an encounter class), or fallback when no catalogue names the code.
func (w words) code(prefix, code, fallback string) string {
	if s, ok := w[prefix+code]; ok {
		return s
	}
	if s, ok := wordsEN[prefix+code]; ok {
		return s
	}
	return fallback
}

// month is the name of month m (1–12) as dates show it.
func (w words) month(m int) string {
	return w.code("month.", strconv.Itoa(m), strconv.Itoa(m))
}

// resourceType names a FHIR resource type in w's words, for an entry
// nothing else names; a type no catalogue knows is shown as written.
func (w words) resourceType(typ string) string {
	return w.code("resource.", typ, typ)
}
