package fhir

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/arogya-health/arogya"
)

// Bundle is a FHIR R4 Bundle. Entries keep each resource's JSON as it came,
// so a parsed Bundle marshals back with every element it had.
type Bundle struct {
	ID         string
	Meta       *Meta
	Identifier *Identifier
	Type       string
	Timestamp  string
	Entry      []Entry

	// extra holds the other top-level members (language, total, link,
	// signature, …) as they came.
	extra map[string]json.RawMessage
}

// Entry is one entry of a Bundle: its fullUrl and the resource as JSON.
// Decode reads the resource into a typed struct such as *Observation.
type Entry struct {
	FullURL  string
	Resource json.RawMessage

	extra    map[string]json.RawMessage // search, request, response, …
	rtype    string                     // the resource's resourceType, when known
	id       string                     // the resource's id, when known
	hdrKnown bool
}

// Type returns the entry's resourceType, or "" if the entry has no resource.
func (e *Entry) Type() string {
	e2 := e.header()
	return e2.rtype
}

// ID returns the id of the entry's resource, or "".
func (e *Entry) ID() string {
	return e.header().id
}

// header returns a copy of the entry with rtype and id filled in, reading
// them from the resource when Parse or a builder has not.
func (e *Entry) header() Entry {
	if e.hdrKnown || len(e.Resource) == 0 {
		return *e
	}
	var h struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	_ = json.Unmarshal(e.Resource, &h) // a malformed resource has no header
	c := *e
	c.rtype, c.id, c.hdrKnown = h.ResourceType, h.ID, true
	return c
}

// Decode reads the entry's resource into v, usually a pointer to one of
// this package's resource types, which must match the entry's resourceType.
func (e *Entry) Decode(v any) error {
	if len(e.Resource) == 0 {
		return arogya.Errorf(arogya.EINVALID, "FHIR bundle entry has no resource")
	}
	if r, ok := v.(resource); ok {
		if t := e.Type(); t != r.kind() {
			return arogya.Errorf(arogya.EINVALID, "FHIR bundle entry is not a %s", r.kind())
		}
	}
	if err := json.Unmarshal(e.Resource, v); err != nil {
		return jsonError("resource", err)
	}
	return nil
}

// newEntry marshals a typed resource into an entry with a urn:uuid fullUrl.
func newEntry(id string, r resource) (Entry, error) {
	data, err := marshalCompact(r)
	if err != nil {
		return Entry{}, err
	}
	return Entry{FullURL: "urn:uuid:" + id, Resource: data, rtype: r.kind(), id: id, hdrKnown: true}, nil
}

// Composition decodes the first entry, which in a document is the
// Composition.
func (b *Bundle) Composition() (*Composition, error) {
	if len(b.Entry) == 0 {
		return nil, arogya.Errorf(arogya.EINVALID, "FHIR bundle has no entries")
	}
	c := new(Composition)
	if err := b.Entry[0].Decode(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Patient decodes the Patient entry the Composition's subject refers to.
func (b *Bundle) Patient() (*Patient, error) {
	c, err := b.Composition()
	if err != nil {
		return nil, err
	}
	if c.Subject == nil {
		return nil, arogya.Errorf(arogya.EINVALID, "FHIR composition has no subject")
	}
	e := b.Resolve(c.Subject.Reference)
	if e == nil {
		return nil, arogya.Errorf(arogya.EINVALID, "FHIR composition subject is not in the bundle")
	}
	p := new(Patient)
	if err := e.Decode(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Resolve returns the entry a reference such as "urn:uuid:…" or
// "Patient/123" points at, or nil. It also accepts the lenient matches
// Check warns about (a bare id matching exactly one entry).
func (b *Bundle) Resolve(ref string) *Entry {
	i, how := newResolver(b).resolve(ref)
	if how == resolvedExact || how == resolvedByID {
		return &b.Entry[i]
	}
	return nil
}

// Marshal encodes the Bundle as compact JSON.
func Marshal(b *Bundle) ([]byte, error) {
	return b.MarshalJSON()
}

// MarshalJSON encodes the Bundle, resourceType first and entries last.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	var w objectWriter
	w.field("resourceType", "Bundle")
	if b.ID != "" {
		w.field("id", b.ID)
	}
	if b.Meta != nil {
		w.field("meta", b.Meta)
	}
	if b.Identifier != nil {
		w.field("identifier", b.Identifier)
	}
	if b.Type != "" {
		w.field("type", b.Type)
	}
	if b.Timestamp != "" {
		w.field("timestamp", b.Timestamp)
	}
	w.extra(b.extra)
	if len(b.Entry) > 0 {
		w.field("entry", b.Entry)
	}
	return w.close()
}

// MarshalJSON encodes the entry: fullUrl, resource, then any other members.
func (e Entry) MarshalJSON() ([]byte, error) {
	var w objectWriter
	if e.FullURL != "" {
		w.field("fullUrl", e.FullURL)
	}
	if len(e.Resource) > 0 {
		w.raw("resource", e.Resource)
	}
	w.extra(e.extra)
	return w.close()
}

// objectWriter writes a JSON object member by member, without escaping
// HTML characters, keeping the first error.
type objectWriter struct {
	buf bytes.Buffer
	n   int
	err error
}

func (w *objectWriter) key(k string) {
	if w.n == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.n++
	kb, _ := json.Marshal(k)
	w.buf.Write(kb)
	w.buf.WriteByte(':')
}

func (w *objectWriter) field(k string, v any) {
	if w.err != nil {
		return
	}
	data, err := marshalCompact(v)
	if err != nil {
		w.err = err
		return
	}
	w.raw(k, data)
}

func (w *objectWriter) raw(k string, v json.RawMessage) {
	if w.err != nil {
		return
	}
	w.key(k)
	w.buf.Write(v)
}

func (w *objectWriter) extra(m map[string]json.RawMessage) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.raw(k, m[k])
	}
}

func (w *objectWriter) close() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.n == 0 {
		return []byte("{}"), nil
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), nil
}

// marshalCompact encodes v as compact JSON without HTML escaping, so that
// narratives stay readable.
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Attachments returns the files the Bundle carries, in entry order: the
// attachments of DocumentReferences and DiagnosticReports (presentedForm)
// and the Binary resources. Entries that do not decode are skipped.
func (b *Bundle) Attachments() []Attachment {
	var out []Attachment
	for i := range b.Entry {
		e := &b.Entry[i]
		switch e.Type() {
		case "DocumentReference":
			var d DocumentReference
			if e.Decode(&d) == nil {
				for _, c := range d.Content {
					if c.Attachment != nil {
						out = append(out, *c.Attachment)
					}
				}
			}
		case "DiagnosticReport":
			var r DiagnosticReport
			if e.Decode(&r) == nil {
				out = append(out, r.PresentedForm...)
			}
		case "Binary":
			var bin Binary
			if e.Decode(&bin) == nil {
				out = append(out, Attachment{ContentType: bin.ContentType, Data: bin.Data})
			}
		}
	}
	return out
}
