package abha

import (
	"crypto/rand"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/checkdigit"
)

// ABHA numbers
//
// An ABHA number is 14 digits, shown as NN-NNNN-NNNN-NNNN. NHA does not
// publish its checksum, but every issued-looking number in public sources
// passes Luhn (mod 10) over all 14 digits, so Arogya issues numbers whose
// last digit is the Luhn check digit of the first 13. Numbers from outside
// may predate that rule: ParseNumber checks only the format, and callers
// that care use LuhnValid and treat a failure as a warning (see
// abdm-protocol.md §6).

// NewNumber returns a new ABHA number as 14 bare digits: "91", 11 digits
// from crypto/rand (so numbers are not guessable from one another) and a
// Luhn check digit.
func NewNumber() (string, error) {
	b := make([]byte, 0, 14)
	b = append(b, '9', '1')
	var buf [16]byte
	for len(b) < 13 {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, x := range buf {
			// 250 is a multiple of 10: rejecting 250-255 keeps digits uniform.
			if x < 250 && len(b) < 13 {
				b = append(b, '0'+x%10)
			}
		}
	}
	b = append(b, '0'+byte(checkdigit.Luhn(string(b))))
	return string(b), nil
}

// ParseNumber accepts an ABHA number as 14 digits, bare or grouped 2-4-4-4
// with hyphens or spaces ("91-6285-4575-5116", "91 6285 4575 5116"), and
// returns the 14 bare digits. It checks the format only, not the check
// digit: see LuhnValid.
func ParseNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 32 {
		return "", errNumber
	}
	if len(s) == 14 && allDigits(s) {
		return s, nil
	}
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Count(s, "-") > 3 || strings.Contains(s, "--") {
		return "", errNumber
	}
	groups := strings.Fields(strings.ReplaceAll(s, "-", " "))
	if len(groups) != 4 {
		return "", errNumber
	}
	for i, n := range []int{2, 4, 4, 4} {
		if len(groups[i]) != n || !allDigits(groups[i]) {
			return "", errNumber
		}
	}
	return strings.Join(groups, ""), nil
}

var errNumber = arogya.Errorf(arogya.EINVALID, "ABHA number must be 14 digits, optionally grouped as NN-NNNN-NNNN-NNNN")

// FormatNumber shows 14 bare digits as NN-NNNN-NNNN-NNNN. Anything else is
// returned unchanged.
func FormatNumber(digits string) string {
	if len(digits) != 14 || !allDigits(digits) {
		return digits
	}
	return digits[:2] + "-" + digits[2:6] + "-" + digits[6:10] + "-" + digits[10:]
}

// LuhnValid reports whether digits, a non-empty string of decimal digits,
// passes the Luhn (mod 10) check, its last digit being the check digit.
func LuhnValid(digits string) bool {
	if len(digits) < 2 || !allDigits(digits) {
		return false
	}
	return checkdigit.Luhn(digits[:len(digits)-1]) == int(digits[len(digits)-1]-'0')
}

// Aadhaar numbers (Verhoeff)

var (
	verhoeffD = [10][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 8, 7, 6, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 8, 5},
	}
	verhoeffInv = [10]int{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// VerhoeffValid reports whether s, a non-empty string of decimal digits,
// passes the Verhoeff check, its last digit being the check digit.
func VerhoeffValid(s string) bool {
	if s == "" || !allDigits(s) {
		return false
	}
	c := 0
	for i := range len(s) {
		c = verhoeffD[c][verhoeffP[i%8][s[len(s)-1-i]-'0']]
	}
	return c == 0
}

// VerhoeffDigit returns the Verhoeff check digit to append to s, or -1 if s
// is not a string of decimal digits.
func VerhoeffDigit(s string) int {
	if !allDigits(s) {
		return -1
	}
	c := 0
	for i := range len(s) {
		c = verhoeffD[c][verhoeffP[(i+1)%8][s[len(s)-1-i]-'0']]
	}
	return verhoeffInv[c]
}

// ValidAadhaar reports whether s is a well-formed Aadhaar number: 12 bare
// digits, the first 2-9, the last a Verhoeff check digit. It says nothing
// about whether the number was issued.
func ValidAadhaar(s string) bool {
	return len(s) == 12 && s[0] >= '2' && s[0] <= '9' && VerhoeffValid(s)
}

// Mobile numbers

// ValidMobile reports whether s is an Indian mobile number in canonical
// form: 10 bare digits, the first 6-9. Use NormalizeMobile for user input.
func ValidMobile(s string) bool {
	return len(s) == 10 && s[0] >= '6' && s[0] <= '9' && allDigits(s)
}

// NormalizeMobile accepts a mobile number as typed ("+91 98765-43210",
// "098765 43210", "919876543210") and returns its 10 canonical digits. It
// drops spaces and hyphens and a "+91", "91" or "0" prefix; ok is false if
// what remains is not a valid mobile number.
func NormalizeMobile(s string) (mobile string, ok bool) {
	if len(s) > 32 {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+91"):
		s = s[3:]
	case len(s) == 12 && strings.HasPrefix(s, "91"):
		s = s[2:]
	case len(s) == 11 && s[0] == '0':
		s = s[1:]
	}
	if !ValidMobile(s) {
		return "", false
	}
	return s, true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// itoa is strconv.Itoa, short for the many small number-to-text joins here.
func itoa(n int) string { return strconv.Itoa(n) }

// ABHA addresses

// Handle length limits of an ABHA address (the part before "@").
const (
	MinHandleLen = 8
	MaxHandleLen = 18
)

// ParseAddress accepts an ABHA address as "handle" or "handle@cm", where cm
// must be cmID (e.g. "sbx"), and returns the lowercased handle and the full
// address "handle@cmID". A handle is 8 to 18 letters, digits, '.' and '_',
// starting and ending with a letter or digit.
func ParseAddress(s, cmID string) (handle, full string, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	cmID = strings.ToLower(cmID)
	handle = s
	if i := strings.IndexByte(s, '@'); i >= 0 {
		handle = s[:i]
		if s[i+1:] != cmID {
			return "", "", arogya.Errorf(arogya.EINVALID, "ABHA address must end with @%s", cmID)
		}
	}
	if err := checkHandle(handle); err != nil {
		return "", "", err
	}
	return handle, handle + "@" + cmID, nil
}

// checkHandle validates a lowercased handle.
func checkHandle(h string) error {
	if len(h) < MinHandleLen || len(h) > MaxHandleLen {
		return arogya.Errorf(arogya.EINVALID, "ABHA address must be %d to %d characters before the @", MinHandleLen, MaxHandleLen)
	}
	for i := range len(h) {
		if c := h[i]; !isAlnum(c) && c != '.' && c != '_' {
			return arogya.Errorf(arogya.EINVALID, "ABHA address may contain only letters, digits, '.' and '_'")
		}
	}
	if !isAlnum(h[0]) || !isAlnum(h[len(h)-1]) {
		return arogya.Errorf(arogya.EINVALID, "ABHA address must start and end with a letter or digit")
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// Suggestions proposes up to n free ABHA address handles made from a
// person's name and birth year, such as "gaurav.kumar", "gaurav_1991",
// "kumargaurav91" and "gaurav.kumar1991", best first. Every handle is valid
// for ParseAddress, and none is reported taken by taken, which gets a batch
// of handles (without "@cm") and returns those that exist; taken may be nil.
// Suggestions never proposes an all-digit handle, which could be mistaken
// for an ABHA number. Letters outside a-z are dropped from the name.
func Suggestions(first, middle, last string, birthYear int, taken func([]string) map[string]bool, n int) []string {
	f, m, l := handlePart(first), handlePart(middle), handlePart(last)
	if f == "" {
		f, l = l, ""
	}
	if f == "" || n <= 0 {
		return nil
	}
	yyyy, yy := "", ""
	if birthYear > 0 {
		yyyy, yy = itoa(birthYear), itoa(birthYear%100 + 100)[1:]
	}
	patterns := []string{
		f + "." + l, f + "_" + l, f + "." + l + yyyy, f + "_" + yyyy, l + f + yy,
		f + l, l + "." + f, f + l + yy, f + "." + yyyy, f + yyyy, l + f,
		f + "." + l + yy, f + "_" + l + yy, f + "_" + l + "_" + yy,
		f + "." + m + "." + l, f + m + l, f + "." + m, l + "." + f + yy, l + "_" + f + yyyy,
		f + "_" + l + yyyy, f + yy, f + "_" + yy, l + "." + f + yyyy,
	}
	seen := map[string]bool{}
	var out []string
	try := func(cands []string) {
		var fresh []string
		for _, c := range cands {
			c = strings.Trim(c, "._")
			c = collapseSeparators(c)
			if seen[c] || checkHandle(c) != nil || allDigits(c) {
				continue
			}
			seen[c] = true
			fresh = append(fresh, c)
		}
		if len(fresh) == 0 {
			return
		}
		var used map[string]bool
		if taken != nil {
			used = taken(fresh)
		}
		for _, c := range fresh {
			if !used[c] && len(out) < n {
				out = append(out, c)
			}
		}
	}
	try(patterns)
	// Numbered variants, in widening rounds, until n are free.
	base := []string{f + "." + l, f + l, f + "_" + l, f}
	for round, k := 0, 1; len(out) < n && round < 4; round++ {
		var cands []string
		for end := k + 10*(round+1)*n; k < end; k++ {
			for _, b := range base {
				cands = append(cands, b+itoa(k))
			}
		}
		try(cands)
	}
	return out
}

// handlePart lowercases a name part and keeps its letters a-z.
func handlePart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	h := b.String()
	if len(h) > MaxHandleLen-4 {
		h = h[:MaxHandleLen-4] // leave room for a year or a number
	}
	return h
}

// collapseSeparators turns runs of '.' and '_' (from an empty name part)
// into the first separator of the run.
func collapseSeparators(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if (s[i] == '.' || s[i] == '_') && i > 0 && (s[i-1] == '.' || s[i-1] == '_') {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
