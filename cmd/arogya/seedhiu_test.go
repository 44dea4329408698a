package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/hip"
)

// TestDemoHIUClinician: the demo serves one of its HIP hospitals as HIU
// too (the node's roles share one bridge, and the gateway has the hospital
// as one service with both types), whose doctor's one-time password (printed in the
// banner) sets their own on the clinicians' pages, and then signs in; the
// operator's facilities page lists the facility's clinicians.
func TestDemoHIUClinician(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo node; skipped with -short")
	}
	const admin = "demo-hiu-operator-token"
	n, base, _ := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip", "hiu"}
		c.AdminToken = admin
	})
	ctx := context.Background()
	s, err := seed(ctx, n, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedRegistryDemo(ctx, n, nil); err != nil {
		t.Fatal(err)
	}
	if s.HIP, err = seedHIPDemo(ctx, n, s.Logins, nil); err != nil {
		t.Fatal(err)
	}
	if s.HIU, err = seedHIUDemo(ctx, n); err != nil || s.HIU == nil {
		t.Fatalf("seedHIUDemo = %+v, %v", s.HIU, err)
	}
	st := s.HIU
	hips, err := n.hip.Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(hips, func(f *hip.Facility) bool { return f.ID == st.Facility }) {
		t.Fatalf("the demo HIU facility %s is not one of its HIP hospitals", st.Facility)
	}
	waitFor(t, "the gateway has the hospital as HIP and HIU", func() string {
		svc, err := n.db.Service(ctx, st.Facility)
		if err != nil || !svc.Active || !slices.Contains(svc.Types, "HIP") || !slices.Contains(svc.Types, "HIU") {
			return fmt.Sprintf("%+v %v", svc, err)
		}
		return ""
	})
	var banner strings.Builder
	printBanner(&banner, n, s, true)
	for _, want := range []string{"/hiu/", "Demo clinician at " + st.FacilityName + " (" + st.Facility + "), served as HIP and HIU", "HPR " + st.HPRID, "one-time password " + st.Password, "/cm/ops/facilities"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner.String())
		}
	}

	b := newHIUBrowser(t, base)
	b.get("/hiu/password")
	own := "the demo doctor's passphrase"
	if p := b.post("/hiu/password", url.Values{"facility": {st.Facility}, "hpr": {st.HPRID}, "password": {st.Password}, "new": {own}, "confirm": {own}}); p.status != 303 {
		t.Fatalf("setting the demo clinician's password: %d\n%s", p.status, p.body)
	}
	if p := b.post("/hiu/sign-in", url.Values{"facility": {st.Facility}, "hpr": {st.HPRID}, "password": {own}}); p.status != 303 {
		t.Fatalf("the demo clinician's sign-in: %d", p.status)
	}
	b.get("/hiu/").must(t, "the demo clinician's home", 200, "Consent requests")

	ops := newHIUBrowser(t, base)
	ops.get("/cm/ops/login")
	ops.post("/cm/ops/login", url.Values{"token": {admin}})
	ops.get("/cm/ops/facilities").must(t, "the operator's facilities", 200, `href="/cm/ops/facilities/`+st.Facility+`/clinicians"`, `href="/cm/ops/facilities/`+hips[0].ID+`/staff"`)
}
