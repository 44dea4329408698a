// Package storetest is the conformance suite every database behind
// internal/sqldb must pass: SQLite and PostgreSQL run the same tests, so
// the shared SQL cannot drift into one engine's dialect unnoticed.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// Opener returns a fresh, migrated, empty database for one test; it
// arranges for the database to be closed (and dropped) at the test's end.
type Opener func(t *testing.T) *sqldb.DB

// Run runs the whole suite, each test on a database of its own.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *sqldb.DB)
	}{
		{"CreateAndReadAccount", testCreateAndRead},
		{"AccountNotFound", testAccountNotFound},
		{"AccountConflicts", testAccountConflicts},
		{"UpdateAccount", testUpdateAccount},
		{"AddAddress", testAddAddress},
		{"AddressesTaken", testAddressesTaken},
		{"AccountsByMobile", testAccountsByMobile},
		{"DedupCandidates", testDedupCandidates},
		{"CountAccounts", testCountAccounts},
		{"Txn", testTxn},
		{"SwapTxn", testSwapTxn},
		{"ReserveOTPSend", testReserveOTPSend},
		{"ReserveOTPSendConcurrent", testReserveOTPSendConcurrent},
		{"Reviews", testReviews},
		{"AuditAppend", testAuditAppend},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditBatch", testAuditBatch},
		{"AuditPaging", testAuditPaging},
		{"Keys", testKeys},
		{"BulkCreateAccounts", testBulkCreate},
		{"BulkCreateConflict", testBulkCreateConflict},
		{"Transact", testTransact},
	}
	tests = append(tests, registryTests...)
	tests = append(tests, gatewayTests...)
	tests = append(tests, gatewayMsgTests...)
	tests = append(tests, consentTests...)
	tests = append(tests, linkTests...)
	tests = append(tests, hipTests...)
	tests = append(tests, subscriptionTests...)
	tests = append(tests, hiuTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// ms is a fixed instant at millisecond precision, plus d.
func ms(d time.Duration) time.Time {
	return time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC).Add(d)
}

// account returns a complete account numbered n.
func account(n int) *abha.Account {
	num := fmt.Sprintf("91%012d", n)
	return &abha.Account{
		Number: num, FirstName: "Asha", MiddleName: "K", LastName: "Verma",
		Gender: "F", BirthDate: "1990-05-17", Mobile: fmt.Sprintf("98%08d", n),
		Email: "asha@example.org", AddressLine: "12 MG Road", StateCode: "27",
		DistrictCode: "519", PinCode: "411001", AadhaarKey: "aad-" + num,
		KYCVerified: true, Type: "STANDARD", Status: abha.StatusActive,
		PasswordHash: "$argon2id$v=19$x", NameKey: "AS VRM",
		Preferred: fmt.Sprintf("asha%d@sbx", n), Addresses: []string{fmt.Sprintf("asha%d@sbx", n)},
		CreatedAt: ms(0), UpdatedAt: ms(time.Second),
	}
}

// wantCode fails unless err is an *arogya.Error with that code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *arogya.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: err = %v, want *arogya.Error with code %s", what, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: code = %s (%v), want %s", what, e.Code, err, code)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }
