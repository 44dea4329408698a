package auth

import (
	"bytes"
	"regexp"
	"testing"
)

func TestNewOTP(t *testing.T) {
	six := regexp.MustCompile(`^[0-9]{6}$`)
	var firstDigit [10]int
	seen := map[string]bool{}
	const n = 5000
	for range n {
		otp := NewOTP()
		if !six.MatchString(otp) {
			t.Fatalf("NewOTP() = %q, want 6 digits", otp)
		}
		firstDigit[otp[0]-'0']++
		seen[otp] = true
	}
	// Leading zeros must occur (formatting keeps them) and no first digit
	// should be wildly off its expected 500.
	for d, c := range firstDigit {
		if c < 350 || c > 650 {
			t.Errorf("first digit %d seen %d times in %d, want about %d", d, c, n, n/10)
		}
	}
	if len(seen) < n-100 {
		t.Errorf("only %d distinct OTPs in %d", len(seen), n)
	}
}

func TestHashOTP(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	h := HashOTP(key, "txn-1", "123456")
	if len(h) != 32 {
		t.Fatalf("len = %d, want 32", len(h))
	}
	if !EqualMAC(h, HashOTP(key, "txn-1", "123456")) {
		t.Error("HashOTP is not deterministic")
	}
	for _, other := range [][]byte{
		HashOTP(key, "txn-2", "123456"),
		HashOTP(key, "txn-1", "123457"),
		HashOTP(key, "txn-11", "23456"), // same concatenation, different split
		HashOTP(bytes.Repeat([]byte{4}, 32), "txn-1", "123456"),
	} {
		if EqualMAC(h, other) {
			t.Error("different inputs gave an equal MAC")
		}
	}
	if EqualMAC(h, h[:31]) {
		t.Error("EqualMAC accepted a truncated MAC")
	}
}

func TestKeyedHash(t *testing.T) {
	// RFC 4231, test case 2.
	got := KeyedHash([]byte("Jefe"), "what do ya want for nothing?")
	const want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("KeyedHash = %s, want %s", got, want)
	}
}
