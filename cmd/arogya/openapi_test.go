package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/registry"
)

// registryRoutes are the method and pattern of every route that
// registry.Handler.Register adds (internal/registry/http.go). A route added
// there must be added here and described in openapi.json.
var registryRoutes = []string{
	"POST /api/v1/facilities",
	"GET /api/v1/facilities",
	"GET /api/v1/facilities/{id}",
	"GET /api/v1/facilities/{id}/history",
	"POST /api/v1/facilities/{id}/verification",
	"POST /api/v1/professionals",
	"GET /api/v1/professionals",
	"GET /api/v1/professionals/{id}",
	"GET /api/v1/professionals/{id}/history",
	"POST /api/v1/professionals/{id}/verification",
	"GET /api/v1/drugs",
	"GET /api/v1/drugs/{id}",
	"GET /api/v1/registry/queue/facilities",
	"GET /api/v1/registry/queue/professionals",
	"GET /api/v1/registry/vocabularies",
	"POST /api/v1/admin/verifiers",
	"GET /api/v1/admin/verifiers",
	"POST /api/v1/admin/verifiers/{id}/disable",
	"POST /api/v1/admin/verifiers/{id}/enable",
}

// registryPrefixes are the paths the registry owns: every operation of the
// document under them must be a registry route.
var registryPrefixes = []string{
	"/api/v1/facilities", "/api/v1/professionals", "/api/v1/drugs", "/api/v1/registry/", "/api/v1/admin/verifiers",
}

// hipRoutes are the method and pattern of every route that
// hip.Handler.Register adds (internal/hip/http.go and staff_http.go): the
// EMR's own API. The ABDM callbacks under /hip/v0.5/… (hip.Bridge) are
// ABDM's protocol and are not documented here.
var hipRoutes = []string{
	"POST /api/v1/admin/hip/facilities",
	"GET /api/v1/admin/hip/facilities",
	"POST /api/v1/admin/hip/facilities/{id}/keys",
	"POST /api/v1/admin/hip/facilities/{id}/staff",
	"DELETE /api/v1/admin/hip/facilities/{id}/staff/{hprId}",
	"POST /api/v1/hip/{hipId}/bundles",
	"GET /api/v1/hip/{hipId}/care-contexts/{ref}",
	"POST /api/v1/hip/{hipId}/staff/sign-in",
	"POST /api/v1/hip/{hipId}/staff/password",
	"POST /api/v1/hip/{hipId}/patients",
	"GET /api/v1/hip/{hipId}/patients",
	"GET /api/v1/hip/{hipId}/patients/{ref}",
	"POST /api/v1/hip/{hipId}/patients/{ref}/records",
	"GET /api/v1/hip/{hipId}/care-contexts/{ref}/records",
	"GET /api/v1/hip/{hipId}/care-contexts/{ref}/records/{id}",
}

// hipPrefixes are the paths the HIP role owns.
var hipPrefixes = []string{"/api/v1/hip/", "/api/v1/admin/hip/"}

// hiuRoutes are the method and pattern of every route that
// hiu.Handler.Register adds (internal/hiu/http.go): the clinicians' API.
// The ABDM callbacks under /hiu/v0.5/… and the data push (hiu.Bridge) are
// ABDM's protocol and are not documented here.
var hiuRoutes = []string{
	"POST /api/v1/admin/hiu/facilities",
	"GET /api/v1/admin/hiu/facilities",
	"POST /api/v1/admin/hiu/facilities/{id}/keys",
	"POST /api/v1/admin/hiu/facilities/{id}/staff",
	"GET /api/v1/admin/hiu/facilities/{id}/staff",
	"DELETE /api/v1/admin/hiu/facilities/{id}/staff/{hprId}",
	"POST /api/v1/hiu/{hiuId}/staff/sign-in",
	"POST /api/v1/hiu/{hiuId}/staff/password",
	"POST /api/v1/hiu/{hiuId}/patients/find",
	"GET /api/v1/hiu/{hiuId}/patients/find/{id}",
	"POST /api/v1/hiu/{hiuId}/consent-requests",
	"GET /api/v1/hiu/{hiuId}/consent-requests",
	"GET /api/v1/hiu/{hiuId}/consent-requests/{id}",
	"GET /api/v1/hiu/{hiuId}/artefacts",
	"GET /api/v1/hiu/{hiuId}/artefacts/{id}",
	"GET /api/v1/hiu/{hiuId}/artefacts/{id}/data-requests",
	"POST /api/v1/hiu/{hiuId}/artefacts/{id}/data-requests",
	"GET /api/v1/hiu/{hiuId}/data-requests/{id}",
	"GET /api/v1/hiu/{hiuId}/records",
	"GET /api/v1/hiu/{hiuId}/records/{id}",
}

// hiuPrefixes are the paths the HIU role owns.
var hiuPrefixes = []string{"/api/v1/hiu/", "/api/v1/admin/hiu/"}

var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc is the part of the document the tests read.
type openAPIDoc struct {
	OpenAPI    string `json:"openapi"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIOperation struct {
	Summary    string                     `json:"summary"`
	Security   []map[string][]string      `json:"security"`
	Parameters []openAPIParam             `json:"parameters"`
	Responses  map[string]json.RawMessage `json:"responses"`
}

type openAPIParam struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	dec := json.NewDecoder(strings.NewReader(string(openapiJSON)))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json has data after the document")
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) == 0 || len(doc.Components.Schemas) == 0 {
		t.Fatalf("openapi.json is not an OpenAPI 3 document with paths and schemas (openapi %q)", doc.OpenAPI)
	}
	return doc
}

// operations returns the document's operations as "METHOD /path".
func (doc openAPIDoc) operations(t *testing.T) map[string]openAPIOperation {
	t.Helper()
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for key, raw := range item {
			if !slices.Contains(openAPIMethods, key) {
				continue // parameters, summary, …
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Errorf("%s %s: %v", key, path, err)
				continue
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

var pathParamRE = regexp.MustCompile(`\{([^{}]+)\}`)

// sampleRequest returns a request for a "METHOD /path/{param}" pattern with
// each parameter filled in.
func sampleRequest(route string) *http.Request {
	method, path, _ := strings.Cut(route, " ")
	return httptest.NewRequest(method, pathParamRE.ReplaceAllString(path, "x1"), nil)
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := doc.operations(t)

	// Every $ref names a schema that exists, and every schema is used.
	var tree any
	if err := json.Unmarshal(openapiJSON, &tree); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					ref, _ := x.(string)
					name, ok := strings.CutPrefix(ref, "#/components/schemas/")
					if _, exists := doc.Components.Schemas[name]; !ok || !exists {
						t.Errorf("%s: $ref %q does not name a schema in components/schemas", at, ref)
					}
					used[name] = true
					continue
				}
				walk(at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), x)
			}
		case []any:
			for _, x := range v {
				walk(at, x)
			}
		}
	}
	walk("#", tree)
	for name := range doc.Components.Schemas {
		if !used[name] {
			t.Errorf("schema %s is never referenced", name)
		}
	}
	for _, name := range []string{"Facility", "Professional", "Drug", "Address", "Location", "Qualification", "Verifier",
		"Decision", "HistoryEntry", "FacilityPage", "ProfessionalPage", "DrugPage", "ValidationError", "Error"} {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("components/schemas lacks %s", name)
		}
	}

	// Every operation has a summary and responses, declares the parameters
	// of its path, and names security schemes that exist.
	for route, op := range ops {
		if op.Summary == "" || len(op.Responses) == 0 {
			t.Errorf("%s: no summary or no responses", route)
		}
		for _, m := range pathParamRE.FindAllStringSubmatch(route, -1) {
			if !slices.ContainsFunc(op.Parameters, func(p openAPIParam) bool {
				return p.Name == m[1] && p.In == "path"
			}) {
				t.Errorf("%s: path parameter %s is not declared", route, m[1])
			}
		}
		for _, req := range op.Security {
			for scheme := range req {
				if _, ok := doc.Components.SecuritySchemes[scheme]; !ok {
					t.Errorf("%s: unknown security scheme %q", route, scheme)
				}
			}
		}
	}
	for _, scheme := range []string{"operator", "verifier"} {
		if _, ok := doc.Components.SecuritySchemes[scheme]; !ok {
			t.Errorf("components/securitySchemes lacks %s", scheme)
		}
	}
}

func TestOpenAPIRegistryRoutes(t *testing.T) {
	// Register only builds the routes; no request is served here, so the
	// handler needs no service.
	mux := http.NewServeMux()
	registry.NewHandler(nil, "operator-token").Register(mux)
	checkRoleRoutes(t, "registry", mux, registryRoutes, registryPrefixes)
}

func TestOpenAPIHIPRoutes(t *testing.T) {
	// As for the registry: Register only builds the routes (the operator's
	// guard is the identity here), so the handler needs no service.
	mux := http.NewServeMux()
	hip.NewHandler(nil, "operator-token").Register(mux, func(h http.Handler) http.Handler { return h })
	checkRoleRoutes(t, "hip", mux, hipRoutes, hipPrefixes)
}

func TestOpenAPIHIURoutes(t *testing.T) {
	// As for the HIP: Register only builds the routes.
	mux := http.NewServeMux()
	hiu.NewHandler(nil).Register(mux, func(h http.Handler) http.Handler { return h })
	checkRoleRoutes(t, "hiu", mux, hiuRoutes, hiuPrefixes)
}

// checkRoleRoutes holds a role's routes (the table; mux, as the role's
// Register built it; the source of internal/<role>) and the document's
// operations under the role's prefixes to being the same set.
func checkRoleRoutes(t *testing.T, role string, mux *http.ServeMux, routes, prefixes []string) {
	t.Helper()
	doc := loadOpenAPI(t)
	ops := doc.operations(t)

	// The table is what Register registers: each route resolves to itself
	// on the mux...
	for _, route := range routes {
		if _, pattern := mux.Handler(sampleRequest(route)); pattern != route {
			t.Errorf("the %s table has %q, but the mux routes it to %q: update the table from internal/%s", role, route, pattern, role)
		}
	}
	// ...and every pattern the role's source registers is in the table
	// (a ServeMux cannot list its patterns). Only whole literal patterns
	// count: one built by concatenation (the HIP's ABDM callbacks,
	// "POST /hip/v0.5/"+kind, mounted by the bridge, not the handler) is
	// ABDM's protocol, not this API.
	files, err := filepath.Glob(filepath.Join("..", "..", "internal", role, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("reading internal/%s: %v", role, err)
	}
	handleRE := regexp.MustCompile(`mux\.Handle(?:Func)?\(\s*"([^"]+)"\s*,`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handleRE.FindAllStringSubmatch(string(src), -1) {
			found++
			if !slices.Contains(routes, m[1]) {
				t.Errorf("%s registers %q, which the %s table lacks: add it there and to openapi.json", filepath.Base(f), m[1], role)
			}
		}
	}
	if found < len(routes) {
		t.Errorf("found %d mux.Handle calls in internal/%s, fewer than the %d routes of the table", found, role, len(routes))
	}

	// Each route is in the document with its method.
	for _, route := range routes {
		if _, ok := ops[route]; !ok {
			method, path, _ := strings.Cut(route, " ")
			t.Errorf("openapi.json lacks %s %s", strings.ToLower(method), path)
		}
	}
	// Each operation the document lists under the role's paths is one of
	// its routes, and the mux serves it.
	var docRoutes []string
	for route := range ops {
		_, path, _ := strings.Cut(route, " ")
		if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(path, p) }) {
			docRoutes = append(docRoutes, route)
		}
	}
	sort.Strings(docRoutes)
	for _, route := range docRoutes {
		if !slices.Contains(routes, route) {
			t.Errorf("openapi.json has %s, which is not a %s route", route, role)
		}
		if _, pattern := mux.Handler(sampleRequest(route)); pattern != route {
			t.Errorf("openapi.json has %s, but the %s mux routes it to %q", route, role, pattern)
		}
	}
}
