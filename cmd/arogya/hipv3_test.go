package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
)

// TestHIPV3EndToEnd is TestHIPEndToEnd with the HIP bridge speaking v3
// (--hip-version v3): it sets its URL the v3 way, so the gateway calls it
// at its v3 paths; discovery, linking with the OTP, consent, the encrypted
// transfer to the HIU and the HIP's own linking of a new visit (with a v3
// link token) all go through. Every message the HIP's bridge sent reached
// the gateway in v3.
func TestHIPV3EndToEnd(t *testing.T) {
	n := hipEndToEnd(t, "v3")
	kinds := hipGatewayMessages(t, n)
	for _, k := range []string{"v3 care-contexts/on-discover", "v3 links/link/on-init", "v3 links/link/on-confirm", "v3 consents/hip/on-notify",
		"v3 health-information/hip/on-request", "v3 health-information/notify", "v3 v3/token/generate-token", "v3 links/link/add-contexts",
		"v3 links/context/notify"} {
		if kinds[k] == 0 {
			t.Errorf("the gateway got no %s from the HIP; it got %v", k, kinds)
		}
	}
	for k := range kinds {
		if !strings.HasPrefix(k, "v3 ") {
			t.Errorf("the HIP sent %s, not in v3", k)
		}
	}
	// The gateway called the HIP at its v3 paths only.
	rows, err := n.db.SQL().QueryContext(t.Context(), "SELECT url FROM gateway_outbox WHERE bridge_id LIKE 'arogya-hip-%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	calls := 0
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		calls++
		if !strings.Contains(u, "/hip/api/v3/") {
			t.Errorf("the gateway called the v3 HIP at %s", u)
		}
	}
	if calls == 0 {
		t.Error("the gateway called the HIP not once")
	}
}

// hipGatewayMessages counts the messages the gateway took from this node's
// HIP bridge, by "version kind", as its inbox recorded them.
func hipGatewayMessages(t *testing.T, n *node) map[string]int {
	t.Helper()
	rows, err := n.db.SQL().QueryContext(t.Context(), "SELECT version, kind, COUNT(*) FROM gateway_inbox WHERE bridge_id LIKE 'arogya-hip-%' GROUP BY version, kind")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v, k string
		var c int
		if err := rows.Scan(&v, &k, &c); err != nil {
			t.Fatal(err)
		}
		out[v+" "+k] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHIPV3LinksWithLinkToken: a v3 HIP links a new visit of a person on
// its own with generate-token (their demographics) and link/carecontext;
// the person's next visit is linked with the link token it kept, with no
// second generate-token at the gateway; a token the gateway refuses
// (expired before the HIP thought) is replaced once, and the visit still
// links; and at a facility whose record of the person has another name,
// generate-token is refused and the visit ends LINK_FAILED.
func TestHIPV3LinksWithLinkToken(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const admin = "hip-v3-operator-token"
	var masterFile string
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = admin
		c.HIPVersion = "v3"
		masterFile = c.MasterKeyFile
	})
	op := map[string]string{"Authorization": "Bearer " + admin}
	p := enrolPerson(t, base, sms)

	type facility struct {
		id   string
		hmis map[string]string
	}
	addFacility := func(name string) facility {
		id := verifiedFacility(t, base, op, name)
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": id}, 201, nil)
		var key struct{ Key string }
		jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+id+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
		return facility{id, map[string]string{"Authorization": "Bearer " + key.Key}}
	}
	push := func(f facility, name, ref string, at time.Time) {
		t.Helper()
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "V3 Hospital", HFRID: f.id},
			Visit:    fhir.Visit{ID: ref, Start: at},
			Date:     at,
		}, fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Cough")}})
		if err != nil {
			t.Fatal(err)
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		jsonCall(t, "POST", base+"/api/v1/hip/"+f.id+"/bundles", f.hmis, map[string]any{"patient": map[string]string{"abhaAddress": p.address, "abhaNumber": p.number},
			"careContext": map[string]string{"referenceNumber": ref, "display": "OP visit " + ref}, "bundle": jsonRaw(data)}, 201, nil)
	}
	state := func(f facility, ref, want string) {
		t.Helper()
		waitFor(t, ref+" "+want, func() string {
			var st struct {
				State   string
				Linking []struct{ Step, Status string }
			}
			jsonCall(t, "GET", base+"/api/v1/hip/"+f.id+"/care-contexts/"+ref, op, nil, 200, &st)
			if st.State != want {
				return fmt.Sprintf("%s %+v", st.State, st.Linking)
			}
			return ""
		})
	}
	count := func(kind string) int { return hipGatewayMessages(t, n)["v3 "+kind] }

	a := addFacility("Token Hospital")
	day := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

	// The first visit: generate-token, then link/carecontext, then notify.
	push(a, p.name, "V3-1", day)
	state(a, "V3-1", hip.LinkStateLinked)
	if g, c := count("v3/token/generate-token"), count("links/link/add-contexts"); g != 1 || c != 1 {
		t.Fatalf("after the first visit the gateway got %d generate-token and %d carecontext, want 1 and 1", g, c)
	}
	// The link token is kept sealed: the row does not show it.
	var sealed []byte
	if err := n.db.SQL().QueryRowContext(t.Context(), "SELECT sealed FROM hip_link_tokens WHERE facility_id = $1 AND abha_address = $2", a.id, p.address).Scan(&sealed); err != nil {
		t.Fatalf("the HIP kept no link token: %v", err)
	}
	if bytes.Contains(sealed, []byte("eyJ")) {
		t.Fatal("the link token is kept in the clear")
	}

	// The next visit, a moment later, is linked with the kept token.
	push(a, p.name, "V3-2", day.Add(24*time.Hour))
	state(a, "V3-2", hip.LinkStateLinked)
	if g, c := count("v3/token/generate-token"), count("links/link/add-contexts"); g != 1 || c != 2 {
		t.Fatalf("after the second visit the gateway got %d generate-token and %d carecontext, want 1 and 2", g, c)
	}
	waitFor(t, "both visits' context notices taken", func() string {
		if c := count("links/context/notify"); c != 2 {
			return fmt.Sprint(c)
		}
		return ""
	})

	// The gateway no longer takes the kept token (here: one that expired
	// before the HIP expected): the HIP asks for a fresh one, once, and
	// the visit links.
	master, err := auth.LoadOrCreateMasterKey(masterFile)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	expired, err := n.keys.SignJWT(jwt.MapClaims{"iss": base, "sub": p.address, "typ": "LinkToken", "hip": a.id,
		"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix(), "jti": uuid.NewString()})
	if err != nil {
		t.Fatal(err)
	}
	// The AD is hip's linkTokenAD: the row's facility and address.
	resealed, err := auth.SealAD(auth.DeriveKey(master, "hip/link-token"), []byte(expired), []byte("hip-link-token\x00"+a.id+"\x00"+p.address))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.db.SQL().ExecContext(t.Context(), "UPDATE hip_link_tokens SET sealed = $1 WHERE facility_id = $2 AND abha_address = $3", resealed, a.id, p.address); err != nil {
		t.Fatal(err)
	}
	push(a, p.name, "V3-3", day.Add(48*time.Hour))
	state(a, "V3-3", hip.LinkStateLinked)
	if g, c := count("v3/token/generate-token"), count("links/link/add-contexts"); g != 2 || c != 3 {
		t.Fatalf("after a refused token the gateway got %d generate-token and %d carecontext, want 2 and 3", g, c)
	}
	// The context notice's answer may still be on its way.
	waitFor(t, "V3-3's steps", func() string {
		steps, err := n.db.HIPLinkSteps(t.Context(), a.id, "V3-3")
		if err != nil {
			return err.Error()
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.Step+":"+s.Status)
		}
		if want := "[links/link/add-contexts:EXPIRED v3/token/generate-token:DONE links/link/add-contexts:DONE links/context/notify:DONE]"; fmt.Sprint(got) != want {
			return fmt.Sprintf("%v, want %s", got, want)
		}
		return ""
	})

	// Another facility knows the person by another name: the consent
	// manager refuses generate-token, and the visit is not linked.
	b := addFacility("Misnamed Hospital")
	push(b, "Zorawar Quillfeather", "V3-X", day)
	state(b, "V3-X", hip.LinkStateFailed)
	if g, c := count("v3/token/generate-token"), count("links/link/add-contexts"); g != 3 || c != 3 {
		t.Fatalf("after a wrong name the gateway got %d generate-token and %d carecontext, want 3 and 3", g, c)
	}
	if links, err := n.db.HIPLinks(t.Context(), b.id, "V3-X"); err != nil || len(links) != 0 {
		t.Fatalf("the misnamed visit's links: %v %v", links, err)
	}
	if _, err := n.db.HIPLinkToken(t.Context(), b.id, p.address); err == nil {
		t.Fatal("a link token was kept after generate-token was refused")
	}
	waitFor(t, "the HIP's work all done", func() string { return hipJobsPending(t, n) })
}

// TestHIPV3ScanAndShare: a person shares their profile at the desk of a v3
// HIP; the share comes in v3's shape at its v3 path, the HIP registers
// them and answers a queue token in v3's shape; the link token that came
// with the share is kept (sealed), so the visit the hospital then records
// is linked with it, with no generate-token at all.
func TestHIPV3ScanAndShare(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const admin = "hip-v3-share-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = admin
		c.HIPVersion = "v3"
	})
	op := map[string]string{"Authorization": "Bearer " + admin}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}
	hipID := verifiedFacility(t, base, op, "V3 Desk Hospital")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	var out struct{ Status, HealthID, TokenNumber string }
	waitFor(t, "a profile share", func() string {
		st, body := jsonDo(t, "POST", base+"/cm/patients/profile/share", person, map[string]any{"hipDetails": map[string]string{"id": hipID, "customCode": "OPD-3"}})
		if st != 200 {
			return string(body) // the HIP's registration may still be under way
		}
		if err := jsonUnmarshal(body, &out); err != nil {
			return err.Error()
		}
		return ""
	})
	if !strings.EqualFold(out.Status, "SUCCESS") || out.TokenNumber != "1" || out.HealthID != p.address {
		t.Fatalf("share: %+v, want SUCCESS, token 1, the person's address", out)
	}
	if kinds := hipGatewayMessages(t, n); kinds["v3 patients/profile/on-share"] != 1 {
		t.Fatalf("the HIP's on-share did not come in v3: %v", kinds)
	}
	ps, err := n.db.HIPPatientsByIdentifier(t.Context(), hipID, p.number, p.address, "", 5)
	if err != nil || len(ps) != 1 || ps[0].Name != p.name {
		t.Fatalf("the HIP's patients after the share: %d, %v", len(ps), err)
	}
	if _, err := n.db.HIPLinkToken(t.Context(), hipID, p.address); err != nil {
		t.Fatalf("the share's link token was not kept: %v", err)
	}
	var key struct{ Key string }
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
	at := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	bundle, err := fhir.Build(fhir.Header{
		Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
		Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
		Facility: fhir.Facility{Name: "V3 Desk Hospital", HFRID: hipID},
		Visit:    fhir.Visit{ID: "DESK-1", Start: at},
		Date:     at,
	}, fhir.Consultation{ChiefComplaints: []fhir.Concept{fhir.Text("Fever")}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := fhir.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", map[string]string{"Authorization": "Bearer " + key.Key},
		map[string]any{"patient": map[string]string{"abhaAddress": p.address}, "careContext": map[string]string{"referenceNumber": "DESK-1", "display": "OP visit"},
			"bundle": jsonRaw(data)}, 201, nil)
	waitFor(t, "the visit linked", func() string {
		var st struct{ State string }
		jsonCall(t, "GET", base+"/api/v1/hip/"+hipID+"/care-contexts/DESK-1", op, nil, 200, &st)
		if st.State != hip.LinkStateLinked {
			return st.State
		}
		return ""
	})
	if kinds := hipGatewayMessages(t, n); kinds["v3 v3/token/generate-token"] != 0 || kinds["v3 links/link/add-contexts"] != 1 {
		t.Fatalf("linking after a share: %v, want no generate-token and one carecontext", kinds)
	}
}
