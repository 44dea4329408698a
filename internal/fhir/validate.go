package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/arogya-health/arogya"
)

// Severity is how serious an Issue is.
type Severity string

// An error makes a Bundle invalid; a warning reports a departure from the
// NRCeS profiles that ABDM peers still send (legacy ProjectEKA bundles).
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Issue is one finding of Check. Path is a JSON path into the Bundle such as
// entry[3].resource.status; Rule names the rule; Message says what is wrong.
// None of them quotes the record's content.
type Issue struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
}

// String formats the issue on one line.
func (i Issue) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", i.Severity, i.Path, i.Message, i.Rule)
}

// ValidationError is returned by Validate for a Bundle with errors. It
// carries every issue found, warnings included, and unwraps to an
// arogya.EINVALID error whose message names the first error.
type ValidationError struct {
	Issues []Issue
	err    *arogya.Error
}

// Error summarises the errors.
func (e *ValidationError) Error() string {
	return "fhir: " + e.err.Message
}

// Unwrap returns the arogya.EINVALID error, so that arogya.ErrorCode and
// arogya.ErrorMessage work on a ValidationError.
func (e *ValidationError) Unwrap() error { return e.err }

// Validate checks the Bundle and returns a *ValidationError if Check finds
// any error; warnings alone do not fail it.
func Validate(b *Bundle) error {
	issues := Check(b)
	n := 0
	var first Issue
	for _, is := range issues {
		if is.Severity == SeverityError {
			if n == 0 {
				first = is
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	msg := fmt.Sprintf("FHIR bundle fails %d rule(s); first: %s: %s", n, first.Path, first.Message)
	return &ValidationError{Issues: issues, err: arogya.Errorf(arogya.EINVALID, "%s", msg)}
}

// maxIssues bounds the report on hostile input.
const maxIssues = 200

// Check holds a Bundle against the NRCeS ABDM DocumentBundle rules
// (abdm-protocol.md §7) and returns every issue found, errors first in
// document order, then warnings. See the package's rules table in
// validate_rules.go for which rules are errors and which are warnings.
func Check(b *Bundle) []Issue {
	c := &checker{b: b, res: newResolver(b), patient: -1}
	c.bundle()
	c.entries()
	c.composition()
	for i := range b.Entry {
		c.resource(i)
	}
	var errs, warns []Issue
	for _, is := range c.issues {
		if is.Severity == SeverityError {
			errs = append(errs, is)
		} else {
			warns = append(warns, is)
		}
	}
	out := append(errs, warns...)
	if c.dropped > 0 {
		out = append(out, Issue{SeverityWarning, "truncated", "",
			fmt.Sprintf("%d more issue(s) not listed", c.dropped)})
	}
	return out
}

type checker struct {
	b       *Bundle
	res     *resolver
	issues  []Issue
	dropped int
	strict  bool // the Bundle claims the NRCeS DocumentBundle profile
	patient int  // index of the Composition's subject, or -1
}

func (c *checker) add(sev Severity, rule, path, format string, args ...any) {
	if len(c.issues) >= maxIssues {
		c.dropped++
		return
	}
	c.issues = append(c.issues, Issue{sev, rule, path, fmt.Sprintf(format, args...)})
}

func (c *checker) errorf(rule, path, format string, args ...any) {
	c.add(SeverityError, rule, path, format, args...)
}

func (c *checker) warnf(rule, path, format string, args ...any) {
	c.add(SeverityWarning, rule, path, format, args...)
}

func (c *checker) bundle() {
	b := c.b
	if b.Type != "document" {
		c.errorf("bundle-type", "type", "Bundle.type must be \"document\"")
	}
	switch {
	case b.Identifier == nil || strings.TrimSpace(b.Identifier.Value) == "":
		c.errorf("bundle-identifier", "identifier", "a document Bundle needs an identifier with a value")
	case b.Identifier.System == "":
		c.warnf("bundle-identifier", "identifier.system", "the identifier should have a system")
	}
	switch {
	case b.Timestamp == "":
		c.errorf("bundle-timestamp", "timestamp", "a document Bundle needs a timestamp")
	case !isInstant(b.Timestamp):
		c.errorf("bundle-timestamp", "timestamp", "timestamp must be an instant: date, time to the second, and zone")
	}
	var profiles []string
	var security []Coding
	if b.Meta != nil {
		profiles, security = b.Meta.Profile, b.Meta.Security
		if b.Meta.LastUpdated != "" && !isInstant(b.Meta.LastUpdated) {
			c.errorf("datetime", "meta.lastUpdated", "lastUpdated must be an instant")
		}
	}
	for _, p := range profiles {
		switch p {
		case profileDocBundle:
			c.strict = true
		case profileBaseLegacy + "DocumentBundle":
			c.strict = true
			c.warnf("bundle-profile", "meta.profile", "the DocumentBundle profile should be the https:// canonical URL")
		}
	}
	if !c.strict {
		c.warnf("bundle-profile", "meta.profile", "the Bundle does not claim the NRCeS DocumentBundle profile (legacy bundle)")
	}
	hasV := false
	for _, s := range security {
		if s.Code == securityVeryRestr && (s.System == systemConfidentiality || s.System == "") {
			hasV = true
		}
	}
	if !hasV {
		if c.strict {
			c.errorf("bundle-security", "meta.security", "a DocumentBundle must carry the confidentiality label V (very restricted)")
		} else {
			c.warnf("bundle-security", "meta.security", "the Bundle should carry the confidentiality label V (very restricted)")
		}
	}
	if len(b.Entry) == 0 {
		c.errorf("bundle-entry", "entry", "a document Bundle needs entries, the first a Composition")
	}
}

func (c *checker) entries() {
	seen := make(map[string]int, len(c.b.Entry))
	relative := 0
	for i := range c.b.Entry {
		e := &c.b.Entry[i]
		path := fmt.Sprintf("entry[%d]", i)
		if len(e.Resource) == 0 {
			c.errorf("bundle-entry", path+".resource", "every entry of a document needs a resource")
		}
		u := e.FullURL
		switch {
		case u == "":
			c.errorf("fullurl", path+".fullUrl", "every entry of a document needs a fullUrl")
			continue
		case strings.HasPrefix(u, "urn:uuid:"):
			if !isUUID(strings.TrimPrefix(u, "urn:uuid:")) {
				c.errorf("fullurl", path+".fullUrl", "a urn:uuid: fullUrl must hold a UUID")
			}
		case !strings.Contains(u, ":"):
			relative++
		}
		if j, dup := seen[u]; dup {
			first := &c.b.Entry[j]
			if first.Type() == e.Type() && first.ID() == e.ID() {
				c.warnf("fullurl-duplicate", path+".fullUrl",
					"the same resource appears again (as entry[%d]); references use the first", j)
			} else {
				c.errorf("fullurl-duplicate", path+".fullUrl",
					"fullUrl repeats entry[%d]'s for a different resource", j)
			}
			continue
		}
		seen[u] = i
	}
	if relative > 0 {
		c.warnf("fullurl", "entry", "%d entr%s relative fullUrls such as ResourceType/id (legacy form); documents should use urn:uuid:",
			relative, plural(relative, "y has", "ies have"))
	}
}

// isUUID reports whether s is a UUID in the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (c *checker) composition() {
	if len(c.b.Entry) == 0 {
		return
	}
	const path = "entry[0].resource"
	e := &c.b.Entry[0]
	if e.Type() != "Composition" {
		c.errorf("composition-first", path, "the first entry of a document must be a Composition")
		return
	}
	comp := new(Composition)
	if err := json.Unmarshal(e.Resource, comp); err != nil {
		c.decodeIssue(path, err)
		return
	}

	kind, typed := compositionKind(comp.Type)
	switch {
	case comp.Type == nil:
		c.errorf("composition-required", path+".type", "Composition.type is required")
	case !typed:
		c.errorf("composition-type", path+".type", "Composition.type is not one of the ABDM health information types")
	default:
		for _, cd := range comp.Type.Coding {
			if cd.System == systemProjectEKASCT {
				c.warnf("composition-type", path+".type", "Composition.type uses the legacy ProjectEKA system; NRCeS uses %s", SystemSNOMED)
				break
			}
		}
	}
	if comp.Meta != nil {
		for _, p := range comp.Meta.Profile {
			if pk, ok := profileKind(p); ok && typed && pk.hiType != kind.hiType {
				c.errorf("composition-profile", path+".meta.profile",
					"the Composition claims the %s profile but its type is that of %s", pk.profile, kind.profile)
			}
		}
	}

	if comp.Status == "" {
		c.errorf("composition-required", path+".status", "Composition.status is required")
	}
	c.valueIn("code", path+".status", comp.Status, "Composition", "status")
	if comp.Date == "" {
		c.errorf("composition-required", path+".date", "Composition.date is required")
	}
	if strings.TrimSpace(comp.Title) == "" {
		c.errorf("composition-required", path+".title", "Composition.title is required")
	}
	if len(comp.Author) == 0 {
		c.errorf("composition-required", path+".author", "Composition.author is required")
	}

	if comp.Subject == nil || comp.Subject.Reference == "" {
		c.errorf("composition-subject", path+".subject", "the Composition must refer to its Patient entry")
	} else {
		c.patient = c.compositionRef(path+".subject", comp.Subject, "Patient")
	}
	if comp.Encounter != nil {
		c.compositionRef(path+".encounter", comp.Encounter, "Encounter")
	}
	for i := range comp.Author {
		c.compositionRef(fmt.Sprintf("%s.author[%d]", path, i), &comp.Author[i],
			"Practitioner", "PractitionerRole", "Organization", "Device", "Patient", "RelatedPerson")
	}
	if comp.Custodian != nil {
		c.compositionRef(path+".custodian", comp.Custodian, "Organization")
	}
	for i, a := range comp.Attester {
		if a.Party != nil {
			c.compositionRef(fmt.Sprintf("%s.attester[%d].party", path, i), a.Party,
				"Patient", "RelatedPerson", "Practitioner", "PractitionerRole", "Organization")
		}
	}
	c.sections(path+".section", comp.Section)
}

func (c *checker) sections(path string, secs []Section) {
	for i := range secs {
		s := &secs[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		if s.Text == nil && len(s.Entry) == 0 && len(s.Section) == 0 {
			c.errorf("section-empty", p, "a section needs text, entries or subsections")
		}
		for j := range s.Author {
			c.compositionRef(fmt.Sprintf("%s.author[%d]", p, j), &s.Author[j],
				"Practitioner", "PractitionerRole", "Organization", "Device", "Patient", "RelatedPerson")
		}
		for j := range s.Entry {
			c.compositionRef(fmt.Sprintf("%s.entry[%d]", p, j), &s.Entry[j])
		}
		c.sections(p+".section", s.Section)
	}
}

// compositionRef checks that a reference of the Composition resolves to an
// entry of one of the given types (any type if none given) and returns the
// entry's index, or -1.
func (c *checker) compositionRef(path string, ref *Reference, types ...string) int {
	if ref.Reference == "" {
		c.errorf("reference", path, "the Composition's references must point at entries of the Bundle")
		return -1
	}
	i, how := c.res.resolve(ref.Reference)
	switch how {
	case resolvedExact:
	case resolvedByID:
		c.warnf("reference-by-id", path, "the reference matches an entry only by id (legacy form)")
	default:
		c.errorf("reference", path, "the reference does not resolve to an entry of the Bundle")
		return -1
	}
	if len(types) > 0 {
		got := c.b.Entry[i].Type()
		ok := false
		for _, t := range types {
			ok = ok || got == t
		}
		if !ok {
			c.errorf("reference-type", path, "the reference points at a %s; expected %s", got, strings.Join(types, " or "))
			return -1
		}
	}
	return i
}

// decodeIssue reports a resource whose JSON does not fit its type.
func (c *checker) decodeIssue(path string, err error) {
	field, msg := jsonProblem(err)
	c.errorf("decode", joinPath(path, field), "%s", msg)
}

// valueIn checks a code against its required value set.
func (c *checker) valueIn(rule, path, v, resourceType, element string) {
	if v == "" {
		return
	}
	vs, ok := valueSets[resourceType+"."+element]
	if !ok {
		return
	}
	for _, allowed := range strings.Split(vs, "|") {
		if v == allowed {
			return
		}
	}
	c.errorf(rule, path, "%s.%s must be one of %s", resourceType, element, vs)
}

// resource checks one entry's resource: required elements, codes, dates,
// references, quantities and attachments.
func (c *checker) resource(i int) {
	e := &c.b.Entry[i]
	if len(e.Resource) == 0 {
		return
	}
	path := fmt.Sprintf("entry[%d].resource", i)
	typ := e.Type()

	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Resource))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		c.decodeIssue(path, err)
		return
	}
	for _, f := range required[typ] {
		if !present(m, f) {
			c.errorf("required", path+"."+strings.TrimSuffix(f, "[x]"), "%s.%s is required", typ, f)
		}
	}
	for _, f := range recommended[typ] {
		if !present(m, f) {
			c.warnf("recommended", path+"."+strings.TrimSuffix(f, "[x]"), "%s.%s is expected by the NRCeS profile", typ, f)
		}
	}
	for _, el := range []string{"status", "intent", "gender"} {
		if v, ok := m[el].(string); ok && i > 0 {
			c.valueIn("code", path+"."+el, v, typ, el)
		}
	}
	c.walk(i, m, &jsonPath{key: path})

	t := newTyped(typ)
	if t == nil || i == 0 {
		return
	}
	if err := json.Unmarshal(e.Resource, t); err != nil {
		c.decodeIssue(path, err)
		return
	}
	switch r := t.(type) {
	case *Observation:
		c.quantity(path+".valueQuantity", r.ValueQuantity, true)
		for j, cp := range r.Component {
			c.quantity(fmt.Sprintf("%s.component[%d].valueQuantity", path, j), cp.ValueQuantity, true)
		}
		for j, rr := range r.ReferenceRange {
			c.quantity(fmt.Sprintf("%s.referenceRange[%d].low", path, j), rr.Low, false)
			c.quantity(fmt.Sprintf("%s.referenceRange[%d].high", path, j), rr.High, false)
		}
	case *DocumentReference:
		for j, ct := range r.Content {
			p := fmt.Sprintf("%s.content[%d].attachment", path, j)
			if ct.Attachment == nil {
				c.errorf("required", p, "DocumentReference.content.attachment is required")
				continue
			}
			c.attachment(p, ct.Attachment)
		}
	case *DiagnosticReport:
		for j := range r.PresentedForm {
			c.attachment(fmt.Sprintf("%s.presentedForm[%d]", path, j), &r.PresentedForm[j])
		}
	case *Binary:
		c.attachment(path, &Attachment{ContentType: r.ContentType, Data: r.Data})
	}
}

// quantity checks that a measured value has a unit: an error for an
// Observation's value, a warning for a reference range bound.
func (c *checker) quantity(path string, q *Quantity, isValue bool) {
	if q == nil || q.Value == "" || q.Unit != "" || q.Code != "" {
		return
	}
	if isValue {
		c.errorf("quantity-unit", path, "a measured value needs a unit")
	} else {
		c.warnf("quantity-unit", path, "a reference range bound should have a unit")
	}
}

// attachment checks inline data: a content type, and valid base64.
func (c *checker) attachment(path string, a *Attachment) {
	if a.Data == "" {
		if a.URL == "" {
			c.warnf("attachment", path, "the attachment has neither data nor a URL")
		}
		return
	}
	if a.ContentType == "" {
		c.errorf("attachment", path+".contentType", "an attachment with data needs a contentType")
	}
	if !isBase64(a.Data) {
		c.errorf("attachment", path+".data", "attachment data must be base64")
	}
}

// jsonPath is a path into a resource, built only when an issue needs it.
type jsonPath struct {
	parent *jsonPath
	key    string
	index  int // for array elements, with key ""
}

func (p *jsonPath) String() string {
	if p == nil {
		return ""
	}
	if p.key == "" {
		return fmt.Sprintf("%s[%d]", p.parent, p.index)
	}
	if p.parent == nil {
		return p.key
	}
	return p.parent.String() + "." + p.key
}

// walk visits every element of a resource, checking dates and references.
func (c *checker) walk(entry int, v any, path *jsonPath) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedAnyKeys(v) {
			child := v[k]
			if s, ok := child.(string); ok {
				if k == "reference" && entry > 0 {
					c.reference(path, s)
				} else if kind, ok := dateKeys[k]; ok {
					c.date(&jsonPath{parent: path, key: k}, s, kind)
				}
				continue
			}
			switch child.(type) {
			case map[string]any, []any:
				c.walk(entry, child, &jsonPath{parent: path, key: k})
			}
		}
	case []any:
		for j, child := range v {
			switch child.(type) {
			case map[string]any, []any:
				c.walk(entry, child, &jsonPath{parent: path, index: j})
			}
		}
	}
}

// reference checks a reference made by a resource other than the
// Composition: outside the Composition an unresolved reference is a
// warning, but a subject or patient that is another Patient is an error.
func (c *checker) reference(path *jsonPath, ref string) {
	i, how := c.res.resolve(ref)
	switch how {
	case resolvedByID:
		c.warnf("reference-by-id", path.String(), "the reference matches an entry only by id (legacy form)")
	case unresolved:
		c.warnf("reference", path.String(), "the reference does not resolve to an entry of the Bundle")
		return
	case contained, external:
		return
	}
	if c.patient >= 0 && i != c.patient && c.b.Entry[i].Type() == "Patient" &&
		path != nil && (path.key == "subject" || path.key == "patient") {
		c.errorf("patient-mismatch", path.String(), "the resource is about a different Patient than the Composition")
	}
}

type dateKind int

const (
	kindDateTime dateKind = iota
	kindInstant
	kindDate
)

func (c *checker) date(path *jsonPath, s string, kind dateKind) {
	switch kind {
	case kindInstant:
		if !isInstant(s) {
			c.errorf("datetime", path.String(), "must be an instant: date, time to the second, and zone")
		}
	case kindDate:
		if !isDate(s) {
			c.errorf("datetime", path.String(), "must be a FHIR date")
		}
	default:
		if !isDateTime(s) {
			c.errorf("datetime", path.String(), "must be a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or with time and zone)")
		}
	}
}

// present reports whether a resource has a non-empty element f; "name[x]"
// stands for any choice of type (medicationCodeableConcept, …).
func present(m map[string]any, f string) bool {
	if prefix, ok := strings.CutSuffix(f, "[x]"); ok {
		for k, v := range m {
			if len(k) > len(prefix) && strings.HasPrefix(k, prefix) &&
				k[len(prefix)] >= 'A' && k[len(prefix)] <= 'Z' && nonEmpty(v) {
				return true
			}
		}
		return false
	}
	v, ok := m[f]
	return ok && nonEmpty(v)
}

func nonEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(v) != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
