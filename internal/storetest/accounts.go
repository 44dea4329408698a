package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/sqldb"
)

func sameAccount(t *testing.T, what string, got, want *abha.Account) {
	t.Helper()
	w := *want
	w.Addresses = slices.Sorted(slices.Values(want.Addresses))
	g := *got
	g.Addresses = slices.Sorted(slices.Values(got.Addresses))
	if !reflect.DeepEqual(&g, &w) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, g, w)
	}
}

func testCreateAndRead(t *testing.T, db *sqldb.DB) {
	a := account(1)
	a.Addresses = []string{"asha1@sbx", "asha.verma@sbx"}
	must(t, "CreateAccount", db.CreateAccount(ctx(t), a))
	doc := account(2)
	doc.AadhaarKey, doc.DocumentKey, doc.KYCVerified, doc.Mobile, doc.MiddleName = "", "doc-2", false, "", ""
	doc.CreatedAt, doc.UpdatedAt = time.Time{}, time.Time{}
	must(t, "CreateAccount(document)", db.CreateAccount(ctx(t), doc))
	if doc.CreatedAt.IsZero() || !doc.UpdatedAt.Equal(doc.CreatedAt) || doc.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreateAccount set CreatedAt=%v UpdatedAt=%v, want now in UTC and equal", doc.CreatedAt, doc.UpdatedAt)
	}

	lookups := []struct {
		name string
		get  func() (*abha.Account, error)
		want *abha.Account
	}{
		{"Account", func() (*abha.Account, error) { return db.Account(ctx(t), a.Number) }, a},
		{"AccountByAadhaar", func() (*abha.Account, error) { return db.AccountByAadhaar(ctx(t), a.AadhaarKey) }, a},
		{"AccountByAddress", func() (*abha.Account, error) { return db.AccountByAddress(ctx(t), "asha.verma@sbx") }, a},
		{"AccountByDocument", func() (*abha.Account, error) { return db.AccountByDocument(ctx(t), "doc-2") }, doc},
		{"Account(document)", func() (*abha.Account, error) { return db.Account(ctx(t), doc.Number) }, doc},
	}
	for _, l := range lookups {
		got, err := l.get()
		must(t, l.name, err)
		sameAccount(t, l.name, got, l.want)
	}
}

func testAccountNotFound(t *testing.T, db *sqldb.DB) {
	must(t, "CreateAccount", db.CreateAccount(ctx(t), account(1)))
	_, err := db.Account(ctx(t), "91000000000099")
	wantCode(t, "Account", err, arogya.ENOTFOUND)
	_, err = db.AccountByAadhaar(ctx(t), "nope")
	wantCode(t, "AccountByAadhaar", err, arogya.ENOTFOUND)
	_, err = db.AccountByAadhaar(ctx(t), "")
	wantCode(t, "AccountByAadhaar(empty)", err, arogya.ENOTFOUND)
	_, err = db.AccountByDocument(ctx(t), "")
	wantCode(t, "AccountByDocument(empty)", err, arogya.ENOTFOUND)
	_, err = db.AccountByAddress(ctx(t), "nobody@sbx")
	wantCode(t, "AccountByAddress", err, arogya.ENOTFOUND)
	wantCode(t, "UpdateAccount", db.UpdateAccount(ctx(t), account(99)), arogya.ENOTFOUND)
	wantCode(t, "AddAddress", db.AddAddress(ctx(t), "91000000000099", "x@sbx", true), arogya.ENOTFOUND)
}

func testAccountConflicts(t *testing.T, db *sqldb.DB) {
	first := account(1)
	must(t, "CreateAccount", db.CreateAccount(ctx(t), first))
	doc := account(3)
	doc.AadhaarKey, doc.DocumentKey = "", "doc-3"
	must(t, "CreateAccount(document)", db.CreateAccount(ctx(t), doc))

	tests := []struct {
		name   string
		modify func(a *abha.Account)
	}{
		{"number", func(a *abha.Account) { a.Number = first.Number }},
		{"aadhaar", func(a *abha.Account) { a.AadhaarKey = first.AadhaarKey }},
		{"document", func(a *abha.Account) { a.AadhaarKey, a.DocumentKey = "", "doc-3" }},
		{"address", func(a *abha.Account) { a.Addresses = []string{"fresh@sbx", first.Addresses[0]} }},
	}
	for _, tt := range tests {
		a := account(2)
		tt.modify(a)
		err := db.CreateAccount(ctx(t), a)
		wantCode(t, "CreateAccount duplicate "+tt.name, err, arogya.ECONFLICT)
		msg := arogya.ErrorMessage(err)
		for _, secret := range []string{a.Number, a.AadhaarKey, a.Mobile, "asha1@sbx"} {
			if secret != "" && strings.Contains(msg, secret) {
				t.Errorf("conflict message %q holds personal data", msg)
			}
		}
		// Atomic: nothing of the failed account remains.
		if tt.name != "number" {
			_, err = db.Account(ctx(t), a.Number)
			wantCode(t, "Account after failed create ("+tt.name+")", err, arogya.ENOTFOUND)
		}
		taken, err := db.AddressesTaken(ctx(t), []string{"fresh@sbx"})
		must(t, "AddressesTaken", err)
		if taken["fresh@sbx"] {
			t.Fatalf("duplicate %s: address of the failed account was kept", tt.name)
		}
	}
	n, err := db.CountAccounts(ctx(t))
	must(t, "CountAccounts", err)
	if n != 2 {
		t.Fatalf("CountAccounts = %d, want 2", n)
	}
	// Many accounts may have neither Aadhaar nor document key.
	for i := 10; i < 13; i++ {
		a := account(i)
		a.AadhaarKey = ""
		must(t, "CreateAccount without keys", db.CreateAccount(ctx(t), a))
	}
}

func testUpdateAccount(t *testing.T, db *sqldb.DB) {
	a := account(1)
	must(t, "CreateAccount", db.CreateAccount(ctx(t), a))
	u := *a
	u.FirstName, u.MiddleName, u.LastName, u.Mobile, u.Email = "Usha", "", "Varma", "9999999999", ""
	u.Status, u.PasswordHash, u.KYCVerified, u.NameKey, u.Preferred = abha.StatusDeactivated, "", false, "US VRM", "other@sbx"
	u.AddressLine, u.StateCode, u.DistrictCode, u.PinCode, u.Gender, u.BirthDate = "", "9", "1", "110001", "O", "1991-01-01"
	// Immutable fields are ignored.
	u.AadhaarKey, u.CreatedAt, u.Addresses = "changed", ms(time.Hour), nil
	u.UpdatedAt = ms(2 * time.Hour)
	must(t, "UpdateAccount", db.UpdateAccount(ctx(t), &u))

	got, err := db.Account(ctx(t), a.Number)
	must(t, "Account", err)
	want := u
	want.AadhaarKey, want.CreatedAt, want.Addresses = a.AadhaarKey, a.CreatedAt, a.Addresses
	sameAccount(t, "after UpdateAccount", got, &want)

	u.UpdatedAt = time.Time{}
	before := time.Now().Add(-time.Second)
	must(t, "UpdateAccount(zero UpdatedAt)", db.UpdateAccount(ctx(t), &u))
	if u.UpdatedAt.Before(before) {
		t.Fatalf("UpdatedAt = %v, want about now", u.UpdatedAt)
	}
}

func testAddAddress(t *testing.T, db *sqldb.DB) {
	a := account(1)
	must(t, "CreateAccount", db.CreateAccount(ctx(t), a))
	must(t, "AddAddress", db.AddAddress(ctx(t), a.Number, "second@sbx", false))
	got, err := db.Account(ctx(t), a.Number)
	must(t, "Account", err)
	if got.Preferred != a.Preferred || !slices.Equal(got.Addresses, []string{"asha1@sbx", "second@sbx"}) {
		t.Fatalf("after AddAddress(not preferred): preferred %q addresses %q", got.Preferred, got.Addresses)
	}
	must(t, "AddAddress(preferred)", db.AddAddress(ctx(t), a.Number, "third@sbx", true))
	got, err = db.AccountByAddress(ctx(t), "third@sbx")
	must(t, "AccountByAddress", err)
	if got.Number != a.Number || got.Preferred != "third@sbx" || len(got.Addresses) != 3 {
		t.Fatalf("after AddAddress(preferred): number %s preferred %q addresses %q", got.Number, got.Preferred, got.Addresses)
	}
	if !slices.Contains(got.Addresses, "third@sbx") {
		t.Fatalf("addresses %q lack third@sbx", got.Addresses)
	}

	b := account(2)
	must(t, "CreateAccount(2)", db.CreateAccount(ctx(t), b))
	wantCode(t, "AddAddress(taken)", db.AddAddress(ctx(t), b.Number, "second@sbx", true), arogya.ECONFLICT)
	got, err = db.Account(ctx(t), b.Number)
	must(t, "Account(2)", err)
	if got.Preferred != b.Preferred {
		t.Fatalf("failed AddAddress changed preferred to %q", got.Preferred)
	}
}

func testAddressesTaken(t *testing.T, db *sqldb.DB) {
	must(t, "CreateAccount", db.CreateAccount(ctx(t), account(1)))
	must(t, "AddAddress", db.AddAddress(ctx(t), account(1).Number, "b@sbx", false))
	ask := []string{"asha1@sbx", "free@sbx", "b@sbx", "free@sbx"}
	for i := range 1200 { // more than one IN chunk
		ask = append(ask, "x"+strings.Repeat("y", i%7)+string(rune('a'+i%26))+"@sbx"+string(rune('0'+i%10)))
	}
	got, err := db.AddressesTaken(ctx(t), ask)
	must(t, "AddressesTaken", err)
	for _, a := range ask {
		want := a == "asha1@sbx" || a == "b@sbx"
		if v, ok := got[a]; !ok || v != want {
			t.Fatalf("AddressesTaken[%q] = %v, %v; want %v, true", a, v, ok, want)
		}
	}
	got, err = db.AddressesTaken(ctx(t), nil)
	must(t, "AddressesTaken(nil)", err)
	if len(got) != 0 {
		t.Fatalf("AddressesTaken(nil) = %v, want empty", got)
	}
}

func testAccountsByMobile(t *testing.T, db *sqldb.DB) {
	for i := 1; i <= 4; i++ {
		a := account(i)
		if i <= 3 {
			a.Mobile = "9000000001"
		}
		must(t, "CreateAccount", db.CreateAccount(ctx(t), a))
	}
	got, err := db.AccountsByMobile(ctx(t), "9000000001")
	must(t, "AccountsByMobile", err)
	var numbers []string
	for _, a := range got {
		numbers = append(numbers, a.Number)
		if len(a.Addresses) != 1 {
			t.Errorf("account %d addresses = %q, want 1", len(numbers), a.Addresses)
		}
	}
	want := []string{account(1).Number, account(2).Number, account(3).Number}
	if !slices.Equal(numbers, want) {
		t.Fatalf("AccountsByMobile = %v, want %v", numbers, want)
	}
	got, err = db.AccountsByMobile(ctx(t), "9111111111")
	must(t, "AccountsByMobile(none)", err)
	if len(got) != 0 {
		t.Fatalf("AccountsByMobile(none) returned %d accounts", len(got))
	}
}

func testDedupCandidates(t *testing.T, db *sqldb.DB) {
	specs := []struct{ birth, gender, mobile string }{
		{"1990-05-17", "F", "9000000001"}, // 1: same DOB+gender
		{"1990-05-17", "M", "9000000002"}, // 2: other gender
		{"1985-01-01", "F", "9000000003"}, // 3: same mobile as the query
		{"1990-05-17", "F", ""},           // 4: same DOB+gender, no mobile
		{"1970-01-01", "O", ""},           // 5: nothing in common
	}
	for i, s := range specs {
		a := account(i + 1)
		a.BirthDate, a.Gender, a.Mobile = s.birth, s.gender, s.mobile
		must(t, "CreateAccount", db.CreateAccount(ctx(t), a))
	}
	tests := []struct {
		name                  string
		birth, gender, mobile string
		limit                 int
		want                  []int
	}{
		{"dob and mobile", "1990-05-17", "F", "9000000003", 10, []int{1, 3, 4}},
		{"dob only", "1990-05-17", "F", "", 10, []int{1, 4}},
		{"limit", "1990-05-17", "F", "9000000003", 2, []int{1, 3}},
		{"mobile only", "2000-01-01", "M", "9000000002", 10, []int{2}},
		{"none", "2000-01-01", "M", "", 10, nil},
		{"zero limit", "1990-05-17", "F", "", 0, nil},
	}
	for _, tt := range tests {
		got, err := db.DedupCandidates(ctx(t), tt.birth, tt.gender, tt.mobile, tt.limit)
		must(t, tt.name, err)
		var gotN, wantN []string
		for _, a := range got {
			gotN = append(gotN, a.Number)
		}
		for _, i := range tt.want {
			wantN = append(wantN, account(i).Number)
		}
		if !slices.Equal(gotN, wantN) {
			t.Errorf("DedupCandidates %s = %v, want %v", tt.name, gotN, wantN)
		}
	}
}

func testCountAccounts(t *testing.T, db *sqldb.DB) {
	n, err := db.CountAccounts(ctx(t))
	must(t, "CountAccounts", err)
	if n != 0 {
		t.Fatalf("CountAccounts(empty) = %d", n)
	}
	for i := range 5 {
		must(t, "CreateAccount", db.CreateAccount(ctx(t), account(i)))
	}
	if n, err = db.CountAccounts(ctx(t)); err != nil || n != 5 {
		t.Fatalf("CountAccounts = %d, %v; want 5", n, err)
	}
}
