package fhir

import (
	"bufio"
	"embed"
	"html/template"
	"io"
	"strings"
)

//go:embed templates/record.html
var templateFS embed.FS

// templatesIn holds the templates parsed once per language, each with its
// catalogue's words as T (a key's words) and Tf (a key's words formatted
// with arguments). They hold no state.
var templatesIn = parseTemplates()

func parseTemplates() map[string]*template.Template {
	ts := make(map[string]*template.Template, len(languages))
	for lang, w := range languages {
		ts[lang] = template.Must(template.New("record.html").Funcs(template.FuncMap{
			"join": strings.Join,
			"T":    w.t,
			"Tf":   w.tf,
		}).ParseFS(templateFS, "templates/record.html"))
	}
	return ts
}

// RenderHTML writes the document as a standalone, readable HTML page in
// English: a header with the patient, facility, author and date, then each
// section, with tables of medicines and results (abnormal results flagged
// in words, not only colour) and a list of attachments. Small images
// (under 1 MiB, PNG, JPEG, GIF or WebP whose bytes match their type) are
// shown inline; other attachments are listed. All text from the record is
// escaped; the page has no scripts and a Content-Security-Policy that
// forbids them.
func RenderHTML(w io.Writer, b *Bundle) error {
	return render(w, b, "page", defaultLanguage)
}

// RenderHTMLIn is RenderHTML with the page's fixed words (headings,
// labels, flags, month names) in the language lang, a tag such as "en" or
// "hi"; an unknown or empty tag means English. The page's <html lang> is
// the language used. The record's own text (names, medicines, results,
// notes) is shown as written, never translated.
func RenderHTMLIn(w io.Writer, b *Bundle, lang string) error {
	return render(w, b, "page", lang)
}

// RenderHTMLFragment writes the same content as RenderHTML as one
// <article class="fhir-record"> element, without styles, for embedding in
// another page.
func RenderHTMLFragment(w io.Writer, b *Bundle) error {
	return render(w, b, "record", defaultLanguage)
}

// RenderHTMLFragmentIn is RenderHTMLFragment in the language lang, as
// RenderHTMLIn: for embedding in a page written in that language.
func RenderHTMLFragmentIn(w io.Writer, b *Bundle, lang string) error {
	return render(w, b, "record", lang)
}

func render(w io.Writer, b *Bundle, name, lang string) error {
	v, err := newView(b, lang)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := templatesIn[v.Lang].ExecuteTemplate(bw, name, v); err != nil {
		return err
	}
	return bw.Flush()
}
