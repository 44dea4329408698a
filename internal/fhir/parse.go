package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/arogya-health/arogya"
)

// Parse reads a FHIR R4 Bundle from JSON sent by another system. It rejects
// input over MaxBundleSize bytes or nested deeper than MaxDepth, and reports
// where the JSON is wrong as a path such as entry[3].fullUrl, never quoting
// the record's content. It also accepts the ABDM wrapper's
// {"careContextReference": …, "bundleContent": "<bundle JSON>"} envelope.
//
// Parse checks only the shape needed to hold the Bundle: an object with
// resourceType "Bundle", entries that are objects with a string fullUrl and
// a resource object with a resourceType. Check and Validate apply the ABDM
// document rules.
func Parse(data []byte) (*Bundle, error) {
	return parse(data, true)
}

func parse(data []byte, allowWrapper bool) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, arogya.Errorf(arogya.EINVALID, "FHIR bundle is larger than %d MiB", MaxBundleSize>>20)
	}
	if err := checkDepth(data, MaxDepth); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError("", err)
	}
	if top == nil {
		return nil, parseErrorf("expected a JSON object")
	}
	rt, ok := top["resourceType"]
	if !ok {
		if content, ok := top["bundleContent"]; ok && allowWrapper {
			return parseWrapped(content)
		}
		return nil, parseErrorf("resourceType is missing")
	}
	var typ string
	if err := json.Unmarshal(rt, &typ); err != nil {
		return nil, jsonError("resourceType", err)
	}
	if typ != "Bundle" {
		return nil, parseErrorf("resourceType is not Bundle")
	}
	b := new(Bundle)
	for _, k := range sortedKeys(top) { // sorted, so the first error reported is stable
		v := top[k]
		var err error
		switch k {
		case "resourceType":
		case "id":
			err = decodeField(v, &b.ID, k)
		case "meta":
			err = decodeField(v, &b.Meta, k)
		case "identifier":
			err = decodeField(v, &b.Identifier, k)
		case "type":
			err = decodeField(v, &b.Type, k)
		case "timestamp":
			err = decodeField(v, &b.Timestamp, k)
		case "entry":
			b.Entry, err = parseEntries(v)
		default:
			if b.extra == nil {
				b.extra = make(map[string]json.RawMessage)
			}
			b.extra[k] = v
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// parseWrapped unwraps the ABDM wrapper's bundleContent, a JSON string
// holding the Bundle or the Bundle object itself.
func parseWrapped(content json.RawMessage) (*Bundle, error) {
	content = bytes.TrimSpace(content)
	if len(content) > 0 && content[0] == '"' {
		var s string
		if err := json.Unmarshal(content, &s); err != nil {
			return nil, jsonError("bundleContent", err)
		}
		content = []byte(s)
	}
	b, err := parse(content, false)
	if err != nil {
		return nil, fmt.Errorf("fhir: bundleContent: %w", err)
	}
	return b, nil
}

func parseEntries(data json.RawMessage) ([]Entry, error) {
	// One decoding pass over all entries; only if it fails, a second one
	// entry by entry finds which.
	var ms []map[string]json.RawMessage
	if err := json.Unmarshal(data, &ms); err != nil {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, jsonError("entry", err)
		}
		for i, raw := range raws {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, jsonError(fmt.Sprintf("entry[%d]", i), err)
			}
		}
		return nil, jsonError("entry", err)
	}
	entries := make([]Entry, len(ms))
	for i, m := range ms {
		path := fmt.Sprintf("entry[%d]", i)
		if m == nil {
			return nil, parseErrorf("%s: expected an object", path)
		}
		e := &entries[i]
		for _, k := range sortedKeys(m) {
			v := m[k]
			switch k {
			case "fullUrl":
				if err := decodeField(v, &e.FullURL, path+".fullUrl"); err != nil {
					return nil, err
				}
			case "resource":
				if err := e.setResource(v, path+".resource"); err != nil {
					return nil, err
				}
			default:
				if e.extra == nil {
					e.extra = make(map[string]json.RawMessage)
				}
				e.extra[k] = v
			}
		}
	}
	return entries, nil
}

func (e *Entry) setResource(v json.RawMessage, path string) error {
	v = bytes.TrimSpace(v)
	if bytes.Equal(v, []byte("null")) {
		return nil
	}
	if len(v) == 0 || v[0] != '{' {
		return parseErrorf("%s: expected an object", path)
	}
	var h struct {
		ResourceType *string `json:"resourceType"`
		ID           *string `json:"id"`
	}
	if err := json.Unmarshal(v, &h); err != nil {
		return jsonError(path, err)
	}
	if h.ResourceType == nil || *h.ResourceType == "" {
		return parseErrorf("%s: resourceType is missing", path)
	}
	e.Resource, e.rtype, e.hdrKnown = v, *h.ResourceType, true
	if h.ID != nil {
		e.id = *h.ID
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func decodeField(data json.RawMessage, v any, path string) error {
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(path, err)
	}
	return nil
}

// checkDepth rejects JSON nested deeper than max before any decoding, so
// that hostile input cannot make the decoders recurse deeply.
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return parseErrorf("JSON is nested deeper than %d levels (byte %d)", max, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

func parseErrorf(format string, args ...any) error {
	return arogya.Errorf(arogya.EINVALID, "FHIR bundle: "+format, args...)
}

// jsonError turns a decoding error into an EINVALID error that names the
// JSON path and the kinds of value involved, but never a value itself:
// encoding/json's own messages can quote the input.
func jsonError(path string, err error) error {
	field, msg := jsonProblem(err)
	if p := joinPath(path, field); p != "" {
		return parseErrorf("%s: %s", p, msg)
	}
	return parseErrorf("%s", msg)
}

// jsonProblem describes a decoding error without quoting the input: the
// field path inside the value decoded, if known, and what is wrong.
func jsonProblem(err error) (field, msg string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "", fmt.Sprintf("malformed JSON near byte %d", se.Offset)
	case errors.As(err, &te):
		found, _, _ := strings.Cut(te.Value, " ") // "number 1e999" → "number"
		return te.Field, fmt.Sprintf("expected %s, found %s", jsonKind(te.Type), found)
	}
	return "", "invalid JSON value"
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeFor[json.Number]() {
		return "a number"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value"
}
