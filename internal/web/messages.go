package web

import "fmt"

// catalogue maps message ids to text in one language.
type catalogue map[string]string

// catalogues holds every language the pages speak, by BCP 47 tag. Add a
// language by adding its catalogue here; templates need no change.
var catalogues = map[string]catalogue{"en": messagesEN}

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
