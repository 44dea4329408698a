package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/postgres"
	"github.com/arogya-health/arogya/internal/registry"
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

// BenchmarkImportFacilities reports the import rate of 100k facilities,
// with a history entry each, in batches of 5,000 (COPY), and the rate at
// which the change feed reads them back in batches of 5,000.
func BenchmarkImportFacilities(b *testing.B) {
	const n, batch = 100_000, 5000
	fs := make([]*registry.Facility, n)
	hs := make([]registry.HistoryEntry, n)
	for i := range fs {
		fs[i] = &registry.Facility{
			ID: fmt.Sprintf("IN%02d%08d", 1+i%36, i), Name: fmt.Sprintf("Primary Health Centre %d", i),
			Type: "phc", Ownership: "government", Systems: []string{"allopathy"},
			Address: registry.Address{Line: "Main Road", City: "Town", StateCode: fmt.Sprint(1 + i%36), DistrictCode: "521", PIN: "411004"},
			Lat:     18.5, Lon: 73.8, Specialities: []string{"general-medicine"}, Services: []string{"OPD"},
			Beds: i % 300, ABDMRoles: []string{"HIP"}, Status: registry.StatusVerified, Version: 1,
			SubmittedAt: time.UnixMilli(1_700_000_000_000), UpdatedAt: time.UnixMilli(1_700_000_000_000),
		}
		hs[i] = registry.HistoryEntry{Kind: registry.KindFacility, ID: fs[i].ID, At: fs[i].SubmittedAt, Actor: "import", Action: "imported"}
	}
	for b.Loop() {
		b.StopTimer()
		db := postgres.OpenTest(b)
		b.StartTimer()
		start := time.Now()
		for lo := 0; lo < n; lo += batch {
			if err := db.ImportFacilities(b.Context(), fs[lo:lo+batch], hs[lo:lo+batch]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(n/time.Since(start).Seconds(), "facilities/s")
		start, read := time.Now(), 0
		for last := int64(0); ; {
			page, err := db.FacilitiesSince(b.Context(), last, batch)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			read += len(page)
			last = page[len(page)-1].Seq
		}
		if read != n {
			b.Fatalf("read back %d facilities, want %d", read, n)
		}
		b.ReportMetric(n/time.Since(start).Seconds(), "read/s")
	}
}
