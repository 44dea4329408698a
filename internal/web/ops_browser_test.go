package web

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/arogya-health/arogya/internal/gateway"
)

// TestBrowserCMOps signs the operator in to the consent manager's pages in
// Chromium, on a phone-sized screen: they see the bridges, the traffic and
// a dead letter, replay it, and the outbox then delivers it to its bridge.
// JavaScript is used only by the test.
func TestBrowserCMOps(t *testing.T) {
	chromiumPath(t) // skip before building anything
	e := newOpsEnv(t)
	e.runOutbox(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	tab := newChromium(t, ctx)
	shots := os.Getenv("AROGYA_SCREENSHOTS") == "1"
	text := func(sel string) string {
		t.Helper()
		return run(t, tab, chromedp.Text(chromedp.CSS(sel)))
	}
	id := strconv.FormatInt(e.dead.ID, 10)

	// Sign in with the operator token.
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/cm/ops/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "not the token"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	))
	if got := text("#form-error"); !strings.Contains(got, "not the operator token") {
		t.Errorf("wrong token: %q", got)
	}
	must(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("token"), opsToken),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("nav-logout")),
	))
	if got := text("#home-dead"); got != "1" {
		t.Errorf("overview shows %q dead letters", got)
	}

	// Every page fits the narrowest common phone.
	for _, u := range []string{"/cm/ops/", "/cm/ops/bridges", "/cm/ops/traffic", "/cm/ops/dead", "/cm/ops/consents", "/cm/ops/consents?state=36"} {
		must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+u), chromedp.WaitReady(chromedp.CSS("main"))))
		if w := run(t, tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %dpx wide at a 360px viewport", u, w)
		}
	}

	// The bridges, with their services.
	must(t, chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/cm/ops/"),
		chromedp.Click(chromedp.ID("nav-bridges")),
		chromedp.WaitVisible(chromedp.ID("bridge-"+opsHIPBridge)),
	))
	if got := text("#bridge-" + opsHIPBridge); !strings.Contains(got, "Apollo Hospitals HMIS") || !strings.Contains(got, "Apollo Health City Guntur") ||
		!strings.Contains(got, opsHIP) || !strings.Contains(got, "v3") {
		t.Errorf("bridge card: %q", got)
	}
	if shots {
		screenshot(t, tab, "cm-ops-bridges.png")
	}

	// Traffic: the last hour's on-init latencies.
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("nav-traffic")), chromedp.WaitVisible(chromedp.ID("w1h"))))
	if got := text(`#w1h li[data-kind="consent-requests/on-init"]`); !strings.Contains(got, "250 ms") || !strings.Contains(got, "2.5 s") {
		t.Errorf("on-init in the last hour: %q", got)
	}
	if shots {
		screenshot(t, tab, "cm-ops-traffic.png")
	}

	// The dead letter, replayed.
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("nav-dead")), chromedp.WaitVisible(chromedp.ID("replay-"+id))))
	if got := text("#dead-" + id); !strings.Contains(got, opsDeadKind) || !strings.Contains(got, "HTTP 404") || !strings.Contains(got, opsHIUBridge) {
		t.Errorf("dead letter: %q", got)
	}
	if shots {
		screenshot(t, tab, "cm-ops-dead.png")
	}
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("replay-"+id)), chromedp.WaitVisible(chromedp.CSS(".notice"))))
	if got := text("main"); !strings.Contains(got, "queued for delivery again") || !strings.Contains(got, "No dead letters.") {
		t.Errorf("after the replay: %q", got)
	}

	// The outbox delivers it to the bridge, and the traffic shows it.
	for {
		m, err := e.db.Outbound(ctx, e.dead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status == gateway.OutDelivered {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the replayed message is still %s", m.Status)
		case <-time.After(50 * time.Millisecond):
		}
	}
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("nav-traffic")), chromedp.WaitVisible(chromedp.ID("w1h"))))
	if got := text(`#w1h li[data-kind="` + opsDeadKind + `"]`); !strings.Contains(got, "Delivered\n1") && !strings.Contains(got, "Delivered 1") {
		t.Errorf("the replayed kind in the last hour: %q", got)
	}

	// Consents by status and state.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("nav-consents")),
		chromedp.WaitVisible(chromedp.ID("by-state")),
		chromedp.SetValue(chromedp.ID("state"), "36"),
		chromedp.Click(chromedp.ID("show-state")),
		// Only the new page has the attribute; SetValue set the property.
		chromedp.WaitReady(chromedp.CSS(`#state option[value="36"][selected]`)),
	))
	if got := text("#consents-scope"); got != "Counts for Telangana." {
		t.Errorf("scope %q", got)
	}
	if shots {
		must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+"/cm/ops/consents"), chromedp.WaitVisible(chromedp.ID("by-state"))))
		screenshot(t, tab, "cm-ops-consents.png")
	}

	// Signing out ends it.
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("nav-logout")), chromedp.WaitVisible(chromedp.ID("token"))))
	must(t, chromedp.Do(tab, chromedp.Navigate(e.srv.URL+"/cm/ops/dead"), chromedp.WaitVisible(chromedp.ID("token"))))
}
