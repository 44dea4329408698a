package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates district_pins.csv from the reference
// data and checks that the committed file matches.
func TestGeneratedUpToDate(t *testing.T) {
	ref := "../../../../../shared/reference/india"
	if _, err := os.Stat(ref + "/pincode_district_summary.csv"); err != nil {
		t.Skipf("reference data absent (%v): cannot regenerate", err)
	}
	out := filepath.Join(t.TempDir(), "district_pins.csv")
	if err := run(ref, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../data/district_pins.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("data/district_pins.csv is stale: run go generate in internal/india")
	}
}
