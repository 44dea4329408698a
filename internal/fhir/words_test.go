package fhir

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// In tests, a key no catalogue has fails loudly wherever it is looked up.
func init() {
	missingWord = func(key string) { panic("fhir: no words for key " + strconv.Quote(key)) }
}

// verbRE matches a fmt verb, with an optional explicit argument index.
var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// verbs lists the fmt verbs of s by the argument each formats ("1d",
// "2s"), so that a translation may reorder them with explicit indexes.
func verbs(s string) []string {
	var out []string
	arg := 0
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		if m[4] == "%" {
			continue
		}
		if m[2] != "" {
			arg, _ = strconv.Atoi(m[2])
		} else {
			arg++
		}
		out = append(out, strconv.Itoa(arg)+m[4])
	}
	slices.Sort(out)
	return out
}

func TestVerbs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"%d times %s", []string{"1d", "2s"}},
		{"%[2]s %[1]d बार", []string{"1d", "2s"}},
		{"%.1f kB", []string{"1f"}},
		{"100%% sure", nil},
	} {
		if got := verbs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("verbs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWordsMatchEnglish: every catalogue has exactly the English keys, each
// with the same fmt verbs, and a text for every one.
func TestWordsMatchEnglish(t *testing.T) {
	for lang, w := range languages {
		t.Run(lang, func(t *testing.T) {
			for key, en := range wordsEN {
				s, ok := w[key]
				switch {
				case !ok:
					t.Errorf("%s lacks %q", lang, key)
				case strings.TrimSpace(s) == "":
					t.Errorf("%s has no text for %q", lang, key)
				case !slices.Equal(verbs(s), verbs(en)):
					t.Errorf("%s %q has verbs %q, English %q", lang, key, verbs(s), verbs(en))
				}
			}
			for key := range w {
				if _, ok := wordsEN[key]; !ok {
					t.Errorf("%s has %q, which English does not", lang, key)
				}
			}
		})
	}
}

// TestCodeWordsKeepEnglish: the English words for codes are what the
// English record showed before there were catalogues, so that its output
// stays the same, and every code the view names has words.
func TestCodeWordsKeepEnglish(t *testing.T) {
	for _, k := range recordKinds {
		if got := wordsEN["kind."+k.hiType]; got != k.label {
			t.Errorf("kind.%s = %q, want %q", k.hiType, got, k.label)
		}
	}
	for code, text := range interpretations {
		if got := wordsEN["flag."+code]; got != text {
			t.Errorf("flag.%s = %q, want %q", code, got, text)
		}
	}
	for code := range encounterClasses {
		if _, ok := wordsEN["encounter."+code]; !ok {
			t.Errorf("no words for encounter class %s", code)
		}
	}
	for m := 1; m <= 12; m++ {
		key := "month." + strconv.Itoa(m)
		if _, ok := wordsEN[key]; !ok {
			t.Errorf("no words for %s", key)
		}
	}
	for key, s := range wordsEN {
		if code, ok := strings.CutPrefix(key, "status."); ok {
			if want := titleCase(strings.ReplaceAll(code, "-", " ")); s != want {
				t.Errorf("%s = %q, want %q", key, s, want)
			}
		}
		if typ, ok := strings.CutPrefix(key, "resource."); ok && s != typ {
			t.Errorf("%s = %q, want %q", key, s, typ)
		}
	}
}

// tCallKeyRE finds the keys the template looks up: {{T "key"}}, {{Tf "key" …}}.
var tCallKeyRE = regexp.MustCompile(`\{\{\s*Tf?\s+("(?:[^"\\]|\\.)*")`)

// TestWordKeysInCatalogue: every key the code and the template look up is
// in the English catalogue (and so, by TestWordsMatchEnglish, in all). The
// code's t and tf take only string literals, so the source says every key.
func TestWordKeysInCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var keys []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "t" && sel.Sel.Name != "tf") || len(call.Args) == 0 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s's key is not a string literal; look keys up at run time with code", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			keys = append(keys, key)
			return true
		})
	}
	tmpl, err := templateFS.ReadFile("templates/record.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tCallKeyRE.FindAllStringSubmatch(string(tmpl), -1) {
		key, _ := strconv.Unquote(m[1])
		keys = append(keys, key)
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys; is the scan broken?", len(keys))
	}
	for _, key := range keys {
		if _, ok := wordsEN[key]; !ok {
			t.Errorf("key %q is used but not in the catalogue", key)
		}
	}
}

// TestMissingWordFails: a key no catalogue has is reported (and in tests
// panics), so a word left out of a catalogue cannot pass unseen.
func TestMissingWordFails(t *testing.T) {
	var reported string
	old := missingWord
	missingWord = func(key string) { reported = key }
	defer func() { missingWord = old }()
	if got := wordsHI.t("no.such.key"); got != "no.such.key" || reported != "no.such.key" {
		t.Errorf("t = %q, reported %q", got, reported)
	}
	if got := (words{}).t("record.patient"); got != "Patient" {
		t.Errorf("a key missing from one catalogue falls back to English: got %q", got)
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"en", "en"}, {"hi", "hi"}, {"", "en"}, {"xx", "en"}, {"HI", "en"}, {"hi-IN", "en"},
	} {
		if got, _ := language(tc.in); got != tc.want {
			t.Errorf("language(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRenderHTMLInEnglish: English, asked for or fallen back to, is
// RenderHTML's page to the byte.
func TestRenderHTMLInEnglish(t *testing.T) {
	for _, lang := range []string{"en", "", "xx"} {
		for _, f := range fixtures {
			b := mustBuild(t, f)
			var want, got, frag, wantFrag bytes.Buffer
			if err := RenderHTML(&want, b); err != nil {
				t.Fatal(err)
			}
			if err := RenderHTMLIn(&got, b, lang); err != nil {
				t.Fatal(err)
			}
			if err := RenderHTMLFragment(&wantFrag, b); err != nil {
				t.Fatal(err)
			}
			if err := RenderHTMLFragmentIn(&frag, b, lang); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) || !bytes.Equal(frag.Bytes(), wantFrag.Bytes()) {
				t.Errorf("%s in %q differs from RenderHTML", f.name, lang)
			}
		}
	}
}

func TestFormatDateTimeHindi(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2025-05-02T05:00:00Z", "2 मई 2025, 10:30 IST"},
		{"2025-12-31T20:00:00-05:00", "1 जनवरी 2026, 06:30 IST"},
		{"2025-02-14", "14 फ़रवरी 2025"},
		{"2025-09", "सितंबर 2025"},
		{"1991", "1991"},
		{"yesterday", "yesterday"},
	} {
		if got := wordsHI.dateTime(tc.in); got != tc.want {
			t.Errorf("dateTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// fixtureNamed returns the fixture called name.
func fixtureNamed(t *testing.T, name string) fixture {
	t.Helper()
	for _, f := range fixtures {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no fixture %q", name)
	return fixture{}
}

// TestRenderHindi: a record rendered in Hindi has its headings, labels,
// flags and months in Hindi and, outside the record's own text, no English
// word a catalogue translates. The flag words are asserted on their cells:
// the record's own interpretation text holds "High" and "Low" too.
func TestRenderHindi(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string
	}{
		{"lab-report", []string{
			`<html lang="hi">`, "<dt>मरीज़</dt>", "<dt>जन्म तिथि</dt>", "<dd>महिला</dd>",
			"<dt>ABHA नंबर</dt>", // the identifier's type text is its code's standard name (headings.go)
			`<p class="kind">जाँच रिपोर्ट · 12 जून 2025, 10:30 IST</p>`, "14 मार्च 1988",
			"OPD विज़िट, 12 जून 2025, 10:05 IST से 12 जून 2025, 10:25 IST तक",
			"<caption>जाँच के परिणाम</caption>", `<th scope="col">जाँच</th>`, `<th scope="col">सामान्य सीमा</th>`,
			`<span class="flag-abnormal">कम</span>`, `<span class="flag-abnormal">अधिक</span>`, "<td>सामान्य</td>",
			"जारी: 12 जून 2025, 10:30 IST", "नमूना: Blood specimen, 12 जून 2025, 08:15 IST को लिया गया",
			"<strong>निष्कर्ष:</strong> Mild anaemia with leucocytosis.", // the conclusion is the record's own
			`देखें <a href="#attachment-1">संलग्नक 1</a>।`, `<h2 id="attachments">संलग्नक</h2>`, "62 बाइट",
			"<td>Haemoglobin</td>", // test names are the record's own
		}},
		{"prescription", []string{
			`<html lang="hi">`, "<h1 id=\"record-title\">पर्चा</h1>", // the standard title of its type (headings.go)
			`<h2 id="section-0">पर्चा</h2>`, `<h2 id="section-1">Notes</h2>`, // an uncoded section, as written
			`<p class="kind">पर्चा · 12 जून 2025, 10:30 IST</p>`,
			"<caption>दवाइयाँ</caption>", `<th scope="col">दवा</th><th scope="col">खुराक और निर्देश</th>`,
			"<td>Amoxicillin 500 mg oral capsule</td><td>1 capsule, oral, three times a day, for 5 days</td>",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b := mustBuild(t, fixtureNamed(t, tt.fixture))
			var buf bytes.Buffer
			if err := RenderHTMLIn(&buf, b, "hi"); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			text := withoutRecordText(t, b, visibleText(out))
			for _, key := range englishWords(text, wordsHI) {
				t.Errorf("English words of %s are in the Hindi page, outside the record's text", key)
			}
			if d := englishDateRE.FindString(text); d != "" {
				t.Errorf("an English date in the Hindi page: %q", d)
			}
		})
	}
}

// englishDateRE matches a date with an English month, which englishWords
// cannot find: the month names are too short to look for alone.
var englishDateRE = regexp.MustCompile(`\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b`)

// englishWords returns the keys of the English words that text holds as
// whole words, of those translated differently by w: each piece of four
// letters or more between a key's fmt verbs.
func englishWords(text string, w words) []string {
	var keys []string
	for key, en := range wordsEN {
		if en == w[key] {
			continue
		}
		for _, piece := range verbRE.Split(en, -1) {
			piece = strings.Trim(piece, " .:,()")
			if len(piece) >= 4 && regexp.MustCompile(`\b`+regexp.QuoteMeta(piece)+`\b`).MatchString(text) {
				keys = append(keys, key)
				break
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// TestEnglishWordsFinds: the check TestRenderHindi makes finds the English
// headings in an English page, so its passing on a Hindi one means something.
func TestEnglishWordsFinds(t *testing.T) {
	b := mustBuild(t, fixtureNamed(t, "lab-report"))
	var buf bytes.Buffer
	if err := RenderHTML(&buf, b); err != nil {
		t.Fatal(err)
	}
	text := withoutRecordText(t, b, visibleText(buf.String()))
	if !englishDateRE.MatchString(text) {
		t.Error("no English date found in the English page")
	}
	got := englishWords(text, wordsHI)
	for _, key := range []string{"record.patient", "record.gender", "results.range", "results.test",
		"record.footer", "report.issued", "attachments.heading"} {
		if !slices.Contains(got, key) {
			t.Errorf("English %s not found in the English page; found %q", key, got)
		}
	}
}

// TestRenderHTMLInGolden renders one record in Hindi.
func TestRenderHTMLInGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderHTMLIn(&buf, mustBuild(t, fixtureNamed(t, "lab-report")), "hi"); err != nil {
		t.Fatal(err)
	}
	golden(t, "lab-report.hi.html", buf.Bytes())
}

var (
	styleRE    = regexp.MustCompile(`(?s)<style>.*?</style>|<title>.*?</title>`)
	anyTagRE   = regexp.MustCompile(`<[^>]*>`)
	spacesRE   = regexp.MustCompile(`\s+`)
	recordText = func(s string) string { return spacesRE.ReplaceAllString(strings.TrimSpace(s), " ") }
)

// visibleText is the text of a page people read: no markup, styles or
// entities.
func visibleText(page string) string {
	s := anyTagRE.ReplaceAllString(styleRE.ReplaceAllString(page, ""), "\n")
	return html.UnescapeString(s)
}

// shownElements are the elements whose text the renderer shows as
// written; codes, systems, references and resource types are not shown, so
// are not taken out (the heading "Patient" is not the resourceType).
var shownElements = map[string]bool{"display": true, "text": true, "title": true, "value": true, "family": true,
	"given": true, "prefix": true, "suffix": true, "name": true, "unit": true, "conclusion": true, "description": true,
	"patientInstruction": true, "lotNumber": true, "doseNumberString": true}

// withoutRecordText removes from text every string of the bundle's own
// (of four characters or more), longest first, leaving the words the
// renderer added.
func withoutRecordText(t *testing.T, b *Bundle, text string) string {
	t.Helper()
	data, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var strs []string
	add := func(s string) {
		if s = recordText(s); len(s) >= 4 {
			strs = append(strs, s)
		}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case string:
			switch {
			case key == "div":
				for _, l := range narrativeText(v) {
					add(l)
				}
			case shownElements[key]:
				add(v)
			}
		case []any:
			for _, e := range v {
				walk(key, e)
			}
		case map[string]any:
			for k, e := range v {
				walk(k, e)
			}
		}
	}
	walk("", doc)
	slices.SortFunc(strs, func(a, b string) int { return len(b) - len(a) })
	for _, s := range strs {
		text = strings.ReplaceAll(text, s, "\x00")
	}
	return text
}
