package web

import (
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/phr"
)

func TestViewID(t *testing.T) {
	for in, want := range map[string]string{
		"3F2504E0-4F89-11D3-9A0C-0305E82C3301":  "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"3f2504e0-4f89-11d3-9a0c-0305e82c3301":  "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"":                                      "",
		"3f2504e0-4f89-11d3-9a0c-0305e82c330":   "",
		"3f2504e0-4f89-11d3-9a0c-0305e82c33011": "",
		"3f2504e0x4f89-11d3-9a0c-0305e82c3301":  "",
		"3f2504e0-4f89-11d3-9a0c-0305e82c330g":  "",
		"../../../api/v1/admin/hiu/facilities":  "",
	} {
		got, ok := viewID(in)
		if got != want || ok != (want != "") {
			t.Errorf("viewID(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func FuzzViewID(f *testing.F) {
	f.Add("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := viewID(s)
		if !ok {
			if id != "" {
				t.Fatal("a refused ID is not empty")
			}
			return
		}
		if len(id) != 36 || strings.Trim(id, "0123456789abcdef-") != "" || !strings.EqualFold(id, s) {
			t.Fatalf("viewID(%q) = %q", s, id)
		}
		if again, ok := viewID(id); !ok || again != id {
			t.Fatal("not idempotent")
		}
	})
}

func TestVisitOf(t *testing.T) {
	links := []phr.Facility{{HIP: phr.Ref{ID: "A"}, ReferenceNumber: "P1", CareContexts: []phr.LinkedContext{{ReferenceNumber: "V1"}, {ReferenceNumber: "V2"}}},
		{HIP: phr.Ref{ID: "B"}, ReferenceNumber: "P2", CareContexts: []phr.LinkedContext{{ReferenceNumber: "V1"}}}}
	f, cc := visitOf(links, "B", "V1")
	if f == nil || f.ReferenceNumber != "P2" || cc.ReferenceNumber != "V1" {
		t.Fatalf("visitOf B V1 = %+v %+v", f, cc)
	}
	for _, c := range [][2]string{{"A", "V3"}, {"C", "V1"}, {"", ""}, {"A", ""}} {
		if _, cc := visitOf(links, c[0], c[1]); cc != nil {
			t.Errorf("visitOf %v found a visit", c)
		}
	}
}
