package registry

import (
	"math"
	"slices"
)

// Nearby search uses a grid of 0.05° cells (about 5.5 km) over latitude
// 0–40 and longitude 60–100, which holds India with a margin: a 25 km
// search touches some 100 cells, a 5 km one 9. An entry with a location
// outside the grid goes to one overflow list that every search whose box
// leaves the grid also scans.

const (
	earthRadiusKm = 6371.0088
	gridLat0      = 0.0
	gridLon0      = 60.0
	gridStep      = 0.05
	gridRows      = 800 // 40° of latitude
	gridCols      = 800 // 40° of longitude
	deg2rad       = math.Pi / 180
)

// geoEntry is one located entry in a cell. The coordinates are kept with
// the ord so that a search reads each cell sequentially.
type geoEntry struct {
	ord      uint32
	lat, lon float32
}

// geoGrid keeps each cell's entries in one slice, found through idx (4
// bytes a cell, where a slice header would take 24).
type geoGrid struct {
	idx     []uint32     // gridRows*gridCols: 1 + the cell's index in lists, or 0
	lists   [][]geoEntry // the non-empty cells
	dead    []uint32     // by list: how many of its entries are dead
	outside []geoEntry
}

// cell returns the entries of cell i.
func (g *geoGrid) cell(i int) []geoEntry {
	if j := g.idx[i]; j != 0 {
		return g.lists[j-1]
	}
	return nil
}

// gridCell returns the cell of a point, or false outside the grid.
func gridCell(lat, lon float64) (int, bool) {
	r := math.Floor((lat - gridLat0) / gridStep)
	c := math.Floor((lon - gridLon0) / gridStep)
	if !(r >= 0 && r < gridRows && c >= 0 && c < gridCols) {
		return 0, false
	}
	return int(r)*gridCols + int(c), true
}

func (g *geoGrid) add(ord uint32, lat, lon float32) {
	e := geoEntry{ord, lat, lon}
	i, ok := gridCell(float64(lat), float64(lon))
	if !ok {
		g.outside = append(g.outside, e)
		return
	}
	if g.idx == nil {
		g.idx = make([]uint32, gridRows*gridCols)
	}
	j := g.idx[i]
	if j == 0 {
		g.lists = append(g.lists, nil)
		g.dead = append(g.dead, 0)
		j = uint32(len(g.lists))
		g.idx[i] = j
	}
	g.lists[j-1] = appendLean(g.lists[j-1], e)
}

// died notes that the entry at (lat, lon) died.
func (g *geoGrid) died(lat, lon float32) {
	if i, ok := gridCell(float64(lat), float64(lon)); ok && g.idx != nil {
		if j := g.idx[i]; j != 0 {
			g.dead[j-1]++
		}
	}
}

// remap renumbers after compaction.
func (g *geoGrid) remap(to []uint32) {
	f := func(es []geoEntry) []geoEntry {
		out := es[:0]
		for _, e := range es {
			if n := to[e.ord]; n != deadOrd {
				e.ord = n
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return append([]geoEntry(nil), out...)
	}
	for i, es := range g.lists {
		g.lists[i] = f(es) // an emptied cell keeps its place
		g.dead[i] = 0
	}
	g.outside = f(g.outside)
}

func (g *geoGrid) memBytes() int {
	n := 4*len(g.idx) + 28*cap(g.lists) + 12*cap(g.outside)
	for _, es := range g.lists {
		n += 12 * cap(es)
	}
	return n
}

// geoQuery is a circle to search: haversine distances are compared as
// the haversine a = sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2), which grows
// with distance, against aMax.
type geoQuery struct {
	lat, lon       float64 // degrees
	cosLat, sinLat float64
	radius         float64 // km
	aMax           float64
	// the bounding box of the circle, degrees; whole longitudes near a pole
	latLo, latHi, lonLo, lonHi float64
}

func newGeoQuery(p Point, radiusKm float64) geoQuery {
	q := geoQuery{lat: p.Lat, lon: p.Lon, radius: radiusKm}
	q.sinLat, q.cosLat = math.Sincos(p.Lat * deg2rad)
	ang := radiusKm / earthRadiusKm // radians
	s := math.Sin(ang / 2)
	q.aMax = s * s
	dlat := ang/deg2rad + 1e-6
	q.latLo, q.latHi = p.Lat-dlat, p.Lat+dlat
	q.lonLo, q.lonHi = -360, 360
	if q.latLo > -90 && q.latHi < 90 {
		if c := math.Cos(p.Lat * deg2rad); c > 0 {
			if x := math.Sin(ang) / c; x < 1 {
				dlon := math.Asin(x)/deg2rad + 1e-6
				q.lonLo, q.lonHi = p.Lon-dlon, p.Lon+dlon
			}
		}
	}
	return q
}

// hav returns the haversine a between the query point and (lat, lon).
func (q *geoQuery) hav(lat, lon float32) float64 {
	dlat := (float64(lat) - q.lat) * deg2rad
	dlon := float64(lon) - q.lon
	if dlon > 180 {
		dlon -= 360
	} else if dlon < -180 {
		dlon += 360
	}
	dlon *= deg2rad
	if dlat > 0.1 || dlat < -0.1 || dlon > 0.2 || dlon < -0.2 {
		s1 := sinSmall(dlat / 2)
		s2 := sinSmall(dlon / 2)
		return s1*s1 + q.cosLat*cosSmall(float64(lat)*deg2rad)*s2*s2
	}
	// Within some 600 km, by series in the small angles (error below
	// 1e-14), cos φ as cos(φq + Δφ).
	x2 := dlat * dlat / 4
	s1 := dlat / 2 * (1 - x2/6*(1-x2/20*(1-x2/42)))
	y2 := dlon * dlon / 4
	s2 := dlon / 2 * (1 - y2/6*(1-y2/20*(1-y2/42)))
	d2 := dlat * dlat
	sinD := dlat * (1 - d2/6*(1-d2/20*(1-d2/42)))
	cosD := 1 - d2/2*(1-d2/12*(1-d2/30*(1-d2/56)))
	cosLat := q.cosLat*cosD - q.sinLat*sinD
	return s1*s1 + q.cosLat*cosLat*s2*s2
}

// havKm converts a haversine a into kilometres.
func havKm(a float64) float64 {
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(max(a, 0), 1)))
}

// sinSmall is math.Sin, by its Taylor series for the small angles a
// search mostly meets (error below 1e-11 under 0.5 rad).
func sinSmall(x float64) float64 {
	if x > 0.5 || x < -0.5 {
		return math.Sin(x)
	}
	x2 := x * x
	return x * (1 - x2/6*(1-x2/20*(1-x2/42*(1-x2/72*(1-x2/110)))))
}

// cosSmall is math.Cos by its Taylor series under 0.8 rad (about 46°
// of latitude; error below 1e-12).
func cosSmall(x float64) float64 {
	if x > 0.8 || x < -0.8 {
		return math.Cos(x)
	}
	x2 := x * x
	return 1 - x2/2*(1-x2/12*(1-x2/30*(1-x2/56*(1-x2/90*(1-x2/132*(1-x2/182))))))
}

// cellRange returns the grid rows and columns the circle's box covers
// (empty when it misses the grid) and whether the box leaves the grid.
func (q *geoQuery) cellRange() (r0, r1, c0, c1 int, leaves bool) {
	r0 = int(math.Floor((q.latLo - gridLat0) / gridStep))
	r1 = int(math.Floor((q.latHi - gridLat0) / gridStep))
	c0 = int(math.Floor((q.lonLo - gridLon0) / gridStep))
	c1 = int(math.Floor((q.lonHi - gridLon0) / gridStep))
	leaves = r0 < 0 || r1 >= gridRows || c0 < 0 || c1 >= gridCols
	r0, r1 = max(r0, 0), min(r1, gridRows-1)
	c0, c1 = max(c0, 0), min(c1, gridCols-1)
	return r0, r1, c0, c1, leaves
}

// cellBounds bounds the haversine a of the points of each grid cell a
// search covers. With Δφ and Δλ ranging over a cell, and φ its latitude,
//
//	a = sin²(Δφ/2) + cos φq cos φ sin²(Δλ/2)
//
// is at least the sum of its terms' least values and at most the sum of
// their greatest, and those depend on the row or the column alone.
type cellBounds struct {
	r0, c0             int
	rowLo, rowHi       []float64 // sin²(Δφ/2), least and greatest in the row
	rowCosLo, rowCosHi []float64 // cos φ, least and greatest in the row
	colLo, colHi       []float64 // sin²(Δλ/2), least and greatest in the column
}

func sin2half(deg float64) float64 {
	s := math.Sin(deg * deg2rad / 2)
	return s * s
}

// lonDiff is the absolute longitude difference, at most 180.
func lonDiff(a, b float64) float64 {
	d := math.Abs(a - b)
	if d > 180 {
		d = 360 - d
	}
	return d
}

func (q *geoQuery) cellBounds(b *cellBounds, r0, r1, c0, c1 int) {
	b.r0, b.c0 = r0, c0
	b.rowLo, b.rowHi = b.rowLo[:0], b.rowHi[:0]
	b.rowCosLo, b.rowCosHi = b.rowCosLo[:0], b.rowCosHi[:0]
	b.colLo, b.colHi = b.colLo[:0], b.colHi[:0]
	for r := r0; r <= r1; r++ {
		la0 := gridLat0 + float64(r)*gridStep
		la1 := la0 + gridStep
		d0, d1 := math.Abs(q.lat-la0), math.Abs(q.lat-la1)
		lo := min(d0, d1)
		if q.lat >= la0 && q.lat <= la1 {
			lo = 0
		}
		b.rowLo = append(b.rowLo, sin2half(lo))
		b.rowHi = append(b.rowHi, sin2half(max(d0, d1)))
		c0, c1 := math.Cos(la0*deg2rad), math.Cos(la1*deg2rad)
		hi := max(c0, c1)
		if la0 <= 0 && la1 >= 0 {
			hi = 1
		}
		b.rowCosLo = append(b.rowCosLo, max(min(c0, c1), 0))
		b.rowCosHi = append(b.rowCosHi, hi)
	}
	for c := c0; c <= c1; c++ {
		lo0 := gridLon0 + float64(c)*gridStep
		lo1 := lo0 + gridStep
		d0, d1 := lonDiff(q.lon, lo0), lonDiff(q.lon, lo1)
		lo := min(d0, d1)
		if q.lon >= lo0 && q.lon <= lo1 {
			lo = 0
		}
		b.colLo = append(b.colLo, sin2half(lo))
		b.colHi = append(b.colHi, sin2half(max(d0, d1)))
	}
}

// cell returns bounds on the haversine a of the points of cell (r, c).
func (b *cellBounds) cell(q *geoQuery, r, c int) (lo, hi float64) {
	i, j := r-b.r0, c-b.c0
	lo = b.rowLo[i] + q.cosLat*b.rowCosLo[i]*b.colLo[j]
	hi = b.rowHi[i] + q.cosLat*b.rowCosHi[i]*b.colHi[j]
	// the entries' a is computed to about 1e-12: widen the bounds by more
	return lo*(1-1e-9) - 1e-15, hi*(1+1e-9) + 1e-15
}

// ---- nearby search ----

type distItem struct {
	a   float64 // haversine a
	ord uint32
}

// distHeap keeps the k nearest: a max-heap on (a, name, ID).
type distHeap struct {
	c *corpus
	h []distItem
	k int
}

func (h *distHeap) less(x, y distItem) bool {
	if x.a != y.a {
		return x.a < y.a
	}
	return h.c.cmpName(x.ord, y.ord) < 0 // same distance: by name, then ID
}

func (h *distHeap) offer(it distItem) {
	if len(h.h) < h.k {
		h.h = append(h.h, it)
		for i := len(h.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.less(h.h[p], h.h[i]) {
				break
			}
			h.h[i], h.h[p] = h.h[p], h.h[i]
			i = p
		}
		return
	}
	if !h.less(it, h.h[0]) {
		return
	}
	h.h[0] = it
	n := len(h.h)
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(h.h[l], h.h[r]) {
			m = r
		}
		if !h.less(h.h[i], h.h[m]) {
			break
		}
		h.h[i], h.h[m] = h.h[m], h.h[i]
		i = m
	}
}

func (c *corpus) searchNear(s *scratch, p *plan, cons []constraint, words, off, want int) Result {
	res := Result{Page: p.page, PageSize: p.size, Hits: []Hit{}}
	g := p.near
	if !c.sch.geo || c.grid.idx == nil && len(c.grid.outside) == 0 {
		return res
	}
	r0, r1, c0, c1, leaves := g.cellRange()
	geoEst := 0
	inGrid := c.grid.idx != nil && r0 <= r1 && c0 <= c1
	if inGrid {
		for r := r0; r <= r1; r++ {
			for i := r*gridCols + c0; i <= r*gridCols+c1; i++ {
				geoEst += len(c.grid.cell(i))
			}
		}
	}
	if leaves {
		geoEst += len(c.grid.outside)
	}
	h := distHeap{c: c, h: s.dheap[:0], k: want}
	total := 0
	member := c.alive
	if len(cons) > 0 {
		list, bm, isList := c.evaluate(s, cons, words)
		// A listed match costs a distance and likely a cache miss; a cell
		// entry a bit test, and a distance only when it matches.
		if isList && len(list)*16 <= geoEst+words {
			for _, o := range list {
				lat, lon := c.lat[o], c.lon[o]
				if lat == 0 && lon == 0 {
					continue
				}
				if a := g.hav(lat, lon); a <= g.aMax {
					total++
					h.offer(distItem{a, o})
				}
			}
			return c.nearPage(res, &h, s, total, off)
		}
		if isList {
			bm = bitsBuf(s.acc, words)
			s.acc = bm
			clear(bm)
			for _, o := range list {
				bm[o>>6] |= 1 << (o & 63)
			}
		}
		member = bm
	}
	// rank adds an entry's matches to the total and offers them to the
	// heap; count only counts them, for cells too far to reach the heap.
	rank := func(es []geoEntry) {
		for _, e := range es {
			if member[e.ord>>6]&(1<<(e.ord&63)) == 0 {
				continue
			}
			if a := g.hav(e.lat, e.lon); a <= g.aMax {
				total++
				h.offer(distItem{a, e.ord})
			}
		}
	}
	count := func(es []geoEntry, inside bool) {
		for _, e := range es {
			if member[e.ord>>6]&(1<<(e.ord&63)) != 0 && (inside || g.hav(e.lat, e.lon) <= g.aMax) {
				total++
			}
		}
	}
	if inGrid {
		// Cells from the query's outwards, so that the heap fills with
		// near entries first and far cells are only counted.
		b := &s.bounds
		g.cellBounds(b, r0, r1, c0, c1)
		rc := min(max(int(math.Floor((g.lat-gridLat0)/gridStep)), r0), r1)
		cc := min(max(int(math.Floor((g.lon-gridLon0)/gridStep)), c0), c1)
		everyLive := len(cons) == 0
		visit := func(r, col int) {
			j := c.grid.idx[r*gridCols+col]
			if j == 0 {
				return
			}
			es := c.grid.lists[j-1]
			lo, hi := b.cell(g, r, col)
			if lo > g.aMax {
				return
			}
			if len(h.h) < h.k || lo <= h.h[0].a {
				rank(es)
				return
			}
			inside := hi <= g.aMax
			if inside && everyLive {
				total += len(es) - int(c.grid.dead[j-1])
				return
			}
			count(es, inside)
		}
		for d := 0; rc-d >= r0 || rc+d <= r1 || cc-d >= c0 || cc+d <= c1; d++ {
			for r := max(rc-d, r0); r <= min(rc+d, r1); r++ {
				if r == rc-d || r == rc+d {
					for col := max(cc-d, c0); col <= min(cc+d, c1); col++ {
						visit(r, col)
					}
					continue
				}
				if cc-d >= c0 {
					visit(r, cc-d)
				}
				if cc+d <= c1 {
					visit(r, cc+d)
				}
			}
		}
	}
	if leaves {
		rank(c.grid.outside)
	}
	return c.nearPage(res, &h, s, total, off)
}

func (c *corpus) nearPage(res Result, h *distHeap, s *scratch, total, off int) Result {
	s.dheap = h.h
	res.Total = total
	items := h.h
	slices.SortFunc(items, func(x, y distItem) int {
		switch {
		case h.less(x, y):
			return -1
		case h.less(y, x):
			return 1
		}
		return 0
	})
	if off >= len(items) {
		return res
	}
	res.Hits = make([]Hit, 0, len(items)-off)
	for _, it := range items[off:] {
		d := math.Round(havKm(it.a)*1000) / 1000
		res.Hits = append(res.Hits, Hit{ID: c.id(it.ord), DistanceKm: d})
	}
	return res
}
