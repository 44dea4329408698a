package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/phr"
)

// phrEnv is the ABHA pages and the PHR's over a real ABHA service and
// store; the CM is unreachable, which the documents do not need.
func phrEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	docs := phr.NewDocuments(e.db, bytes.Repeat([]byte{7}, 32), time.Now)
	NewPHR(e.svc, phr.New("http://127.0.0.1:1", nil), docs, PHROptions{}).Register(e.mux)
	return e
}

// upload posts a document with b's CSRF token (or tok when given).
func (b *browser) upload(title string, content []byte, tok string) page {
	b.t.Helper()
	if tok == "" {
		tok = b.csrf
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", tok)
	_ = mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("file", "scan")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/abha/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var docIDRE = regexp.MustCompile(`name="id" value="([0-9a-f-]{36})"`)

// TestPHRDocumentsOwnerOnly: a person's documents are listed,
// downloaded byte for byte and deleted by them alone; other files, large
// ones and forged forms are refused.
func TestPHRDocumentsOwnerOnly(t *testing.T) {
	e := phrEnv(t)
	asha, ravi := e.browser(t), e.browser(t)
	e.enrol(t, asha, aadhaar("23456789012"), "")
	e.enrol(t, ravi, aadhaar("34567890123"), "")

	if p := asha.get("/abha/documents"); p.status != 200 || !strings.Contains(p.body, "up to 7 MiB") {
		t.Fatalf("documents page: %d", p.status)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 500)...)
	if p := asha.upload("X-ray, knee", png, ""); p.status != 303 || p.location != "/abha/documents?notice=phr.uploaded" {
		t.Fatalf("upload: %d %q", p.status, p.location)
	}
	p := asha.get("/abha/documents")
	m := docIDRE.FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, "X-ray, knee") || !strings.Contains(p.body, "PNG image") {
		t.Fatalf("the list lacks the document")
	}
	id := m[1]
	dl := asha.post("/abha/documents/file", url.Values{"id": {id}, "action": {"download"}})
	if dl.status != 200 || dl.body != string(png) || dl.header.Get("Content-Type") != "image/png" ||
		strings.Contains(dl.header.Get("Content-Disposition"), "knee") {
		t.Fatalf("download: %d %q %q", dl.status, dl.header.Get("Content-Type"), dl.header.Get("Content-Disposition"))
	}
	// Another person sees nothing of it and can neither read nor delete it.
	ravi.get("/abha/documents")
	if p := ravi.get("/abha/documents"); strings.Contains(p.body, "X-ray") || docIDRE.MatchString(p.body) {
		t.Fatal("another person's list shows the document")
	}
	if p := ravi.post("/abha/documents/file", url.Values{"id": {id}, "action": {"download"}}); p.status != 404 || p.body == string(png) {
		t.Fatalf("another person's download: %d", p.status)
	}
	if p := ravi.post("/abha/documents/file", url.Values{"id": {id}, "action": {"delete"}}); p.status != 404 {
		t.Fatalf("another person's delete: %d", p.status)
	}

	tests := []struct {
		name    string
		content []byte
		tok     string
		status  int
		want    string
	}{
		{"html is not a document", []byte("<html><script>alert(1)</script>"), "", 415, "Only PDF, JPEG and PNG"},
		{"over 7 MiB", append([]byte("%PDF-1.7\n"), make([]byte, 7<<20)...), "", 413, "larger than 7 MiB"},
		{"empty", nil, "", 400, ""},
		{"a forged form", []byte("%PDF-1.7\n"), strings.Repeat("A", csrfLen), 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := asha.upload("Other", tt.content, tt.tok)
			if p.status != tt.status || !strings.Contains(p.body, tt.want) {
				t.Errorf("upload: %d, want %d with %q", p.status, tt.status, tt.want)
			}
		})
	}
	if p := asha.post("/abha/documents/file", url.Values{"id": {id}, "action": {"delete"}}); p.status != 303 {
		t.Fatalf("delete: %d", p.status)
	}
	if p := asha.get("/abha/documents"); docIDRE.MatchString(p.body) {
		t.Fatal("the deleted document is still listed")
	}
	// Without a login the pages send the browser to log in.
	anon := e.browser(t)
	if p := anon.get("/abha/records"); p.status != 303 || !strings.HasPrefix(p.location, "/abha/login") {
		t.Errorf("records without a login: %d %q", p.status, p.location)
	}
}
