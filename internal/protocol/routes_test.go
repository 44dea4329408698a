package protocol_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/protocol"
)

func TestRouteTable(t *testing.T) {
	rs := protocol.Routes()
	if len(rs) == 0 {
		t.Fatal("no routes")
	}
	kinds := map[string]bool{}
	v3g := map[string]string{}
	v3b := map[string]string{}
	for _, r := range rs {
		if r.Kind == "" || kinds[r.Kind] {
			t.Errorf("Kind %q is empty or repeated", r.Kind)
		}
		kinds[r.Kind] = true
		if r.V3Gateway != "" {
			if prev, ok := v3g[r.V3Gateway]; ok {
				t.Errorf("V3Gateway %s is on both %s and %s", r.V3Gateway, prev, r.Kind)
			}
			v3g[r.V3Gateway] = r.Kind
		}
		if r.V3Bridge != "" {
			if prev, ok := v3b[r.V3Bridge]; ok {
				t.Errorf("V3Bridge %s is on both %s and %s", r.V3Bridge, prev, r.Kind)
			}
			v3b[r.V3Bridge] = r.Kind
		}
		switch r.Dir {
		case protocol.ToCM:
			if r.Target != "" || r.V3Bridge != "" || r.V05Bridge != "" {
				t.Errorf("%s: ToCM with bridge fields %+v", r.Kind, r)
			}
			if r.V3Gateway != "" && !strings.HasPrefix(r.V3Gateway, "/") {
				t.Errorf("%s: V3Gateway %q is not a path", r.Kind, r.V3Gateway)
			}
		case protocol.ToBridge:
			if r.Target != "HIP" && r.Target != "HIU" && r.Target != "HIP,HIU" {
				t.Errorf("%s: Target %q, want HIP, HIU or HIP,HIU", r.Kind, r.Target)
			}
			if r.V3Gateway != "" {
				t.Errorf("%s: ToBridge with V3Gateway %q", r.Kind, r.V3Gateway)
			}
			if r.V3Bridge != "" && !strings.HasPrefix(r.V3Bridge, "/api/v3/") {
				t.Errorf("%s: V3Bridge %q is not under /api/v3/", r.Kind, r.V3Bridge)
			}
		default:
			t.Errorf("%s: Dir %v", r.Kind, r.Dir)
		}
		if r.V3Only() && (r.V3Gateway == "" && r.V3Bridge == "") {
			t.Errorf("%s: v3-only with no v3 path", r.Kind)
		}
	}

	// Every reply is a route going the other way, answers nothing itself,
	// and answers exactly one message; every callback is someone's reply.
	answers := map[string]int{}
	for _, r := range rs {
		if r.Reply == "" {
			continue
		}
		answers[r.Reply]++
		rep, ok := protocol.ByKind(r.Reply)
		if !ok {
			t.Errorf("%s: Reply %q is not a route", r.Kind, r.Reply)
			continue
		}
		if rep.Dir == r.Dir {
			t.Errorf("%s (%v) is answered by %s going the same way", r.Kind, r.Dir, rep.Kind)
		}
		if rep.Reply != "" {
			t.Errorf("%s answers %s but has a Reply itself", rep.Kind, r.Kind)
		}
		// A v3-form message is answered in v3 and the other way round.
		if (r.V3Gateway+r.V3Bridge == "") != (rep.V3Gateway+rep.V3Bridge == "") {
			t.Errorf("%s and its reply %s differ in having a v3 form", r.Kind, rep.Kind)
		}
	}
	callback := regexp.MustCompile(`(^|/)on[-_][^/]+$`)
	for _, r := range rs {
		if callback.MatchString(r.Kind) != (answers[r.Kind] == 1) {
			t.Errorf("%s: answers %d messages; callbacks (on-…) answer exactly one, others none", r.Kind, answers[r.Kind])
		}
	}
}

func TestLookups(t *testing.T) {
	r, ok := protocol.ByKind("consent-requests/on-init")
	if !ok || r.Dir != protocol.ToBridge || r.Target != "HIU" {
		t.Fatalf("ByKind(consent-requests/on-init) = %+v, %v", r, ok)
	}
	if _, ok := protocol.ByKind("sessions"); ok {
		t.Error("ByKind(sessions) found a route; sessions is not a message")
	}
	for _, p := range []string{"/consent/v3/request/init", "/api/hiecm/consent/v3/request/init"} {
		if r, ok := protocol.ByV3Gateway(p); !ok || r.Kind != "consent-requests/init" {
			t.Errorf("ByV3Gateway(%q) = %+v, %v; want consent-requests/init", p, r, ok)
		}
	}
	for _, p := range []string{"", "/api/hiecm", "/api/hiecmconsent/v3/request/init", "/api/v3/hiu/consent/request/on-init"} {
		if r, ok := protocol.ByV3Gateway(p); ok {
			t.Errorf("ByV3Gateway(%q) = %s, want none", p, r.Kind)
		}
	}
	if r, ok := protocol.ByV3Gateway("/hip/v3/link/carecontext"); !ok || r.Kind != "links/link/add-contexts" {
		t.Errorf("ByV3Gateway(/hip/v3/link/carecontext) = %+v, %v", r, ok)
	}
	if r, ok := protocol.ByV3Gateway("/v3/token/generate-token"); !ok || !r.V3Only() || r.Reply != "v3/hip/token/on-generate-token" {
		t.Errorf("ByV3Gateway(/v3/token/generate-token) = %+v, %v", r, ok)
	}
	if r, ok := protocol.ByV3Bridge("/api/v3/link/on_carecontext"); !ok || r.Kind != "links/link/on-add-contexts" {
		t.Errorf("ByV3Bridge(/api/v3/link/on_carecontext) = %+v, %v", r, ok)
	}
	if _, ok := protocol.ByV3Bridge("/consent/v3/request/init"); ok {
		t.Error("ByV3Bridge found a gateway path")
	}

	rs := protocol.Routes()
	rs[0].Kind = "changed"
	if protocol.Routes()[0].Kind == "changed" {
		t.Error("Routes does not return a copy")
	}
}

func TestPaths(t *testing.T) {
	route := func(kind string) protocol.Route {
		t.Helper()
		r, ok := protocol.ByKind(kind)
		if !ok {
			t.Fatalf("no route %q", kind)
		}
		return r
	}
	for _, test := range []struct {
		kind, version, bridge, gateway string
	}{
		{"consent-requests/on-init", protocol.V05, "/v0.5/consent-requests/on-init", ""},
		{"consent-requests/on-init", protocol.V3, "/api/v3/hiu/consent/request/on-init", ""},
		{"consent-requests/init", protocol.V05, "", "/v0.5/consent-requests/init"},
		{"consent-requests/init", protocol.V3, "", "/consent/v3/request/init"},
		{"care-contexts/discover", protocol.V05, "/v0.5/care-contexts/discover", ""},
		{"care-contexts/on-discover", protocol.V3, "", "/user-initiated-linking/v3/patient/care-context/on-discover"},
		{"v1.0/patients/profile/share", protocol.V05, "/v1.0/patients/profile/share", ""},
		{"v1.0/patients/profile/share", protocol.V3, "", ""},
		{"v1.0/patients/profile/on-share", protocol.V05, "", "/v1.0/patients/profile/on-share"},
		{"health-information/cm/on-request", protocol.V05, "/v0.5/health-information/hiu/on-request", ""},
		{"subscription-requests/cm/on-init", protocol.V05, "/v0.5/subscription-requests/hiu/on-init", ""},
		{"health-information/notify", protocol.V3, "", "/data-flow/v3/health-information/notify"},
		{"users/auth/on-init", protocol.V3, "", ""},
		{"v3/token/generate-token", protocol.V05, "", ""},
		{"v3/token/generate-token", protocol.V3, "", "/v3/token/generate-token"},
		{"v3/hip/token/on-generate-token", protocol.V05, "", ""},
		{"v3/hip/token/on-generate-token", protocol.V3, "/api/v3/hip/token/on-generate-token", ""},
		{"consent-requests/on-init", "v2", "", ""},
		{"consent-requests/init", "", "", ""},
	} {
		r := route(test.kind)
		if got := protocol.BridgePath(r, test.version); got != test.bridge {
			t.Errorf("BridgePath(%s, %q) = %q, want %q", test.kind, test.version, got, test.bridge)
		}
		if got := protocol.GatewayPath(r, test.version); got != test.gateway {
			t.Errorf("GatewayPath(%s, %q) = %q, want %q", test.kind, test.version, got, test.gateway)
		}
	}
}

// shared returns a path in the shared folder beside the clone, or skips.
func shared(t *testing.T, elem ...string) string {
	t.Helper()
	path := filepath.Join(append([]string{"..", "..", "..", "shared"}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("SKIPPING: %s not found (the ABDM reference lives in ../shared beside the clone)", path)
	}
	return path
}

// specOp is one operation of an OpenAPI file, with the X-…-ID headers its
// parameters name.
type specOp struct {
	method, path string
	ids          map[string]bool // "X-CM-ID", "X-HIP-ID", "X-HIU-ID"
}

// readSpec reads the operations of an OpenAPI YAML file line by line (the
// files are regular: paths at two spaces, methods at four).
func readSpec(t *testing.T, path string) map[string]specOp {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRe := regexp.MustCompile(`^  (/\S*):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`)
	idRe := regexp.MustCompile(`#/components/parameters/(X[-_](?:CM|HIP|HIU)[-_]ID)["']?\s*$`)
	ops := map[string]specOp{}
	cur, key := "", ""
	inPaths := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "paths:" {
			inPaths = true
			continue
		}
		if inPaths && line != "" && !strings.HasPrefix(line, " ") {
			inPaths = false
		}
		if !inPaths {
			continue
		}
		if m := pathRe.FindStringSubmatch(line); m != nil {
			cur, key = m[1], ""
		} else if m := methodRe.FindStringSubmatch(line); m != nil && cur != "" {
			key = strings.ToUpper(m[1]) + " " + cur
			ops[key] = specOp{method: strings.ToUpper(m[1]), path: cur, ids: map[string]bool{}}
		} else if m := idRe.FindStringSubmatch(line); m != nil && key != "" {
			ops[key].ids[strings.ReplaceAll(m[1], "_", "-")] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ops) == 0 {
		t.Fatalf("no operations parsed from %s", path)
	}
	return ops
}

// notMessages are the gateway's synchronous endpoints.
var notMessages = []string{"/sessions", "/certs", "/heartbeat", "/.well-known/openid-configuration", "/hi-services/"}

func isMessage(path string) bool {
	for _, s := range notMessages {
		if strings.Contains(path, s) {
			return false
		}
	}
	return true
}

// TestRoutesMatchSpec holds the table against the OpenAPI files: every
// message of ndhm-gateway.yml is a route and every route is a message
// there (or in the v3 link-token spec), sent the way its headers say; the
// paths a v0.5 bridge is called on are in ndhm-hip.yml or ndhm-hiu.yml.
func TestRoutesMatchSpec(t *testing.T) {
	dir := shared(t, "reference", "abdm-api")
	gw := readSpec(t, filepath.Join(dir, "v0.5", "ndhm-gateway.yml"))
	bridge := map[string]map[string]specOp{
		"HIP": readSpec(t, filepath.Join(dir, "v0.5", "ndhm-hip.yml")),
		"HIU": readSpec(t, filepath.Join(dir, "v0.5", "ndhm-hiu.yml")),
	}
	v3 := map[string]bool{}
	for _, name := range []string{"HIECM-LinkTokenService.yml", "HIE_CM_Profile_Share.yml"} {
		for _, op := range readSpec(t, filepath.Join(dir, "v3", name)) {
			v3[strings.TrimPrefix(op.path, "/{callback_url}")] = true
		}
	}

	// A route's own v0.5 path: the one its Kind names.
	own := func(r protocol.Route) string {
		if strings.HasPrefix(r.Kind, "v1.0/") {
			return "/" + r.Kind
		}
		return "/v0.5/" + r.Kind
	}
	byV05 := map[string]protocol.Route{}
	for _, r := range protocol.Routes() {
		if !r.V3Only() {
			byV05[own(r)] = r
		}
	}

	n := 0
	for _, op := range gw {
		if op.method != "POST" || !isMessage(op.path) {
			continue
		}
		n++
		if _, ok := byV05[op.path]; !ok {
			t.Errorf("ndhm-gateway.yml POST %s has no route", op.path)
		}
	}
	t.Logf("%d messages in ndhm-gateway.yml, %d routes", n, len(protocol.Routes()))

	for _, r := range protocol.Routes() {
		if r.V3Only() {
			// Named by its v3 spec path (callbacks without {callback_url}).
			if !v3["/"+r.Kind] {
				t.Errorf("%s: v3-only, but /%s is not a path of the v3 specs", r.Kind, r.Kind)
			}
			if r.V3Bridge != "" && strings.TrimPrefix(r.V3Bridge, "/api") != "/"+r.Kind {
				t.Errorf("%s: V3Bridge %s is not the spec's callback path", r.Kind, r.V3Bridge)
			}
			if r.V3Gateway != "" && r.V3Gateway != "/"+r.Kind {
				t.Errorf("%s: V3Gateway %s is not the spec's path", r.Kind, r.V3Gateway)
			}
			continue
		}
		op, ok := gw["POST "+own(r)]
		if !ok {
			t.Errorf("%s: POST %s is not in ndhm-gateway.yml", r.Kind, own(r))
			continue
		}
		if r.Dir == protocol.ToCM && protocol.GatewayPath(r, protocol.V05) != own(r) {
			t.Errorf("%s: GatewayPath v0.5 = %s, want %s", r.Kind, protocol.GatewayPath(r, protocol.V05), own(r))
		}
		// The spec's headers say who a message is for: X-CM-ID to the
		// gateway, X-HIP-ID / X-HIU-ID to a bridge. (patients/on-find
		// lists none; its description names both.)
		switch r.Dir {
		case protocol.ToCM:
			if !op.ids["X-CM-ID"] {
				t.Errorf("%s: ToCM, but the spec's headers are %v", r.Kind, op.ids)
			}
		case protocol.ToBridge:
			if len(op.ids) == 0 {
				t.Logf("%s: the spec names no routing header", r.Kind)
			}
			for _, target := range strings.Split(r.Target, ",") {
				if len(op.ids) > 0 && !op.ids[protocol.TargetHeader(target)] {
					t.Errorf("%s: Target %s, but the spec's headers are %v", r.Kind, r.Target, op.ids)
				}
			}
			if len(op.ids) > len(strings.Split(r.Target, ",")) || op.ids["X-CM-ID"] {
				t.Errorf("%s: Target %s, but the spec's headers are %v", r.Kind, r.Target, op.ids)
			}
			// The path a v0.5 bridge serves is in its own contract.
			p, found := protocol.BridgePath(r, protocol.V05), 0
			for _, target := range strings.Split(r.Target, ",") {
				if _, ok := bridge[target]["POST "+p]; ok {
					found++
				}
			}
			if found == 0 {
				t.Errorf("%s: BridgePath v0.5 %s is not in ndhm-%s.yml", r.Kind, p, strings.ToLower(strings.ReplaceAll(r.Target, ",", ".yml or ndhm-")))
			}
		}
	}
}

// TestRoutesMatchPathMap holds the table against abdm-protocol.md §3.8:
// every v3 path there is a route's, in the right column, on a route of
// the row's messages.
func TestRoutesMatchPathMap(t *testing.T) {
	doc, err := os.ReadFile(shared(t, "docs", "abdm-protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(doc), "### 3.8 v3 path map")
	if !ok {
		t.Fatal("abdm-protocol.md has no §3.8")
	}
	sec, _, _ = strings.Cut(sec, "\n---")
	pathRe := regexp.MustCompile("`(/[^`]+)`")
	rows := 0
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 || !strings.Contains(line, "`") {
			continue
		}
		rows++
		first := strings.TrimSpace(strings.FieldsFunc(cells[0], func(r rune) bool { return r == ',' || r == '+' })[0])
		if first == "sessions" {
			continue // the gateway's token endpoint, not a message
		}
		// The kinds of the row: its first message, the one that answers
		// it and the one it answers.
		row := map[string]bool{first: true}
		if r, ok := protocol.ByKind(first); ok {
			row[r.Reply] = true
		}
		for _, r := range protocol.Routes() {
			if r.Reply == first {
				row[r.Kind] = true
			}
		}
		_, firstIsKind := protocol.ByKind(first)
		check := func(r protocol.Route, found bool, p, col string) {
			switch {
			case !found:
				t.Errorf("§3.8 row %q: %s %s is no route's", first, col, p)
			case !row[r.Kind] && !r.V3Only() && firstIsKind:
				t.Errorf("§3.8 row %q: %s %s is on %s", first, col, p, r.Kind)
			}
		}
		for _, m := range pathRe.FindAllStringSubmatch(cells[1], -1) {
			r, found := protocol.ByV3Gateway(m[1])
			check(r, found, m[1], "V3Gateway")
		}
		for _, m := range pathRe.FindAllStringSubmatch(cells[2], -1) {
			r, found := protocol.ByV3Bridge(m[1])
			check(r, found, m[1], "V3Bridge")
		}
	}
	if rows < 10 {
		t.Fatalf("parsed %d rows of §3.8, want the whole table", rows)
	}
}
