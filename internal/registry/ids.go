package registry

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/arogya-health/arogya/internal/checkdigit"
	"github.com/arogya-health/arogya/internal/india"
)

// NewFacilityID returns a random facility ID for the state: "IN", the
// 2-digit LGD state code, 8 digits.
func NewFacilityID(stateCode string) string {
	if len(stateCode) == 1 {
		stateCode = "0" + stateCode
	}
	return fmt.Sprintf("IN%s%08d", stateCode, randN(100_000_000))
}

// ValidFacilityID reports whether id has the facility ID form and names a
// known state.
func ValidFacilityID(id string) bool {
	if len(id) != 12 || id[:2] != "IN" || !allDigits(id[2:]) {
		return false
	}
	_, ok := india.StateByCode(strings.TrimPrefix(id[2:4], "0"))
	return ok
}

// NewHPRID returns a random 14-digit HPR number, first digit 7 or 8 (as
// ABDM's numbers start), the last a Luhn check digit.
func NewHPRID() string {
	body := fmt.Sprintf("%d%012d", 7+randN(2), randN(1_000_000_000_000))
	return body + string(rune('0'+checkdigit.Luhn(body)))
}

// NormaliseHPRID strips hyphens and spaces from a displayed HPR number.
func NormaliseHPRID(s string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
}

// ValidHPRID reports whether id (without hyphens) is 14 digits with a
// correct Luhn check digit.
func ValidHPRID(id string) bool {
	return len(id) == 14 && allDigits(id) && checkdigit.Luhn(id[:13]) == int(id[13]-'0')
}

// FormatHPRID shows a 14-digit HPR number as NN-NNNN-NNNN-NNNN.
func FormatHPRID(id string) string {
	if len(id) != 14 {
		return id
	}
	return id[:2] + "-" + id[2:6] + "-" + id[6:10] + "-" + id[10:]
}

// ValidHandle reports whether h is a valid HPR address handle (the part
// before @hpr.abdm): 4–32 characters, lowercase letters, digits, '.' and
// '_', starting with a letter, no two separators together, not ending in
// one.
func ValidHandle(h string) bool {
	if len(h) < 4 || len(h) > 32 || h[0] < 'a' || h[0] > 'z' {
		return false
	}
	prevSep := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			prevSep = false
		case c == '.' || c == '_':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// NormaliseHandle lowercases a handle and strips an @hpr.abdm suffix.
func NormaliseHandle(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.TrimSuffix(h, "@"+HPRDomain)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func randN(n uint64) uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return binary.BigEndian.Uint64(b[:]) % n
}
