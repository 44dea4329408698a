package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// gatewayTests are the conformance tests of gateway.Store; Run runs them
// with the rest.
var gatewayTests = []struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB)
}{
	{"GatewayBridgeRoundTrip", testGatewayBridgeRoundTrip},
	{"GatewayBridgeConflict", testGatewayBridgeConflict},
	{"GatewayBridges", testGatewayBridges},
	{"GatewaySetBridgeURL", testGatewaySetBridgeURL},
	{"GatewayServiceRoundTrip", testGatewayServiceRoundTrip},
	{"GatewayPutServicesUpdate", testGatewayPutServicesUpdate},
	{"GatewayPutServicesConflict", testGatewayPutServicesConflict},
	{"GatewayPutServicesConcurrent", testGatewayPutServicesConcurrent},
}

// bridge returns a complete bridge with that ID, created at ms(0).
func bridge(id string) *gateway.Bridge {
	return &gateway.Bridge{
		ID: id, Name: "Apollo HMIS " + id, URL: "https://hmis.example.org/abdm", Version: gateway.V3,
		SecretHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", Active: true,
		CreatedAt: ms(0), UpdatedAt: ms(time.Second),
	}
}

// gwService returns a complete service numbered n of the bridge.
func gwService(bridgeID string, n int) *gateway.HIService {
	return &gateway.HIService{
		ID: fmt.Sprintf("IN28100%05d", n), BridgeID: bridgeID, Name: fmt.Sprintf("Apollo Clinic %d", n),
		Types: []string{gateway.TypeHIP, gateway.TypeHIU}, Active: true, UpdatedAt: ms(time.Duration(n) * time.Second),
	}
}

func sameBridge(t *testing.T, what string, got, want *gateway.Bridge) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// sameServices fails unless got and want hold equal services, in order.
func sameServices(t *testing.T, what string, got, want []*gateway.HIService) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d services %v, want %d %v", what, len(got), serviceIDs(got), len(want), serviceIDs(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s[%d]:\n got  %+v\n want %+v", what, i, got[i], want[i])
		}
	}
}

func serviceIDs(ss []*gateway.HIService) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// cloneService returns a deep copy of s.
func cloneService(s *gateway.HIService) *gateway.HIService {
	c := *s
	c.Types = slices.Clone(s.Types)
	return &c
}

// wantNow fails unless at is in UTC at millisecond precision, between
// before and after (as stored).
func wantNow(t *testing.T, what string, at, before, after time.Time) {
	t.Helper()
	if at.Location() != time.UTC || at.Nanosecond()%1e6 != 0 ||
		at.Before(before.Truncate(time.Millisecond)) || at.After(after) {
		t.Fatalf("%s = %v, want now (between %v and %v) in UTC at ms precision", what, at, before, after)
	}
}

func testGatewayBridgeRoundTrip(t *testing.T, db *sqldb.DB) {
	_, err := db.Bridge(ctx(t), "no-such-bridge")
	wantCode(t, "Bridge(missing)", err, arogya.ENOTFOUND)

	ist := time.FixedZone("IST", 5*3600+1800)
	full := bridge("apollo-hmis")
	full.Name = "अपोलो <HMIS> & \"Co\" \\ \n"
	full.CreatedAt = time.Date(2026, 3, 14, 15, 0, 0, 123_456_789, ist)
	full.UpdatedAt = full.CreatedAt.Add(time.Hour)

	tests := []struct {
		name string
		b    *gateway.Bridge
		// check, if set, checks what CreateBridge wrote back to b.
		check func(t *testing.T, b *gateway.Bridge)
	}{
		{"full", full, func(t *testing.T, b *gateway.Bridge) {
			want := time.Date(2026, 3, 14, 9, 30, 0, 123_000_000, time.UTC)
			if !b.CreatedAt.Equal(want) || b.CreatedAt.Location() != time.UTC {
				t.Fatalf("CreatedAt written back as %v, want %v", b.CreatedAt, want)
			}
			if !b.UpdatedAt.Equal(want.Add(time.Hour)) || b.UpdatedAt.Location() != time.UTC {
				t.Fatalf("UpdatedAt written back as %v, want %v", b.UpdatedAt, want.Add(time.Hour))
			}
		}},
		{"inactive v0.5", &gateway.Bridge{ID: "lab-lis", Name: "Lab", URL: "http://10.0.0.5:8080", Version: gateway.V05,
			SecretHash: "h", CreatedAt: ms(0), UpdatedAt: ms(time.Minute)}, nil},
		{"no URL yet", &gateway.Bridge{ID: "phr-app", Name: "PHR", SecretHash: "h", Active: true, CreatedAt: ms(time.Second)},
			func(t *testing.T, b *gateway.Bridge) {
				if !b.UpdatedAt.Equal(ms(time.Second)) {
					t.Fatalf("zero UpdatedAt written back as %v, want CreatedAt %v", b.UpdatedAt, ms(time.Second))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			must(t, "CreateBridge", db.CreateBridge(ctx(t), tt.b))
			if tt.check != nil {
				tt.check(t, tt.b)
			}
			got, err := db.Bridge(ctx(t), tt.b.ID)
			must(t, "Bridge", err)
			sameBridge(t, "Bridge", got, tt.b)
		})
	}

	t.Run("zero times", func(t *testing.T) {
		before := time.Now()
		b := &gateway.Bridge{ID: "zero"}
		must(t, "CreateBridge", db.CreateBridge(ctx(t), b))
		wantNow(t, "CreatedAt", b.CreatedAt, before, time.Now())
		if !b.UpdatedAt.Equal(b.CreatedAt) {
			t.Fatalf("UpdatedAt = %v, want CreatedAt %v", b.UpdatedAt, b.CreatedAt)
		}
		got, err := db.Bridge(ctx(t), b.ID)
		must(t, "Bridge", err)
		sameBridge(t, "Bridge", got, b)
	})
}

func testGatewayBridgeConflict(t *testing.T, db *sqldb.DB) {
	first := bridge("apollo-hmis")
	must(t, "CreateBridge", db.CreateBridge(ctx(t), first))
	dup := bridge("apollo-hmis")
	dup.Name, dup.URL, dup.SecretHash, dup.Active = "Impostor", "https://evil.example", "other", false
	err := db.CreateBridge(ctx(t), dup)
	wantCode(t, "CreateBridge(duplicate ID)", err, arogya.ECONFLICT)
	noPersonalData(t, "CreateBridge(duplicate ID)", err, dup.SecretHash, dup.URL)
	got, err := db.Bridge(ctx(t), first.ID)
	must(t, "Bridge", err)
	sameBridge(t, "after failed create", got, first)
	// IDs are case-sensitive, as ABDM's client IDs are.
	must(t, "CreateBridge(other case)", db.CreateBridge(ctx(t), bridge("Apollo-HMIS")))
}

func testGatewayBridges(t *testing.T, db *sqldb.DB) {
	list, err := db.Bridges(ctx(t))
	must(t, "Bridges(empty)", err)
	if len(list) != 0 {
		t.Fatalf("Bridges(empty) = %d bridges", len(list))
	}
	want := []string{"a-lab", "b-hmis", "c-phr", "z-hiu"}
	bs := map[string]*gateway.Bridge{}
	for _, i := range []int{2, 0, 3, 1} {
		b := bridge(want[i])
		b.Active = i%2 == 0
		must(t, "CreateBridge", db.CreateBridge(ctx(t), b))
		bs[b.ID] = b
	}
	list, err = db.Bridges(ctx(t))
	must(t, "Bridges", err)
	var ids []string
	for _, b := range list {
		ids = append(ids, b.ID)
		sameBridge(t, "Bridges", b, bs[b.ID])
	}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("Bridges = %v, want %v (by ID)", ids, want)
	}
}

func testGatewaySetBridgeURL(t *testing.T, db *sqldb.DB) {
	b := bridge("apollo-hmis")
	b.URL, b.Version = "", ""
	must(t, "CreateBridge", db.CreateBridge(ctx(t), b))
	other := bridge("other")
	must(t, "CreateBridge(other)", db.CreateBridge(ctx(t), other))

	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name, url, version string
		at, wantAt         time.Time
	}{
		{"v0.5", "https://hmis.example.org", gateway.V05, ms(time.Hour), ms(time.Hour)},
		{"v3", "https://hmis.example.org/gw?x=1&y=é", gateway.V3, ms(2 * time.Hour), ms(2 * time.Hour)},
		{"same again", "https://hmis.example.org/gw?x=1&y=é", gateway.V3, ms(3 * time.Hour), ms(3 * time.Hour)},
		{"local time", "http://127.0.0.1:9000", gateway.V05, time.Date(2026, 3, 15, 8, 0, 0, 999_999_999, ist),
			time.Date(2026, 3, 15, 2, 30, 0, 999_000_000, time.UTC)},
		{"cleared", "", "", ms(4 * time.Hour), ms(4 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			must(t, "SetBridgeURL", db.SetBridgeURL(ctx(t), b.ID, tt.url, tt.version, tt.at))
			got, err := db.Bridge(ctx(t), b.ID)
			must(t, "Bridge", err)
			want := *b
			want.URL, want.Version, want.UpdatedAt = tt.url, tt.version, tt.wantAt
			sameBridge(t, "after SetBridgeURL", got, &want)
		})
	}
	t.Run("zero time", func(t *testing.T) {
		before := time.Now()
		must(t, "SetBridgeURL", db.SetBridgeURL(ctx(t), b.ID, "https://x", gateway.V3, time.Time{}))
		got, err := db.Bridge(ctx(t), b.ID)
		must(t, "Bridge", err)
		wantNow(t, "UpdatedAt", got.UpdatedAt, before, time.Now())
	})
	wantCode(t, "SetBridgeURL(missing)", db.SetBridgeURL(ctx(t), "no-such-bridge", "https://x", gateway.V3, ms(0)), arogya.ENOTFOUND)
	got, err := db.Bridge(ctx(t), other.ID)
	must(t, "Bridge(other)", err)
	sameBridge(t, "untouched bridge", got, other)
}

func testGatewayServiceRoundTrip(t *testing.T, db *sqldb.DB) {
	_, err := db.Service(ctx(t), "IN0000000000")
	wantCode(t, "Service(missing)", err, arogya.ENOTFOUND)
	for _, id := range []string{"hmis", "lab"} {
		must(t, "CreateBridge", db.CreateBridge(ctx(t), bridge(id)))
	}
	ss, err := db.Services(ctx(t), "hmis")
	must(t, "Services(none)", err)
	if len(ss) != 0 {
		t.Fatalf("Services(none) = %v", serviceIDs(ss))
	}
	ss, err = db.Services(ctx(t), "no-such-bridge")
	must(t, "Services(unknown bridge)", err)
	if len(ss) != 0 {
		t.Fatalf("Services(unknown bridge) = %v", serviceIDs(ss))
	}

	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name string
		s    *gateway.HIService
	}{
		{"full", &gateway.HIService{ID: "IN2810014366", Name: "अपोलो <Clinic> & \"Co\"",
			Types: []string{gateway.TypeHIP, gateway.TypeHIU, gateway.TypeHealthLocker}, Active: true,
			UpdatedAt: time.Date(2026, 3, 14, 15, 0, 0, 123_456_789, ist)}},
		{"one type, inactive", &gateway.HIService{ID: "IN2810014367", Name: "Locker", Types: []string{gateway.TypeHealthLocker},
			UpdatedAt: ms(time.Second)}},
		{"odd types", &gateway.HIService{ID: "IN2810014368", Types: []string{`"quoted"`, `back\slash`, "", "line\nbreak"},
			Active: true, UpdatedAt: ms(2 * time.Second)}},
		{"no types", &gateway.HIService{ID: "IN2810014369", Name: "Nothing yet", UpdatedAt: ms(3 * time.Second)}},
	}
	var all []*gateway.HIService
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := cloneService(tt.s)
			must(t, "PutServices", db.PutServices(ctx(t), "hmis", []*gateway.HIService{in}))
			want := cloneService(tt.s)
			want.BridgeID, want.UpdatedAt = "hmis", want.UpdatedAt.UTC().Truncate(time.Millisecond)
			// The store writes the bridge and the stored time back.
			if !reflect.DeepEqual(in, want) {
				t.Fatalf("written back:\n got  %+v\n want %+v", in, want)
			}
			got, err := db.Service(ctx(t), want.ID)
			must(t, "Service", err)
			sameServices(t, "Service", []*gateway.HIService{got}, []*gateway.HIService{want})
			all = append(all, want)
		})
	}
	got, err := db.Services(ctx(t), "hmis")
	must(t, "Services", err)
	sameServices(t, "Services", got, all)
	ss, err = db.Services(ctx(t), "lab")
	must(t, "Services(other bridge)", err)
	if len(ss) != 0 {
		t.Fatalf("Services(other bridge) = %v", serviceIDs(ss))
	}

	t.Run("zero time", func(t *testing.T) {
		before := time.Now()
		s := &gateway.HIService{ID: "IN2810014370", Types: []string{gateway.TypeHIU}}
		must(t, "PutServices", db.PutServices(ctx(t), "lab", []*gateway.HIService{s}))
		wantNow(t, "UpdatedAt", s.UpdatedAt, before, time.Now())
		got, err := db.Service(ctx(t), s.ID)
		must(t, "Service", err)
		sameServices(t, "Service", []*gateway.HIService{got}, []*gateway.HIService{s})
	})
}

func testGatewayPutServicesUpdate(t *testing.T, db *sqldb.DB) {
	must(t, "CreateBridge", db.CreateBridge(ctx(t), bridge("hmis")))
	var want []*gateway.HIService
	for _, n := range []int{3, 1, 2} {
		want = append(want, gwService("hmis", n))
	}
	in := make([]*gateway.HIService, len(want))
	for i, s := range want {
		in[i] = cloneService(s)
	}
	must(t, "PutServices", db.PutServices(ctx(t), "hmis", in))
	want = []*gateway.HIService{want[1], want[2], want[0]} // by ID

	steps := []struct {
		name string
		put  []*gateway.HIService
		// apply changes want (by ID) to what the step should leave.
		apply func(want []*gateway.HIService) []*gateway.HIService
	}{
		{"update one, keep the rest", []*gateway.HIService{{ID: gwService("", 2).ID, Name: "Renamed",
			Types: []string{gateway.TypeHIU}, Active: false, UpdatedAt: ms(time.Hour)}},
			func(w []*gateway.HIService) []*gateway.HIService {
				w[1] = &gateway.HIService{ID: w[1].ID, BridgeID: "hmis", Name: "Renamed", Types: []string{gateway.TypeHIU}, UpdatedAt: ms(time.Hour)}
				return w
			}},
		{"update and insert", []*gateway.HIService{
			{ID: gwService("", 0).ID, Name: "New", Types: []string{gateway.TypeHIP}, Active: true, UpdatedAt: ms(2 * time.Hour)},
			{ID: gwService("", 3).ID, Name: "Cleared types", Active: true, UpdatedAt: ms(2 * time.Hour)},
		}, func(w []*gateway.HIService) []*gateway.HIService {
			w[2] = &gateway.HIService{ID: w[2].ID, BridgeID: "hmis", Name: "Cleared types", Active: true, UpdatedAt: ms(2 * time.Hour)}
			return append([]*gateway.HIService{{ID: gwService("", 0).ID, BridgeID: "hmis", Name: "New",
				Types: []string{gateway.TypeHIP}, Active: true, UpdatedAt: ms(2 * time.Hour)}}, w...)
		}},
		{"same ID twice: the last wins", []*gateway.HIService{
			{ID: gwService("", 1).ID, Name: "First", Types: []string{gateway.TypeHIP}, UpdatedAt: ms(3 * time.Hour)},
			{ID: gwService("", 1).ID, Name: "Second", Types: []string{gateway.TypeHealthLocker}, Active: true, UpdatedAt: ms(4 * time.Hour)},
		}, func(w []*gateway.HIService) []*gateway.HIService {
			w[1] = &gateway.HIService{ID: w[1].ID, BridgeID: "hmis", Name: "Second", Types: []string{gateway.TypeHealthLocker},
				Active: true, UpdatedAt: ms(4 * time.Hour)}
			return w
		}},
		{"BridgeID set from the argument", []*gateway.HIService{{ID: gwService("", 9).ID, BridgeID: "", UpdatedAt: ms(5 * time.Hour)}},
			func(w []*gateway.HIService) []*gateway.HIService {
				return append(w, &gateway.HIService{ID: gwService("", 9).ID, BridgeID: "hmis", UpdatedAt: ms(5 * time.Hour)})
			}},
		{"nothing", nil, func(w []*gateway.HIService) []*gateway.HIService { return w }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			must(t, "PutServices", db.PutServices(ctx(t), "hmis", st.put))
			want = st.apply(want)
			got, err := db.Services(ctx(t), "hmis")
			must(t, "Services", err)
			sameServices(t, "Services", got, want)
			for _, w := range want {
				s, err := db.Service(ctx(t), w.ID)
				must(t, "Service", err)
				sameServices(t, "Service", []*gateway.HIService{s}, []*gateway.HIService{w})
			}
		})
	}

	err := db.PutServices(ctx(t), "no-such-bridge", []*gateway.HIService{gwService("", 50)})
	wantCode(t, "PutServices(unknown bridge)", err, arogya.ENOTFOUND)
	_, err = db.Service(ctx(t), gwService("", 50).ID)
	wantCode(t, "Service(put to unknown bridge)", err, arogya.ENOTFOUND)
	wantCode(t, "PutServices(unknown bridge, none)", db.PutServices(ctx(t), "no-such-bridge", nil), arogya.ENOTFOUND)
}

func testGatewayPutServicesConflict(t *testing.T, db *sqldb.DB) {
	for _, id := range []string{"a", "b"} {
		must(t, "CreateBridge", db.CreateBridge(ctx(t), bridge(id)))
	}
	aServices := []*gateway.HIService{gwService("a", 1), gwService("a", 2)}
	bServices := []*gateway.HIService{gwService("b", 10), gwService("b", 11)}
	for _, set := range [][]*gateway.HIService{aServices, bServices} {
		in := make([]*gateway.HIService, len(set))
		for i, s := range set {
			in[i] = cloneService(s)
		}
		must(t, "PutServices", db.PutServices(ctx(t), set[0].BridgeID, in))
	}

	changed := func(s *gateway.HIService) *gateway.HIService {
		c := cloneService(s)
		c.BridgeID, c.Name, c.Types, c.Active, c.UpdatedAt = "", "Taken over", []string{gateway.TypeHIU}, !s.Active, ms(time.Hour)
		return c
	}
	tests := []struct {
		name   string
		bridge string
		put    []*gateway.HIService
	}{
		{"only another's", "b", []*gateway.HIService{changed(aServices[0])}},
		{"new, then another's", "b", []*gateway.HIService{gwService("", 20), changed(aServices[1])}},
		{"another's, then new", "b", []*gateway.HIService{changed(aServices[0]), gwService("", 99)}},
		{"own update and another's", "b", []*gateway.HIService{changed(bServices[0]), changed(aServices[0]), changed(bServices[1])}},
		{"the other way round", "a", []*gateway.HIService{changed(aServices[1]), changed(bServices[1]), gwService("", 30)}},
		{"all of another's", "a", []*gateway.HIService{changed(bServices[0]), changed(bServices[1])}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := make([]*gateway.HIService, len(tt.put))
			for i, s := range tt.put {
				before[i] = cloneService(s)
			}
			err := db.PutServices(ctx(t), tt.bridge, tt.put)
			wantCode(t, "PutServices", err, arogya.ECONFLICT)
			// Nothing changed: not the database, not the arguments.
			sameServices(t, "arguments after a failed put", tt.put, before)
			for _, want := range [][]*gateway.HIService{aServices, bServices} {
				got, err := db.Services(ctx(t), want[0].BridgeID)
				must(t, "Services", err)
				sameServices(t, "Services after a failed put", got, want)
			}
			for _, id := range []string{gwService("", 20).ID, gwService("", 30).ID, gwService("", 99).ID} {
				_, err := db.Service(ctx(t), id)
				wantCode(t, "Service(new ID of a failed put)", err, arogya.ENOTFOUND)
			}
		})
	}
	// After all that, each bridge can still update its own.
	own := changed(bServices[0])
	must(t, "PutServices(own)", db.PutServices(ctx(t), "b", []*gateway.HIService{own}))
	got, err := db.Service(ctx(t), own.ID)
	must(t, "Service", err)
	sameServices(t, "Service after own update", []*gateway.HIService{got}, []*gateway.HIService{own})
}

// testGatewayPutServicesConcurrent races bridges for the same services:
// each puts all of them, in its own order, so exactly one may win, and the
// services must all end up its.
func testGatewayPutServicesConcurrent(t *testing.T, db *sqldb.DB) {
	const bridges, services, rounds = 4, 6, 3
	for r := range rounds {
		ids := make([]string, bridges)
		for i := range ids {
			ids[i] = fmt.Sprintf("race%d-%d", r, i)
			must(t, "CreateBridge", db.CreateBridge(ctx(t), bridge(ids[i])))
		}
		errs := make([]error, bridges)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, id := range ids {
			ss := make([]*gateway.HIService, services)
			for n := range ss {
				ss[n] = gwService("", 1000*r+n)
			}
			rand.Shuffle(len(ss), func(a, b int) { ss[a], ss[b] = ss[b], ss[a] })
			wg.Go(func() {
				<-start
				errs[i] = db.PutServices(ctx(t), id, ss)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("round %d: bridges %s and %s both put the same services", r, ids[winner], ids[i])
				}
				winner = i
				continue
			}
			wantCode(t, "PutServices(lost race)", err, arogya.ECONFLICT)
		}
		if winner < 0 {
			t.Fatalf("round %d: no bridge put its services: %v", r, errs)
		}
		for i, id := range ids {
			got, err := db.Services(ctx(t), id)
			must(t, "Services", err)
			if want := services * btoi(i == winner); len(got) != want {
				t.Fatalf("round %d: bridge %s has %d services, want %d", r, id, len(got), want)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
