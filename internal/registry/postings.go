package registry

import (
	"cmp"
	"math/bits"
	"slices"
)

// A document ordinal (ord) numbers one indexed version of an entry: a
// replaced or removed entry's ord dies (its alive bit is cleared) and a
// replacement gets the next ord, so every posting list is appended to in
// increasing order and stays sorted. Compaction renumbers the live ords.

// postings is the set of ords holding a token or a field value: a sorted
// list while sparse, a bitmap once a list would take more room than one.
type postings struct {
	ids []uint32
	bm  *denseSet // non-nil once dense; ids is nil then
}

// denseSet is a dense posting set: bit ord of w.
type denseSet struct {
	w []uint64
	n int // bits set
}

// denseMin is the least list length turned into a bitmap.
const denseMin = 512

func (p *postings) size() int {
	if p.bm != nil {
		return p.bm.n
	}
	return len(p.ids)
}

// add appends ord, which is greater than any ord in p. universe is the
// number of ords allocated so far: it decides when the list turns dense.
func (p *postings) add(ord uint32, universe uint32) {
	if p.bm != nil {
		if !hasBit(p.bm.w, ord) {
			p.bm.w = setBit(p.bm.w, ord)
			p.bm.n++
		}
		return
	}
	if n := len(p.ids); n > 0 && p.ids[n-1] == ord {
		return
	}
	p.ids = appendLean(p.ids, ord)
	if n := len(p.ids); n >= denseMin && uint32(n)*32 >= universe {
		d := &denseSet{w: make([]uint64, 0, int(universe>>6)+1), n: n}
		for _, id := range p.ids {
			d.w = setBit(d.w, id)
		}
		p.ids, p.bm = nil, d
	}
}

// lastIs reports whether ord is the greatest ord in p.
func (p *postings) lastIs(ord uint32) bool {
	if p.bm != nil {
		i := int(ord >> 6)
		return i == len(p.bm.w)-1 && p.bm.w[i]&(1<<(ord&63)) != 0
	}
	return len(p.ids) > 0 && p.ids[len(p.ids)-1] == ord
}

// remap renumbers p after compaction: to[ord] is the new ord, or deadOrd.
func (p *postings) remap(to []uint32, universe uint32) {
	var ids []uint32
	if p.bm != nil {
		ids = make([]uint32, 0, p.bm.n)
		for i, w := range p.bm.w {
			for w != 0 {
				if n := to[i<<6|bits.TrailingZeros64(w)]; n != deadOrd {
					ids = append(ids, n)
				}
				w &= w - 1
			}
		}
	} else {
		ids = p.ids[:0]
		for _, id := range p.ids {
			if n := to[id]; n != deadOrd {
				ids = append(ids, n)
			}
		}
	}
	p.ids, p.bm = nil, nil
	if len(ids) >= denseMin && uint32(len(ids))*32 >= universe {
		d := &denseSet{w: make([]uint64, int(universe>>6)+1), n: len(ids)}
		for _, id := range ids {
			d.w[id>>6] |= 1 << (id & 63)
		}
		p.bm = d
		return
	}
	if len(ids) > 0 {
		p.ids = slices.Clip(slices.Clone(ids))
	}
}

func (p *postings) memBytes() int {
	if p.bm != nil {
		return 8*cap(p.bm.w) + 32
	}
	return 4 * cap(p.ids)
}

const deadOrd = ^uint32(0)

// appendLean is append growing by a quarter, not doubling: slack in the
// many lists of a big index costs more than the extra copying.
func appendLean[T any](s []T, v T) []T {
	if len(s) == cap(s) && len(s) >= 64 {
		t := make([]T, len(s), len(s)+len(s)/4)
		copy(t, s)
		s = t
	}
	return append(s, v)
}

func setBit(w []uint64, ord uint32) []uint64 {
	i := int(ord >> 6)
	for len(w) <= i {
		w = append(w, 0)
	}
	w[i] |= 1 << (ord & 63)
	return w
}

func hasBit(w []uint64, ord uint32) bool {
	i := int(ord >> 6)
	return i < len(w) && w[i]&(1<<(ord&63)) != 0
}

// orInto sets in dst the bits of p's ords (dst is long enough).
func orInto(dst []uint64, p *postings) {
	if p.bm != nil {
		w := p.bm.w
		if len(w) > len(dst) {
			w = w[:len(dst)]
		}
		for i, x := range w {
			dst[i] |= x
		}
		return
	}
	for _, id := range p.ids {
		dst[id>>6] |= 1 << (id & 63)
	}
}

// andWords clears in dst the bits not in src.
func andWords(dst, src []uint64) {
	n := min(len(dst), len(src))
	s := src[:n]
	d := dst[:n]
	for i := range d {
		d[i] &= s[i]
	}
	clear(dst[n:])
}

func popcount(w []uint64) int {
	n := 0
	for _, x := range w {
		n += bits.OnesCount64(x)
	}
	return n
}

// cursor tests membership in one posting set for ords given in increasing
// order.
type cursor struct {
	ids []uint32
	bm  []uint64
	i   int
}

func newCursor(p *postings) cursor {
	if p.bm != nil {
		return cursor{bm: p.bm.w}
	}
	return cursor{ids: p.ids}
}

// has reports whether x is in the set; x never decreases between calls.
func (c *cursor) has(x uint32) bool {
	if c.bm != nil {
		return hasBit(c.bm, x)
	}
	ids, i := c.ids, c.i
	for range 4 { // mostly x is among the next few
		if i >= len(ids) {
			c.i = i
			return false
		}
		if ids[i] >= x {
			c.i = i
			return ids[i] == x
		}
		i++
	}
	// gallop, then binary search in the last step
	lo, step := i, 1
	for i+step < len(ids) && ids[i+step] < x {
		lo = i + step
		step <<= 1
	}
	hi := min(i+step, len(ids))
	for lo < hi { // first index in [lo, hi) with ids >= x, or hi
		m := int(uint(lo+hi) >> 1)
		if ids[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	c.i = lo
	return lo < len(ids) && ids[lo] == x
}

// chainSet maps a high-cardinality field's values (a professional's
// facility IDs) to their ords: one chained list per value, newest first, 8
// bytes an entry and no posting slice per value.
type chainSet struct {
	heads  map[uint64]uint32 // packed value → index+1 of its newest entry
	sheads map[string]uint32 // values that do not pack
	ord    []uint32
	next   []uint32 // index+1 of the value's previous entry, 0 at the end
}

func (c *chainSet) add(v string, ord uint32) {
	if c.heads == nil {
		c.heads, c.sheads = map[uint64]uint32{}, map[string]uint32{}
	}
	k, packed := packID(v)
	var h uint32
	if packed {
		h = c.heads[k]
	} else {
		h = c.sheads[v]
	}
	if h != 0 && c.ord[h-1] == ord { // a value repeated in one entry
		return
	}
	c.ord = append(c.ord, ord)
	c.next = append(c.next, h)
	n := uint32(len(c.ord))
	if packed {
		c.heads[k] = n
	} else {
		c.sheads[v] = n
	}
}

// appendOrds appends v's ords, ascending, to dst.
func (c *chainSet) appendOrds(dst []uint32, v string) []uint32 {
	var h uint32
	if k, packed := packID(v); packed {
		h = c.heads[k]
	} else {
		h = c.sheads[v]
	}
	start := len(dst)
	for i := h; i != 0; i = c.next[i-1] {
		dst = append(dst, c.ord[i-1])
	}
	slices.Reverse(dst[start:])
	return dst
}

// remap renumbers after compaction, rebuilding the chains oldest first.
func (c *chainSet) remap(to []uint32) {
	if c.heads == nil {
		return
	}
	type e struct {
		ord  uint32
		key  uint64
		skey string
	}
	var all []e
	for k, h := range c.heads {
		for i := h; i != 0; i = c.next[i-1] {
			if n := to[c.ord[i-1]]; n != deadOrd {
				all = append(all, e{ord: n, key: k})
			}
		}
	}
	for k, h := range c.sheads {
		for i := h; i != 0; i = c.next[i-1] {
			if n := to[c.ord[i-1]]; n != deadOrd {
				all = append(all, e{ord: n, skey: k})
			}
		}
	}
	slices.SortFunc(all, func(a, b e) int { return cmp.Compare(a.ord, b.ord) })
	heads, sheads := make(map[uint64]uint32, len(c.heads)), map[string]uint32{}
	c.ord, c.next = make([]uint32, 0, len(all)), make([]uint32, 0, len(all))
	for _, x := range all {
		var h uint32
		if x.skey != "" {
			h = sheads[x.skey]
		} else {
			h = heads[x.key]
		}
		c.ord = append(c.ord, x.ord)
		c.next = append(c.next, h)
		n := uint32(len(c.ord))
		if x.skey != "" {
			sheads[x.skey] = n
		} else {
			heads[x.key] = n
		}
	}
	c.heads, c.sheads = heads, sheads
}

func (c *chainSet) memBytes() int {
	return 8*cap(c.ord) + 24*len(c.heads) + 40*len(c.sheads)
}

// packID packs an identifier of up to two capital letters and 1 to 14
// digits (facility IDs "IN2810014366", HPR numbers) into a uint64,
// one-to-one.
func packID(s string) (uint64, bool) {
	i := 0
	var letters uint64
	for i < len(s) && i < 2 && 'A' <= s[i] && s[i] <= 'Z' {
		letters = letters*27 + uint64(s[i]-'A'+1)
		i++
	}
	nd := len(s) - i
	if nd < 1 || nd > 14 {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + uint64(d)
	}
	return 1<<63 | letters<<51 | uint64(nd)<<47 | v, true
}

// ---- set algebra over postings, for searches ----

// union returns the bitmap of the union of srcs, in s.tmp.
func (c *corpus) union(s *scratch, srcs []*postings, words int) []uint64 {
	tmp := bitsBuf(s.tmp, words)
	s.tmp = tmp
	clear(tmp)
	for _, p := range srcs {
		orInto(tmp, p)
	}
	return tmp
}

// evaluate intersects the constraints and the live entries. The result is
// a sorted list when small, else a bitmap.
func (c *corpus) evaluate(s *scratch, cons []constraint, words int) (list []uint32, bm []uint64, isList bool) {
	slices.SortFunc(cons, func(a, b constraint) int { return a.est - b.est })
	listMax := max(1024, words)
	c0 := &cons[0]
	if c0.est <= listMax {
		list = c.unionList(s, c0.all, words)
		for i := 1; i < len(cons) && len(list) > 0; i++ {
			list = c.filterList(s, list, cons[i].all, words)
		}
		s.list = list
		return list, nil, true
	}
	acc := bitsBuf(s.acc, words)
	s.acc = acc
	if len(c0.all) == 1 && c0.all[0].bm != nil {
		n := copy(acc, c0.all[0].bm.w)
		clear(acc[n:])
	} else {
		clear(acc)
		for _, p := range c0.all {
			orInto(acc, p)
		}
	}
	andWords(acc, c.alive)
	for i := 1; i < len(cons); i++ {
		all := cons[i].all
		if len(all) == 1 && all[0].bm != nil {
			andWords(acc, all[0].bm.w)
			continue
		}
		andWords(acc, c.union(s, all, words))
	}
	return nil, acc, false
}

// unionList lists the live ords in the union of srcs, sorted.
func (c *corpus) unionList(s *scratch, srcs []*postings, words int) []uint32 {
	out := s.list[:0]
	if len(srcs) == 1 && srcs[0].bm == nil {
		for _, o := range srcs[0].ids {
			if c.isAlive(o) {
				out = append(out, o)
			}
		}
		return out
	}
	total := 0
	sparse := true
	for _, p := range srcs {
		total += p.size()
		sparse = sparse && p.bm == nil
	}
	if sparse && total <= 2048 {
		for _, p := range srcs {
			out = append(out, p.ids...)
		}
		slices.Sort(out)
		out = slices.Compact(out)
		n := 0
		for _, o := range out {
			if c.isAlive(o) {
				out[n] = o
				n++
			}
		}
		return out[:n]
	}
	tmp := c.union(s, srcs, words)
	andWords(tmp, c.alive)
	return appendBits(out, tmp)
}

// appendBits appends the set bits of w, ascending.
func appendBits(out []uint32, w []uint64) []uint32 {
	for i, x := range w {
		for x != 0 {
			out = append(out, uint32(i<<6|bits.TrailingZeros64(x)))
			x &= x - 1
		}
	}
	return out
}

// filterList keeps the ords of list that are in the union of srcs.
func (c *corpus) filterList(s *scratch, list []uint32, srcs []*postings, words int) []uint32 {
	if len(srcs) == 1 && srcs[0].bm != nil {
		bm := srcs[0].bm.w
		n := 0
		for _, o := range list {
			if hasBit(bm, o) {
				list[n] = o
				n++
			}
		}
		return list[:n]
	}
	if useBitmap(list, srcs, words) {
		tmp := c.union(s, srcs, words)
		n := 0
		for _, o := range list {
			if tmp[o>>6]&(1<<(o&63)) != 0 {
				list[n] = o
				n++
			}
		}
		return list[:n]
	}
	curs := s.curs[:0]
	for _, p := range srcs {
		curs = append(curs, newCursor(p))
	}
	s.curs = curs
	n := 0
	for _, o := range list {
		for i := range curs {
			if curs[i].has(o) {
				list[n] = o
				n++
				break
			}
		}
	}
	return list[:n]
}

// useBitmap reports whether testing the ords of list against srcs costs
// less through a bitmap of their union than with a cursor on each.
func useBitmap(list []uint32, srcs []*postings, words int) bool {
	est := 0
	for _, p := range srcs {
		est += p.size()
	}
	return len(list)*len(srcs)*8 > words+est
}
