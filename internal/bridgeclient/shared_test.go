package bridgeclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/protocol"
)

// entry is one addUpdateServices entry as the gateway reads it.
type entry struct {
	ID, Name, Type string
	Active         bool
}

func entriesOf(t *testing.T, c call) []entry {
	t.Helper()
	var es []entry
	if err := json.Unmarshal(c.body, &es); err != nil {
		t.Fatalf("%s: %v", c.path, err)
	}
	return es
}

func TestSharedServices(t *testing.T) {
	list := func(ss ...Service) func(context.Context) ([]Service, error) {
		return func(context.Context) ([]Service, error) { return ss, nil }
	}
	for _, tc := range []struct {
		name     string
		hip, hiu []Service
		want     []Service
	}{
		{"none", nil, nil, nil},
		{"one role", []Service{{ID: "IN1", Name: "One"}}, nil, []Service{{ID: "IN1", Name: "One", Types: []string{HIP}}}},
		{"a facility in both roles is one service with both types",
			[]Service{{ID: "IN1", Name: "One"}, {ID: "IN2", Name: "Two"}},
			[]Service{{ID: "IN2", Name: "Two"}, {ID: "IN3", Name: "Three"}},
			[]Service{{ID: "IN1", Name: "One", Types: []string{HIP}}, {ID: "IN2", Name: "Two", Types: []string{HIP, HIU}}, {ID: "IN3", Name: "Three", Types: []string{HIU}}}},
		{"a role's own types are not taken", []Service{{ID: "IN1", Name: "One", Types: []string{HIU}}}, nil,
			[]Service{{ID: "IN1", Name: "One", Types: []string{HIP}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewShared(nil, "https://node.example/bridge", nil)
			s.Join(HIP, list(tc.hip...), nil)
			s.Join(HIU, list(tc.hiu...), nil)
			got, err := s.Services(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("services = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a role's failure fails the declaration", func(t *testing.T) {
		s := NewShared(nil, "", nil)
		s.Join(HIP, func(context.Context) ([]Service, error) { return nil, errors.New("store down") }, nil)
		if _, err := s.Services(context.Background()); err == nil {
			t.Fatal("no error")
		}
	})
}

// TestSharedRun: the shared bridge sets its one callback URL and declares
// a facility both roles serve in one call, one entry per type (the
// gateway merges them); a role's change declares again, and both roles'
// done run after each declaration.
func TestSharedRun(t *testing.T) {
	g := newFakeGateway(t)
	clk := &clock{t: epoch}
	lazy := NewLazy(Config{Role: "bridge", Version: protocol.V05, Base: g.srv.URL + "/gateway/", CMID: "sbx", HTTP: g.srv.Client(), Now: clk.Now},
		Credentials{Role: "hip", ClientID: "bridge", ClientSecret: "s3cret"})
	s := NewShared(lazy, "https://node.example/bridge", nil)
	hipFacilities := []Service{{ID: "IN1", Name: "One"}}
	done := make(chan string, 8)
	changedHIP := s.Join(HIP, func(context.Context) ([]Service, error) { return hipFacilities, nil }, func() { done <- "hip" })
	s.Join(HIU, func(context.Context) ([]Service, error) { return []Service{{ID: "IN1", Name: "One"}}, nil }, func() { done <- "hiu" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	wait := func() {
		t.Helper()
		got := map[string]bool{}
		for len(got) < 2 {
			select {
			case r := <-done:
				got[r] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("the roles were told of %v only", got)
			}
		}
	}
	wait()
	made := g.made()
	if len(made) != 2 || made[0].method+" "+made[0].path != "PATCH /gateway/v1/bridges" || made[1].path != "/gateway/v1/bridges/addUpdateServices" {
		t.Fatalf("calls: %v", made)
	}
	var url struct{ URL string }
	json.Unmarshal(made[0].body, &url)
	if url.URL != "https://node.example/bridge" {
		t.Fatalf("callback URL %q", url.URL)
	}
	if es := entriesOf(t, made[1]); fmt.Sprint(es) != fmt.Sprint([]entry{{"IN1", "One", HIP, true}, {"IN1", "One", HIU, true}}) {
		t.Fatalf("entries: %+v", es)
	}

	hipFacilities = append(hipFacilities, Service{ID: "IN2", Name: "Two"}) // read by the next declaration, which changedHIP starts
	changedHIP()
	wait()
	made = g.made()
	if len(made) != 4 {
		t.Fatalf("calls after the change: %v", made)
	}
	if es := entriesOf(t, made[3]); len(es) != 3 || es[2].ID != "IN2" || es[2].Type != HIP {
		t.Fatalf("entries after the change: %+v", es)
	}
}

// TestDeclareBatches: more entries than one call takes go in several
// calls, a facility's entries never split between two (a later call would
// replace its types); a 409 on a batch declares its services one by one.
func TestDeclareBatches(t *testing.T) {
	var ss []Service
	for i := range 120 {
		s := Service{ID: fmt.Sprintf("IN%03d", i), Name: "F", Types: []string{HIP}}
		if i%2 == 0 {
			s.Types = append(s.Types, HIU)
		}
		ss = append(ss, s)
	}
	g := newFakeGateway(t)
	g.answer = func(c call) int {
		if strings.Contains(string(c.body), `"IN007"`) {
			return http.StatusConflict
		}
		return http.StatusOK
	}
	c := g.client(protocol.V05, &clock{t: epoch})
	taken, err := c.Declare(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(taken, []string{"IN007"}) {
		t.Fatalf("taken = %v", taken)
	}
	seen := map[string][]string{} // ID → types declared, over the calls that succeeded
	callsOf := map[string]int{}
	batches := 0
	for i, m := range g.made() {
		es := entriesOf(t, m)
		if len(es) == 0 || len(es) > maxEntries {
			t.Fatalf("call %d has %d entries", i, len(es))
		}
		ids := map[string]bool{}
		for _, e := range es {
			ids[e.ID] = true
		}
		if len(ids) > 1 {
			batches++
		}
		for id := range ids {
			callsOf[id]++
		}
		if g.answer(m) == http.StatusOK {
			for _, e := range es {
				seen[e.ID] = append(seen[e.ID], e.Type)
			}
		}
	}
	if batches != 2 {
		t.Fatalf("%d batches for 180 entries, want 2", batches)
	}
	for _, s := range ss {
		want := s.Types
		if s.ID == "IN007" {
			want = nil
		}
		if fmt.Sprint(seen[s.ID]) != fmt.Sprint(want) {
			t.Errorf("%s declared with %v, want %v", s.ID, seen[s.ID], want)
		}
	}
	// The batch with IN007 was sent once whole and then service by
	// service; every other service of it twice, the rest once.
	if callsOf["IN007"] != 2 || callsOf["IN119"] != 1 {
		t.Fatalf("calls per service: IN007 %d, IN119 %d", callsOf["IN007"], callsOf["IN119"])
	}
}
