package auth

import (
	"strings"
	"testing"
)

func TestAPIKey(t *testing.T) {
	id, key, hash := NewAPIKey("hk_")
	gotID, sec, ok := ParseAPIKey("hk_", key)
	if !ok || gotID != id || !APIKeyMatches(sec, hash) {
		t.Fatalf("a new key does not check: %v %q %q", ok, gotID, id)
	}
	if _, _, ok := ParseAPIKey("hiu_", key); ok {
		t.Fatal("a key parsed under another role's prefix")
	}
	flip := []byte(sec)
	flip[0] ^= 1
	if APIKeyMatches(string(flip), hash) {
		t.Fatal("another secret matches")
	}
	if _, other, _ := NewAPIKey("hk_"); other == key {
		t.Fatal("two keys alike")
	}
}

func TestParseAPIKey(t *testing.T) {
	sec := strings.Repeat("A", 43)
	for key, ok := range map[string]bool{
		"hiu_0123456789abcdef." + sec:            true,
		"hiu_0123456789ABCDEF." + sec:            false,
		"hiu_0123456789abcdeg." + sec:            false,
		"hiu_0123456789abcdef" + sec:             false,
		"hk_0123456789abcdef." + sec:             false,
		"hiu_0123456789abcdef." + sec[:42]:       false,
		"hiu_0123456789abcdef." + sec[:42] + "+": false,
		"":                                       false,
	} {
		if _, _, got := ParseAPIKey("hiu_", key); got != ok {
			t.Errorf("ParseAPIKey(%q) ok = %v, want %v", key, got, ok)
		}
	}
}

func FuzzParseAPIKey(f *testing.F) {
	f.Add("hiu_0123456789abcdef." + strings.Repeat("A", 43))
	f.Add("hiu_.")
	f.Fuzz(func(t *testing.T, key string) {
		id, sec, ok := ParseAPIKey("hiu_", key)
		if !ok {
			if id != "" || sec != "" {
				t.Fatal("a refused key has parts")
			}
			return
		}
		if "hiu_"+id+"."+sec != key || len(id) != 16 || len(sec) != 43 {
			t.Fatalf("ParseAPIKey(%q) = %q %q", key, id, sec)
		}
	})
}
