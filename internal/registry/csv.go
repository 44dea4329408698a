package registry

// The CSV format of bulk import and export.
//
// A file is UTF-8 (a byte order mark is skipped), comma-separated, with
// CRLF or LF line ends and RFC 4180 quoting. Lines starting with # before
// the header row are comments. The header row names the columns, in any
// order, case-insensitively ("State Code" is state_code); an unknown column
// or a missing required one is an error for the whole file. Lists are
// separated by ";", qualifications are "degree|university|year" entries
// ("MBBS|AIIMS Delhi|2009;MD (General Medicine)|AIIMS Delhi|2013"), booleans
// are true/false, yes/no or 1/0, and empty cells are empty values (0 for
// numbers; lat and lon both empty or 0 mean unknown). Export writes every
// column, in the order listed below.
//
// Facilities: id, name*, type*, ownership*, ownership_subtype, systems*,
// address_line, city, state_code*, district_code*, pin*, lat, lon, phone,
// email, website, specialities, services, beds, timings, abdm_enabled,
// abdm_roles, drug_licence, status.
//
// Professionals: id, handle*, name*, gender*, category*, system, council,
// registration_number, qualifications, specialities, languages*,
// facilities, address_line, city, state_code*, district_code*, pin*, lat,
// lon, phone, email, status.
//
// Drugs: id, generic*, brands, form*, strength*, route*, schedule*,
// manufacturer, atc.
//
// (* required columns.) On import an empty id asks for a new one (the
// importer assigns it; a drug's id is its DrugID), and status is ignored:
// the importer decides it.
//
// Each data row is parsed, normalised and validated; a bad row is reported
// by its line number (the header is line 1; a row spanning lines by its
// first) with the columns at fault, and reading goes on with the next row.
// A physical line longer than 64 KiB, a cell that is not UTF-8, a row with
// the wrong number of cells and broken quoting are row errors too. Only a
// read error, a bad header or a single row longer than 256 KiB (a quoted
// cell left open, say) ends the file.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
)

// Limits of the CSV reader.
const (
	// MaxCSVLine is the longest physical line the reader keeps; the rest
	// of a longer line is dropped and its row reported.
	MaxCSVLine = 64 << 10
	// maxCSVRecord bounds the bytes one row may take, quoted line breaks
	// included; beyond it the file is abandoned.
	maxCSVRecord = 256 << 10
)

// RowError is a problem with one row of a CSV file. Row is the 1-based
// line number in the file (the header is line 1; a row that spans lines is
// numbered by its first). Field is the column at fault, or "" for the
// whole row. Reason never repeats the cell's value.
type RowError struct {
	Row    int
	Field  string
	Reason string
}

func (e RowError) Error() string {
	if e.Field == "" {
		return "line " + strconv.Itoa(e.Row) + ": " + e.Reason
	}
	return "line " + strconv.Itoa(e.Row) + ": " + e.Field + ": " + e.Reason
}

var errRecordTooLong = errors.New("csv record too long")

// lineLimiter passes bytes through, dropping the part of any physical line
// beyond max bytes and noting that line's number, and fails once more than
// budget bytes pass before the budget is reset: this bounds the memory
// encoding/csv needs for a line or a record.
type lineLimiter struct {
	r        io.Reader
	max      int
	line     int   // number of the line the next byte belongs to
	n        int   // bytes of that line passed on
	dropping bool  // dropping the rest of the line
	long     []int // lines cut, ascending
	budget   int
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	for {
		if l.budget <= 0 {
			return 0, errRecordTooLong
		}
		q := p
		if len(q) > l.budget {
			q = q[:l.budget]
		}
		n, err := l.r.Read(q)
		k := 0
		for i := 0; i < n; i++ {
			b := q[i]
			switch {
			case b == '\n':
				l.line++
				l.n, l.dropping = 0, false
			case l.dropping:
				continue
			case l.n >= l.max:
				l.dropping = true
				l.long = append(l.long, l.line)
				continue
			default:
				l.n++
			}
			q[k] = b
			k++
		}
		l.budget -= k
		if k > 0 || err != nil || len(q) == 0 {
			return k, err
		}
	}
}

// cutBetween reports whether a line from first to last was cut, and
// forgets the cut lines before first.
func (l *lineLimiter) cutBetween(first, last int) bool {
	i := 0
	for i < len(l.long) && l.long[i] < first {
		i++
	}
	l.long = l.long[i:]
	return len(l.long) > 0 && l.long[0] <= last
}

// column is one CSV column of entries of type T.
type column[T any] struct {
	name     string
	required bool                   // on import
	set      func(T, string) string // parses the cell into the entry; returns a reason, or ""; nil: ignored on import
	get      func(T) string         // the cell on export
}

// rowReader reads entries of type T from CSV.
type rowReader[T any] struct {
	lim    *lineLimiter
	cr     *csv.Reader
	header []string
	cols   []*column[T] // by position in the file
	newT   func() T
	check  func(T) FieldErrors // normalise and validate
	err    error               // sticky fatal error
	last   int                 // the last line of the last row read
}

func newRowReader[T any](r io.Reader, cols []column[T], newT func() T, check func(T) FieldErrors) (*rowReader[T], error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	lim := &lineLimiter{r: br, max: MaxCSVLine, line: 1, budget: maxCSVRecord}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.Comment = '#' // comments only before the header
	rr := &rowReader[T]{lim: lim, cr: cr, newT: newT, check: check}

	rec, err := cr.Read()
	cr.Comment = 0
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, arogya.Errorf(arogya.EINVALID, "CSV: the file is empty: it needs a header row")
	case errors.Is(err, errRecordTooLong):
		return nil, arogya.Errorf(arogya.EINVALID, "CSV: the header row is too long")
	case errors.As(err, &pe):
		return nil, arogya.Errorf(arogya.EINVALID, "CSV: the header row (line %d) has broken quoting", pe.StartLine)
	case err != nil:
		return nil, err
	}
	line, _ := cr.FieldPos(0)
	last, _ := cr.FieldPos(len(rec) - 1)
	rr.last = last + strings.Count(rec[len(rec)-1], "\n")
	if lim.cutBetween(line, rr.last) {
		return nil, arogya.Errorf(arogya.EINVALID, "CSV: the header row is longer than %d KiB", MaxCSVLine>>10)
	}
	if err := rr.readHeader(rec, cols); err != nil {
		return nil, err
	}
	return rr, nil
}

// headerName reduces a header cell to a column name: "State Code" →
// "state_code".
func csvHeaderName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// safeColumnName reports whether a header cell may be repeated in an
// error message: a short identifier, not data.
func csvSafeColumnName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (rr *rowReader[T]) readHeader(rec []string, cols []column[T]) error {
	byName := make(map[string]*column[T], len(cols))
	for i := range cols {
		byName[cols[i].name] = &cols[i]
	}
	rr.header = make([]string, len(rec))
	rr.cols = make([]*column[T], len(rec))
	seen := map[string]bool{}
	var unknown, dup []string
	known := 0
	for i, h := range rec {
		name := csvHeaderName(h)
		c, ok := byName[name]
		switch {
		case !ok:
			if csvSafeColumnName(name) {
				unknown = append(unknown, name)
			} else {
				unknown = append(unknown, "column "+strconv.Itoa(i+1))
			}
		case seen[name]:
			dup = append(dup, name)
		default:
			known++
			seen[name] = true
			rr.header[i], rr.cols[i] = name, c
		}
	}
	if known == 0 {
		return arogya.Errorf(arogya.EINVALID, "CSV: the first row is not a header row: it names no known column")
	}
	var missing []string
	for _, c := range cols {
		if c.required && !seen[c.name] {
			missing = append(missing, c.name)
		}
	}
	var msg []string
	if len(unknown) > 0 {
		if len(unknown) > 10 {
			unknown = append(unknown[:10], "…")
		}
		msg = append(msg, "unknown columns: "+strings.Join(unknown, ", "))
	}
	if len(dup) > 0 {
		msg = append(msg, "repeated columns: "+strings.Join(dup, ", "))
	}
	if len(missing) > 0 {
		msg = append(msg, "missing required columns: "+strings.Join(missing, ", "))
	}
	if len(msg) > 0 {
		return arogya.Errorf(arogya.EINVALID, "CSV header: %s", strings.Join(msg, "; "))
	}
	return nil
}

// next reads the next row. At the end of the file err is io.EOF; any other
// err ends reading. A bad row gives errs (and a zero T).
func (rr *rowReader[T]) next() (t T, row int, errs []RowError, err error) {
	if rr.err != nil {
		return t, 0, nil, rr.err
	}
	for {
		rr.lim.budget = maxCSVRecord
		rec, err := rr.cr.Read()
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			rr.err = io.EOF
			return t, 0, nil, io.EOF
		case errors.Is(err, errRecordTooLong):
			// The row starts after the last one read (or blank lines).
			rr.err = arogya.Errorf(arogya.EINVALID, "CSV line %d: the row is longer than %d KiB (a quoted cell left open?); reading stopped", rr.last+1, maxCSVRecord>>10)
			return t, 0, nil, rr.err
		case errors.As(err, &pe):
			rr.last = pe.Line
			reason := "broken quoting: a quote inside an unquoted cell, or a quoted cell not closed properly"
			if rr.lim.cutBetween(pe.StartLine, pe.Line) {
				reason = "a line is longer than " + strconv.Itoa(MaxCSVLine>>10) + " KiB"
			}
			return t, pe.StartLine, []RowError{{Row: pe.StartLine, Reason: reason}}, nil
		case err != nil:
			rr.err = err
			return t, 0, nil, err
		}
		row, _ = rr.cr.FieldPos(0)
		last, _ := rr.cr.FieldPos(len(rec) - 1)
		rr.last = last + strings.Count(rec[len(rec)-1], "\n")
		if rr.lim.cutBetween(row, rr.last) {
			return t, row, []RowError{{Row: row, Reason: "a line is longer than " + strconv.Itoa(MaxCSVLine>>10) + " KiB"}}, nil
		}
		if csvBlankRow(rec) {
			continue // a row of empty cells, as spreadsheets write
		}
		if len(rec) != len(rr.header) {
			return t, row, []RowError{{Row: row, Reason: "has " + strconv.Itoa(len(rec)) + " cells; the header has " + strconv.Itoa(len(rr.header))}}, nil
		}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				errs = append(errs, RowError{Row: row, Field: rr.header[i], Reason: "is not valid UTF-8"})
			}
		}
		if errs != nil {
			return t, row, errs, nil
		}
		t = rr.newT()
		for i, v := range rec {
			if c := rr.cols[i]; c != nil && c.set != nil {
				if reason := c.set(t, v); reason != "" {
					errs = append(errs, RowError{Row: row, Field: c.name, Reason: reason})
				}
			}
		}
		if errs != nil {
			var zero T
			return zero, row, errs, nil
		}
		if fe := rr.check(t); fe != nil {
			for _, e := range fe {
				col, reason := csvField(e)
				errs = append(errs, RowError{Row: row, Field: col, Reason: reason})
			}
			var zero T
			return zero, row, errs, nil
		}
		return t, row, nil, nil
	}
}

func csvBlankRow(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// apiToColumn maps the API names of FieldError to CSV columns where they
// differ.
var apiToColumn = map[string]string{
	"address.line":         "address_line",
	"address.city":         "city",
	"address.stateCode":    "state_code",
	"address.districtCode": "district_code",
	"address.pin":          "pin",
	"location.lat":         "lat",
	"location.lon":         "lon",
	"systemsOfMedicine":    "systems",
	"systemOfMedicine":     "system",
	"ownershipSubType":     "ownership_subtype",
	"abdmEnabled":          "abdm_enabled",
	"abdmRoles":            "abdm_roles",
	"drugLicence":          "drug_licence",
	"registrationNumber":   "registration_number",
}

// csvField turns a FieldError into a column and reason: "services[2]"
// becomes column services, reason "entry 3: …"; "qualifications[0].year"
// column qualifications, reason "entry 1, year: …".
func csvField(e FieldError) (col, reason string) {
	if c, ok := apiToColumn[e.Field]; ok {
		return c, e.Reason
	}
	name, rest, ok := strings.Cut(e.Field, "[")
	if !ok {
		return strings.ToLower(e.Field), e.Reason
	}
	if c, ok := apiToColumn[name]; ok {
		name = c
	}
	idx, sub, _ := strings.Cut(rest, "]")
	n, err := strconv.Atoi(idx)
	if err != nil {
		return name, e.Reason
	}
	prefix := "entry " + strconv.Itoa(n+1)
	if sub = strings.TrimPrefix(sub, "."); sub != "" {
		prefix += ", " + sub
	}
	return name, prefix + ": " + e.Reason
}

// ---- cell parsing and formatting ----

func csvSplit(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ";")
}

func csvJoin(l []string) string { return strings.Join(l, ";") }

func csvFloat(dst *float64, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		*dst = 0
		return ""
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return "is not a number"
	}
	*dst = v
	return ""
}

func csvCoord(lat, lon, v float64) string {
	if lat == 0 && lon == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func csvBool(dst *bool, s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "0", "n", "f":
		*dst = false
	case "true", "yes", "1", "y", "t":
		*dst = true
	default:
		return "must be true or false (or yes/no, 1/0)"
	}
	return ""
}

func csvQualifications(dst *[]Qualification, s string) string {
	var qs []Qualification
	for i, e := range csvSplit(s) {
		if strings.TrimSpace(e) == "" {
			continue
		}
		parts := strings.Split(e, "|")
		entry := "entry " + strconv.Itoa(i+1)
		if len(parts) != 3 {
			return entry + ": want degree|university|year"
		}
		q := Qualification{Degree: parts[0], University: parts[1]}
		if y := strings.TrimSpace(parts[2]); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil {
				return entry + ": the year is not a number"
			}
			q.Year = n
		}
		qs = append(qs, q)
	}
	*dst = qs
	return ""
}

func csvFormatQualifications(qs []Qualification) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = q.Degree + "|" + q.University + "|" + strconv.Itoa(q.Year)
	}
	return strings.Join(parts, ";")
}

// text returns a column setter and getter of a string field.
func csvText[T any](field func(T) *string) (func(T, string) string, func(T) string) {
	return func(t T, s string) string { *field(t) = s; return "" },
		func(t T) string { return *field(t) }
}

func csvList[T any](field func(T) *[]string) (func(T, string) string, func(T) string) {
	return func(t T, s string) string { *field(t) = csvSplit(s); return "" },
		func(t T) string { return csvJoin(*field(t)) }
}

func csvCol[T any](name string, required bool, set func(T, string) string, get func(T) string) column[T] {
	return column[T]{name: name, required: required, set: set, get: get}
}

func csvTextCol[T any](name string, required bool, field func(T) *string) column[T] {
	set, get := csvText(field)
	return csvCol(name, required, set, get)
}

func csvListCol[T any](name string, required bool, field func(T) *[]string) column[T] {
	set, get := csvList(field)
	return csvCol(name, required, set, get)
}

// addressCols are the address and location columns shared by facilities
// and professionals.
func addressCols[T any](addr func(T) *Address, lat, lon func(T) *float64) []column[T] {
	return []column[T]{
		csvTextCol("address_line", false, func(t T) *string { return &addr(t).Line }),
		csvTextCol("city", false, func(t T) *string { return &addr(t).City }),
		csvTextCol("state_code", true, func(t T) *string { return &addr(t).StateCode }),
		csvTextCol("district_code", true, func(t T) *string { return &addr(t).DistrictCode }),
		csvTextCol("pin", true, func(t T) *string { return &addr(t).PIN }),
		csvCol("lat", false, func(t T, s string) string { return csvFloat(lat(t), s) },
			func(t T) string { return csvCoord(*lat(t), *lon(t), *lat(t)) }),
		csvCol("lon", false, func(t T, s string) string { return csvFloat(lon(t), s) },
			func(t T) string { return csvCoord(*lat(t), *lon(t), *lon(t)) }),
	}
}

var facilityColumns = func() []column[*Facility] {
	cs := []column[*Facility]{
		csvTextCol("id", false, func(f *Facility) *string { return &f.ID }),
		csvTextCol("name", true, func(f *Facility) *string { return &f.Name }),
		csvTextCol("type", true, func(f *Facility) *string { return &f.Type }),
		csvTextCol("ownership", true, func(f *Facility) *string { return &f.Ownership }),
		csvTextCol("ownership_subtype", false, func(f *Facility) *string { return &f.OwnershipSubType }),
		csvListCol("systems", true, func(f *Facility) *[]string { return &f.Systems }),
	}
	cs = append(cs, addressCols(func(f *Facility) *Address { return &f.Address },
		func(f *Facility) *float64 { return &f.Lat }, func(f *Facility) *float64 { return &f.Lon })...)
	return append(cs,
		csvTextCol("phone", false, func(f *Facility) *string { return &f.Phone }),
		csvTextCol("email", false, func(f *Facility) *string { return &f.Email }),
		csvTextCol("website", false, func(f *Facility) *string { return &f.Website }),
		csvListCol("specialities", false, func(f *Facility) *[]string { return &f.Specialities }),
		csvListCol("services", false, func(f *Facility) *[]string { return &f.Services }),
		csvCol("beds", false, func(f *Facility, s string) string {
			s = strings.TrimSpace(s)
			if s == "" {
				f.Beds = 0
				return ""
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return "is not a whole number"
			}
			f.Beds = n
			return ""
		}, func(f *Facility) string { return strconv.Itoa(f.Beds) }),
		csvTextCol("timings", false, func(f *Facility) *string { return &f.Timings }),
		csvCol("abdm_enabled", false, func(f *Facility, s string) string { return csvBool(&f.ABDMEnabled, s) },
			func(f *Facility) string { return strconv.FormatBool(f.ABDMEnabled) }),
		csvListCol("abdm_roles", false, func(f *Facility) *[]string { return &f.ABDMRoles }),
		csvTextCol("drug_licence", false, func(f *Facility) *string { return &f.DrugLicence }),
		csvCol("status", false, nil, func(f *Facility) string { return string(f.Status) }),
	)
}()

var professionalColumns = func() []column[*Professional] {
	cs := []column[*Professional]{
		csvTextCol("id", false, func(p *Professional) *string { return &p.ID }),
		csvTextCol("handle", true, func(p *Professional) *string { return &p.Handle }),
		csvTextCol("name", true, func(p *Professional) *string { return &p.Name }),
		csvTextCol("gender", true, func(p *Professional) *string { return &p.Gender }),
		csvTextCol("category", true, func(p *Professional) *string { return &p.Category }),
		csvTextCol("system", false, func(p *Professional) *string { return &p.System }),
		csvTextCol("council", false, func(p *Professional) *string { return &p.Council }),
		csvTextCol("registration_number", false, func(p *Professional) *string { return &p.RegistrationNumber }),
		csvCol("qualifications", false, func(p *Professional, s string) string { return csvQualifications(&p.Qualifications, s) },
			func(p *Professional) string { return csvFormatQualifications(p.Qualifications) }),
		csvListCol("specialities", false, func(p *Professional) *[]string { return &p.Specialities }),
		csvListCol("languages", true, func(p *Professional) *[]string { return &p.Languages }),
		csvListCol("facilities", false, func(p *Professional) *[]string { return &p.Facilities }),
	}
	cs = append(cs, addressCols(func(p *Professional) *Address { return &p.Address },
		func(p *Professional) *float64 { return &p.Lat }, func(p *Professional) *float64 { return &p.Lon })...)
	return append(cs,
		csvTextCol("phone", false, func(p *Professional) *string { return &p.Phone }),
		csvTextCol("email", false, func(p *Professional) *string { return &p.Email }),
		csvCol("status", false, nil, func(p *Professional) string { return string(p.Status) }),
	)
}()

var drugColumns = []column[*Drug]{
	csvTextCol("id", false, func(d *Drug) *string { return &d.ID }),
	csvTextCol("generic", true, func(d *Drug) *string { return &d.Generic }),
	csvListCol("brands", false, func(d *Drug) *[]string { return &d.Brands }),
	csvTextCol("form", true, func(d *Drug) *string { return &d.Form }),
	csvTextCol("strength", true, func(d *Drug) *string { return &d.Strength }),
	csvTextCol("route", true, func(d *Drug) *string { return &d.Route }),
	csvTextCol("schedule", true, func(d *Drug) *string { return &d.Schedule }),
	csvTextCol("manufacturer", false, func(d *Drug) *string { return &d.Manufacturer }),
	csvTextCol("atc", false, func(d *Drug) *string { return &d.ATC }),
}

// ---- readers ----

// FacilityReader reads facilities from CSV.
type FacilityReader struct{ rr *rowReader[*Facility] }

// NewFacilityReader reads the header row from r. It fails (EINVALID) for
// an empty file or a bad header: unknown, repeated or missing required
// columns.
func NewFacilityReader(r io.Reader) (*FacilityReader, error) {
	rr, err := newRowReader(r, facilityColumns, func() *Facility { return &Facility{} }, func(f *Facility) FieldErrors {
		NormaliseFacility(f)
		return ValidateFacility(f)
	})
	if err != nil {
		return nil, err
	}
	return &FacilityReader{rr}, nil
}

// Next returns the next row's facility, parsed, normalised and valid, with
// its line number. For a bad row f is nil and errs says why; reading can
// go on. At the end err is io.EOF; any other error ends the file. Status
// and the other fields the importer sets are left zero; so is an ID the
// row left empty.
func (fr *FacilityReader) Next() (f *Facility, row int, errs []RowError, err error) {
	return fr.rr.next()
}

// ProfessionalReader reads professionals from CSV.
type ProfessionalReader struct{ rr *rowReader[*Professional] }

// NewProfessionalReader is NewFacilityReader for professionals.
func NewProfessionalReader(r io.Reader) (*ProfessionalReader, error) {
	rr, err := newRowReader(r, professionalColumns, func() *Professional { return &Professional{} }, func(p *Professional) FieldErrors {
		NormaliseProfessional(p)
		return ValidateProfessional(p)
	})
	if err != nil {
		return nil, err
	}
	return &ProfessionalReader{rr}, nil
}

// Next is FacilityReader.Next for professionals.
func (pr *ProfessionalReader) Next() (p *Professional, row int, errs []RowError, err error) {
	return pr.rr.next()
}

// DrugReader reads drugs from CSV.
type DrugReader struct{ rr *rowReader[*Drug] }

// NewDrugReader is NewFacilityReader for drugs.
func NewDrugReader(r io.Reader) (*DrugReader, error) {
	rr, err := newRowReader(r, drugColumns, func() *Drug { return &Drug{} }, func(d *Drug) FieldErrors {
		NormaliseDrug(d)
		return ValidateDrug(d)
	})
	if err != nil {
		return nil, err
	}
	return &DrugReader{rr}, nil
}

// Next is FacilityReader.Next for drugs; a row without an id gets its
// DrugID.
func (dr *DrugReader) Next() (d *Drug, row int, errs []RowError, err error) {
	return dr.rr.next()
}

// ---- writers ----

type rowWriter[T any] struct {
	cw   *csv.Writer
	cols []column[T]
	rec  []string
}

func newRowWriter[T any](w io.Writer, cols []column[T]) *rowWriter[T] {
	rw := &rowWriter[T]{cw: csv.NewWriter(w), cols: cols, rec: make([]string, len(cols))}
	for i, c := range cols {
		rw.rec[i] = c.name
	}
	_ = rw.cw.Write(rw.rec) // buffered: an error shows at Write or Flush
	return rw
}

func (rw *rowWriter[T]) write(t T) error {
	for i, c := range rw.cols {
		rw.rec[i] = c.get(t)
	}
	if err := rw.cw.Write(rw.rec); err != nil {
		return err
	}
	return rw.cw.Error()
}

func (rw *rowWriter[T]) flush() error {
	rw.cw.Flush()
	return rw.cw.Error()
}

// FacilityWriter writes facilities as CSV, every column, header first.
type FacilityWriter struct{ rw *rowWriter[*Facility] }

// NewFacilityWriter returns a writer of facilities to w; it writes the
// header row first. Call Flush at the end.
func NewFacilityWriter(w io.Writer) *FacilityWriter {
	return &FacilityWriter{newRowWriter(w, facilityColumns)}
}

// Write writes one facility.
func (fw *FacilityWriter) Write(f *Facility) error { return fw.rw.write(f) }

// Flush writes buffered rows out and returns any write error.
func (fw *FacilityWriter) Flush() error { return fw.rw.flush() }

// ProfessionalWriter writes professionals as CSV.
type ProfessionalWriter struct{ rw *rowWriter[*Professional] }

// NewProfessionalWriter is NewFacilityWriter for professionals.
func NewProfessionalWriter(w io.Writer) *ProfessionalWriter {
	return &ProfessionalWriter{newRowWriter(w, professionalColumns)}
}

// Write writes one professional.
func (pw *ProfessionalWriter) Write(p *Professional) error { return pw.rw.write(p) }

// Flush writes buffered rows out and returns any write error.
func (pw *ProfessionalWriter) Flush() error { return pw.rw.flush() }

// DrugWriter writes drugs as CSV.
type DrugWriter struct{ rw *rowWriter[*Drug] }

// NewDrugWriter is NewFacilityWriter for drugs.
func NewDrugWriter(w io.Writer) *DrugWriter {
	return &DrugWriter{newRowWriter(w, drugColumns)}
}

// Write writes one drug.
func (dw *DrugWriter) Write(d *Drug) error { return dw.rw.write(d) }

// Flush writes buffered rows out and returns any write error.
func (dw *DrugWriter) Flush() error { return dw.rw.flush() }
