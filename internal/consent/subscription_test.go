package consent

import (
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

const goodSubscription = `{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd","timestamp":"2026-11-29T10:00:00.000Z",
 "subscription":{"purpose":{"text":"Care Management","code":"CAREMGT"},"patient":{"id":"Ravi.Kumar@sbx"},
  "hiu":{"id":"in2810014366"},"hips":[{"id":"in2810000001"},{"id":"IN2810000001"},{"id":"in2810000002"}],
  "categories":["DATA","LINK","DATA"],"period":{"from":"2026-01-01T00:00:00.000Z","to":"2027-11-29T00:00:00.000Z"}}}`

func TestParseSubscriptionInit(t *testing.T) {
	s, err := ParseSubscriptionInit([]byte(goodSubscription), "sbx", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Patient != "ravi.kumar@sbx" || s.HIU.ID != "IN2810014366" || len(s.HIPs) != 2 || s.HIPs[1].ID != "IN2810000002" ||
		strings.Join(s.Categories, ",") != "LINK,DATA" || s.Status != StatusRequested || !s.Period.To.Equal(time.Date(2027, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("parsed %+v", s)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"code":"CAREMGT"`, `"code":"SHOPPING"`, "purpose.code"},
		{`"purpose":{"text":"Care Management","code":"CAREMGT"},`, ``, "purpose.code"},
		{`"id":"Ravi.Kumar@sbx"`, `"id":"ravi.kumar@abdm"`, "patient.id"},
		{`"patient":{"id":"Ravi.Kumar@sbx"},`, ``, "patient.id"},
		{`"hiu":{"id":"in2810014366"},`, `"hiu":{"id":" "},`, "hiu.id"},
		{`{"id":"in2810000002"}`, `{"name":"x"}`, "hips"},
		{`"categories":["DATA","LINK","DATA"]`, `"categories":[]`, "categories"},
		{`"categories":["DATA","LINK","DATA"]`, `"categories":["LINK","EVERYTHING"]`, "categories"},
		{`"period":{"from":"2026-01-01T00:00:00.000Z","to":"2027-11-29T00:00:00.000Z"}`, `"period":{"from":"2026-01-01T00:00:00.000Z"}`, "period"},
		{`"to":"2027-11-29T00:00:00.000Z"`, `"to":"2025-01-01T00:00:00.000Z"`, "period.to is before"},
		{`"from":"2026-01-01T00:00:00.000Z","to":"2027-11-29T00:00:00.000Z"`, `"from":"2025-01-01T00:00:00.000Z","to":"2026-01-01T00:00:00.000Z"`, "future"},
		{`"to":"2027-11-29T00:00:00.000Z"`, `"to":"next year"`, "ISO-8601"},
		{`"categories":`, `"categories":"LINK","x":`, "wrong type"},
		{`"subscription":{`, `"consent":{`, "subscription is required"},
	} {
		body := strings.Replace(goodSubscription, tc.from, tc.to, 1)
		_, err := ParseSubscriptionInit([]byte(body), "sbx", now)
		if err == nil || arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), tc.want) {
			t.Errorf("%s → %s: %v, want an invalid error naming %q", tc.from, tc.to, err, tc.want)
		}
		if e, ok := err.(*arogya.Error); ok && e.ABDMCode != "ABDM-1017" {
			t.Errorf("%s → %s: ABDM code %q", tc.from, tc.to, e.ABDMCode)
		}
		if err != nil && strings.Contains(strings.ToLower(arogya.ErrorMessage(err)), "ravi") {
			t.Errorf("error message echoes the patient: %v", err)
		}
	}
}

func TestSubscriptionApproval(t *testing.T) {
	req := func() *Subscription {
		s, err := ParseSubscriptionInit([]byte(goodSubscription), "sbx", now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	linked := map[string]bool{"IN2810000001": true, "IN2810000003": true}
	from, to := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	src := func(hip string, cats ...string) SubscriptionSource {
		return SubscriptionSource{HIP: hip, Categories: cats, HITypes: []string{"Prescription"}, From: from, To: to}
	}
	for _, tc := range []struct {
		name string
		a    SubscriptionApproval
		code string // "" for accepted
	}{
		{"one linked HIP", SubscriptionApproval{Included: []SubscriptionSource{src("in2810000001", "LINK")}}, ""},
		{"all HIPs", SubscriptionApproval{AllHIPs: true, Included: []SubscriptionSource{src("", "LINK", "DATA")}, Excluded: []string{"IN2810000002"}}, ""},
		{"all HIPs with an override", SubscriptionApproval{AllHIPs: true, Included: []SubscriptionSource{src("", "LINK"), src("IN2810000001", "DATA")}}, ""},
		{"defaults: the request's categories and period", SubscriptionApproval{Included: []SubscriptionSource{{HIP: "IN2810000001"}}}, ""},
		{"nothing", SubscriptionApproval{}, arogya.EINVALID},
		{"no hip without all HIPs", SubscriptionApproval{Included: []SubscriptionSource{src("", "LINK")}}, arogya.EINVALID},
		{"all HIPs without a general source", SubscriptionApproval{AllHIPs: true, Included: []SubscriptionSource{src("IN2810000001", "LINK")}}, arogya.EINVALID},
		{"two general sources", SubscriptionApproval{AllHIPs: true, Included: []SubscriptionSource{src("", "LINK"), src("", "DATA")}}, arogya.EINVALID},
		{"a HIP twice", SubscriptionApproval{Included: []SubscriptionSource{src("IN2810000001", "LINK"), src("IN2810000001", "DATA")}}, arogya.EINVALID},
		{"a HIP not asked about", SubscriptionApproval{Included: []SubscriptionSource{src("IN2810000003", "LINK")}}, arogya.EINVALID},
		{"a HIP with nothing linked", SubscriptionApproval{Included: []SubscriptionSource{src("IN2810000002", "LINK")}}, arogya.EUNPROCESSABLE},
		{"an unknown category", SubscriptionApproval{Included: []SubscriptionSource{src("IN2810000001", "ALL")}}, arogya.EINVALID},
		{"an unknown HI type", SubscriptionApproval{Included: []SubscriptionSource{{HIP: "IN2810000001", HITypes: []string{"Horoscope"}}}}, arogya.EINVALID},
		{"a wider period", SubscriptionApproval{Included: []SubscriptionSource{{HIP: "IN2810000001", From: from, To: to.AddDate(2, 0, 0)}}}, arogya.EINVALID},
		{"a period over", SubscriptionApproval{Included: []SubscriptionSource{{HIP: "IN2810000001", From: from, To: from.AddDate(0, 1, 0)}}}, arogya.EINVALID},
		{"another purpose", SubscriptionApproval{Included: []SubscriptionSource{src("IN2810000001", "LINK")}, Purposes: []string{"BTG"}}, arogya.EINVALID},
		{"excluded and included", SubscriptionApproval{AllHIPs: true, Included: []SubscriptionSource{src("", "LINK"), src("IN2810000001", "LINK")}, Excluded: []string{"in2810000001"}}, arogya.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			if tc.name == "a period over" {
				at = from.AddDate(0, 2, 0)
			}
			srcs, _, err := req().CheckApproval(tc.a, linked, at)
			if got := arogya.ErrorCode(err); (tc.code == "" && err != nil) || (tc.code != "" && got != tc.code) {
				t.Fatalf("err = %v, want code %q", err, tc.code)
			}
			if tc.code == "" && len(srcs) != len(tc.a.Included) {
				t.Fatalf("sources %+v", srcs)
			}
		})
	}

	// Defaults fill in the request's categories and period and every HI type.
	srcs, _, err := req().CheckApproval(SubscriptionApproval{Included: []SubscriptionSource{{HIP: "in2810000001"}}}, linked, now)
	if err != nil || srcs[0].HIP != "IN2810000001" || strings.Join(srcs[0].Categories, ",") != "LINK,DATA" || len(srcs[0].HITypes) != len(HITypes) ||
		!srcs[0].To.Equal(time.Date(2027, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("defaults: %+v %v", srcs, err)
	}
}

func TestSubscriptionSource(t *testing.T) {
	from, to := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	granted := &Subscription{Status: StatusGranted, AllHIPs: true, Excluded: []string{"HIPX"},
		Sources: []SubscriptionSource{
			{Categories: []string{CategoryLink}, HITypes: HITypes, From: from, To: to},
			{HIP: "HIPA", Categories: []string{CategoryData}, HITypes: []string{"Prescription"}, From: from, To: to.AddDate(1, 0, 0)},
		}}
	in := from.AddDate(0, 1, 0)
	for _, tc := range []struct {
		name     string
		s        *Subscription
		hip, cat string
		at       time.Time
		want     bool
	}{
		{"the HIP's own source", granted, "HIPA", CategoryData, in, true},
		{"the HIP's own source decides, not the general one", granted, "HIPA", CategoryLink, in, false},
		{"any other HIP by the general source", granted, "HIPB", CategoryLink, in, true},
		{"a category not granted", granted, "HIPB", CategoryData, in, false},
		{"an excluded HIP", granted, "HIPX", CategoryLink, in, false},
		{"before the period", granted, "HIPB", CategoryLink, from.Add(-time.Second), false},
		{"after the period", granted, "HIPB", CategoryLink, to.Add(time.Millisecond), false},
		{"the HIP's longer period", granted, "HIPA", CategoryData, to.AddDate(0, 6, 0), true},
		{"not granted", &Subscription{Status: StatusDenied, Sources: granted.Sources}, "HIPA", CategoryData, in, false},
		{"all HIPs, but the request named others", &Subscription{Status: StatusGranted, AllHIPs: true, HIPs: []OrgRef{{ID: "HIPC"}},
			Sources: granted.Sources[:1]}, "HIPB", CategoryLink, in, false},
		{"not all HIPs", &Subscription{Status: StatusGranted, Sources: granted.Sources[1:]}, "HIPB", CategoryData, in, false},
	} {
		if _, got := tc.s.Source(tc.hip, tc.cat, tc.at); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !granted.Expires().Equal(to.AddDate(1, 0, 0)) {
		t.Fatalf("expires %v", granted.Expires())
	}
}

func FuzzParseSubscriptionInit(f *testing.F) {
	f.Add([]byte(goodSubscription))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"subscription":{"hips":[{}],"categories":[null]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseSubscriptionInit(body, "sbx", now)
		if err != nil {
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Fatalf("err %v is not EINVALID", err)
			}
			return
		}
		if s.Patient == "" || s.HIU.ID == "" || len(s.Categories) == 0 || !s.Period.To.After(now) {
			t.Fatalf("accepted %+v", s)
		}
	})
}
