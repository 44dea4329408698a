package abha_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
)

// specOperations reads the path and method pairs of an OpenAPI YAML file
// from the shared reference folder, or skips when the folder is absent.
func specOperations(t *testing.T, name string) [][2]string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "reference", "abdm-api", name)
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("SKIPPING: ABDM reference spec not found at %s (it lives in ../shared beside the clone)", path)
	}
	defer f.Close()
	pathRe := regexp.MustCompile(`^  (/\S+):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`)
	var ops [][2]string
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := pathRe.FindStringSubmatch(sc.Text()); m != nil {
			cur = m[1]
		} else if m := methodRe.FindStringSubmatch(sc.Text()); m != nil && cur != "" {
			ops = append(ops, [2]string{strings.ToUpper(m[1]), cur})
		}
	}
	if len(ops) == 0 {
		t.Fatalf("no operations parsed from %s", path)
	}
	return ops
}

// TestEveryEnrolmentSpecPathIsServed holds the router against
// abha_enrollment_api.yml: every operation of the spec is answered by an
// ABHA handler (not 404/405), and errors come in ABDM's shape.
func TestEveryEnrolmentSpecPathIsServed(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	abha.NewHandler(f.svc, keys).Register(mux, func(h http.Handler) http.Handler { return h })
	for _, op := range specOperations(t, "v3/abha_enrollment_api.yml") {
		req := httptest.NewRequest(op[0], op[1], strings.NewReader(`{}`))
		req.Header.Set("REQUEST-ID", "839ede87-6bad-48df-a0d5-e93305c88e75")
		req.Header.Set("TIMESTAMP", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, not served", op[0], op[1], rec.Code)
			continue
		}
		if rec.Code >= 400 {
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.HasPrefix(body.Error.Code, "ABDM-") || body.Error.Message == "" {
				t.Errorf("%s %s: error body %s is not {error:{code:ABDM-…,message}}", op[0], op[1], rec.Body)
			}
		}
	}
}

func TestABDMHeaders(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	abha.NewHandler(f.svc, keys).Register(mux, func(h http.Handler) http.Handler { return h })
	now := time.Now().UTC()
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"none", nil, 400},
		{"no timestamp", map[string]string{"REQUEST-ID": "x1"}, 400},
		{"bad timestamp", map[string]string{"REQUEST-ID": "x1", "TIMESTAMP": "yesterday"}, 400},
		{"far past", map[string]string{"REQUEST-ID": "x1", "TIMESTAMP": now.Add(-48 * time.Hour).Format(time.RFC3339)}, 400},
		{"hyphens", map[string]string{"REQUEST-ID": "x1", "TIMESTAMP": now.Format("2006-01-02T15:04:05.000Z")}, 400},
		{"underscores", map[string]string{"REQUEST_ID": "x1", "TIMESTAMP": now.Format("2006-01-02T15:04:05.000Z")}, 400},
	} {
		req := httptest.NewRequest("POST", "/v3/enrollment/request/otp", strings.NewReader(`{"scope":["abha-enrol"],"loginHint":"aadhaar","loginId":"not-encrypted"}`))
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		headerProblem := strings.Contains(body.Error.Message, "header")
		wantHeaderProblem := tc.name != "hyphens" && tc.name != "underscores"
		if headerProblem != wantHeaderProblem {
			t.Errorf("%s: message %q", tc.name, body.Error.Message)
		}
		if !wantHeaderProblem && !strings.Contains(body.Error.Message, "decrypt") {
			t.Errorf("%s: a plaintext loginId should be refused as undecryptable, got %q", tc.name, body.Error.Message)
		}
	}
}
