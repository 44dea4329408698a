package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// journeyWorld is issue 6's exchange: a national stack (ABHA, registry,
// consent manager, PHR) with three HIP facilities whose HMIS pushed a
// person's records, and a facility served as HIU with a doctor who has
// an account. The HIU is served by the hub itself, or by a node of its
// own that reaches the hub only over HTTP.
type journeyWorld struct {
	hub                *node // abha, registry, cm, hip, phr (and hiu on one node)
	hubBase, sms       string
	op                 map[string]string // the hub operator's
	hiu                hiuSide           // what the test asks of the HIU node beyond its pages
	hiuBase            string
	p                  specPerson
	hips               []string // the three HIP facilities' IDs
	hiuID, hpr, passwd string
}

// The HIP facilities, as the person and the clinician see them.
const (
	journeyLakeside  = "Lakeside Hospital"
	journeyHillTop   = "Hill Top Lab"
	journeyRiverside = "Riverside Clinic"
	journeyHIU       = "Review Clinic"
	journeyPIN       = "4826"
)

// eventually polls check until it returns "", for up to a minute: the
// machine may be slow and loaded, so no step is timed.
func eventually(t testing.TB, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newJourneyWorld builds the world. With separateHIU, node B serves only
// the hiu role and is a process of its own, started as `arogya serve
// --roles hiu --hiu-gateway-url A/gateway --registry-url A --hiu-client-id
// … --hiu-client-secret …` with bridge credentials A's operator made
// through A's operator API; B's operator adds the facility and the
// doctor's account through B's. Everything between A and B is HTTP.
func newJourneyWorld(t *testing.T, separateHIU bool) *journeyWorld {
	t.Helper()
	const adminA, adminB = "journey-hub-operator", "journey-hiu-operator"
	roles := []string{"abha", "registry", "cm", "hip", "phr"}
	if !separateHIU {
		roles = append(roles, "hiu")
	}
	hub, baseA, sms := testNode(t, func(c *Config) {
		c.Roles = roles
		c.AdminToken = adminA
	})
	opA := map[string]string{"Authorization": "Bearer " + adminA}
	w := &journeyWorld{hub: hub, hubBase: baseA, sms: sms, op: opA, hiuBase: baseA}
	w.p = enrolPerson(t, baseA, sms)
	w.hiuID = verifiedFacility(t, baseA, opA, journeyHIU)
	opB := opA
	w.hiu = hiuInProcess{hub, w.hiuID}
	if separateHIU {
		var creds struct{ ClientID, ClientSecret string }
		jsonCall(t, "POST", baseA+"/api/v1/admin/bridges", opA, map[string]string{"id": "journey-hiu", "name": "Review Clinic's HIU node"}, 201, &creds)
		dir, addr := t.TempDir(), freeAddr(t)
		cfg := Config{Addr: addr, PublicURL: "http://" + addr, Data: dir, DB: "sqlite:" + filepath.Join(dir, "arogya.db"), MasterKeyFile: filepath.Join(dir, "master.key"),
			CMID: "sbx", Roles: []string{"hiu"}, AdminToken: adminB, RegistryURL: baseA, HIUGatewayURL: baseA + "/gateway",
			HIUClientID: creds.ClientID, HIUClientSecret: creds.ClientSecret}
		srv := startServer(t, "--addr", cfg.Addr, "--public-url", cfg.PublicURL, "--data", cfg.Data, "--db", cfg.DB, "--master-key-file", cfg.MasterKeyFile,
			"--cm-id", cfg.CMID, "--roles", "hiu", "--admin-token", adminB, "--registry-url", baseA, "--hiu-gateway-url", cfg.HIUGatewayURL,
			"--hiu-client-id", creds.ClientID, "--hiu-client-secret", creds.ClientSecret)
		opB = map[string]string{"Authorization": "Bearer " + adminB}
		h := &hiuProcess{srv: srv, cfg: cfg, op: opB, facility: w.hiuID}
		t.Cleanup(func() {
			h.stop()
			if t.Failed() {
				logs := srv.logs.String()
				t.Logf("the HIU process's log (the end):\n%s", logs[max(0, len(logs)-4000):])
			}
		})
		w.hiu, w.hiuBase = h, srv.base
	}
	jsonCall(t, "POST", w.hiuBase+"/api/v1/admin/hiu/facilities", opB, map[string]string{"facilityId": w.hiuID}, 201, nil)

	// The doctor is a verified professional of the HIU facility in the
	// registry; the HIU node's operator gives them an account.
	w.hpr = w.professional(t, w.hiuID, "dr.anita.das", "Anita Das")
	var account struct{ Password string }
	jsonCall(t, "POST", w.hiuBase+"/api/v1/admin/hiu/facilities/"+w.hiuID+"/staff", opB, map[string]string{"hprId": w.hpr}, 201, &account)
	w.passwd = "the doctor's own passphrase"
	jsonCall(t, "POST", w.hiuBase+"/api/v1/hiu/"+w.hiuID+"/staff/password", nil,
		map[string]string{"hprId": w.hpr, "password": account.Password, "newPassword": w.passwd}, 204, nil)
	eventually(t, "the HIU registers its facility at the gateway", func() string {
		s, err := hub.db.Service(t.Context(), w.hiuID)
		if err != nil || !s.Active || (separateHIU && s.BridgeID != "journey-hiu") {
			return fmt.Sprintf("%+v %v", s, err)
		}
		return ""
	})

	// Three facilities on the hub's HIP; each one's HMIS pushes the
	// person's records by ABHA address, which links them (HIP-initiated).
	for _, name := range []string{journeyLakeside, journeyHillTop, journeyRiverside} {
		id := verifiedFacility(t, baseA, opA, name)
		jsonCall(t, "POST", baseA+"/api/v1/admin/hip/facilities", opA, map[string]string{"facilityId": id}, 201, nil)
		w.hips = append(w.hips, id)
	}
	eventually(t, "the HIP's services registered", func() string {
		for _, id := range w.hips {
			if !hipServiceActive(t, baseA, opA, id) {
				return "not yet"
			}
		}
		return ""
	})
	p := w.p
	push := func(hipID, name, ref, display string, at time.Time, content fhir.Content) {
		var key struct{ Key string }
		jsonCall(t, "POST", baseA+"/api/v1/admin/hip/facilities/"+hipID+"/keys", opA, map[string]string{"name": "HMIS " + ref + " " + at.Format(time.RFC3339)}, 201, &key)
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: name, HFRID: hipID},
			Visit:    fhir.Visit{ID: ref, Class: "AMB", Start: at.Add(-time.Hour), End: at.Add(-30 * time.Minute)},
			Date:     at,
		}, content)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		jsonCall(t, "POST", baseA+"/api/v1/hip/"+hipID+"/bundles", map[string]string{"Authorization": "Bearer " + key.Key},
			map[string]any{"patient": map[string]string{"abhaAddress": p.address, "abhaNumber": p.number},
				"careContext": map[string]string{"referenceNumber": ref, "display": display}, "bundle": jsonRaw(data)}, 201, nil)
	}
	consult := fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}, Diagnoses: []fhir.Concept{fhir.SNOMED("82272006", "Common cold")}}
	lab := func(hb string) fhir.LabReport {
		return fhir.LabReport{Test: fhir.LOINC("58410-2", "Complete blood count"),
			Results: []fhir.Result{{Test: fhir.LOINC("718-7", "Haemoglobin"), Value: hb, Unit: "g/dL", Low: "12", High: "15.5"}}}
	}
	rx := fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Frequency: "1-1-1", Days: 3}}}
	push(w.hips[0], journeyLakeside, "OP-1", "Fever visit", time.Date(2025, 3, 11, 5, 0, 0, 0, time.UTC), consult)
	push(w.hips[0], journeyLakeside, "OP-1", "Fever visit", time.Date(2025, 3, 11, 7, 0, 0, 0, time.UTC), lab("13.1"))
	push(w.hips[1], journeyHillTop, "LAB-9", "Blood test", time.Date(2025, 5, 2, 5, 0, 0, 0, time.UTC), lab("9.2"))
	push(w.hips[2], journeyRiverside, "RX-3", "Pharmacy visit", time.Date(2025, 8, 20, 5, 0, 0, 0, time.UTC), rx)
	eventually(t, "the visits linked and told of", func() string {
		links, err := hub.db.Links(t.Context(), p.address)
		told := 0
		for _, l := range links {
			if len(l.HITypes) > 0 {
				told++
			}
		}
		if err != nil || told != 3 {
			return fmt.Sprintf("%d links, %d told, %v", len(links), told, err)
		}
		return hipJobsPending(t, hub)
	})
	return w
}

// professional registers a verified doctor of a facility at the hub's
// registry and returns their HPR ID.
func (w *journeyWorld) professional(t *testing.T, facility, handle, name string) string {
	t.Helper()
	var prof struct{ ID string }
	jsonCall(t, "POST", w.hubBase+"/api/v1/professionals", nil, map[string]any{"handle": handle, "name": name, "gender": "F", "category": "doctor",
		"systemOfMedicine": "modern", "council": "Andhra Pradesh Medical Council", "registrationNumber": "APMC/" + handle,
		"qualifications": []map[string]any{{"degree": "MBBS", "university": "Andhra University", "year": 2012}}, "languages": []string{"en"},
		"facilities": []string{facility}, "address": map[string]string{"city": "Visakhapatnam", "stateCode": "28", "districtCode": "520", "pin": "530002"}}, 201, &prof)
	jsonCall(t, "POST", w.hubBase+"/api/v1/professionals/"+prof.ID+"/verification", w.op, map[string]string{"decision": "VERIFIED"}, 200, nil)
	return prof.ID
}

// journeyTab is one person's browser window.
type journeyTab struct {
	t   *testing.T
	ctx context.Context
}

func (b journeyTab) do(what string, actions ...chromedp.Action[struct{}]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b journeyTab) eval(js string) string {
	b.t.Helper()
	return phrEval[string](b.t, b.ctx, js)
}

// until polls the page, which may be reloading itself, until js is true.
func (b journeyTab) until(what, js string) {
	b.t.Helper()
	eventually(b.t, what, func() string {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			return err.Error()
		}
		if !ok {
			return "not yet; the page shows: " + b.text()
		}
		return ""
	})
}

// text is the page's main text, shortened, for failure messages.
func (b journeyTab) text() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body || {}).innerText || ''`))
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// front makes the tab the active one, so its page's own reloads run as a
// person looking at it would see them.
func (b journeyTab) front() {
	b.t.Helper()
	b.do("bring the tab to the front", func(ctx context.Context, t *chromedp.Target) (struct{}, error) {
		_, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{})
		return struct{}{}, err
	})
}

// journeyShots saves screenshots of the journey's pages when dir is set.
type journeyShots struct {
	dir string
}

func (s *journeyShots) take(b journeyTab, name string) {
	b.t.Helper()
	if s == nil || s.dir == "" {
		return
	}
	shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), smallPNG(b.t, shot), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// smallPNG re-encodes a screenshot with the 256 colours it uses most (a
// page's flat colours; anti-aliased edges take the nearest), at the best
// compression: a third of Chromium's PNG, looking the same.
func smallPNG(t testing.TB, shot []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colours := slices.SortedFunc(maps.Keys(counts), func(a, b color.RGBA) int {
		return cmp.Or(counts[b]-counts[a], cmp.Compare(uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A), uint32(b.R)<<24|uint32(b.G)<<16|uint32(b.B)<<8|uint32(b.A)))
	})
	var pal color.Palette
	for _, c := range colours[:min(256, len(colours))] {
		pal = append(pal, c)
	}
	p := image.NewPaletted(r, pal)
	draw.Draw(p, r, img, r.Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, p); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Phone-sized screens, as a clinician's and a person's phones are.
const journeyWidth, journeyHeight = 390, 844

// journeyBrowsers starts Chromium with two windows that share nothing
// (cookies included): the clinician's and the person's.
func journeyBrowsers(t *testing.T, ctx context.Context, scale float64) (clinician, person journeyTab) {
	t.Helper()
	tab := phrChromium(t, ctx)
	clinician = journeyTab{t, tab}
	clinician.do("open the clinician's window", chromedp.EmulateViewport(journeyWidth, journeyHeight, chromedp.EmulateMobile, chromedp.EmulateScale(scale)))
	pctx, cancel := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	person = journeyTab{t, pctx}
	person.do("open the person's window", chromedp.EmulateViewport(journeyWidth, journeyHeight, chromedp.EmulateMobile, chromedp.EmulateScale(scale)))
	return clinician, person
}

// TestBrowserExchangeJourney is issue 6's whole journey in Chromium,
// through the pages only (the API only for what a hospital's HMIS or the
// operator does: facilities, records pushed at three HIP facilities, the
// clinician's account): the clinician asks for consent; the person sees
// it in the PHR's inbox and approves with their PIN; the clinician's
// request page turns granted by itself; they get the records of all three
// facilities, grouped by facility, and read a lab value with its range
// and flag; the person revokes one facility's consent; the clinician's
// next get-records is refused (the page says why) and those records are
// gone; with the clock moved past dataEraseAt the HIU erases the rest and
// its records page says so, its store holding nothing.
//
// On one node, and with the HIU on a node of its own: a child process
// (this test binary run as the arogya command, as the crash test runs
// it) talking to the hub over HTTP only. A process's clock cannot be
// moved, so for the dataEraseAt step the test stops it and reopens its
// data in this process on the same address (see hiuProcess).
func TestBrowserExchangeJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	for _, tc := range []struct {
		name        string
		separateHIU bool
	}{
		{"one node", false},
		{"HIU on its own node", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			clinician, person := journeyBrowsers(t, ctx, 1)
			w := newJourneyWorld(t, tc.separateHIU)
			runExchangeJourney(t, w, clinician, person, nil)
		})
	}
}

// runExchangeJourney walks the journey; shots, if not nil, saves the
// main pages on the way.
func runExchangeJourney(t *testing.T, w *journeyWorld, clinician, person journeyTab, shots *journeyShots) {
	// The clinician signs in, finds the patient and asks for consent.
	clinician.do("the clinician signs in",
		chromedp.Navigate(w.hiuBase+"/hiu/"),
		chromedp.WaitVisible(chromedp.ID("facility")),
		chromedp.SendKeys(chromedp.ID("facility"), w.hiuID),
		chromedp.SendKeys(chromedp.ID("hpr"), w.hpr),
		chromedp.SendKeys(chromedp.ID("password"), w.passwd),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("new-request")),
	)
	clinician.do("find the patient",
		chromedp.Click(chromedp.ID("new-request")),
		chromedp.WaitVisible(chromedp.ID("find-patient")),
		chromedp.SendKeys(chromedp.ID("find-patient"), w.p.address),
		chromedp.Click(chromedp.ID("find")),
		chromedp.WaitVisible(chromedp.ID("found-name")),
	)
	if got := clinician.eval(`document.getElementById('found-name').innerText`); got != w.p.name {
		t.Fatalf("the clinician found %q, not the person", got)
	}
	clinician.eval(`(() => {
		for (const c of document.querySelectorAll('input[name=hitype]'))
			c.checked = ['OPConsultation', 'DiagnosticReport', 'Prescription'].includes(c.value);
		return '';
	})()`)
	clinician.do("ask for consent",
		chromedp.SetValue(chromedp.ID("from"), "2025-01-01"),
		chromedp.SetValue(chromedp.ID("to"), "2025-12-31"),
		chromedp.Click(chromedp.ID("ask")),
		chromedp.WaitVisible(chromedp.ID("request-status")),
	)
	clinician.until("the request waits for the patient", `document.getElementById('request-status')?.innerText === 'Waiting for the patient'`)
	reqPath := clinician.eval(`location.pathname`)
	if !strings.HasPrefix(reqPath, "/hiu/requests/") {
		t.Fatalf("the request's page is %s", reqPath)
	}
	reqURL := w.hiuBase + reqPath
	reqID := strings.TrimPrefix(reqPath, "/hiu/requests/")
	if clinician.eval(`document.querySelector('meta[http-equiv=refresh]') ? 'yes' : 'no'`) != "yes" {
		t.Error("the waiting request does not reload itself")
	}

	// The person signs in to the PHR with an OTP and sets their PIN.
	sent := smsCount(t, w.sms)
	person.front()
	person.do("the person asks for an OTP",
		chromedp.Navigate(w.hubBase+"/abha/login"),
		chromedp.WaitVisible(chromedp.ID("loginId")),
		chromedp.SendKeys(chromedp.ID("loginId"), w.p.number),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("otp")),
	)
	person.do("the person logs in",
		chromedp.SendKeys(chromedp.ID("otp"), phrOTP(t, w.sms, sent, w.p.mobile)),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("abha-number")),
		chromedp.Navigate(w.hubBase+"/abha/records"),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	)
	timeline := person.eval(`document.getElementById('timeline').innerText`)
	for _, want := range []string{journeyLakeside, journeyHillTop, journeyRiverside} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline does not show %s: %q", want, timeline)
		}
	}
	shots.take(person, "phr-records")
	person.do("set the consent PIN",
		chromedp.Navigate(w.hubBase+"/abha/consents"),
		chromedp.WaitVisible(chromedp.CSS("#setpin summary")),
		chromedp.Click(chromedp.CSS("#setpin summary")),
		chromedp.WaitVisible(chromedp.ID("newpin")),
		chromedp.SendKeys(chromedp.ID("newpin"), journeyPIN),
		chromedp.SendKeys(chromedp.ID("newpin2"), journeyPIN),
		chromedp.Click(chromedp.CSS(`button[value=setpin]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)

	// The request is in the inbox; the person approves every visit with
	// the PIN.
	eventually(t, "the request in the person's inbox", func() string {
		person.do("open the consents", chromedp.Navigate(w.hubBase+"/abha/consents"), chromedp.WaitVisible(chromedp.ID("inbox-h")))
		if !strings.Contains(person.eval(`document.getElementById('inbox')?.innerText || ''`), journeyHIU) {
			return "not yet: " + person.text()
		}
		return ""
	})
	shots.take(person, "phr-consent-inbox")
	person.do("review the request",
		chromedp.Click(chromedp.CSS(`#inbox button[value=review]`)),
		chromedp.WaitVisible(chromedp.ID("approve")),
	)
	offered := person.eval(`[...document.querySelectorAll('legend')].map(l => l.innerText).join('|')`)
	for _, want := range []string{journeyLakeside, journeyHillTop, journeyRiverside} {
		if !strings.Contains(offered, want) {
			t.Fatalf("the approval form does not offer %s: %q", want, offered)
		}
	}
	if n := phrEval[int](t, person.ctx, `document.querySelectorAll('input[name=cc]:checked').length`); n != 3 {
		t.Fatalf("%d visits ticked, want all 3", n)
	}
	person.do("approve with the PIN",
		chromedp.SendKeys(chromedp.ID("pin"), journeyPIN),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("active")),
	)
	if n := phrEval[int](t, person.ctx, `document.querySelectorAll('#active li.consent-active').length`); n != 3 {
		t.Fatalf("%d consents active, want one per facility: %s", n, person.text())
	}

	// The clinician's page turns granted by itself (no reload by hand).
	clinician.front()
	clinician.until("the request page shows the grant", `document.getElementById('request-status')?.innerText === 'Granted' && document.querySelectorAll('.get-records').length === 3`)
	if clinician.eval(`document.querySelector('meta[http-equiv=refresh]') ? 'yes' : 'no'`) != "no" {
		t.Error("the granted request still reloads itself")
	}
	shots.take(clinician, "hiu-consent-request")

	// Get the records of each facility.
	for i := range 3 {
		clinician.do("open the request", chromedp.Navigate(reqURL), chromedp.WaitVisible(chromedp.ID("artefacts")))
		// Press only once the page has stopped reloading itself (it does
		// while a transfer is under way), or a reload could drop the press.
		clinician.until("the get-records buttons", `document.querySelectorAll('.get-records').length === 3 && !document.querySelector('meta[http-equiv=refresh]')`)
		clinician.eval(fmt.Sprintf(`(document.querySelectorAll('.get-records')[%d].click(), '')`, i))
		clinician.do("get records", chromedp.WaitVisible(chromedp.ID("transfer-status")))
		clinician.until("the records arrive", `document.getElementById('transfer-status')?.innerText === 'Received'`)
	}
	clinician.do("see the records",
		chromedp.Click(chromedp.ID("records-link")),
		chromedp.WaitVisible(chromedp.CSS("a.record-link")),
	)
	groups := func() []string {
		var hips []string
		for h := range strings.SplitSeq(clinician.eval(`[...document.querySelectorAll('h2.group-hip')].map(h => h.innerText).join('|')`), "|") {
			if h != "" && !slices.Contains(hips, h) {
				hips = append(hips, h)
			}
		}
		slices.Sort(hips)
		return hips
	}
	if g := groups(); !slices.Equal(g, []string{journeyHillTop, journeyLakeside, journeyRiverside}) {
		t.Fatalf("records grouped by %v, want the three facilities", g)
	}
	shots.take(clinician, "hiu-records")
	clinician.eval(`(() => {
		for (const s of document.querySelectorAll('section.record-group'))
			if (s.querySelector('h2.group-hip').innerText === 'Hill Top Lab') s.querySelector('a.record-link').click();
		return '';
	})()`)
	clinician.do("open the lab report", chromedp.WaitVisible(chromedp.CSS("article.fhir-record")))
	if shots != nil && shots.dir != "" {
		clinician.eval(`(document.querySelector('article.fhir-record .flag-abnormal')?.scrollIntoView({block: 'center'}), '')`)
	}
	rec := clinician.eval(`document.querySelector('article.fhir-record').innerText`)
	for _, want := range []string{"Haemoglobin", "9.2", "12", "15.5"} {
		if !strings.Contains(rec, want) {
			t.Errorf("the lab report lacks %q: %q", want, rec)
		}
	}
	if flag := clinician.eval(`document.querySelector('article.fhir-record .flag-abnormal')?.innerText || ''`); !strings.Contains(strings.ToLower(flag), "low") {
		t.Errorf("the low haemoglobin is flagged %q", flag)
	}
	shots.take(clinician, "hiu-record")
	// The same record in Hindi: the page's words and the record's own
	// headings and flag, the record's data as the HIP wrote it.
	recURL := clinician.eval(`location.origin + location.pathname`) // the HIU's node: the hub's, or its own
	clinician.do("the record in Hindi", chromedp.Navigate(recURL+"?lang=hi"), chromedp.WaitVisible(chromedp.CSS("article.fhir-record")))
	if flag := clinician.eval(`document.querySelector('article.fhir-record .flag-abnormal')?.innerText || ''`); !strings.Contains(flag, "कम") {
		t.Errorf("the low haemoglobin in Hindi is flagged %q", flag)
	}
	if rec := clinician.eval(`document.querySelector('article.fhir-record').innerText`); !strings.Contains(rec, "Haemoglobin") || !strings.Contains(rec, "9.2") {
		t.Errorf("the record in Hindi lost its data: %q", rec)
	}
	if shots != nil && shots.dir != "" {
		clinician.eval(`(document.querySelector('article.fhir-record .flag-abnormal')?.scrollIntoView({block: 'center'}), '')`)
	}
	shots.take(clinician, "hiu-record-hi")
	clinician.do("back to English", chromedp.Navigate(recURL+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("article.fhir-record")))

	// The person's access log shows the fetches.
	person.front()
	person.do("the access log", chromedp.Navigate(w.hubBase+"/abha/access"), chromedp.WaitVisible(chromedp.ID("access-log")))
	if log := person.eval(`document.getElementById('access-log').innerText`); !strings.Contains(log, journeyHIU) || !strings.Contains(log, journeyHillTop) {
		t.Errorf("the access log: %q", log)
	}
	shots.take(person, "phr-access-log")
	if shots != nil && shots.dir != "" {
		person.do("the PHR in Hindi", chromedp.Navigate(w.hubBase+"/abha/records?lang=hi"), chromedp.WaitVisible(chromedp.ID("timeline")))
		if lang := person.eval(`document.documentElement.lang`); lang != "hi" {
			t.Errorf("the PHR switched to Hindi is in %q", lang)
		}
		shots.take(person, "phr-records-hi")
		person.do("back to English", chromedp.Navigate(w.hubBase+"/abha/records?lang=en"), chromedp.WaitVisible(chromedp.ID("timeline")))
	}

	// The clinician has the request open, with its three buttons, when
	// the person revokes the lakeside hospital's consent.
	clinician.front()
	eventually(t, "the request page done reloading itself", func() string {
		clinician.do("open the request", chromedp.Navigate(reqURL), chromedp.WaitVisible(chromedp.ID("artefacts")))
		if clinician.eval(`document.querySelector('meta[http-equiv=refresh]') ? 'yes' : 'no'`) != "no" {
			return "still reloading itself"
		}
		return ""
	})
	lakeside := clinician.eval(`[...document.querySelectorAll('#artefacts li')].find(li => li.querySelector('.result-name').innerText === 'Lakeside Hospital')?.id.replace(/^artefact-/, '') || ''`)
	if lakeside == "" {
		t.Fatalf("no lakeside artefact on the request page: %s", clinician.text())
	}
	if n := w.hiu.count(t, "hiu_records WHERE consent_id = ?", lakeside); n != 2 {
		t.Fatalf("the HIU holds %d records from the lakeside hospital, want its 2", n)
	}
	person.front()
	person.do("open the consents", chromedp.Navigate(w.hubBase+"/abha/consents"), chromedp.WaitVisible(chromedp.ID("active")))
	pinID := person.eval(`(() => {
		const li = [...document.querySelectorAll('#active li.consent-active')].find(li => li.innerText.includes('Lakeside Hospital'));
		if (!li) return '';
		li.querySelector('details.revoke').open = true;
		return li.querySelector('input[name=pin]').id;
	})()`)
	if pinID == "" {
		t.Fatalf("no lakeside consent to revoke: %s", person.text())
	}
	person.do("revoke with the PIN",
		chromedp.WaitVisible(chromedp.ID(pinID)),
		chromedp.SendKeys(chromedp.ID(pinID), journeyPIN),
	)
	person.eval(`(document.getElementById(` + jsString(pinID) + `).form.querySelector('button[value=revoke]').click(), '')`)
	person.until("the revocation is confirmed", `document.querySelector('.notice')?.innerText === 'Consent revoked.'`)
	if n := phrEval[int](t, person.ctx, `document.querySelectorAll('#active li.consent-active').length`); n != 2 {
		t.Errorf("%d consents active after revoking one of 3", n)
	}
	eventually(t, "the HIU hears of the revocation", func() string {
		if st := w.hiu.artefactStatus(t, lakeside); st != "REVOKED" {
			return st
		}
		return ""
	})
	transfers := func() int { return w.hiu.count(t, "hiu_transfers WHERE consent_id = ?", lakeside) }
	before := transfers()

	// The clinician's next get-records, from the page still open, is
	// refused and the page says why; nothing is asked of the HIP.
	clinician.front()
	clinician.eval(`(document.querySelector('#artefact-` + lakeside + ` .get-records').click(), '')`)
	clinician.do("get records under the revoked consent", chromedp.WaitVisible(chromedp.ID("form-error")))
	if why := clinician.eval(`document.getElementById('form-error').innerText`); why != "This consent has ended: no more records can be asked for under it." {
		t.Errorf("refused with %q", why)
	}
	if after := transfers(); after != before {
		t.Errorf("a get-records under the revoked consent made a transfer: %d, were %d", after, before)
	}
	clinician.do("see the records", chromedp.Navigate(reqURL+"/records"), chromedp.WaitVisible(chromedp.ID("records")))
	if erased := clinician.eval(`[...document.querySelectorAll('.erased')].map(p => p.innerText).join('|')`); !strings.Contains(erased, "The records from Lakeside Hospital have been erased: the patient revoked the consent.") {
		t.Errorf("the records page does not say the lakeside records were erased: %q", erased)
	}
	if g := groups(); !slices.Equal(g, []string{journeyHillTop, journeyRiverside}) {
		t.Errorf("after the revocation, records from %v", g)
	}
	if n := w.hiu.count(t, "hiu_records WHERE consent_id = ?", lakeside); n != 0 {
		t.Errorf("%d records of the revoked consent left at the HIU", n)
	}

	// The clock moves past dataEraseAt: the HIU erases the rest.
	w.hiu.eraseDue(t, reqID)
	clinician.do("see the records after dataEraseAt", chromedp.Navigate(reqURL+"/records"), chromedp.WaitVisible(chromedp.ID("no-records")))
	if erased := clinician.eval(`[...document.querySelectorAll('.erased')].map(p => p.innerText).join('|')`); !strings.Contains(erased, "their erase date has passed") {
		t.Errorf("the records page does not say the erase date passed: %q", erased)
	}
	if n := phrEval[int](t, clinician.ctx, `document.querySelectorAll('a.record-link').length`); n != 0 {
		t.Errorf("%d records shown after dataEraseAt", n)
	}
	for _, table := range []string{"hiu_records", "hiu_artefacts"} {
		if n := w.hiu.count(t, table+" WHERE facility_id = ?", w.hiuID); n != 0 {
			t.Errorf("%d rows left in %s after dataEraseAt", n, table)
		}
	}
}

// hiuSide is what the journey asks of the HIU node beyond its pages: an
// artefact's status, what its store holds, and moving its clock.
type hiuSide interface {
	artefactStatus(t *testing.T, id string) string
	// count counts the rows of a table (and condition) in its store.
	count(t *testing.T, from string, args ...any) int
	// eraseDue moves its clock a minute past the latest dataEraseAt of the
	// request's consents and erases what is due.
	eraseDue(t *testing.T, requestID string)
}

// hiuInProcess is a node in this process serving the hiu role.
type hiuInProcess struct {
	n        *node
	facility string
}

func (h hiuInProcess) artefactStatus(t *testing.T, id string) string {
	a, err := h.n.hiu.Artefact(t.Context(), h.facility, id)
	if err != nil {
		return err.Error()
	}
	return a.Status
}

func (h hiuInProcess) count(t *testing.T, from string, args ...any) int {
	return hiuCount(t, h.n, from, args...)
}

func (h hiuInProcess) eraseDue(t *testing.T, requestID string) {
	t.Helper()
	arts, err := h.n.hiu.Artefacts(t.Context(), h.facility, requestID)
	if err != nil || len(arts) == 0 {
		t.Fatalf("the request's consents: %d, %v", len(arts), err)
	}
	var eraseAt time.Time
	for _, a := range arts {
		if a.EraseAt.After(eraseAt) {
			eraseAt = a.EraseAt
		}
	}
	if !eraseAt.After(time.Now()) {
		t.Fatalf("dataEraseAt %s is not in the future", eraseAt)
	}
	if _, err := h.n.hiuBridge.EraseDue(t.Context(), eraseAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// hiuProcess is an `arogya serve --roles hiu` process (this test binary
// run as the arogya command, as the crash test does). A process's clock
// cannot be moved, so eraseDue stops it and reopens its data directory in
// this process, on the same address, to move the clock there.
type hiuProcess struct {
	srv      *server
	cfg      Config
	op       map[string]string
	facility string
	reopened *node
}

func (h *hiuProcess) stop() {
	if h.srv != nil && h.srv.cmd.ProcessState == nil {
		_ = h.srv.cmd.Process.Signal(syscall.SIGTERM)
		_ = h.srv.cmd.Wait()
	}
}

func (h *hiuProcess) artefactStatus(t *testing.T, id string) string {
	st, body := jsonDo(t, "GET", "http://"+h.cfg.Addr+"/api/v1/hiu/"+h.facility+"/artefacts/"+id, h.op, nil)
	var a struct{ Status string }
	if st != 200 || json.Unmarshal(body, &a) != nil {
		return fmt.Sprintf("HTTP %d", st)
	}
	return a.Status
}

func (h *hiuProcess) count(t *testing.T, from string, args ...any) int {
	t.Helper()
	if h.reopened != nil {
		return hiuCount(t, h.reopened, from, args...)
	}
	db, err := sql.Open("sqlite", strings.TrimPrefix(h.cfg.DB, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var c int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+from, args...).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (h *hiuProcess) eraseDue(t *testing.T, requestID string) {
	t.Helper()
	if h.srv.cmd.ProcessState != nil {
		t.Fatalf("the HIU process ended during the journey: %s", h.srv.cmd.ProcessState)
	}
	h.stop()
	var ln net.Listener
	eventually(t, "the HIU's address free again", func() string {
		var err error
		if ln, err = net.Listen("tcp", h.cfg.Addr); err != nil {
			return err.Error()
		}
		return ""
	})
	n, err := newNode(context.Background(), h.cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), nodeOptions{Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		ln.Close()
		t.Fatalf("reopen the HIU node's data: %v", err)
	}
	srv := &http.Server{Handler: n.handler}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		n.Close()
	})
	h.reopened = n
	hiuInProcess{n, h.facility}.eraseDue(t, requestID)
}

// hiuCount counts the rows of a table (and condition) at a node.
func hiuCount(t *testing.T, n *node, from string, args ...any) int {
	t.Helper()
	var c int
	if err := n.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+from, args...).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// jsString quotes s for JavaScript source (IDs here are [A-Za-z0-9-]).
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
