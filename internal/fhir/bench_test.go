package fhir

import (
	"fmt"
	"io"
	"testing"
)

// Benchmarks for BENCHMARKS.md:
//
//	go test -run '^$' -bench . -benchmem ./internal/fhir

func benchBundle(b *testing.B, name string) []byte {
	b.Helper()
	for _, f := range fixtures {
		if f.name == name {
			data, err := Marshal(mustBuild(b, f))
			if err != nil {
				b.Fatal(err)
			}
			return data
		}
	}
	b.Fatalf("no fixture %s", name)
	return nil
}

// largeBundle is a lab report with enough results to make about 1 MiB of JSON.
func largeBundle(b *testing.B) []byte {
	b.Helper()
	var rs []Result
	for i := 0; i < 1300; i++ {
		rs = append(rs, Result{Test: LOINC("718-7", fmt.Sprintf("Haemoglobin, sample %d", i)), Value: "13.1", Unit: "g/dL", Low: "12.0", High: "15.5"})
	}
	bu, err := Build(testHeader(), LabReport{Test: LOINC("58410-2", "Complete blood count"), Results: rs})
	if err != nil {
		b.Fatal(err)
	}
	data, err := Marshal(bu)
	if err != nil {
		b.Fatal(err)
	}
	if len(data) < 1<<20 {
		b.Fatalf("large bundle is %d bytes, want ≥ 1 MiB", len(data))
	}
	return data
}

func BenchmarkParseValidate(b *testing.B) {
	for _, tc := range []struct {
		name string
		data func(*testing.B) []byte
	}{
		{"op-consultation", func(b *testing.B) []byte { return benchBundle(b, "op-consultation") }},
		{"1MiB", largeBundle},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := tc.data(b)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				bu, err := Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				if err := Validate(bu); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(f.header(), f.content); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	bu, err := Parse(benchBundle(b, "op-consultation"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("html", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := RenderHTML(io.Discard, bu); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := RenderPDF(io.Discard, bu); err != nil {
				b.Fatal(err)
			}
		}
	})
}
