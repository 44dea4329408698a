package sqldb

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/arogya-health/arogya/internal/registry"
)

// The registry's list fields are stored as JSON arrays in TEXT columns.
// The search index decodes every row at start (a million and more), so
// string lists have a hand-written encoder and decoder for the common case
// (no character needing an escape), which fall back to encoding/json
// otherwise. An empty list is stored as [] and reads back as nil.

// encodeStrings returns ss as a JSON array.
func encodeStrings(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	n := 2
	for _, s := range ss {
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		if plainJSON(s) {
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
		} else {
			q, _ := json.Marshal(s) // a string always marshals
			b = append(b, q...)
		}
	}
	b = append(b, ']')
	return string(b)
}

// plainJSON reports whether JSON can quote s as it is: valid UTF-8 without
// quote, backslash or control characters. (encoding/json would also escape
// <, >, & and U+2028/9, which JSON does not require; either form decodes to
// the same string.)
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// decodeStrings decodes a JSON array of strings; [] and the empty text
// are nil. b may be a driver buffer: the result does not alias it.
func decodeStrings(b []byte) ([]string, error) {
	if len(b) == 0 || (len(b) == 2 && b[0] == '[' && b[1] == ']') {
		return nil, nil
	}
	if out, ok := decodePlainStrings(b); ok {
		return out, nil
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// decodePlainStrings decodes ["a","b",...] written without escapes or
// spaces, the form encodeStrings writes for plain strings; ok is false for
// anything else. The elements share one allocation.
func decodePlainStrings(b []byte) (out []string, ok bool) {
	if len(b) < 4 || b[0] != '[' || b[len(b)-1] != ']' || bytes.IndexByte(b, '\\') >= 0 {
		return nil, false
	}
	n := bytes.Count(b, []byte{'"'})
	if n%2 != 0 {
		return nil, false
	}
	s := string(b)
	out = make([]string, 0, n/2)
	i := 1
	for {
		if s[i] != '"' {
			return nil, false
		}
		end := i + 1
		for end < len(s) && s[end] != '"' {
			if s[end] < 0x20 {
				return nil, false
			}
			end++
		}
		if end >= len(s)-1 {
			return nil, false
		}
		out = append(out, s[i+1:end])
		switch s[end+1] {
		case ',':
			i = end + 2
			if i >= len(s)-1 {
				return nil, false
			}
		case ']':
			if end+2 != len(s) {
				return nil, false
			}
			return out, true
		default:
			return nil, false
		}
	}
}

// qualificationData is the stored JSON form of registry.Qualification, with
// tags of its own so that renaming a Go field does not orphan stored data.
type qualificationData struct {
	Degree     string `json:"degree,omitempty"`
	University string `json:"university,omitempty"`
	Year       int    `json:"year,omitempty"`
}

func encodeQualifications(qs []registry.Qualification) (string, error) {
	if len(qs) == 0 {
		return "[]", nil
	}
	d := make([]qualificationData, len(qs))
	for i, q := range qs {
		d[i] = qualificationData(q)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func decodeQualifications(b []byte) ([]registry.Qualification, error) {
	if len(b) == 0 || (len(b) == 2 && b[0] == '[' && b[1] == ']') {
		return nil, nil
	}
	var d []qualificationData
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	if len(d) == 0 {
		return nil, nil
	}
	out := make([]registry.Qualification, len(d))
	for i, q := range d {
		out[i] = registry.Qualification(q)
	}
	return out, nil
}
