package sqlite_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/registry"
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

// benchFacility returns a plausible facility numbered i.
func benchFacility(i int) *registry.Facility {
	return &registry.Facility{
		ID: fmt.Sprintf("IN%02d%08d", 1+i%36, i), Name: fmt.Sprintf("Primary Health Centre %d", i),
		Type: "phc", Ownership: "government", OwnershipSubType: "state", Systems: []string{"allopathy"},
		Address: registry.Address{Line: "Main Road", City: "Town", StateCode: fmt.Sprint(1 + i%36), DistrictCode: "521", PIN: "411004"},
		Lat:     18 + float64(i%1000)/1000, Lon: 73 + float64(i%997)/997, Phone: "02067213000",
		Specialities: []string{"general-medicine", "paediatrics"}, Services: []string{"OPD", "immunisation"},
		Beds: i % 300, Timings: "Mon-Sat 09:00-17:00", ABDMEnabled: i%2 == 0, ABDMRoles: []string{"HIP"},
		Status: registry.StatusVerified, Version: 1,
		SubmittedAt: time.UnixMilli(1_700_000_000_000 + int64(i)), UpdatedAt: time.UnixMilli(1_700_000_000_000 + int64(i)),
	}
}

// importFacilities imports n facilities in batches of 5,000, as the
// registry's importer does, and returns facilities/s.
func importFacilities(b *testing.B, db *sqldb.DB, n int) float64 {
	b.Helper()
	const batch = 5000
	var spent time.Duration
	for lo := 0; lo < n; lo += batch {
		fs := make([]*registry.Facility, 0, batch)
		hs := make([]registry.HistoryEntry, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			f := benchFacility(i)
			fs = append(fs, f)
			hs = append(hs, registry.HistoryEntry{Kind: registry.KindFacility, ID: f.ID, At: f.SubmittedAt, Actor: "import", Action: "imported"})
		}
		start := time.Now()
		if err := db.ImportFacilities(b.Context(), fs, hs); err != nil {
			b.Fatalf("ImportFacilities: %v", err)
		}
		spent += time.Since(start)
	}
	return float64(n) / spent.Seconds()
}

// BenchmarkImportFacilities reports the import rate of 100k facilities
// (with a history entry each).
func BenchmarkImportFacilities(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db := sqlite.OpenTest(b)
		b.StartTimer()
		b.ReportMetric(importFacilities(b, db, benchRows), "facilities/s")
	}
}

// BenchmarkFacilitiesSince reports the rate at which the change feed reads
// back 100k facilities in batches of 5,000, as the search index does at
// start.
func BenchmarkFacilitiesSince(b *testing.B) {
	db := sqlite.OpenTest(b)
	importFacilities(b, db, benchRows)
	for b.Loop() {
		start, n := time.Now(), 0
		for last := int64(0); ; {
			fs, err := db.FacilitiesSince(b.Context(), last, 5000)
			if err != nil {
				b.Fatal(err)
			}
			if len(fs) == 0 {
				break
			}
			n += len(fs)
			last = fs[len(fs)-1].Seq
		}
		if n != benchRows {
			b.Fatalf("read %d facilities, want %d", n, benchRows)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "facilities/s")
	}
}

// BenchmarkFacilitiesByID loads a search page of 20 facilities by ID.
func BenchmarkFacilitiesByID(b *testing.B) {
	db := sqlite.OpenTest(b)
	importFacilities(b, db, benchRows)
	ids := make([]string, 20)
	i := 0
	for b.Loop() {
		for j := range ids {
			ids[j] = benchFacility((i*7919 + j*104729) % benchRows).ID
		}
		fs, err := db.FacilitiesByID(b.Context(), ids)
		if err != nil || len(fs) != len(ids) {
			b.Fatalf("FacilitiesByID = %d, %v", len(fs), err)
		}
		i++
	}
}

// benchOutbound returns a plausible callback numbered i: a v0.5 body of
// about 1 KB and the headers it is sent with.
func benchOutbound(i int) *gateway.Outbound {
	body := fmt.Appendf(nil, `{"requestId":"5f7a535d-a3fd-416b-b069-%012d","timestamp":"2026-03-14T09:26:53.589Z",`+
		`"consentRequest":{"id":"c-%d"},"resp":{"requestId":"req-%d"},"padding":"%0900d"}`, i, i, i, 0)
	return &gateway.Outbound{
		RequestID: fmt.Sprintf("5f7a535d-a3fd-416b-b069-%012d", i), BridgeID: "hiu-bridge",
		Kind: "consent-requests/on-init", TargetID: "IN2810014366", Body: body,
		Headers: map[string]string{"X-HIU-ID": "IN2810014366", "Content-Type": "application/json"},
		URL:     "https://hiu.example.org/v0.5/consent-requests/on-init",
	}
}

// BenchmarkAccept accepts one inbound message with one outbound message
// per op, as routing a request does.
func BenchmarkAccept(b *testing.B) {
	db := sqlite.OpenTest(b)
	at := time.UnixMilli(1_700_000_000_000)
	i := 0
	for b.Loop() {
		in := &gateway.Inbound{BridgeID: "hip-bridge", RequestID: fmt.Sprintf("a2c6d0f8-0b8e-4e43-9c1e-%012d", i),
			Kind: "consent-requests/init", Version: gateway.V05, ReceivedAt: at}
		if err := db.Accept(b.Context(), in, gateway.Effects{Outbound: []*gateway.Outbound{benchOutbound(i)}}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAcceptConsent accepts a consent-requests/init: one inbound
// message, the consent request it makes and the on-init callback.
func BenchmarkAcceptConsent(b *testing.B) {
	db := sqlite.OpenTest(b)
	at := time.UnixMilli(1_700_000_000_000)
	i := 0
	for b.Loop() {
		in := &gateway.Inbound{BridgeID: "hiu-bridge", RequestID: fmt.Sprintf("a2c6d0f8-0b8e-4e43-9c1e-%012d", i),
			Kind: "consent-requests/init", Version: gateway.V05, ReceivedAt: at}
		eff := gateway.Effects{ConsentRequests: []*consent.Request{benchConsent(i, at)},
			Outbound: []*gateway.Outbound{benchOutbound(i)}}
		if err := db.Accept(b.Context(), in, eff); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAcceptConsentConcurrent is BenchmarkAcceptConsent from 32
// goroutines at once (16 per GOMAXPROCS on 2 cores), as the gateway's
// handlers call it under load: concurrent Accepts share transactions.
func BenchmarkAcceptConsentConcurrent(b *testing.B) {
	db := sqlite.OpenTest(b)
	at := time.UnixMilli(1_700_000_000_000)
	var next atomic.Int64
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			in := &gateway.Inbound{BridgeID: "hiu-bridge", RequestID: fmt.Sprintf("a2c6d0f8-0b8e-4e43-9c1e-%012d", i),
				Kind: "consent-requests/init", Version: gateway.V05, ReceivedAt: at}
			eff := gateway.Effects{ConsentRequests: []*consent.Request{benchConsent(i, at)},
				Outbound: []*gateway.Outbound{benchOutbound(i)}}
			if err := db.Accept(b.Context(), in, eff); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchConsent returns a plausible consent request numbered i, made at at.
func benchConsent(i int, at time.Time) *consent.Request {
	r := &consent.Request{
		ID: fmt.Sprintf("0c3b1f5e-7d2a-4c8e-9b61-%012d", i), Status: consent.StatusRequested,
		Patient: fmt.Sprintf("user%d@sbx", i%100_000), Purpose: consent.Purpose{Code: "CAREMGT", Text: "Care Management"},
		HIP: &consent.OrgRef{ID: "IN2710001234"}, HIU: consent.OrgRef{ID: "IN2810014366", Name: "City Diagnostics"},
		CareContexts: []consent.CareContextRef{{PatientReference: "PAT-1", CareContextReference: "OP-2026-01"}},
		Requester:    consent.Requester{Name: "Dr. Manju"},
		HITypes:      []string{"OPConsultation", "Prescription", "DiagnosticReport"},
		Permission: consent.Permission{AccessMode: "VIEW",
			DateRange:   consent.DateRange{From: at.AddDate(-1, 0, 0), To: at},
			DataEraseAt: at.AddDate(0, 1, 0), Frequency: consent.Frequency{Unit: "HOUR", Value: 1}},
		BridgeID: "hiu-bridge", CreatedAt: at, UpdatedAt: at,
	}
	return r
}

// BenchmarkClaimDeliver claims due messages in batches of 100 and marks
// each delivered, as the outbox worker does; ns/op is per message.
func BenchmarkClaimDeliver(b *testing.B) {
	db := sqlite.OpenTest(b)
	const batch = 100
	at := time.UnixMilli(1_700_000_000_000)
	i := 0
	for b.Loop() {
		if i%batch == 0 {
			b.StopTimer()
			out := make([]*gateway.Outbound, batch)
			for j := range out {
				out[j] = benchOutbound(i + j)
				out[j].CreatedAt = at
			}
			if err := db.Enqueue(b.Context(), out); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			claimed, err := db.ClaimDue(b.Context(), at, at.Add(time.Minute), batch)
			if err != nil || len(claimed) != batch {
				b.Fatalf("ClaimDue = %d, %v", len(claimed), err)
			}
			for _, o := range claimed {
				if err := db.MarkDelivered(b.Context(), o.ID, at); err != nil {
					b.Fatal(err)
				}
			}
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
