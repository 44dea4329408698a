package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

// emrRecords returns the bundles of a patient's records, as the service
// reads them back.
func (e *emrEnv) records(t *testing.T, ref string) []string {
	t.Helper()
	ctx := arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorStaff, ID: e.hpr})
	_, ccs, err := e.svc.PatientVisits(ctx, e.facility, ref)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, cc := range ccs {
		rs, err := e.svc.VisitRecords(ctx, e.facility, ref, cc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			_, b, err := e.svc.PatientRecord(ctx, e.facility, ref, cc.Ref, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	return out
}

// newPatient registers a patient without an ABHA, so each call makes a
// new one, and returns their reference.
func newPatient(t *testing.T, b *browser) string {
	t.Helper()
	p := b.post("/emr/patients", url.Values{"name": {"Test Patient"}, "gender": {"F"}, "year_of_birth": {"1990"}})
	m := patientRefRE.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q\n%s", p.status, p.location, p.body)
	}
	return m[1]
}

// TestEMRKindForms: each kind's form, filled well, makes one record that
// reads back through the service with the values given; filled badly, it
// comes back 422 with the reason and the values as typed, and stores
// nothing.
func TestEMRKindForms(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	tests := []struct {
		path string
		good url.Values
		want []string // in the bundle read back
		bad  []struct {
			set  url.Values // changed from good
			want string     // the reason, in words
		}
	}{
		{path: "prescription",
			good: url.Values{"drug1": {"Amoxicillin 500 mg"}, "dose1": {"1 capsule"}, "frequency1": {"1-1-1"}, "days1": {"5"},
				"instructions1": {"after food"}, "drug2": {"Cetirizine 10 mg"}, "frequency2": {"0-0-1"}, "notes": {"Review if fever persists"}},
			want: []string{"Amoxicillin 500 mg", "1 capsule", "1-1-1", "after food", "Cetirizine 10 mg", "Review if fever persists", `"Prescription"`},
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"days1": {"five"}}, "Medicine 1: days must be a whole number from 1 to 365."},
				{url.Values{"drug2": {""}}, "Medicine 2 has no drug name."},
				{url.Values{"drug1": {""}, "dose1": {""}, "frequency1": {""}, "days1": {""}, "instructions1": {""}, "drug2": {""}, "frequency2": {""}}, "Enter at least one medicine."},
			}},
		{path: "imaging",
			good: url.Values{"study": {"X-ray chest PA"}, "conclusion": {"Patchy opacity in the right lower zone"}, "conclusionCodes": {"Right lower lobe pneumonia"}},
			want: []string{"X-ray chest PA", "Patchy opacity in the right lower zone", "Right lower lobe pneumonia", `"RAD"`},
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"study": {""}}, "Name the study"},
				{url.Values{"conclusion": {""}}, "Write the findings."},
			}},
		{path: "discharge",
			good: url.Values{"admitted": {"2026-03-01"}, "discharged": {"2026-03-05"}, "chiefComplaints": {"Pain abdomen"},
				"diagnoses": {"Acute appendicitis"}, "procedure1": {"Laparoscopic appendicectomy"}, "date1": {"2026-03-02"}, "outcome1": {"Uneventful"},
				"drug1": {"Pantoprazole 40 mg"}, "frequency1": {"1-0-0"}, "days1": {"7"}, "advice": {"No heavy lifting for 2 weeks"}, "followUp": {"2026-03-12"}},
			want: []string{"Acute appendicitis", "Laparoscopic appendicectomy", "Uneventful", "Pantoprazole 40 mg", "No heavy lifting for 2 weeks", "2026-03-01", "2026-03-05", `"IMP"`},
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"discharged": {"2026-02-27"}}, "The discharge date is before the admission date."},
				{url.Values{"admitted": {""}}, "Enter the admission and discharge dates."},
				{url.Values{"diagnoses": {""}}, "Write at least one diagnosis."},
				{url.Values{"procedure1": {""}}, "Procedure 1 has no name."},
			}},
		{path: "immunization",
			good: url.Values{"vaccine1": {"Covishield"}, "doseNumber1": {"2"}, "date1": {"2025-08-14"}, "lotNumber1": {"4121Z025"},
				"manufacturer1": {"Serum Institute of India"}, "route1": {"intramuscular"}},
			want: []string{"Covishield", "4121Z025", "Serum Institute of India", `"doseNumberPositiveInt":2`, "2025-08-14"},
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"date1": {""}}, "Dose 1: enter the date it was given."},
				{url.Values{"doseNumber1": {"0"}}, "Dose 1: the dose number must be a whole number from 1 to 20."},
				{url.Values{"vaccine1": {""}}, "Dose 1 has no vaccine name."},
				{url.Values{"date1": {"2999-01-01"}}, "Dose 1: the date is in the future."},
			}},
		{path: "wellness",
			good: url.Values{"systolic": {"128"}, "diastolic": {"84"}, "pulse": {"76"}, "temperature": {"98.4"}, "temperatureUnit": {"[degF]"},
				"spO2": {"98"}, "height": {"160"}, "weight": {"64"}},
			want: []string{`"value":128`, `"value":84`, `"value":98.4`, `"code":"[degF]"`, `"value":25`, "Body Measurement"}, // BMI 64/1.6² = 25
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"pulse": {"seventy"}}, "Pulse (per min) must be a number."},
				{url.Values{"diastolic": {""}}, "Blood pressure needs both systolic and diastolic."},
				{url.Values{"spO2": {"140"}}, "SpO2 cannot be more than 100%."},
				{url.Values{"temperatureUnit": {"K"}}, "Choose °C or °F for the temperature."},
			}},
		{path: "invoice",
			good: url.Values{"number": {"INV-2026-0042"}, "item1": {"Consultation"}, "unitPrice1": {"500"},
				"item2": {"CBC test"}, "quantity2": {"2"}, "unitPrice2": {"250.50"}},
			want: []string{"INV-2026-0042", "Consultation", "CBC test", `"currency":"INR"`, `"totalNet":{"value":1001.00`},
			bad: []struct {
				set  url.Values
				want string
			}{
				{url.Values{"unitPrice2": {"two fifty"}}, "Item 2: the unit price must be an amount in rupees"},
				{url.Values{"quantity2": {"-1"}}, "Item 2: the quantity must be a positive number."},
				{url.Values{"item1": {""}}, "Item 1 has no name."},
			}},
	}
	for _, test := range tests {
		t.Run(test.path, func(t *testing.T) {
			ref := newPatient(t, b)
			path := "/emr/patients/" + ref + "/" + test.path
			checkPage(t, b.get(path), http.StatusOK, `action="`+path+`"`, `name="visit_ref"`)
			for _, bad := range test.bad {
				form := url.Values{"visit_ref": {"V-" + test.path}, "visit_display": {"Visit"}}
				for k, v := range test.good {
					form[k] = v
				}
				for k, v := range bad.set {
					form[k] = v
				}
				p := b.post(path, form)
				checkPage(t, p, http.StatusUnprocessableEntity, bad.want)
				for k, v := range form {
					if v[0] != "" && k != "csrf" && !strings.Contains(p.body, `name="`+k+`"`) {
						t.Errorf("%v: field %s is not on the form", bad.set, k)
					}
					if v[0] == "" || k == "csrf" || k == "temperatureUnit" { // a select keeps only its own options
						continue
					}
					if !strings.Contains(p.body, `value="`+escaped(v[0])+`"`) && !strings.Contains(p.body, ">"+escaped(v[0])+"</textarea>") {
						t.Errorf("%v: the value of %s typed is not kept", bad.set, k)
					}
				}
				if rs := e.records(t, ref); len(rs) != 0 {
					t.Fatalf("%v: a refused form stored %d records", bad.set, len(rs))
				}
			}
			form := url.Values{"visit_ref": {"V-" + test.path}, "visit_display": {"Visit"}}
			for k, v := range test.good {
				form[k] = v
			}
			p := b.post(path, form)
			if p.status != http.StatusSeeOther || p.location != "/emr/patients/"+ref+"?notice=emr.recorded" {
				t.Fatalf("save: %d %q\n%s", p.status, p.location, p.body)
			}
			rs := e.records(t, ref)
			if len(rs) != 1 {
				t.Fatalf("%d records, want 1", len(rs))
			}
			for _, w := range test.want {
				if !strings.Contains(rs[0], w) {
					t.Errorf("the record lacks %s", w)
				}
			}
		})
	}
}

// escaped is how html/template writes v inside an attribute or text:
// the forms' values here need only the apostrophe and ampersand escaped.
func escaped(v string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "+", "&#43;").Replace(v)
}

// TestEMRPatientLinksEveryForm: the patient page links all nine forms.
func TestEMRPatientLinksEveryForm(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	ref := newPatient(t, b)
	var want []string
	for _, p := range []string{"consultation", "lab", "prescription", "imaging", "discharge", "immunization", "wellness", "document", "invoice"} {
		want = append(want, `href="/emr/patients/`+ref+`/`+p+`"`)
	}
	checkPage(t, b.get("/emr/patients/"+ref), http.StatusOK, want...)
}

// TestEMRFormsCatalogue: every message id the described forms name is in
// the catalogue.
func TestEMRFormsCatalogue(t *testing.T) {
	for _, k := range emrKinds {
		for _, id := range kindMessageIDs(k) {
			if _, ok := messagesEN[id]; !ok {
				t.Errorf("%s: message %q is missing", k.path, id)
			}
		}
	}
}

// postUpload sends the document form as a browser does: the CSRF token,
// the visit and the title first, then the file.
func postUpload(t *testing.T, b *browser, path, title, filename string, data []byte) page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"csrf", b.csrf}, {"visit_ref", "DOC-1"}, {"visit_display", "Documents"}, {"title", title}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func pngBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEMRUpload: the document form keeps a PDF or an image, whatever it is
// called, and refuses anything else by its content, an oversized file, and
// a post without its CSRF token, storing nothing.
func TestEMRUpload(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	ref := newPatient(t, b)
	path := "/emr/patients/" + ref + "/document"
	checkPage(t, b.get(path), http.StatusOK, `enctype="multipart/form-data"`, "up to 7 MiB")
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	bad := []struct {
		name, title, file string
		data              []byte
		status            int
		want              string
	}{
		{"a script named .pdf", "Old report", "report.pdf", []byte("#!/bin/sh\necho hello\n"), http.StatusUnsupportedMediaType, "That file is not a PDF, JPEG or PNG."},
		{"HTML named .png", "Old report", "scan.png", []byte("<html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType, "That file is not a PDF, JPEG or PNG."},
		{"a GIF", "Old report", "scan.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), http.StatusUnsupportedMediaType, "That file is not a PDF, JPEG or PNG."},
		{"too large", "Old report", "big.pdf", append(append([]byte{}, pdf...), make([]byte, maxUpload)...), http.StatusRequestEntityTooLarge, "larger than 7 MiB"},
		{"no title", "", "report.pdf", pdf, http.StatusUnprocessableEntity, "Give the document a title."},
		{"no file", "Old report", "", nil, http.StatusUnprocessableEntity, "Choose a file to upload."},
	}
	for _, test := range bad {
		t.Run(test.name, func(t *testing.T) {
			p := postUpload(t, b, path, test.title, test.file, test.data)
			checkPage(t, p, test.status, test.want)
			if test.title != "" && !strings.Contains(p.body, `value="`+test.title+`"`) {
				t.Error("the title typed is not kept")
			}
			if rs := e.records(t, ref); len(rs) != 0 {
				t.Fatalf("a refused upload stored %d records", len(rs))
			}
		})
	}
	t.Run("no CSRF token", func(t *testing.T) {
		tok := b.csrf
		b.csrf = strings.Repeat("C", csrfLen)
		p := postUpload(t, b, path, "Old report", "report.pdf", pdf)
		b.csrf = tok
		if p.status != http.StatusForbidden || len(e.records(t, ref)) != 0 {
			t.Fatalf("status %d, want 403 and nothing stored", p.status)
		}
	})
	t.Run("not multipart", func(t *testing.T) {
		if p := b.post(path, url.Values{"title": {"x"}}); p.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", p.status)
		}
	})
	for i, f := range []struct {
		name string
		data []byte
		typ  string
	}{{"scan.jpg.pdf", pdf, "application/pdf"}, {"photo.pdf", pngBytes(t), "image/png"}} {
		p := postUpload(t, b, path, "Discharge card", f.name, f.data)
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", f.name, p.status, p.body)
		}
		rs := e.records(t, ref)
		if len(rs) != i+1 {
			t.Fatalf("%d records, want %d", len(rs), i+1)
		}
		got := strings.Join(rs, "\n")
		if !strings.Contains(got, `"contentType":"`+f.typ+`"`) || !strings.Contains(got, "Discharge card") {
			t.Errorf("%s: the record lacks its type %s or title", f.name, f.typ)
		}
	}
}

// kindMessageIDs are the message ids a form's spec names, for the
// catalogue test.
func kindMessageIDs(k *kindSpec) []string {
	ids := []string{"title." + k.page, k.heading, k.display, k.link}
	if k.lead != "" {
		ids = append(ids, k.lead)
	}
	for _, p := range k.parts {
		if p.legend != "" {
			ids = append(ids, p.legend)
		}
		for _, f := range p.fields {
			ids = append(ids, f.label)
			if f.hint != "" {
				ids = append(ids, f.hint)
			}
			for _, o := range f.options {
				ids = append(ids, o[1])
			}
		}
	}
	return ids
}
