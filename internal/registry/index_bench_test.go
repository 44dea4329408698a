package registry

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/india"
)

// The benchmarks search a synthetic index of 1,000,000 facilities or
// professionals, built once per process (a few seconds). Each reports the
// heap the index holds per entry ("heapB/entry", measured after a GC) and
// the index's own estimate ("idxB/entry").

const ixBenchN = 1_000_000

type ixBenchSet struct {
	x        *Index
	heapPer  float64
	estPer   float64
	build    time.Duration
	sampleID []string // facility IDs professionals work at
}

var (
	ixBenchFacOnce, ixBenchProOnce sync.Once
	ixBenchFac, ixBenchPro         ixBenchSet
)

func ixHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func ixBenchFacilities(b *testing.B) *ixBenchSet {
	ixBenchFacOnce.Do(func() {
		india.States() // parse the embedded data before measuring
		before := ixHeap()
		start := time.Now()
		x := NewIndex()
		s := newIxSynth(42)
		batch := make([]*Facility, 0, 10_000)
		for i := range ixBenchN {
			batch = append(batch, s.facility(i))
			if len(batch) == cap(batch) {
				x.PutFacilities(batch)
				batch = batch[:0]
			}
		}
		x.PutFacilities(batch)
		batch = nil
		ixBenchFac.build = time.Since(start)
		ixBenchFac.heapPer = float64(ixHeap()-before) / ixBenchN
		ixBenchFac.estPer = float64(x.fac.memBytes()) / ixBenchN
		ixBenchFac.x = x
	})
	b.Logf("1M facilities: built in %v, heap %.0f B/entry, estimate %.0f B/entry",
		ixBenchFac.build.Round(time.Millisecond), ixBenchFac.heapPer, ixBenchFac.estPer)
	return &ixBenchFac
}

func ixBenchProfessionals(b *testing.B) *ixBenchSet {
	ixBenchProOnce.Do(func() {
		india.States()
		before := ixHeap()
		start := time.Now()
		x := NewIndex()
		s := newIxSynth(43)
		batch := make([]*Professional, 0, 10_000)
		for i := range ixBenchN {
			p := s.professional(i, ixBenchN)
			if i%1000 == 0 {
				ixBenchPro.sampleID = append(ixBenchPro.sampleID, p.Facilities[0])
			}
			batch = append(batch, p)
			if len(batch) == cap(batch) {
				x.PutProfessionals(batch)
				batch = batch[:0]
			}
		}
		x.PutProfessionals(batch)
		batch = nil
		ixBenchPro.build = time.Since(start)
		ixBenchPro.heapPer = float64(ixHeap()-before-uint64(len(ixBenchPro.sampleID))*32) / ixBenchN
		ixBenchPro.estPer = float64(x.pro.memBytes()) / ixBenchN
		ixBenchPro.x = x
	})
	b.Logf("1M professionals: built in %v, heap %.0f B/entry, estimate %.0f B/entry",
		ixBenchPro.build.Round(time.Millisecond), ixBenchPro.heapPer, ixBenchPro.estPer)
	return &ixBenchPro
}

// ixRun runs the queries in turn and reports the average hits total.
func ixRun[Q any](b *testing.B, set *ixBenchSet, qs []Q, search func(Q) (Result, error)) {
	b.ReportAllocs()
	b.ReportMetric(set.heapPer, "heapB/entry")
	total := 0
	b.ResetTimer()
	for i := range b.N {
		r, err := search(qs[i%len(qs)])
		if err != nil {
			b.Fatal(err)
		}
		total += r.Total
	}
	b.ReportMetric(float64(total)/float64(b.N), "matches/op")
}

func ixPrefix(w string, n int) string { return w[:min(len(w), n)] }

func BenchmarkSearchFacilitiesName(b *testing.B) {
	set := ixBenchFacilities(b)
	x := set.x
	s := newIxSynth(1)
	state := func() string { return ixStates[s.r.IntN(len(ixStates))].Code }
	district := func() string {
		ds := india.Districts(state())
		return ds[s.r.IntN(len(ds))].Code
	}
	cases := []struct {
		name string
		q    func() FacilityQuery
	}{
		{"word+state", func() FacilityQuery { return FacilityQuery{Q: s.pick(ixBrandWords), State: state()} }},
		{"two-words", func() FacilityQuery { return FacilityQuery{Q: s.pick(ixBrandWords) + " " + s.pick(ixKindWords)} }},
		{"two-words+district+type", func() FacilityQuery {
			return FacilityQuery{Q: s.pick(ixBrandWords) + " hospital", District: district(), Type: "hospital"}
		}},
		{"one-word", func() FacilityQuery { return FacilityQuery{Q: s.pick(ixBrandWords)} }},
		{"prefix3", func() FacilityQuery { return FacilityQuery{Q: ixPrefix(s.pick(ixBrandWords), 3)} }},
		{"prefix3-kind", func() FacilityQuery { return FacilityQuery{Q: ixPrefix(s.pick(ixKindWords), 3)} }},
		{"state-name", func() FacilityQuery { return FacilityQuery{Q: ixStates[s.r.IntN(len(ixStates))].Name} }},
		{"filters", func() FacilityQuery {
			return FacilityQuery{State: state(), Type: ixTypeWeights[s.r.IntN(len(ixTypeWeights))].code}
		}},
		{"filters-broad", func() FacilityQuery { return FacilityQuery{System: "modern", Ownership: "private"} }},
		{"all", func() FacilityQuery { return FacilityQuery{} }},
		{"deep-page", func() FacilityQuery { return FacilityQuery{Q: s.pick(ixKindWords), Page: 50, PageSize: 100} }},
	}
	for _, c := range cases {
		qs := make([]FacilityQuery, 1000)
		for i := range qs {
			qs[i] = c.q()
		}
		b.Run(c.name, func(b *testing.B) { ixRun(b, set, qs, x.SearchFacilities) })
	}
}

func BenchmarkSearchFacilitiesNear(b *testing.B) {
	set := ixBenchFacilities(b)
	x := set.x
	s := newIxSynth(2)
	city := func() *Point {
		c := ixCities[s.r.IntN(len(ixCities))]
		c.Lat += s.r.NormFloat64() * 0.05
		c.Lon += s.r.NormFloat64() * 0.05
		return &c
	}
	anywhere := func() *Point { return &Point{8 + s.r.Float64()*26, 69 + s.r.Float64()*27} }
	cases := []struct {
		name string
		q    func() FacilityQuery
	}{
		{"city", func() FacilityQuery { return FacilityQuery{Near: city()} }},
		{"city-5km", func() FacilityQuery { return FacilityQuery{Near: city(), RadiusKm: 5} }},
		{"city+type", func() FacilityQuery { return FacilityQuery{Near: city(), Type: "pharmacy"} }},
		{"city+q", func() FacilityQuery { return FacilityQuery{Near: city(), Q: s.pick(ixBrandWords)} }},
		{"city+prefix3", func() FacilityQuery { return FacilityQuery{Near: city(), Q: ixPrefix(s.pick(ixKindWords), 3)} }},
		{"anywhere", func() FacilityQuery { return FacilityQuery{Near: anywhere()} }},
		{"anywhere-200km", func() FacilityQuery { return FacilityQuery{Near: anywhere(), RadiusKm: 200} }},
		{"city-500km", func() FacilityQuery { return FacilityQuery{Near: city(), RadiusKm: 500} }},
	}
	for _, c := range cases {
		qs := make([]FacilityQuery, 1000)
		for i := range qs {
			qs[i] = c.q()
		}
		b.Run(c.name, func(b *testing.B) { ixRun(b, set, qs, x.SearchFacilities) })
	}
}

func BenchmarkSearchProfessionals(b *testing.B) {
	set := ixBenchProfessionals(b)
	x := set.x
	s := newIxSynth(3)
	st := func() india.State { return ixStates[s.r.IntN(len(ixStates))] }
	cases := []struct {
		name string
		q    func() ProfessionalQuery
	}{
		{"full-name", func() ProfessionalQuery {
			c := st().Code
			return ProfessionalQuery{Q: s.pick(india.FirstNames(c, "")) + " " + s.pick(india.LastNames(c))}
		}},
		{"surname+state", func() ProfessionalQuery {
			c := st().Code
			return ProfessionalQuery{Q: s.pick(india.LastNames(c)), State: c}
		}},
		{"surname", func() ProfessionalQuery { return ProfessionalQuery{Q: s.pick(india.LastNames(st().Code))} }},
		{"prefix3", func() ProfessionalQuery {
			return ProfessionalQuery{Q: ixPrefix(s.pick(india.FirstNames(st().Code, "")), 3)}
		}},
		{"dr+name+speciality", func() ProfessionalQuery {
			return ProfessionalQuery{Q: "dr " + s.pick(india.FirstNames(st().Code, "")), Speciality: Specialities[s.r.IntN(len(Specialities))].Code}
		}},
		{"filters", func() ProfessionalQuery {
			c := st().Code
			ds := india.Districts(c)
			return ProfessionalQuery{Category: "doctor", District: ds[s.r.IntN(len(ds))].Code, Language: "en"}
		}},
		{"facility", func() ProfessionalQuery { return ProfessionalQuery{Facility: s.pick(set.sampleID)} }},
		{"near", func() ProfessionalQuery {
			c := ixCities[s.r.IntN(len(ixCities))]
			return ProfessionalQuery{Near: &c, Category: "doctor"}
		}},
	}
	for _, c := range cases {
		qs := make([]ProfessionalQuery, 1000)
		for i := range qs {
			qs[i] = c.q()
		}
		b.Run(c.name, func(b *testing.B) { ixRun(b, set, qs, x.SearchProfessionals) })
	}
}

// BenchmarkIndexPutFacility is the cost of one change from the feed into
// a loaded index.
func BenchmarkIndexPutFacility(b *testing.B) {
	set := ixBenchFacilities(b)
	s := newIxSynth(4)
	fs := make([]*Facility, 1000)
	for i := range fs {
		fs[i] = s.facility(s.r.IntN(ixBenchN))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		set.x.PutFacility(fs[i%len(fs)])
	}
}
