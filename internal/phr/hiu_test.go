package phr

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

// TestHIUClient checks the calls the PHR makes of its HIU's API: the
// facility in the path, the token, a PATRQT request, and the answers read.
func TestHIUClient(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sys" {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthorized","message":"no"}}`)
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "POST /api/v1/hiu/IN2810000001/consent-requests":
			_ = json.NewDecoder(r.Body).Decode(&got)
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"id":"c1","status":"PENDING","patient":"a@sbx","purpose":"PATRQT","hiTypes":["DiagnosticReport"],"dataEraseAt":"2026-01-02T00:00:00Z","artefactIds":[]}`)
		case "GET /api/v1/hiu/IN2810000001/records":
			if r.URL.Query().Get("consentId") != "a1" {
				w.WriteHeader(400)
				return
			}
			_, _ = io.WriteString(w, `{"groups":[{"hip":{"id":"H","name":"Lotus"},"day":"2025-06-03","records":[{"id":"r1","consentId":"a1","hiType":"DiagnosticReport","date":"2025-06-03T05:00:00Z"}]}]}`)
		case "GET /api/v1/hiu/IN2810000001/records/r1":
			w.Header().Set("Content-Type", "application/fhir+json")
			_, _ = io.WriteString(w, `{"resourceType":"Bundle"}`)
		default:
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"no consent request with that ID"}}`)
		}
	}))
	defer srv.Close()
	h := NewHIU(srv.URL, " in2810000001 ", "sys", srv.Client())
	ctx := t.Context()
	now := time.Date(2025, 6, 3, 5, 0, 0, 0, time.UTC)
	c, err := h.RequestConsent(ctx, SelfConsent{Patient: "a@sbx", HIPID: "H", HITypes: []string{"DiagnosticReport"}, From: now.AddDate(0, -1, 0), To: now, EraseAt: now.Add(24 * time.Hour)})
	if err != nil || c.ID != "c1" || c.Purpose != "PATRQT" || c.DataEraseAt.IsZero() {
		t.Fatalf("RequestConsent = %+v, %v", c, err)
	}
	if got["purpose"] != "PATRQT" || got["patient"] != "a@sbx" || got["hipId"] != "H" || got["dataEraseAt"] != "2025-06-04T05:00:00.000Z" {
		t.Fatalf("sent %v", got)
	}
	rs, err := h.Records(ctx, "a1")
	if err != nil || len(rs) != 1 || rs[0].HIPName != "Lotus" || rs[0].ConsentID != "a1" {
		t.Fatalf("Records = %+v, %v", rs, err)
	}
	b, err := h.Record(ctx, "r1")
	if err != nil || !strings.Contains(string(b), "Bundle") {
		t.Fatalf("Record = %s, %v", b, err)
	}
	if _, err := h.ConsentRequest(ctx, "nope"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("a missing request: %v", err)
	}
	// The HIU refusing the PHR's credential is no person's logout.
	bad := NewHIU(srv.URL, "IN2810000001", "wrong", srv.Client())
	if _, err := bad.ConsentRequest(ctx, "c1"); arogya.ErrorCode(err) != arogya.EINTERNAL {
		t.Fatalf("a refused credential: %v", err)
	}
	if _, err := bad.Record(ctx, "r1"); arogya.ErrorCode(err) != arogya.EINTERNAL {
		t.Fatalf("a refused credential on a record: %v", err)
	}
	// Without an HIU ID nothing is asked.
	none := NewHIU(srv.URL, "", "sys", srv.Client())
	if _, err := none.Records(ctx, "a1"); arogya.ErrorCode(err) != arogya.EUNAVAILABLE {
		t.Fatalf("no HIU: %v", err)
	}
}
