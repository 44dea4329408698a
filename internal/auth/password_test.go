package auth

import (
	"regexp"
	"strings"
	"testing"
)

// testArgon is cheap enough for tests.
var testArgon = ArgonParams{Time: 1, MemoryKiB: 64, Threads: 1}

func TestHashPassword(t *testing.T) {
	enc, err := HashPassword("correct horse", testArgon)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(enc) {
		t.Fatalf("HashPassword = %q, not in PHC format", enc)
	}
	if again, _ := HashPassword("correct horse", testArgon); again == enc {
		t.Error("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"", false},
		{"correct horse ", false},
	}
	for _, tt := range tests {
		got, err := CheckPassword(enc, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
}

func TestHashPasswordDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB hash in -short mode")
	}
	enc, err := HashPassword("pw", DefaultArgon)
	if err != nil || !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("HashPassword = %q, %v", enc, err)
	}
	if ok, err := CheckPassword(enc, "pw"); !ok || err != nil {
		t.Errorf("CheckPassword = %v, %v", ok, err)
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	for _, p := range []ArgonParams{
		{Time: 0, MemoryKiB: 64, Threads: 1},
		{Time: 1, MemoryKiB: 64, Threads: 0},
		{Time: 1, MemoryKiB: 4, Threads: 1},
		{Time: 1, MemoryKiB: 1<<20 + 1, Threads: 1},
		{Time: 17, MemoryKiB: 64, Threads: 1},
	} {
		if _, err := HashPassword("x", p); err == nil {
			t.Errorf("HashPassword(%+v) succeeded", p)
		}
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	const salt, hash = "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	tests := map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + hash,
		"old version":    "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + hash,
		"order":          "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + hash,
		"missing param":  "$argon2id$v=19$m=64,t=1$" + salt + "$" + hash,
		"huge memory":    "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + hash,
		"huge time":      "$argon2id$v=19$m=64,t=100000,p=1$" + salt + "$" + hash,
		"threads 256":    "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + hash,
		"negative":       "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + hash,
		"padded salt":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + hash,
		"short hash":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$aGFzaA",
		"extra field":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash + "$",
		"no leading $":   "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash + "$x",
		"bad base64":     "$argon2id$v=19$m=64,t=1,p=1$!!!$" + hash,
		"zero threads":   "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + hash,
		"non-numeric m":  "$argon2id$v=19$m=sixty,t=1,p=1$" + salt + "$" + hash,
		"memory too low": "$argon2id$v=19$m=7,t=1,p=1$" + salt + "$" + hash,
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := CheckPassword(enc, "pw")
			if err == nil || ok {
				t.Errorf("CheckPassword = %v, %v; want an error", ok, err)
			}
		})
	}
}

func FuzzParsePHC(f *testing.F) {
	good, _ := HashPassword("pw", testArgon)
	f.Add(good)
	f.Add("$argon2id$v=19$m=65536,t=1,p=2$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, enc string) {
		p, salt, hash, err := parsePHC(enc)
		if err != nil {
			return
		}
		if p.validate() != nil || len(salt) < 8 || len(hash) < 16 || len(salt) > 64 || len(hash) > 64 {
			t.Fatalf("parsePHC(%q) accepted out-of-bounds values %+v", enc, p)
		}
	})
}
