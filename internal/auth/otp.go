package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
)

// NewOTP returns a uniformly random 6-digit one-time password.
func NewOTP() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("auth: crypto/rand: " + err.Error()) // crypto/rand does not fail
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// HashOTP returns HMAC-SHA256 under key of the transaction id and the OTP,
// each length-prefixed, so an OTP is bound to its transaction and hashes at
// rest are useless without the key.
func HashOTP(key []byte, txnID, otp string) []byte {
	m := hmac.New(sha256.New, key)
	var n [8]byte
	for _, s := range []string{txnID, otp} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// EqualMAC reports whether two MACs are equal, in constant time.
func EqualMAC(a, b []byte) bool { return hmac.Equal(a, b) }

// KeyedHash returns the hex HMAC-SHA256 of value under key: a stable,
// non-reversible identifier for looking up Aadhaar numbers, document numbers
// and the like without storing them.
func KeyedHash(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}
