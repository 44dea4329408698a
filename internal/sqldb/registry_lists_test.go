package sqldb

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestStringListsRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		ss    []string
		lossy bool // invalid UTF-8 is stored as encoding/json stores it
	}{
		{ss: nil},
		{ss: []string{""}},
		{ss: []string{"a"}},
		{ss: []string{"HIP", "HIU"}},
		{ss: []string{"", "", ""}},
		{ss: []string{"ऑक्सिजन", "24x7 emergency", "<&>"}},
		{ss: []string{`quote "x"`, `back\slash`, "nl\n", "\x00", "\u2028", "ok"}},
		{ss: []string{"bad utf-8 \xff"}, lossy: true},
	} {
		ss := tt.ss
		enc := encodeStrings(ss)
		var viaJSON []string
		if err := json.Unmarshal([]byte(enc), &viaJSON); err != nil {
			t.Fatalf("encodeStrings(%q) = %s: not JSON: %v", ss, enc, err)
		}
		got, err := decodeStrings([]byte(enc))
		if err != nil {
			t.Fatalf("decodeStrings(%s): %v", enc, err)
		}
		if len(viaJSON) == 0 {
			viaJSON = nil
		}
		if !reflect.DeepEqual(got, viaJSON) {
			t.Fatalf("decodeStrings(%s) = %q, encoding/json says %q", enc, got, viaJSON)
		}
		if !tt.lossy && !reflect.DeepEqual(got, ss) {
			t.Fatalf("round trip of %q gave %q (stored %s)", ss, got, enc)
		}
	}
}

func TestDecodeStringsForms(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"[]", nil, false},
		{"[ ]", nil, false},
		{`["a","b"]`, []string{"a", "b"}, false},
		{`[ "a" , "b" ]`, []string{"a", "b"}, false},
		{`["a\"b"]`, []string{`a"b`}, false},
		{`["a",]`, nil, true},
		{`["a"`, nil, true},
		{`["a""b"]`, nil, true},
		{`"a"`, nil, true},
		{`[1]`, nil, true},
	} {
		got, err := decodeStrings([]byte(tt.in))
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decodeStrings(%s) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
