package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRecordInHindi: a record shown on a Hindi page has its headings,
// column headings and flags in Hindi, and the record's own text (the test's
// name) as written.
func TestRecordInHindi(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	ref := registerPatient(t, b, "Lakshmi Devi")
	lab := url.Values{"visit_ref": {"LAB-1"}, "visit_display": {"Lab tests"}, "test": {"Complete blood count"},
		"name1": {"Haemoglobin"}, "value1": {"9.1"}, "unit1": {"g/dL"}, "low1": {"12"}, "high1": {"15.5"}}
	if p := b.post("/emr/patients/"+ref+"/lab", lab); p.status != http.StatusSeeOther {
		t.Fatalf("lab: %d\n%s", p.status, p.body)
	}
	pat := b.get("/emr/patients/" + ref)
	m := regexp.MustCompile(`href="(/emr/patients/[^"]+/visits/LAB-1/records/[^"]+)"`).FindStringSubmatch(pat.body)
	if m == nil {
		t.Fatalf("no lab record listed\n%s", pat.body)
	}
	en := b.get(m[1])
	checkPage(t, en, http.StatusOK, `<th scope="col">Reference range</th>`, `<span class="flag-abnormal">Low</span>`)

	inHindi(t, b, m[1])
	p := b.get(m[1])
	checkPage(t, p, http.StatusOK, `<html lang="hi">`, `<caption>जाँच के परिणाम</caption>`, `<th scope="col">सामान्य सीमा</th>`,
		`<span class="flag-abnormal">कम</span>`, "<td>Haemoglobin</td>")
	for _, english := range []string{"Reference range", `<span class="flag-abnormal">Low</span>`, "<dt>Patient</dt>"} {
		if strings.Contains(p.body, english) {
			t.Errorf("the Hindi page shows %q", english)
		}
	}
}

// TestDateInWeekday: a date that shows its weekday names it in the
// catalogue's words, short or full as the layout has it.
func TestDateInWeekday(t *testing.T) {
	d := time.Date(2026, time.November, 30, 9, 32, 0, 0, time.UTC) // a Monday
	sun := d.AddDate(0, 0, -1)
	tests := []struct {
		name   string
		cat    catalogue
		t      time.Time
		layout string
		want   string
	}{
		{"English short", messagesEN, d, "Mon, 2 Jan 2006", "Mon, 30 Nov 2026"},
		{"English full", messagesEN, d, "Monday, 2 Jan 2006", "Monday, 30 Nov 2026"},
		{"Hindi short", messagesHI, d, "Mon, 2 Jan 2006", messagesHI["weekday.1"] + ", 30 " + messagesHI["month.11"] + " 2026"},
		{"Hindi Sunday", messagesHI, sun, "Mon, 2 Jan 2006", messagesHI["weekday.0"] + ", 29 " + messagesHI["month.11"] + " 2026"},
		{"Hindi full", messagesHI, d, "Monday 2 Jan", messagesHI["weekday.1"] + " 30 " + messagesHI["month.11"]},
		{"no weekday", messagesHI, d, "2 Jan 2006", "30 " + messagesHI["month.11"] + " 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dateIn(tt.cat, tt.t, tt.layout); got != tt.want {
				t.Errorf("dateIn(%q) = %q, want %q", tt.layout, got, tt.want)
			}
		})
	}
}
