package abha

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/india"
)

// kycAadhaar returns a valid Aadhaar number made from an 11-digit prefix.
func kycAadhaar(prefix string) string { return prefix + itoa(VerhoeffDigit(prefix)) }

func TestSandboxKYC(t *testing.T) {
	ctx := context.Background()
	kyc := NewSandboxKYC()
	states := map[string]bool{}
	genders := map[string]int{}
	for i := range 400 {
		aadhaar := kycAadhaar(itoa(20000000000 + i*7919))
		id, err := kyc.Lookup(ctx, aadhaar)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		again, _ := kyc.Lookup(ctx, aadhaar)
		if *again != *id {
			t.Fatalf("Lookup not deterministic: %+v vs %+v", id, again)
		}
		checkSandboxIdentity(t, aadhaar, id)
		states[id.StateCode] = true
		genders[id.Gender]++
	}
	if len(states) < 25 {
		t.Errorf("400 identities cover only %d states", len(states))
	}
	if genders["M"] < 150 || genders["F"] < 150 {
		t.Errorf("gender spread %v", genders)
	}
}

func checkSandboxIdentity(t *testing.T, aadhaar string, id *Identity) {
	t.Helper()
	if field, why := checkIdentity(id); field != "" {
		t.Fatalf("identity for %s: field %s %s: %+v", aadhaar, field, why, id)
	}
	if id.Aadhaar != aadhaar || id.Mobile == "" {
		t.Errorf("identity %+v: wrong Aadhaar or no mobile", id)
	}
	dob, _ := time.Parse(time.DateOnly, id.DateOfBirth)
	if dob.Year() < 1940 || dob.Year() > 2008 {
		t.Errorf("birth date %s outside 1940-2008", id.DateOfBirth)
	}
	st, _ := india.StateByCode(id.StateCode)
	d, _ := india.DistrictByCode(id.StateCode, id.DistrictCode)
	if !strings.HasSuffix(id.Address, ", "+d.Name+", "+st.Name) || id.Pincode != d.Pincode {
		t.Errorf("address %q / PIN %s do not match district %+v", id.Address, id.Pincode, d)
	}
	fromLists := false
	for _, f := range india.FirstNames(id.StateCode, id.Gender) {
		rest, ok := strings.CutPrefix(id.Name, f+" ")
		fromLists = fromLists || ok && contains(india.LastNames(id.StateCode), rest)
	}
	if !fromLists {
		t.Errorf("name %q not from the lists of state %s", id.Name, id.StateCode)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSandboxKYCInvalid(t *testing.T) {
	good := kycAadhaar("23456789012")
	for _, in := range []string{"", "2345678901", good[:11] + itoa((int(good[11]-'0')+1)%10), kycAadhaar("13456789012"), good + "1", "2345 6789 0124"} {
		_, err := NewSandboxKYC().Lookup(context.Background(), in)
		if arogya.ErrorCode(err) != arogya.EINVALID || arogya.ErrorMessage(err) != "invalid Aadhaar number" {
			t.Errorf("Lookup(%q) error = %v, want EINVALID invalid Aadhaar number", in, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewSandboxKYC().Lookup(ctx, good); err == nil {
		t.Error("Lookup with a cancelled context succeeded")
	}
}

func TestKYCFixtures(t *testing.T) {
	kyc, err := LoadKYCFixtures("testdata/kyc_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := kyc.Lookup(ctx, "345678901238")
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Aadhaar: "345678901238", Name: "Priya Lakshmi Iyer", Gender: "F", DateOfBirth: "1995-11-02",
		Address: "45, 3rd Cross, Jayanagar, Bengaluru Urban, Karnataka", StateCode: "29", DistrictCode: "525", Pincode: "560011"}
	if *id != want {
		t.Errorf("Lookup = %+v, want %+v", *id, want)
	}
	id.Name = "changed"
	if again, _ := kyc.Lookup(ctx, "345678901238"); again.Name != want.Name {
		t.Error("Lookup returned shared state")
	}
	if _, err := kyc.Lookup(ctx, kycAadhaar("99999999999")); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Errorf("unknown Aadhaar: error %v, want ENOTFOUND", err)
	}
	if _, err := kyc.Lookup(ctx, "345678901239"); arogya.ErrorCode(err) != arogya.EINVALID {
		t.Errorf("bad Aadhaar: error %v, want EINVALID", err)
	}
	if _, err := LoadKYCFixtures("testdata/missing.json"); err == nil {
		t.Error("LoadKYCFixtures of a missing file succeeded")
	}
}

func TestParseKYCFixturesErrors(t *testing.T) {
	const ok = `{"aadhaar":"234567890124","name":"A B","gender":"M","dateOfBirth":"1990-01-01","mobile":"9876543210","address":"x","stateCode":"9","districtCode":"162","pincode":"226001"}`
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `{`, "not a JSON array"},
		{"object", `{"aadhaar":"1"}`, "not a JSON array"},
		{"unknown field", `[{"aadhar":"234567890124"}]`, "not a JSON array"},
		{"trailing", `[] []`, "data after"},
		{"aadhaar", `[` + strings.Replace(ok, "890124", "890125", 1) + `]`, "fixture 0: field aadhaar"},
		{"name", `[` + ok + `,` + strings.Replace(strings.Replace(ok, `"A B"`, `" "`, 1), "234567890124", "345678901238", 1) + `]`, "fixture 1: field name"},
		{"gender", `[` + strings.Replace(ok, `"M"`, `"X"`, 1) + `]`, "field gender"},
		{"date", `[` + strings.Replace(ok, "1990-01-01", "1990-02-30", 1) + `]`, "field dateOfBirth"},
		{"mobile", `[` + strings.Replace(ok, "9876543210", "5876543210", 1) + `]`, "field mobile"},
		{"state", `[` + strings.Replace(ok, `"stateCode":"9"`, `"stateCode":"99"`, 1) + `]`, "field stateCode"},
		{"district of another state", `[` + strings.Replace(ok, `"162"`, `"315"`, 1) + `]`, "field districtCode"},
		{"pincode", `[` + strings.Replace(ok, "226001", "22600", 1) + `]`, "field pincode"},
		{"duplicate", `[` + ok + `,` + ok + `]`, "fixture 1: field aadhaar: repeats"},
	}
	for _, tt := range tests {
		_, err := ParseKYCFixtures([]byte(tt.json))
		if arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), tt.want) {
			t.Errorf("%s: error %v, want EINVALID containing %q", tt.name, err, tt.want)
			continue
		}
		for _, secret := range []string{"234567890124", "9876543210", "A B", "1990"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q holds personal data", tt.name, err)
			}
		}
	}
	if _, err := ParseKYCFixtures([]byte(`[` + ok + `]`)); err != nil {
		t.Errorf("valid fixture: %v", err)
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, middle, last string }{
		{"", "", "", ""},
		{"Rahul", "Rahul", "", ""},
		{" Rahul  Sharma ", "Rahul", "", "Sharma"},
		{"Mohammed Irfan Shaikh", "Mohammed", "Irfan", "Shaikh"},
		{"A B C D", "A", "B C", "D"},
	}
	for _, tt := range tests {
		f, m, l := SplitName(tt.in)
		if f != tt.first || m != tt.middle || l != tt.last {
			t.Errorf("SplitName(%q) = %q, %q, %q; want %q, %q, %q", tt.in, f, m, l, tt.first, tt.middle, tt.last)
		}
	}
}

func FuzzParseKYCFixtures(f *testing.F) {
	seed, err := os.ReadFile("testdata/kyc_fixtures.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"aadhaar":"234567890124"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		kyc, err := ParseKYCFixtures(b)
		if err != nil {
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Fatalf("error code %q", arogya.ErrorCode(err))
			}
			return
		}
		// Whatever parsed must look up without panicking.
		kyc.Lookup(context.Background(), "234567890124")
	})
}
