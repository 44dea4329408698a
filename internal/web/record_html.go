package web

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
)

// bundleHTML renders a record for people, in r's page's language, for a
// page to embed: fhir's templates escape all of the record's text.
func bundleHTML(r *http.Request, b *fhir.Bundle) (template.HTML, error) {
	var buf bytes.Buffer
	if err := fhir.RenderHTMLFragmentIn(&buf, b, requestLang(r)); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // #nosec: fhir's templates escape the record
}

// recordHTML is bundleHTML of a stored record's bytes, which it clears.
func recordHTML(r *http.Request, data []byte) (template.HTML, error) {
	b, err := fhir.Parse(data)
	clear(data)
	if err != nil {
		return "", arogya.Errorf(arogya.EINTERNAL, "a stored record does not parse")
	}
	return bundleHTML(r, b)
}
