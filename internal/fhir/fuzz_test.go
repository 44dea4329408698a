package fhir

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/arogya-health/arogya"
)

// addSeeds adds compact copies of the smaller golden bundles and the
// hand-written fixtures as seeds. Small seeds keep the fuzzer fast: it
// minimises every new input it finds interesting.
func addSeeds(f *testing.F) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	more, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.json"))
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			f.Fatal(err)
		}
		if buf.Len() <= 8<<10 {
			f.Add(buf.Bytes())
		}
	}
	f.Add([]byte(`{"bundleContent": "{\"resourceType\":\"Bundle\"}"}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Composition","section":[{"section":[{"entry":[{"reference":"x"}]}]}]}}]}`))
}

// FuzzParse checks that Parse, and Check, HIType, Marshal and RenderHTML on
// whatever parses, never panic, fail only with EINVALID, and that what
// parses survives a Marshal and Parse round trip.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data)
		if err != nil {
			if code := arogya.ErrorCode(err); code != arogya.EINVALID {
				t.Fatalf("Parse error code %q: %v", code, err)
			}
			return
		}
		_ = Check(b)
		_, _ = b.HIType()
		_ = b.Attachments()
		out, err := Marshal(b)
		if err != nil {
			t.Fatalf("Marshal(Parse(x)): %v", err)
		}
		if _, err := Parse(out); err != nil && len(out) <= MaxBundleSize {
			t.Fatalf("Parse(Marshal(Parse(x))): %v", err)
		}
		if err := RenderHTML(io.Discard, b); err != nil && arogya.ErrorCode(err) != arogya.EINVALID {
			t.Fatalf("RenderHTML: %v", err)
		}
	})
}

// FuzzRenderPDF checks that RenderPDF never panics on what Parse accepts.
func FuzzRenderPDF(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := renderPDF(&buf, b, false); err != nil && arogya.ErrorCode(err) != arogya.EINVALID {
			t.Fatalf("RenderPDF: %v", err)
		}
	})
}
