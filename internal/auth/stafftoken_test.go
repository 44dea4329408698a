package auth

import (
	"strings"
	"testing"
	"time"
)

func TestStaffToken(t *testing.T) {
	key, other := []byte("staff-token-key-staff-token-key!"), []byte("another-key-another-key-another!")
	now := time.Unix(1_800_000_000, 0)
	tok := SignStaffToken(key, "st1.", "IN2810000001", "71445566778899", now.Add(time.Hour))
	if f, h, ok := CheckStaffToken(key, "st1.", tok, now); !ok || f != "IN2810000001" || h != "71445566778899" {
		t.Fatalf("a genuine token: %q %q %v", f, h, ok)
	}
	body, mac, _ := strings.Cut(strings.TrimPrefix(tok, "st1."), ".")
	for _, tc := range []struct {
		name, prefix, tok string
		key               []byte
		at                time.Time
	}{
		{"expired", "st1.", tok, key, now.Add(time.Hour)},
		{"another key", "st1.", tok, other, now},
		{"no key", "st1.", tok, nil, now},
		{"another role's prefix", "hu1.", tok, key, now},
		{"a changed body", "st1.", "st1." + body + "A." + mac, key, now},
		{"no MAC", "st1.", "st1." + body, key, now},
		{"too long", "st1.", tok + strings.Repeat("A", maxStaffToken), key, now},
	} {
		if _, _, ok := CheckStaffToken(tc.key, tc.prefix, tc.tok, tc.at); ok {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func FuzzCheckStaffToken(f *testing.F) {
	key := []byte("staff-token-key-staff-token-key!")
	f.Add(SignStaffToken(key, "st1.", "IN2810000001", "71445566778899", time.Unix(1_900_000_000, 0)))
	f.Add("st1..")
	f.Fuzz(func(t *testing.T, tok string) {
		f, h, ok := CheckStaffToken(key, "st1.", tok, time.Unix(1_800_000_000, 0))
		if ok && SignStaffToken(key, "st1.", f, h, time.Unix(1_900_000_000, 0)) == "" {
			t.Fatal("unreachable")
		}
	})
}
