package hip

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
)

// personIDs checks the ABHA number and address a facility names a person
// by: at least one; the number as 14 digits, grouped or not (its check
// digit is the issuing ABHA's business: numbers from elsewhere are taken
// as they are), the address as handle@cm. They come back in canonical form:
// bare digits, lower case.
func personIDs(number, address string) (string, string, error) {
	number = ungroup(number)
	address = strings.ToLower(strings.TrimSpace(address))
	if number == "" && address == "" {
		return "", "", arogya.Errorf(arogya.EINVALID, "patient needs abhaAddress or abhaNumber")
	}
	if number != "" && (len(number) != 14 || !allDigits(number)) {
		return "", "", arogya.Errorf(arogya.EINVALID, "patient.abhaNumber must be a 14-digit ABHA number")
	}
	if address != "" {
		handle, cm, ok := strings.Cut(address, "@")
		if !ok || len(handle) < 4 || len(handle) > 32 || cm == "" || len(cm) > 32 || !addressChars(handle) || !addressChars(cm) {
			return "", "", arogya.Errorf(arogya.EINVALID, "patient.abhaAddress must be an ABHA address such as name@sbx")
		}
	}
	return number, address, nil
}

// contextRef checks a care context's reference and display name.
func contextRef(ref, display string) (string, string, error) {
	ref = strings.TrimSpace(ref)
	display = strings.Join(strings.Fields(display), " ")
	if ref == "" || len(ref) > 64 || strings.IndexFunc(ref, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) }) >= 0 {
		return "", "", arogya.Errorf(arogya.EINVALID, "careContext.referenceNumber must be 1 to 64 printable ASCII characters")
	}
	if n := utf8.RuneCountInString(display); n < 1 || n > 200 {
		return "", "", arogya.Errorf(arogya.EINVALID, "careContext.display must be 1 to 200 characters")
	}
	return ref, display, nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func addressChars(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// newPatientRef returns a reference for a patient the node registers on a
// facility's behalf: "AR-" and 10 random base32 characters (50 bits).
func newPatientRef() string {
	var b [7]byte
	rand.Read(b[:])
	return "AR-" + base32.StdEncoding.EncodeToString(b[:])[:10]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// normalFacility writes a facility ID as the registry does: upper case.
func normalFacility(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// normalHPR writes an HPR number as bare digits, however it was grouped.
func ungroup(id string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(id))
}
