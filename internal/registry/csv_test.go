package registry

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

// readAll reads every row of a CSV reader, returning the good entries and
// the row errors.
func readAll[T any](t testing.TB, next func() (T, int, []RowError, error)) ([]T, []int, []RowError, error) {
	t.Helper()
	var (
		out  []T
		rows []int
		errs []RowError
	)
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader does not stop")
		}
		v, row, es, err := next()
		if err == io.EOF {
			return out, rows, errs, nil
		}
		if err != nil {
			return out, rows, errs, err
		}
		if es != nil {
			errs = append(errs, es...)
			continue
		}
		out = append(out, v)
		rows = append(rows, row)
	}
}

func readFacilities(t testing.TB, data string) ([]*Facility, []int, []RowError, error) {
	t.Helper()
	r, err := NewFacilityReader(strings.NewReader(data))
	if err != nil {
		return nil, nil, nil, err
	}
	return readAll(t, r.Next)
}

func readProfessionals(t testing.TB, data string) ([]*Professional, []int, []RowError, error) {
	t.Helper()
	r, err := NewProfessionalReader(strings.NewReader(data))
	if err != nil {
		return nil, nil, nil, err
	}
	return readAll(t, r.Next)
}

func readDrugs(t testing.TB, data string) ([]*Drug, []int, []RowError, error) {
	t.Helper()
	r, err := NewDrugReader(strings.NewReader(data))
	if err != nil {
		return nil, nil, nil, err
	}
	return readAll(t, r.Next)
}

func TestCSVRoundTrip(t *testing.T) {
	s := NewSynth(7)
	var fs []*Facility
	for range 300 {
		fs = append(fs, s.Facility())
	}
	odd := testFacility(t)
	odd.Name = `Dr. "Raju's" Clinic, Gandhi Nagar`
	odd.Type, odd.Beds, odd.Lat, odd.Lon, odd.ABDMEnabled, odd.ABDMRoles = "clinic", 0, 0, 0, false, nil
	odd.Services = []string{"OPD, evenings", `"Free" check-ups`}
	fs = append(fs, odd)
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	var ps []*Professional
	for range 300 {
		ps = append(ps, s.Professional(ids))
	}
	tp := testProfessional(t)
	tp.Qualifications[0].University = "Andhra University, Visakhapatnam"
	ps = append(ps, tp)
	ds := Drugs()

	var buf bytes.Buffer
	fw := NewFacilityWriter(&buf)
	for _, f := range fs {
		if err := fw.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	got, _, errs, err := readFacilities(t, buf.String())
	if err != nil || errs != nil {
		t.Fatalf("reading facilities back: %v %v", err, errs)
	}
	want := make([]*Facility, len(fs))
	for i, f := range fs {
		c := *f
		c.Status = "" // export only
		want[i] = &c
	}
	if len(got) != len(want) {
		t.Fatalf("%d facilities back, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("facility %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	buf.Reset()
	pw := NewProfessionalWriter(&buf)
	for _, p := range ps {
		if err := pw.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	gotP, _, errs, err := readProfessionals(t, buf.String())
	if err != nil || errs != nil {
		t.Fatalf("reading professionals back: %v %v", err, errs)
	}
	if len(gotP) != len(ps) {
		t.Fatalf("%d professionals back, want %d", len(gotP), len(ps))
	}
	for i := range gotP {
		c := *ps[i]
		c.Status = ""
		if !reflect.DeepEqual(gotP[i], &c) {
			t.Fatalf("professional %d:\n got %+v\nwant %+v", i, gotP[i], &c)
		}
	}

	buf.Reset()
	dw := NewDrugWriter(&buf)
	for _, d := range ds {
		if err := dw.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := dw.Flush(); err != nil {
		t.Fatal(err)
	}
	gotD, _, errs, err := readDrugs(t, buf.String())
	if err != nil || errs != nil {
		t.Fatalf("reading drugs back: %v %v", err, errs)
	}
	if !reflect.DeepEqual(gotD, ds) {
		t.Fatal("drugs differ after a round trip")
	}
}

func TestCSVHeader(t *testing.T) {
	const required = "name,type,ownership,systems,state_code,district_code,pin"
	tests := []struct {
		name, data string
		want       string // substring of the error; "" for none
		hidden     string // must not appear in the error
	}{
		{"empty", "", "empty", ""},
		{"only BOM", "\xEF\xBB\xBF", "empty", ""},
		{"only comments", "# a comment\n# another\n", "empty", ""},
		{"minimal", required + "\n", "", ""},
		{"spaced and cased", "Name, Type ,OWNERSHIP,Systems,State Code,district-code,PIN\n", "", ""},
		{"BOM and comments", "\xEF\xBB\xBF# Compiled for a test\n" + required + "\r\n", "", ""},
		{"unknown", required + ",colour,size\n", "unknown columns: colour, size", ""},
		{"missing", "name,type\n", "missing required columns: ownership, systems, state_code, district_code, pin", ""},
		{"repeated", required + ",name\n", "repeated columns: name", ""},
		{"data row as header", "Lakshmi Rao,9845012345,secret@mail.example\n", "not a header row", "9845012345"},
		{"data-like unknown", required + ",9845012345,Ravi Kumar\n", "unknown columns: column 8, ravi_kumar", "9845012345"},
		{"broken quote", "\"name,type\n", "quoting", ""},
		{"status accepted", required + ",status,id\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFacilityReader(strings.NewReader(tt.data))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Errorf("code %s, want EINVALID", arogya.ErrorCode(err))
			}
			if tt.hidden != "" && strings.Contains(err.Error(), tt.hidden) {
				t.Errorf("error repeats data: %v", err)
			}
		})
	}
	if _, err := NewProfessionalReader(strings.NewReader("name\n")); err == nil || !strings.Contains(err.Error(), "handle") {
		t.Errorf("professional header without handle: %v", err)
	}
	if _, err := NewDrugReader(strings.NewReader("generic,form,strength,route\n")); err == nil || !strings.Contains(err.Error(), "schedule") {
		t.Errorf("drug header without schedule: %v", err)
	}
}

func TestCSVRows(t *testing.T) {
	d := vizag(t)
	good := "Sanjeevani Hospital,hospital,private,modern,28," + d.Code + ",530026"
	header := "name,type,ownership,systems,state_code,district_code,pin\r\n"
	long := strings.Repeat("x", MaxCSVLine+100)
	data := "\xEF\xBB\xBF" + header + // line 1
		good + "\r\n" + // 2: good
		"\r\n" + // 3: empty line, skipped
		",,,,,,\r\n" + // 4: blank row, skipped
		"\"Dr. \"\"Raju's\"\" Clinic, Gandhi Nagar\",Clinic,Private,\"Modern;Ayurveda\",28," + d.Code + ",530 026\r\n" + // 5: good, quoted
		good + ",extra\r\n" + // 6: too many cells
		"Bad \xff Name,hospital,private,modern,28," + d.Code + ",530026\r\n" + // 7: not UTF-8
		"\"Multi\nline\nname\",hospital,private,modern,28," + d.Code + ",530026\r\n" + // 8-10: good, one row
		"ab,spa,private,,99,1,0123\r\n" + // 11: invalid fields
		good + long + "\r\n" + // 12: line too long
		good + "\r\n" + // 13: good again
		"x\"y,hospital,private,modern,28," + d.Code + ",530026\r\n" + // 14: bare quote
		good // 15: good, no final line end
	fs, rows, errs, err := readFacilities(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 5, 8, 13, 15}; !slices.Equal(rows, want) {
		t.Errorf("good rows %v, want %v (errors %v)", rows, want, errs)
	}
	if len(fs) == 5 {
		if fs[1].Name != `Dr. "Raju's" Clinic, Gandhi Nagar` || fs[1].Type != "clinic" || !slices.Equal(fs[1].Systems, []string{"modern", "ayurveda"}) || fs[1].Address.PIN != "530026" {
			t.Errorf("quoted row read as %+v", fs[1])
		}
		if fs[2].Name != "Multi line name" {
			t.Errorf("multi-line name read as %q", fs[2].Name)
		}
	}
	byRow := map[int][]RowError{}
	for _, e := range errs {
		byRow[e.Row] = append(byRow[e.Row], e)
	}
	wantRows := []int{6, 7, 11, 12, 14}
	for _, r := range wantRows {
		if len(byRow[r]) == 0 {
			t.Errorf("no error for line %d; errors %v", r, errs)
		}
	}
	if len(byRow) != len(wantRows) {
		t.Errorf("errors on lines %v, want %v", byRow, wantRows)
	}
	if e := byRow[7]; len(e) != 1 || e[0].Field != "name" || !strings.Contains(e[0].Reason, "UTF-8") {
		t.Errorf("line 7: %v", e)
	}
	if e := byRow[12]; len(e) != 1 || !strings.Contains(e[0].Reason, "longer than") {
		t.Errorf("line 12: %v", e)
	}
	var got []string
	for _, e := range byRow[11] {
		got = append(got, e.Field)
	}
	for _, f := range []string{"name", "type", "systems", "state_code", "pin"} {
		if !slices.Contains(got, f) {
			t.Errorf("line 11: no error for %s in %v", f, byRow[11])
		}
	}
	for _, e := range errs {
		if strings.Contains(e.Error(), "xxxxxxxx") || strings.Contains(e.Error(), "Bad") {
			t.Errorf("error repeats data: %v", e)
		}
	}
}

func TestCSVFieldNames(t *testing.T) {
	p := "handle,name,gender,category,languages,state_code,district_code,pin,qualifications,facilities,lat,lon\n"
	d := vizag(t)
	data := p + "dr.x,Lakshmi Rao,F,doctor,te,28," + d.Code + ",530026,MBBS|AU|1900;MD|AU,IN99,x,\n" +
		"d.y,Lakshmi Rao,F,doctor,te,28," + d.Code + ",530026,MBBS|AU|1900;MD|AU|2010,IN99,,\n"
	_, _, errs, err := readProfessionals(t, data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"2/qualifications":      "entry 2: want degree|university|year",
		"2/lat":                 "is not a number",
		"3/handle":              "must be 4-32",
		"3/qualifications":      "entry 1, year: must be between",
		"3/facilities":          "entry 1: is not a facility ID",
		"3/system":              "is required",
		"3/council":             "is required",
		"3/registration_number": "is required",
	}
	got := map[string]string{}
	for _, e := range errs {
		got[strconv.Itoa(e.Row)+"/"+e.Field] = e.Reason
	}
	for k, reason := range want {
		if !strings.HasPrefix(got[k], reason) {
			t.Errorf("%s: reason %q, want %q… (all: %v)", k, got[k], reason, errs)
		}
	}
}

func TestCSVOpenQuote(t *testing.T) {
	d := vizag(t)
	header := "name,type,ownership,systems,state_code,district_code,pin\n"
	good := "Sanjeevani Hospital,hospital,private,modern,28," + d.Code + ",530026\n"
	// A quoted cell left open swallows the rest of the file: at the end of
	// a small file it is one bad row; in a big one reading stops.
	_, rows, errs, err := readFacilities(t, header+good+"\"Open,hospital\n"+good)
	if err != nil || len(rows) != 1 || len(errs) != 1 || errs[0].Row != 3 {
		t.Errorf("small: rows %v errors %v err %v", rows, errs, err)
	}
	_, rows, _, err = readFacilities(t, header+good+"\"Open,hospital\n"+strings.Repeat(good, 10_000))
	if err == nil || !strings.Contains(err.Error(), "line 3") || len(rows) != 1 {
		t.Errorf("big: rows %v err %v", rows, err)
	}
	if errors.Is(err, io.EOF) {
		t.Error("EOF for an abandoned file")
	}
}

func TestCSVBooleans(t *testing.T) {
	d := vizag(t)
	header := "name,type,ownership,systems,state_code,district_code,pin,abdm_enabled,abdm_roles\n"
	row := func(v, roles string) string {
		return "Sanjeevani Hospital,hospital,private,modern,28," + d.Code + ",530026," + v + "," + roles + "\n"
	}
	fs, _, errs, err := readFacilities(t, header+row("Yes", "hip")+row("0", "")+row("TRUE", "HIP;HIU")+row("maybe", "")+row("no", "HIP"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || !fs[0].ABDMEnabled || fs[1].ABDMEnabled || !slices.Equal(fs[2].ABDMRoles, []string{"HIP", "HIU"}) {
		t.Errorf("facilities %+v", fs)
	}
	if len(errs) != 2 || errs[0].Field != "abdm_enabled" || errs[1].Field != "abdm_roles" {
		t.Errorf("errors %v", errs)
	}
}

// fuzzSeeds are CSV files for the fuzz targets to start from.
func fuzzSeeds(f *testing.F, write func(io.Writer)) {
	var buf bytes.Buffer
	write(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("\xEF\xBB\xBF# comment\r\n" + strings.ReplaceAll(buf.String(), "\n", "\r\n")))
	lines := strings.SplitN(buf.String(), "\n", 3)
	if len(lines) >= 2 {
		f.Add([]byte(lines[0] + "\n" + lines[1] + "\n\"open," + lines[1] + "\n"))
		f.Add([]byte(lines[0] + "\n" + strings.ReplaceAll(lines[1], ",", ",\"x\"\"y\",") + "\n"))
		f.Add([]byte(lines[0] + "\n" + lines[1] + ",extra\n\xff\xfe,\n"))
	}
	f.Add([]byte(""))
	f.Add([]byte("name\n"))
}

func FuzzFacilityCSV(f *testing.F) {
	fuzzSeeds(f, func(w io.Writer) {
		s := NewSynth(3)
		fw := NewFacilityWriter(w)
		for range 3 {
			fw.Write(s.Facility())
		}
		fw.Write(testFacility(f))
		fw.Flush()
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewFacilityReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkRows(t, r.Next, func(v *Facility) FieldErrors { return ValidateFacility(v) },
			func(v *Facility) *Facility { c := *v; NormaliseFacility(&c); return &c },
			func(vs []*Facility) string {
				var buf bytes.Buffer
				w := NewFacilityWriter(&buf)
				for _, v := range vs {
					w.Write(v)
				}
				w.Flush()
				return buf.String()
			},
			func(data string) ([]*Facility, []int, []RowError, error) { return readFacilities(t, data) })
	})
}

func FuzzProfessionalCSV(f *testing.F) {
	fuzzSeeds(f, func(w io.Writer) {
		s := NewSynth(3)
		pw := NewProfessionalWriter(w)
		for range 3 {
			pw.Write(s.Professional([]string{"IN2812345678", "IN3312345678"}))
		}
		pw.Write(testProfessional(f))
		pw.Flush()
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewProfessionalReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkRows(t, r.Next, func(v *Professional) FieldErrors { return ValidateProfessional(v) },
			func(v *Professional) *Professional {
				c := *v
				c.Qualifications = slices.Clone(v.Qualifications)
				NormaliseProfessional(&c)
				return &c
			},
			func(vs []*Professional) string {
				var buf bytes.Buffer
				w := NewProfessionalWriter(&buf)
				for _, v := range vs {
					w.Write(v)
				}
				w.Flush()
				return buf.String()
			},
			func(data string) ([]*Professional, []int, []RowError, error) { return readProfessionals(t, data) })
	})
}

func FuzzDrugCSV(f *testing.F) {
	fuzzSeeds(f, func(w io.Writer) {
		dw := NewDrugWriter(w)
		for _, d := range Drugs()[:5] {
			dw.Write(d)
		}
		dw.Flush()
	})
	f.Add(builtinDrugsCSV)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewDrugReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkRows(t, r.Next, func(v *Drug) FieldErrors { return ValidateDrug(v) },
			func(v *Drug) *Drug { c := *v; NormaliseDrug(&c); return &c },
			func(vs []*Drug) string {
				var buf bytes.Buffer
				w := NewDrugWriter(&buf)
				for _, v := range vs {
					w.Write(v)
				}
				w.Flush()
				return buf.String()
			},
			func(data string) ([]*Drug, []int, []RowError, error) { return readDrugs(t, data) })
	})
}

// checkRows reads every row and checks the reader's promises: every row
// gives a valid entry or row errors; normalising again changes nothing;
// row numbers grow; good entries survive a write and a read.
func checkRows[T any](t *testing.T, next func() (T, int, []RowError, error), validate func(T) FieldErrors,
	renormalise func(T) T, write func([]T) string, read func(string) ([]T, []int, []RowError, error)) {
	var good []T
	last := 1
	for i := 0; ; i++ {
		if i > 100_000 {
			t.Fatal("reader does not stop")
		}
		v, row, errs, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Fatalf("error %v", err)
			}
			break
		}
		if row <= last {
			t.Fatalf("row %d after row %d", row, last)
		}
		last = row
		if errs != nil {
			if !reflect.ValueOf(&v).Elem().IsZero() {
				t.Fatalf("row %d: an entry with errors %v", row, errs)
			}
			for _, e := range errs {
				if e.Row != row || e.Reason == "" {
					t.Fatalf("row %d: bad row error %+v", row, e)
				}
			}
			continue
		}
		if fe := validate(v); fe != nil {
			t.Fatalf("row %d: entry fails validation: %v", row, fe)
		}
		if again := renormalise(v); !reflect.DeepEqual(again, v) {
			t.Fatalf("row %d: normalising again changes\n %+v\nto %+v", row, v, again)
		}
		good = append(good, v)
	}
	if len(good) == 0 {
		return
	}
	back, _, errs, err := read(write(good))
	if err != nil || errs != nil {
		t.Fatalf("written entries read back with %v %v", err, errs)
	}
	if len(back) != len(good) {
		t.Fatalf("%d entries written, %d read back", len(good), len(back))
	}
	for i := range back {
		if !reflect.DeepEqual(back[i], good[i]) {
			t.Fatalf("entry %d changed in a round trip:\n %+v\nto %+v", i, good[i], back[i])
		}
	}
}
