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

// templates are parsed once; they hold no state.
var templates = template.Must(template.New("record.html").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(templateFS, "templates/record.html"))

// RenderHTML writes the document as a standalone, readable HTML page: a
// header with the patient, facility, author and date, then each section,
// with tables of medicines and results (abnormal results flagged in words,
// not only colour) and a list of attachments. Small images (under 1 MiB,
// PNG, JPEG, GIF or WebP whose bytes match their type) are shown inline;
// other attachments are listed. All text from the record is escaped; the
// page has no scripts and a Content-Security-Policy that forbids them.
func RenderHTML(w io.Writer, b *Bundle) error {
	return render(w, b, "page")
}

// RenderHTMLFragment writes the same content as RenderHTML as one
// <article class="fhir-record"> element, without styles, for embedding in
// another page.
func RenderHTMLFragment(w io.Writer, b *Bundle) error {
	return render(w, b, "record")
}

func render(w io.Writer, b *Bundle, name string) error {
	v, err := newView(b)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := templates.ExecuteTemplate(bw, name, v); err != nil {
		return err
	}
	return bw.Flush()
}
