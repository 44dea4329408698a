package fhir

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestRenderHTMLGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderHTML(&buf, mustBuild(t, f)); err != nil {
				t.Fatal(err)
			}
			golden(t, f.name+".html", buf.Bytes())
		})
	}
}

func TestRenderHTMLEscapes(t *testing.T) {
	h := testHeader()
	h.Patient.Name = `Asha <img src=x onerror=alert(1)>`
	b, err := Build(h, Consultation{
		ChiefComplaints: []Concept{Text(`<script>alert("x")</script>`)},
		Advice:          `Rest & "fluids" <b>now</b>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderHTMLFragment(&buf, b); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "<article") {
		t.Errorf("fragment does not start with <article>: %.40q", out)
	}
	for _, bad := range []string{"<script", "<img src=x", "<b>now"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "Asha &lt;img", "Rest &amp; &#34;fluids&#34; &lt;b&gt;now&lt;/b&gt;"} {
		if !strings.Contains(out, good) {
			t.Errorf("output lacks escaped %q:\n%s", good, out)
		}
	}
}

// TestRenderNarrativeFromOutside checks that markup in a section's
// narrative from another system is shown as text, never passed on.
func TestRenderNarrativeFromOutside(t *testing.T) {
	b := mutated(t, "prescription", func(m map[string]any) {
		res(m, 0)["section"] = append(res(m, 0)["section"].([]any), map[string]any{"title": "Remarks",
			"text": map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml"><script>steal()</script><p onclick="x()">Take rest</p><a href="javascript:x()">link</a></div>`}})
	})
	var buf bytes.Buffer
	if err := RenderHTML(&buf, b); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script", "onclick", "javascript:", "<a href"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	if !strings.Contains(out, "<p>Take rest</p>") {
		t.Errorf("narrative text missing:\n%s", out)
	}
}

func TestRenderInlineImages(t *testing.T) {
	big := append(append([]byte{}, pngPixel...), make([]byte, maxInlineImage)...)
	tests := []struct {
		name        string
		contentType string
		data        []byte
		inline      bool
	}{
		{"small png", "image/png", pngPixel, true},
		{"png labelled jpeg", "image/jpeg", pngPixel, false},
		{"svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>`), false},
		{"large png", "image/png", big, false},
		{"pdf", "application/pdf", fakePDF, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Build(testHeader(), ImagingReport{Study: Text("X-ray"), Files: []File{{Title: "image", ContentType: tt.contentType, Data: tt.data}}})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := RenderHTML(&buf, b); err != nil {
				t.Fatal(err)
			}
			got := strings.Contains(buf.String(), `<img src="data:`)
			if got != tt.inline {
				t.Errorf("inline image shown = %v, want %v", got, tt.inline)
			}
			if !strings.Contains(buf.String(), `id="attachment-1"`) {
				t.Error("attachment not listed")
			}
		})
	}
}

func TestRenderPDF(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := renderPDF(&buf, mustBuild(t, f), false); err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if !bytes.HasPrefix(out, []byte("%PDF-")) {
				t.Fatalf("output starts %q, want %%PDF-", out[:min(8, len(out))])
			}
			want := []string{"Asha Devi Verma", "Sunrise Community Health Centre", "page 1 of"}
			switch f.name {
			case "lab-report":
				want = append(want, "Haemoglobin", "LOW", "HIGH", "Mild anaemia")
			case "op-consultation":
				want = append(want, "Paracetamol 500 mg oral tablet", "128/84 mmHg", "Rest for two days")
			case "invoice":
				want = append(want, "Rs. 538.50")
			}
			for _, w := range want {
				if !bytes.Contains(out, []byte(latin(w))) {
					t.Errorf("PDF lacks %q", w)
				}
			}
		})
	}
}

func TestRenderPDFNonLatin(t *testing.T) {
	h := testHeader()
	h.Patient.Name = "आशा देवी ₹ Āśā"
	b, err := Build(h, Prescription{Medicines: []Medicine{{Drug: Text("Paracetamol 500 mg"), Instructions: "खाने के बाद"}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := renderPDF(&buf, b, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("??? ???? Rs. Asa")) {
		t.Errorf("non-Latin text not substituted as expected")
	}
	if got := latin("µg/dL ×10³ — “ok” €5 ≤ 5"); got != "\xb5g/dL \xd710\xb3 \x97 \x93ok\x94 \x805 <= 5" {
		t.Errorf("latin = %q", got)
	}
}

func TestRenderNeedsComposition(t *testing.T) {
	for _, b := range []*Bundle{{}, {Entry: []Entry{{FullURL: "urn:uuid:x", Resource: []byte(`{"resourceType":"Patient"}`)}}}} {
		if err := RenderHTML(&bytes.Buffer{}, b); arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("RenderHTML = %v, want EINVALID", err)
		}
		if err := RenderPDF(&bytes.Buffer{}, b); arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("RenderPDF = %v, want EINVALID", err)
		}
	}
}

// TestRenderReferenceExamples renders every reference example both ways.
func TestRenderReferenceExamples(t *testing.T) {
	for _, file := range referenceFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			var html, pdf bytes.Buffer
			if err := RenderHTML(&html, b); err != nil {
				t.Fatalf("RenderHTML: %v", err)
			}
			if err := RenderPDF(&pdf, b); err != nil {
				t.Fatalf("RenderPDF: %v", err)
			}
			if strings.Contains(html.String(), "An entry the record refers to is missing") {
				t.Errorf("a section entry was not found")
			}
			if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
				t.Error("not a PDF")
			}
		})
	}
}

func TestAttachments(t *testing.T) {
	b := mustBuild(t, fixtures[2]) // lab report with a PDF
	atts := b.Attachments()
	if len(atts) != 1 || atts[0].ContentType != "application/pdf" {
		t.Fatalf("Attachments() = %+v", atts)
	}
	if data, err := base64.StdEncoding.DecodeString(atts[0].Data); err != nil || !bytes.Equal(data, fakePDF) {
		t.Errorf("attachment data = %q, %v", data, err)
	}
}
