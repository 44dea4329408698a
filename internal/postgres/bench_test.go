package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/postgres"
)

// BenchmarkBulkCreateAccounts reports the COPY load rate of 100k accounts.
func BenchmarkBulkCreateAccounts(b *testing.B) {
	const n = 100_000
	accts := make([]*abha.Account, n)
	for i := range accts {
		accts[i] = &abha.Account{
			Number: fmt.Sprintf("91%012d", i), FirstName: "Name", Gender: "F", BirthDate: "1990-01-01",
			Mobile: fmt.Sprintf("9%09d", i), AadhaarKey: fmt.Sprintf("aadhaar-key-%d", i), Status: abha.StatusActive,
			Addresses: []string{fmt.Sprintf("user%d@sbx", i)}, CreatedAt: time.UnixMilli(1_700_000_000_000),
		}
	}
	for b.Loop() {
		b.StopTimer()
		db := postgres.OpenTest(b)
		b.StartTimer()
		start := time.Now()
		if err := db.BulkCreateAccounts(b.Context(), accts); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(n/time.Since(start).Seconds(), "accounts/s")
	}
}
