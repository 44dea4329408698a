package fhir

import (
	"time"

	"github.com/arogya-health/arogya"
)

// Precision is how much of a FHIR date or dateTime is given.
type Precision int

// Precisions of FHIR dates and times, from a year alone to seconds.
const (
	PrecisionYear Precision = iota + 1
	PrecisionMonth
	PrecisionDay
	PrecisionSecond
)

// ParseDateTime parses a FHIR date, dateTime or instant: "2024", "2024-01",
// "2024-01-04" or "2024-01-04T15:36:45+05:30" (fractional seconds allowed; a
// time needs a zone). Partial dates come back at the start of their period,
// in UTC.
func ParseDateTime(s string) (time.Time, Precision, error) {
	var layout string
	var p Precision
	switch {
	case len(s) == 4:
		layout, p = "2006", PrecisionYear
	case len(s) == 7 && s[4] == '-':
		layout, p = "2006-01", PrecisionMonth
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		layout, p = "2006-01-02", PrecisionDay
	case len(s) >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':':
		if !validZoneAndFraction(s[19:]) {
			return time.Time{}, 0, errDateTime
		}
		layout, p = time.RFC3339Nano, PrecisionSecond
	default:
		return time.Time{}, 0, errDateTime
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, 0, errDateTime
		}
	}
	t, err := time.Parse(layout, s)
	if err != nil || t.Year() == 0 {
		return time.Time{}, 0, errDateTime
	}
	return t, p, nil
}

var errDateTime = arogya.Errorf(arogya.EINVALID, "not a FHIR date or dateTime")

// validZoneAndFraction checks the tail of a dateTime after the seconds:
// an optional '.' and 1–9 digits, then 'Z' or ±hh:mm.
func validZoneAndFraction(s string) bool {
	if len(s) > 0 && s[0] == '.' {
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return false
		}
		s = s[n:]
	}
	if s == "Z" {
		return true
	}
	return len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':'
}

// isDateTime reports whether s is a valid FHIR date or dateTime.
func isDateTime(s string) bool {
	_, _, err := ParseDateTime(s)
	return err == nil
}

// isInstant reports whether s is a valid FHIR instant: a dateTime to the
// second with a zone.
func isInstant(s string) bool {
	_, p, err := ParseDateTime(s)
	return err == nil && p == PrecisionSecond
}

// isDate reports whether s is a valid FHIR date (no time).
func isDate(s string) bool {
	_, p, err := ParseDateTime(s)
	return err == nil && p != PrecisionSecond
}

// ist is India Standard Time, the zone the people reading records here
// live in.
var ist = time.FixedZone("IST", 5*3600+30*60)

// formatDateTime shows a FHIR date or dateTime to people in English: a
// time in India Standard Time, whatever zone it was recorded in, and saying
// so ("4 Jan 2024, 15:36 IST"); a date as written ("4 Jan 2024", "Jan
// 2024", "1991"). Text that does not parse is shown as it is.
func formatDateTime(s string) string {
	return wordsEN.dateTime(s)
}

// dateTime is formatDateTime in w's language: the month is w's name for it
// ("4 जनवरी 2024" in Hindi), the digits and their order are the same.
func (w words) dateTime(s string) string {
	t, p, err := ParseDateTime(s)
	if err != nil {
		return s
	}
	switch p {
	case PrecisionYear:
		return t.Format("2006")
	case PrecisionMonth:
		return w.month(int(t.Month())) + t.Format(" 2006")
	case PrecisionDay:
		return t.Format("2 ") + w.month(int(t.Month())) + t.Format(" 2006")
	}
	t = t.In(ist)
	return t.Format("2 ") + w.month(int(t.Month())) + t.Format(" 2006, 15:04 ") + w.t("date.zone")
}

// fhirDateTime formats a time as a FHIR dateTime to the second, in its own
// zone.
func fhirDateTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05Z07:00")
}
