package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// benchAccount returns a plausible account numbered i.
func benchAccount(i int) *abha.Account {
	return &abha.Account{
		Number: fmt.Sprintf("91%012d", i), FirstName: "Name", LastName: "Surname",
		Gender: "MFO"[i%3 : i%3+1], BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 40+i%60, 1+i%12, 1+i%28),
		Mobile: fmt.Sprintf("9%09d", i%700_000), StateCode: "27", DistrictCode: "519", PinCode: "411001",
		AadhaarKey: fmt.Sprintf("aadhaar-key-%d", i), KYCVerified: true, Type: "STANDARD",
		Status: abha.StatusActive, NameKey: "NM SRNM", Preferred: fmt.Sprintf("user%d@sbx", i),
		Addresses: []string{fmt.Sprintf("user%d@sbx", i)},
		CreatedAt: time.UnixMilli(1_700_000_000_000 + int64(i)),
	}
}

// loadAccounts bulk-inserts n accounts in batches and returns accounts/s.
func loadAccounts(b *testing.B, db *sqldb.DB, n int) float64 {
	b.Helper()
	const batch = 50_000
	var spent time.Duration
	for lo := 0; lo < n; lo += batch {
		accts := make([]*abha.Account, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			accts = append(accts, benchAccount(i))
		}
		start := time.Now()
		if err := db.BulkCreateAccounts(b.Context(), accts); err != nil {
			b.Fatalf("BulkCreateAccounts: %v", err)
		}
		spent += time.Since(start)
	}
	return float64(n) / spent.Seconds()
}

const benchRows = 100_000

func BenchmarkAccountByNumber(b *testing.B) {
	db := sqlite.OpenTest(b)
	loadAccounts(b, db, benchRows)
	i := 0
	for b.Loop() {
		if _, err := db.Account(b.Context(), fmt.Sprintf("91%012d", (i*7919)%benchRows)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAccountByAddress(b *testing.B) {
	db := sqlite.OpenTest(b)
	loadAccounts(b, db, benchRows)
	i := 0
	for b.Loop() {
		if _, err := db.AccountByAddress(b.Context(), fmt.Sprintf("user%d@sbx", (i*7919)%benchRows)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBulkCreateAccounts reports the load rate of 100k accounts.
func BenchmarkBulkCreateAccounts(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db := sqlite.OpenTest(b)
		b.StartTimer()
		rate := loadAccounts(b, db, benchRows)
		b.ReportMetric(rate, "accounts/s")
	}
}
