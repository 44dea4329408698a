package abha

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/india"
)

// KYC is an Aadhaar e-KYC provider: Aadhaar lies outside Arogya, which only
// asks it who holds a number. Implementations return *arogya.Error with
// EINVALID for a malformed number and ENOTFOUND for an unknown one.
type KYC interface {
	Lookup(ctx context.Context, aadhaar string) (*Identity, error)
}

var errAadhaar = arogya.Errorf(arogya.EINVALID, "invalid Aadhaar number")

// NewSandboxKYC returns a KYC provider for development and tests that knows
// every well-formed Aadhaar number (ValidAadhaar) and answers with a
// synthetic identity derived from the number's SHA-256: a state and
// district, a name from that state's lists, gender, a birth date in
// 1940-2008, a mobile number, an address and the district's PIN. The same
// number always gives the same identity.
func NewSandboxKYC() KYC { return sandboxKYC{} }

type sandboxKYC struct{}

// localities are the street part of sandbox addresses.
var localities = []string{
	"Station Road", "Gandhi Nagar", "Nehru Street", "MG Road", "Main Bazaar",
	"Shivaji Colony", "Temple Street", "Subhash Marg", "Ambedkar Nagar", "Church Road",
	"Rajiv Colony", "Old Town", "Market Road", "Indira Nagar", "Patel Chowk", "Lake View Layout",
}

func (sandboxKYC) Lookup(ctx context.Context, aadhaar string) (*Identity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ValidAadhaar(aadhaar) {
		return nil, errAadhaar
	}
	r := &hashRand{seed: sha256.Sum256([]byte("arogya sandbox kyc\x00" + aadhaar))}
	states := india.States()
	st := states[r.intn(len(states))]
	districts := india.Districts(st.Code)
	dist := districts[r.intn(len(districts))]

	gender := "M"
	switch g := r.intn(1000); {
	case g < 4:
		gender = "O"
	case g%2 == 1:
		gender = "F"
	}
	firsts, lasts := india.FirstNames(st.Code, gender), india.LastNames(st.Code)
	name := firsts[r.intn(len(firsts))] + " " + lasts[r.intn(len(lasts))]

	from := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2008, 12, 31, 0, 0, 0, 0, time.UTC).Sub(from).Hours() / 24)
	dob := from.AddDate(0, 0, r.intn(days+1))

	mobile := itoa(6 + r.intn(4))
	for range 9 {
		mobile += itoa(r.intn(10))
	}
	addr := fmt.Sprintf("H.No. %d, %s, %s, %s", 1+r.intn(999), localities[r.intn(len(localities))], dist.Name, st.Name)
	return &Identity{
		Aadhaar:      aadhaar,
		Name:         name,
		Gender:       gender,
		DateOfBirth:  dob.Format(time.DateOnly),
		Mobile:       mobile,
		Address:      addr,
		StateCode:    st.Code,
		DistrictCode: dist.Code,
		Pincode:      dist.Pincode,
	}, nil
}

// hashRand is a deterministic stream of numbers: SHA-256 of a seed and a
// counter. Unlike math/rand it is fixed forever, so sandbox identities do
// not change with the Go version.
type hashRand struct {
	seed [32]byte
	n    uint64
}

func (r *hashRand) intn(n int) int {
	var buf [40]byte
	copy(buf[:], r.seed[:])
	binary.BigEndian.PutUint64(buf[32:], r.n)
	r.n++
	h := sha256.Sum256(buf[:])
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(n)) // bias < 2^-50
}

// LoadKYCFixtures reads a fixture file for ParseKYCFixtures.
func LoadKYCFixtures(path string) (KYC, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("abha: load KYC fixtures: %w", err)
	}
	return ParseKYCFixtures(b)
}

// ParseKYCFixtures returns a KYC provider that knows exactly the identities
// in data, a JSON array of Identity objects (aadhaar, name, gender M/F/O,
// dateOfBirth YYYY-MM-DD, mobile, address, stateCode, districtCode,
// pincode). Every field is checked; an empty mobile means none is on
// record. Errors name the entry and field, never the value.
func ParseKYCFixtures(data []byte) (KYC, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ids []Identity
	if err := dec.Decode(&ids); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "KYC fixtures: not a JSON array of identities")
	}
	if dec.More() {
		return nil, arogya.Errorf(arogya.EINVALID, "KYC fixtures: data after the JSON array")
	}
	f := fixtureKYC{}
	for i := range ids {
		id := &ids[i]
		if field, why := checkIdentity(id); field != "" {
			return nil, arogya.Errorf(arogya.EINVALID, "KYC fixture %d: field %s: %s", i, field, why)
		}
		if _, dup := f[id.Aadhaar]; dup {
			return nil, arogya.Errorf(arogya.EINVALID, "KYC fixture %d: field aadhaar: repeats an earlier entry", i)
		}
		f[id.Aadhaar] = *id
	}
	return f, nil
}

// checkIdentity returns the first bad field of id and what is wrong with it.
func checkIdentity(id *Identity) (field, why string) {
	if !ValidAadhaar(id.Aadhaar) {
		return "aadhaar", "must be 12 digits, first 2-9, with a valid Verhoeff check digit"
	}
	if n := strings.TrimSpace(id.Name); n == "" || utf8.RuneCountInString(n) > 100 || !utf8.ValidString(n) {
		return "name", "must be 1 to 100 characters"
	}
	if id.Gender != "M" && id.Gender != "F" && id.Gender != "O" {
		return "gender", "must be M, F or O"
	}
	if d, err := time.Parse(time.DateOnly, id.DateOfBirth); err != nil || d.Year() < 1900 {
		return "dateOfBirth", "must be a date YYYY-MM-DD from 1900 on"
	}
	if id.Mobile != "" && !ValidMobile(id.Mobile) {
		return "mobile", "must be 10 digits starting 6-9, or empty"
	}
	if utf8.RuneCountInString(id.Address) > 500 || !utf8.ValidString(id.Address) {
		return "address", "must be at most 500 characters"
	}
	if _, ok := india.StateByCode(id.StateCode); !ok {
		return "stateCode", "must be an LGD state code"
	}
	if _, ok := india.DistrictByCode(id.StateCode, id.DistrictCode); !ok {
		return "districtCode", "must be an LGD district code of the state"
	}
	if len(id.Pincode) != 6 || !allDigits(id.Pincode) || id.Pincode[0] == '0' {
		return "pincode", "must be 6 digits, not starting 0"
	}
	return "", ""
}

// fixtureKYC maps Aadhaar numbers to identities.
type fixtureKYC map[string]Identity

func (f fixtureKYC) Lookup(ctx context.Context, aadhaar string) (*Identity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ValidAadhaar(aadhaar) {
		return nil, errAadhaar
	}
	id, ok := f[aadhaar]
	if !ok {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "Aadhaar number not found")
	}
	return &id, nil
}

// SplitName splits a full name into first, middle and last names: one word
// is a first name, two are first and last, and words between the first and
// the last form the middle name. Spaces are collapsed.
func SplitName(full string) (first, middle, last string) {
	w := strings.Fields(full)
	switch len(w) {
	case 0:
		return "", "", ""
	case 1:
		return w[0], "", ""
	default:
		return w[0], strings.Join(w[1:len(w)-1], " "), w[len(w)-1]
	}
}
