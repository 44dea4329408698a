package registry

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/arogya-health/arogya/internal/india"
)

// A brute-force model of facility search, to check the index against on
// random data and random queries: large enough (12,000 entries) that
// posting lists turn into bitmaps and searches take every path.

type ixRefDoc struct {
	f           *Facility
	strong, all []string // sorted, distinct
	sort        string
	rank        int // in name order
}

type ixRef struct {
	docs   map[string]*ixRefDoc
	ranked bool
	list   []*ixRefDoc // in name order, when ranked
}

func (m *ixRef) put(f *Facility) {
	m.ranked = false
	if f.Status != StatusVerified {
		delete(m.docs, f.ID)
		return
	}
	d := &ixRefDoc{f: f}
	for _, t := range tokens(f.Name) {
		d.strong = append(d.strong, t)
		d.all = append(d.all, t)
	}
	texts := []string{f.Address.City}
	texts = append(texts, f.Services...)
	if s, ok := india.StateByCode(f.Address.StateCode); ok {
		texts = append(texts, s.Name)
	}
	if dist, ok := india.DistrictByCode(f.Address.StateCode, f.Address.DistrictCode); ok {
		texts = append(texts, dist.Name)
	}
	if FacilityTypes.Has(f.Type) {
		texts = append(texts, FacilityTypes.Label(f.Type))
	}
	for _, s := range f.Specialities {
		if Specialities.Has(s) {
			texts = append(texts, Specialities.Label(s))
		}
	}
	for _, s := range texts {
		d.all = append(d.all, tokens(s)...)
	}
	slices.Sort(d.strong)
	slices.Sort(d.all)
	d.strong, d.all = slices.Compact(d.strong), slices.Compact(d.all)
	var sc tokenScanner
	d.sort = string(sortName(nil, &sc, f.Name))
	m.docs[f.ID] = d
}

func ixHas(set []string, t qterm) bool {
	i, found := slices.BinarySearch(set, t.tok)
	return found || t.prefix && i < len(set) && strings.HasPrefix(set[i], t.tok)
}

func (m *ixRef) search(q FacilityQuery) (Result, error) {
	p, err := newPlan(q.Q, q.Page, q.PageSize, q.Near, q.RadiusKm)
	if err != nil {
		return Result{}, err
	}
	if !m.ranked {
		ds := make([]*ixRefDoc, 0, len(m.docs))
		for _, d := range m.docs {
			ds = append(ds, d)
		}
		slices.SortFunc(ds, func(a, b *ixRefDoc) int { return cmp.Or(cmp.Compare(a.sort, b.sort), cmp.Compare(a.f.ID, b.f.ID)) })
		for i, d := range ds {
			d.rank = i
		}
		m.ranked, m.list = true, ds
	}
	type hit struct {
		d    *ixRefDoc
		tier int
		km   float64
	}
	var hits []hit
	for _, d := range m.list {
		f := d.f
		if q.State != "" && f.Address.StateCode != q.State ||
			q.District != "" && f.Address.DistrictCode != q.District ||
			q.PIN != "" && f.Address.PIN != q.PIN ||
			q.Type != "" && f.Type != q.Type ||
			q.Ownership != "" && f.Ownership != q.Ownership ||
			q.System != "" && !slices.Contains(f.Systems, q.System) ||
			q.Speciality != "" && !slices.Contains(f.Specialities, q.Speciality) ||
			q.ABDMRole != "" && !(f.ABDMEnabled && slices.Contains(f.ABDMRoles, q.ABDMRole)) {
			continue
		}
		h := hit{d: d}
		ok := true
		for _, t := range p.terms {
			if !ixHas(d.all, t) {
				ok = false
				break
			}
			if !ixHas(d.strong, t) {
				h.tier = 1
			}
		}
		if !ok {
			continue
		}
		if p.near != nil {
			if f.Lat == 0 && f.Lon == 0 {
				continue
			}
			h.km = ixHaversine(q.Near.Lat, q.Near.Lon, f.Lat, f.Lon)
			if h.km > p.near.radius {
				continue
			}
			h.tier = 0
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.km, b.km), cmp.Compare(a.tier, b.tier), cmp.Compare(a.d.rank, b.d.rank))
	})
	res := Result{Total: len(hits), Page: p.page, PageSize: p.size, Hits: []Hit{}}
	for _, h := range hits[min(len(hits), (p.page-1)*p.size):min(len(hits), p.page*p.size)] {
		res.Hits = append(res.Hits, Hit{ID: h.d.f.ID, DistanceKm: h.km})
	}
	return res, nil
}

// ixCompare checks a page from the index against the model's.
func ixCompare(t *testing.T, what string, got, want Result) {
	t.Helper()
	if got.Total != want.Total || got.Page != want.Page || got.PageSize != want.PageSize || len(got.Hits) != len(want.Hits) {
		t.Errorf("%s: total %d page %d size %d, %d hits; want %d %d %d, %d", what,
			got.Total, got.Page, got.PageSize, len(got.Hits), want.Total, want.Page, want.PageSize, len(want.Hits))
		return
	}
	for i := range got.Hits {
		g, w := got.Hits[i], want.Hits[i]
		if g.ID != w.ID || math.Abs(g.DistanceKm-w.DistanceKm) > 0.001 {
			t.Errorf("%s: hit %d is %v, want %v", what, i, g, w)
			return
		}
	}
}

func TestSearchAgainstReference(t *testing.T) { ixReferenceCheck(t, 1, 12_000, 250) }

// ixReferenceCheck loads n random facilities, changes some, and compares
// the index with the model on that many random queries, before and after
// compaction.
func ixReferenceCheck(t *testing.T, seed uint64, n, queries int) {
	s := newIxSynth(seed)
	x := NewIndex()
	m := &ixRef{docs: map[string]*ixRefDoc{}}
	var fs []*Facility
	for i := range n {
		f := s.facility(i)
		fs = append(fs, f)
		m.put(f)
		if len(fs) == 1000 {
			x.PutFacilities(fs)
			fs = fs[:0]
		}
	}
	x.PutFacilities(fs)
	// Replace some, reject some, and bring some back, one at a time.
	for i := range 2000 {
		f := s.facility(s.r.IntN(n))
		switch i % 3 {
		case 0:
			f.Status = StatusRejected
		}
		x.PutFacility(f)
		m.put(f)
	}

	qs := func() []FacilityQuery {
		var qs []FacilityQuery
		word := func() string {
			switch s.r.IntN(4) {
			case 0:
				return s.pick(ixKindWords)
			case 1:
				w := s.pick(ixBrandWords)
				return w[:min(len(w), 3+s.r.IntN(3))]
			case 2:
				return ixStates[s.r.IntN(len(ixStates))].Name
			}
			return s.pick(ixBrandWords)
		}
		for range queries {
			var q FacilityQuery
			switch s.r.IntN(4) {
			case 0:
				q.Q = word()
			case 1:
				q.Q = word() + " " + word()
			case 2:
				q.Q = s.pick([]string{"", "hos", "cli", "pharm", "sri sai", "dialysis", "cardiology", "eye", "ab", "z"})
			}
			if s.r.IntN(3) == 0 {
				q.State = ixStates[s.r.IntN(len(ixStates))].Code
			}
			if s.r.IntN(4) == 0 {
				q.Type = ixTypeWeights[s.r.IntN(len(ixTypeWeights))].code
			}
			if s.r.IntN(6) == 0 {
				q.Speciality = Specialities[s.r.IntN(len(Specialities))].Code
			}
			if s.r.IntN(6) == 0 {
				q.System = s.pick([]string{"modern", "ayurveda", "unani"})
			}
			if s.r.IntN(8) == 0 {
				q.ABDMRole = s.pick([]string{"HIP", "HIU"})
			}
			if s.r.IntN(8) == 0 {
				q.Ownership = Ownerships[s.r.IntN(len(Ownerships))].Code
			}
			if s.r.IntN(10) == 0 {
				st := ixStates[s.r.IntN(len(ixStates))]
				ds := india.Districts(st.Code)
				q.State, q.District = "", ds[s.r.IntN(len(ds))].Code
			}
			if s.r.IntN(3) == 0 {
				c := ixCities[s.r.IntN(len(ixCities))]
				if s.r.IntN(3) == 0 {
					c = Point{8 + s.r.Float64()*26, 69 + s.r.Float64()*27}
				}
				q.Near = &c
				q.RadiusKm = ixPick(s, []float64{0, 2, 10, 50, 200, 500})
			}
			q.PageSize = ixPick(s, []int{0, 1, 5, 20, 100})
			q.Page = ixPick(s, []int{0, 1, 2, 3, 10})
			qs = append(qs, q)
		}
		return qs
	}()
	check := func(stage string) {
		for i, q := range qs {
			got, err := x.SearchFacilities(q)
			want, werr := m.search(q)
			if (err != nil) != (werr != nil) {
				t.Fatalf("%s query %d: error %v, want %v", stage, i, err, werr)
			}
			ixCompare(t, fmt.Sprintf("%s query %d %+v", stage, i, q), got, want)
		}
	}
	check("loaded")
	x.fac.mu.Lock()
	x.fac.compact()
	x.fac.mu.Unlock()
	check("compacted")
	if f, _, _ := x.Counts(); f != len(m.docs) {
		t.Errorf("count %d, want %d", f, len(m.docs))
	}
}

func ixPick[T any](s *ixSynth, xs []T) T { return xs[s.r.IntN(len(xs))] }

var (
	ixFuzzOnce  sync.Once
	ixFuzzIndex *Index
)

func FuzzSearchFacilities(f *testing.F) {
	ixFuzzOnce.Do(func() {
		s := newIxSynth(7)
		ixFuzzIndex = NewIndex()
		var fs []*Facility
		for i := range 2000 {
			fs = append(fs, s.facility(i))
		}
		ixFuzzIndex.PutFacilities(fs)
	})
	x := ixFuzzIndex
	for _, q := range []string{"", "apollo", "hos", "sri sai clinic", "Śrī", "a b c", "kar", "\xff\xfe", "ab cd ef gh", "24x7", "  ", "नमस्ते"} {
		f.Add(q, 1, 20, false, "")
		f.Add(q, 2, 5, true, "29")
	}
	f.Fuzz(func(t *testing.T, q string, page, size int, near bool, state string) {
		fq := FacilityQuery{Q: q, Page: page % 200, PageSize: size % 120, State: state}
		if near {
			fq.Near = &ixCities[0]
			fq.RadiusKm = 50
		}
		r, err := x.SearchFacilities(fq)
		if err != nil {
			ixInvalid(t, err)
			return
		}
		if len(r.Hits) > r.PageSize || r.Total < len(r.Hits) || r.Page < 1 || r.PageSize < 1 {
			t.Fatalf("%q: page %d size %d total %d, %d hits", q, r.Page, r.PageSize, r.Total, len(r.Hits))
		}
		seen := map[string]bool{}
		for _, h := range r.Hits {
			if seen[h.ID] {
				t.Fatalf("%q: %s twice", q, h.ID)
			}
			seen[h.ID] = true
			if near != (h.DistanceKm > 0) && h.DistanceKm != 0 {
				t.Fatalf("%q: distance %v", q, h.DistanceKm)
			}
		}
		if want := max(0, min(r.PageSize, r.Total-(r.Page-1)*r.PageSize)); len(r.Hits) != want {
			t.Fatalf("%q: page %d has %d hits of %d, want %d", q, r.Page, len(r.Hits), r.Total, want)
		}
	})
}
