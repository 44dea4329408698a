package registry

import (
	"bytes"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/india"
)

// Index is the in-memory search index of verified facilities, verified
// professionals and drugs. It keeps only what search needs, not entries:
// per entry its ID, a sort key of its name, posting lists of its tokens and
// field values (uint32 ordinals), and its location; the caller fetches the
// rows of a page by ID.
//
// Each of the three collections has its own RWMutex: searches share it and
// never wait for one another, puts take it briefly (a batch once).
//
// How a search runs: every query word and filter is a set of ordinals (a
// union of posting lists), estimated by size. The smallest set is listed
// and the others are tested against it with galloping cursors; when even
// the smallest is large, every set becomes a bitmap and they are ANDed word
// by word, so no search costs more than a few passes over a bitmap of one
// bit per entry plus the sparse lists it reads. Hits in name order come
// from a heap over the matches, or, when the matches are many, from walking
// the collection's name order until a page is full. A nearby search tests
// the entries of the grid cells the circle covers.
type Index struct {
	fac, pro, drug *corpus
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		fac:  newCorpus(facilitySchema),
		pro:  newCorpus(professionalSchema),
		drug: newCorpus(drugSchema),
	}
}

// PutFacility adds or replaces the facility with f's ID; a facility that is
// not verified is removed instead.
func (x *Index) PutFacility(f *Facility) { x.PutFacilities([]*Facility{f}) }

// PutFacilities puts many facilities under one lock.
func (x *Index) PutFacilities(fs []*Facility) {
	c := x.fac
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fs {
		if f == nil {
			continue
		}
		c.doc.facility(f)
		c.put(&c.doc, f.Status == StatusVerified)
	}
	c.finish()
}

// PutProfessional adds or replaces the professional with p's ID; one that
// is not verified is removed instead.
func (x *Index) PutProfessional(p *Professional) { x.PutProfessionals([]*Professional{p}) }

// PutProfessionals puts many professionals under one lock.
func (x *Index) PutProfessionals(ps []*Professional) {
	c := x.pro
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range ps {
		if p == nil {
			continue
		}
		c.doc.professional(p)
		c.put(&c.doc, p.Status == StatusVerified)
	}
	c.finish()
}

// PutDrug adds or replaces the drug with d's ID.
func (x *Index) PutDrug(d *Drug) { x.PutDrugs([]*Drug{d}) }

// PutDrugs puts many drugs under one lock.
func (x *Index) PutDrugs(ds []*Drug) {
	c := x.drug
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range ds {
		if d == nil {
			continue
		}
		c.doc.drug(d)
		c.put(&c.doc, true)
	}
	c.finish()
}

// Counts returns how many entries each collection holds.
func (x *Index) Counts() (facilities, professionals, drugs int) {
	return x.fac.count(), x.pro.count(), x.drug.count()
}

// SearchFacilities searches verified facilities.
func (x *Index) SearchFacilities(q FacilityQuery) (Result, error) {
	p, err := newPlan(q.Q, q.Page, q.PageSize, q.Near, q.RadiusKm)
	if err != nil {
		return Result{}, err
	}
	p.filter(facState, q.State)
	p.filter(facDistrict, q.District)
	p.filter(facPIN, q.PIN)
	p.filter(facType, q.Type)
	p.filter(facOwnership, q.Ownership)
	p.filter(facSystem, q.System)
	p.filter(facSpeciality, q.Speciality)
	p.filter(facABDM, q.ABDMRole)
	return x.fac.search(&p), nil
}

// SearchProfessionals searches verified professionals and health workers.
func (x *Index) SearchProfessionals(q ProfessionalQuery) (Result, error) {
	p, err := newPlan(q.Q, q.Page, q.PageSize, q.Near, q.RadiusKm)
	if err != nil {
		return Result{}, err
	}
	p.filter(proState, q.State)
	p.filter(proDistrict, q.District)
	p.filter(proPIN, q.PIN)
	p.filter(proCategory, q.Category)
	p.filter(proSystem, q.System)
	p.filter(proSpeciality, q.Speciality)
	p.filter(proLanguage, q.Language)
	p.filter(proFacility, q.Facility)
	return x.pro.search(&p), nil
}

// SearchDrugs searches drugs by generic or brand name.
func (x *Index) SearchDrugs(q DrugQuery) (Result, error) {
	p, err := newPlan(q.Q, q.Page, q.PageSize, nil, 0)
	if err != nil {
		return Result{}, err
	}
	p.filter(drugForm, q.Form)
	p.filter(drugSchedule, q.Schedule)
	return x.drug.search(&p), nil
}

// Query limits.
const (
	// MaxResultDepth bounds Page*PageSize: deeper pages are refused.
	MaxResultDepth = 10_000
	maxQueryBytes  = 256
	maxQueryTerms  = 16
)

// ---- schemas ----

// The fields of each collection, by index.
const (
	facState = iota
	facDistrict
	facPIN
	facType
	facOwnership
	facSystem
	facSpeciality
	facABDM
	facFields
)

const (
	proState = iota
	proDistrict
	proPIN
	proCategory
	proSystem
	proSpeciality
	proLanguage
	proFacility
	proFields
)

const (
	drugForm = iota
	drugSchedule
	drugFields
)

// fieldSpec describes a filterable field. label gives the text a value adds
// to the entry's weak text (a state's name for its code), or "".
type fieldSpec struct {
	chain bool // values are many (facility IDs): chained lists, no posting slices
	label func(code string, d *docIn) string
}

type schema struct {
	fields []fieldSpec
	geo    bool
}

func stateLabel(code string, _ *docIn) string {
	s, _ := india.StateByCode(code)
	return s.Name
}

func districtLabel(code string, d *docIn) string {
	if len(d.vals[0]) == 0 { // field 0 is the state in both schemas
		return ""
	}
	dist, _ := india.DistrictByCode(d.vals[0][0], code)
	return dist.Name
}

func vocabLabel(v Vocabulary) func(string, *docIn) string {
	return func(code string, _ *docIn) string {
		if !v.Has(code) {
			return ""
		}
		return v.Label(code)
	}
}

var facilitySchema = &schema{geo: true, fields: []fieldSpec{
	facState:      {label: stateLabel},
	facDistrict:   {label: districtLabel},
	facPIN:        {},
	facType:       {label: vocabLabel(FacilityTypes)},
	facOwnership:  {},
	facSystem:     {},
	facSpeciality: {label: vocabLabel(Specialities)},
	facABDM:       {},
}}

var professionalSchema = &schema{geo: true, fields: []fieldSpec{
	proState:      {label: stateLabel},
	proDistrict:   {label: districtLabel},
	proPIN:        {},
	proCategory:   {label: vocabLabel(ProfessionalCategories)},
	proSystem:     {},
	proSpeciality: {label: vocabLabel(Specialities)},
	proLanguage:   {},
	proFacility:   {chain: true},
}}

var drugSchema = &schema{fields: []fieldSpec{drugForm: {}, drugSchedule: {}}}

// docIn is what the index takes from an entry. It is reused between puts.
type docIn struct {
	id, name     string
	strong, weak []string   // text; strong is the name
	vals         [][]string // codes by field
	lat, lon     float64
	located      bool
}

func (d *docIn) reset(id, name string, fields int) {
	d.id, d.name = id, name
	d.strong, d.weak = d.strong[:0], d.weak[:0]
	if len(d.vals) != fields {
		d.vals = make([][]string, fields)
	}
	for i := range d.vals {
		d.vals[i] = d.vals[i][:0]
	}
	d.lat, d.lon, d.located = 0, 0, false
}

func (d *docIn) val(field int, code string) {
	if code != "" {
		d.vals[field] = append(d.vals[field], code)
	}
}

func (d *docIn) locate(lat, lon float64) {
	if (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		d.lat, d.lon, d.located = lat, lon, true
	}
}

func (d *docIn) facility(f *Facility) {
	d.reset(f.ID, f.Name, facFields)
	d.strong = append(d.strong, f.Name)
	d.weak = append(d.weak, f.Address.City)
	d.weak = append(d.weak, f.Services...)
	d.val(facState, f.Address.StateCode)
	d.val(facDistrict, f.Address.DistrictCode)
	d.val(facPIN, f.Address.PIN)
	d.val(facType, f.Type)
	d.val(facOwnership, f.Ownership)
	for _, s := range f.Systems {
		d.val(facSystem, s)
	}
	for _, s := range f.Specialities {
		d.val(facSpeciality, s)
	}
	if f.ABDMEnabled {
		for _, r := range f.ABDMRoles {
			d.val(facABDM, r)
		}
	}
	d.locate(f.Lat, f.Lon)
}

func (d *docIn) professional(p *Professional) {
	d.reset(p.ID, p.Name, proFields)
	d.strong = append(d.strong, p.Name)
	d.weak = append(d.weak, p.Address.City)
	for _, q := range p.Qualifications {
		d.weak = append(d.weak, q.Degree)
	}
	d.val(proState, p.Address.StateCode)
	d.val(proDistrict, p.Address.DistrictCode)
	d.val(proPIN, p.Address.PIN)
	d.val(proCategory, p.Category)
	d.val(proSystem, p.System)
	for _, s := range p.Specialities {
		d.val(proSpeciality, s)
	}
	for _, l := range p.Languages {
		d.val(proLanguage, l)
	}
	for _, f := range p.Facilities {
		d.val(proFacility, f)
	}
	d.locate(p.Lat, p.Lon)
}

func (d *docIn) drug(g *Drug) {
	d.reset(g.ID, g.Generic, drugFields)
	d.strong = append(d.strong, g.Generic)
	d.strong = append(d.strong, g.Brands...)
	d.weak = append(d.weak, g.Manufacturer)
	d.val(drugForm, g.Form)
	d.val(drugSchedule, g.Schedule)
}

// ---- one collection ----

// corpus is one collection's index.
type corpus struct {
	mu  sync.RWMutex
	sch *schema

	n     uint32   // ords allocated
	live  int      // ords alive
	alive []uint64 // bit per ord
	// Per ord: ref packs the arena offset of the ID and sort name
	// (off<<24 | idLen<<8 | nameLen); rank is the ord's place in byName,
	// or noRank while it waits in names.
	ref   []uint64
	rank  []uint32
	arena []byte // append-only: strings handed out point into it

	idSlots []uint32 // open addressing on the ID: ord+1, 0 empty
	idUsed  int
	seed    maphash.Seed

	dict     map[string]uint32 // token → token id
	toks     []tokenPostings   // by token id
	tokStr   []string          // by token id
	sorted   []uint32          // token ids in token order, for prefixes
	unsorted []uint32          // new token ids not yet in sorted
	virt     map[uint32][]valueRef

	fields []fieldIndex

	lat, lon []float32 // by ord, with a geo schema
	grid     geoGrid

	// byName lists ords in name order; names adds the ords put since it
	// was last rebuilt, in name order too. Dead ords stay until a rebuild.
	// Two ords of byName compare by rank, without reading their names.
	byName, names []uint32
	pending       []uint32 // ords put in this batch

	// put scratch
	doc  docIn
	sc   tokenScanner
	kbuf []byte
}

// tokenPostings are a token's entries: strong where it is in the name,
// weak where it is only in other text.
type tokenPostings struct {
	strong, weak postings
}

// valueRef names a field value whose label holds a token.
type valueRef struct {
	field uint32
	val   uint32
}

type fieldIndex struct {
	spec  *fieldSpec
	ids   map[string]uint32 // code → value id
	codes []string
	post  []postings // by value id
	chain chainSet
}

func newCorpus(s *schema) *corpus {
	c := &corpus{
		sch:  s,
		seed: maphash.MakeSeed(),
		dict: map[string]uint32{},
		virt: map[uint32][]valueRef{},
	}
	c.fields = make([]fieldIndex, len(s.fields))
	for i := range c.fields {
		c.fields[i] = fieldIndex{spec: &s.fields[i], ids: map[string]uint32{}}
	}
	return c
}

func (c *corpus) count() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.live
}

func (c *corpus) isAlive(ord uint32) bool { return hasBit(c.alive, ord) }

// id returns an ord's ID. The string shares the arena's bytes, which are
// never written again.
func (c *corpus) id(ord uint32) string {
	r := c.ref[ord]
	off, n := r>>24, int(r>>8&0xffff)
	if n == 0 {
		return ""
	}
	return unsafe.String(&c.arena[off], n)
}

func (c *corpus) sortName(ord uint32) []byte {
	r := c.ref[ord]
	off := r>>24 + r>>8&0xffff
	return c.arena[off : off+r&0xff]
}

func (c *corpus) idBytes(ord uint32) []byte {
	r := c.ref[ord]
	off := r >> 24
	return c.arena[off : off+r>>8&0xffff]
}

const noRank = ^uint32(0)

// cmpName orders ords by sort name, then ID, then ord.
func (c *corpus) cmpName(a, b uint32) int {
	if ra, rb := c.rank[a], c.rank[b]; ra != noRank && rb != noRank {
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	}
	return c.cmpNames(a, b)
}

// cmpNames is cmpName reading the names.
func (c *corpus) cmpNames(a, b uint32) int {
	if r := bytes.Compare(c.sortName(a), c.sortName(b)); r != 0 {
		return r
	}
	if r := bytes.Compare(c.idBytes(a), c.idBytes(b)); r != 0 {
		return r
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// lookupID finds id's slot: the ord it holds (alive or dead) if found,
// else the empty slot where it would go.
func (c *corpus) lookupID(id string) (slot int, ord uint32, found bool) {
	if len(c.idSlots) == 0 {
		return -1, 0, false
	}
	mask := len(c.idSlots) - 1
	i := int(maphash.String(c.seed, id)) & mask
	for {
		s := c.idSlots[i]
		if s == 0 {
			return i, 0, false
		}
		if string(c.idBytes(s-1)) == id {
			return i, s - 1, true
		}
		i = (i + 1) & mask
	}
}

func (c *corpus) growIDs() {
	size := max(1024, 2*len(c.idSlots))
	old := c.idSlots
	c.idSlots = make([]uint32, size)
	mask := size - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(maphash.Bytes(c.seed, c.idBytes(s-1))) & mask
		for c.idSlots[i] != 0 {
			i = (i + 1) & mask
		}
		c.idSlots[i] = s
	}
}

func (c *corpus) kill(ord uint32) {
	c.alive[ord>>6] &^= 1 << (ord & 63)
	c.live--
	if c.sch.geo {
		if lat, lon := c.lat[ord], c.lon[ord]; lat != 0 || lon != 0 {
			c.grid.died(lat, lon)
		}
	}
}

const maxIDBytes = 0xffff

// put indexes d, replacing the entry with its ID; with keep false it only
// removes that entry.
func (c *corpus) put(d *docIn, keep bool) {
	if d.id == "" || len(d.id) > maxIDBytes {
		return
	}
	slot, old, found := c.lookupID(d.id)
	if found && c.isAlive(old) {
		c.kill(old)
	}
	if !keep || c.n == deadOrd-1 {
		return
	}
	ord := c.n
	c.n++
	universe := c.n

	// ID and sort name
	off := uint64(len(c.arena))
	c.arena = append(c.arena, d.id...)
	c.kbuf = sortName(c.kbuf[:0], &c.sc, d.name)
	c.arena = append(c.arena, c.kbuf...)
	c.ref = append(c.ref, off<<24|uint64(len(d.id))<<8|uint64(len(c.kbuf)))
	c.rank = append(c.rank, noRank)
	c.alive = setBit(c.alive, ord)
	c.live++

	if found {
		c.idSlots[slot] = ord + 1
	} else {
		if (c.idUsed+1)*2 > len(c.idSlots) {
			c.growIDs()
			slot, _, _ = c.lookupID(d.id)
		}
		c.idSlots[slot] = ord + 1
		c.idUsed++
	}

	// text
	for _, s := range d.strong {
		c.sc.reset(s)
		for {
			t, n, ok := c.sc.next()
			if !ok {
				break
			}
			if n >= 2 {
				id := c.token(t) // may grow c.toks
				c.toks[id].strong.add(ord, universe)
			}
		}
	}
	for _, s := range d.weak {
		c.sc.reset(s)
		for {
			t, n, ok := c.sc.next()
			if !ok {
				break
			}
			if n >= 2 {
				id := c.token(t)
				tp := &c.toks[id]
				if !tp.strong.lastIs(ord) {
					tp.weak.add(ord, universe)
				}
			}
		}
	}

	// fields
	for fi := range c.fields {
		f := &c.fields[fi]
		for _, code := range d.vals[fi] {
			if f.spec.chain {
				f.chain.add(code, ord)
				continue
			}
			v, ok := f.ids[code]
			if !ok {
				v = c.newValue(fi, code, d)
			}
			c.fields[fi].post[v].add(ord, universe)
		}
	}

	if c.sch.geo {
		lat, lon := float32(d.lat), float32(d.lon)
		if !d.located {
			lat, lon = 0, 0
		}
		c.lat = append(c.lat, lat)
		c.lon = append(c.lon, lon)
		if d.located {
			c.grid.add(ord, lat, lon)
		}
	}
	c.pending = append(c.pending, ord)
}

// token returns t's token id, adding it if new.
func (c *corpus) token(t []byte) uint32 {
	if id, ok := c.dict[string(t)]; ok {
		return id
	}
	s := string(t)
	id := uint32(len(c.toks))
	c.dict[s] = id
	c.toks = append(c.toks, tokenPostings{})
	c.tokStr = append(c.tokStr, s)
	c.unsorted = append(c.unsorted, id)
	return id
}

// newValue adds a field value, and its label's tokens as tokens that find
// the value.
func (c *corpus) newValue(fi int, code string, d *docIn) uint32 {
	f := &c.fields[fi]
	v := uint32(len(f.codes))
	f.ids[code] = v
	f.codes = append(f.codes, code)
	f.post = append(f.post, postings{})
	if f.spec.label == nil {
		return v
	}
	var sc tokenScanner
	sc.reset(f.spec.label(code, d))
	for {
		t, n, ok := sc.next()
		if !ok {
			break
		}
		if n < 2 {
			continue
		}
		id := c.token(t)
		ref := valueRef{uint32(fi), v}
		if !slices.Contains(c.virt[id], ref) {
			c.virt[id] = append(c.virt[id], ref)
		}
	}
	return v
}

// finish ends a batch of puts: new tokens join the sorted token list, new
// ords the name order, and many dead ords are compacted away.
func (c *corpus) finish() {
	if len(c.unsorted) > 0 {
		u := c.unsorted
		slices.SortFunc(u, func(a, b uint32) int { return strings.Compare(c.tokStr[a], c.tokStr[b]) })
		if len(u) <= 8 {
			for _, id := range u {
				i, _ := slices.BinarySearchFunc(c.sorted, id, func(a, b uint32) int { return strings.Compare(c.tokStr[a], c.tokStr[b]) })
				c.sorted = slices.Insert(c.sorted, i, id)
			}
		} else {
			c.sorted = mergeSorted(c.sorted, u, func(a, b uint32) int { return strings.Compare(c.tokStr[a], c.tokStr[b]) })
		}
		c.unsorted = c.unsorted[:0]
	}
	if len(c.pending) > 0 {
		p := c.pending
		slices.SortFunc(p, c.cmpNames)
		if len(p) <= 8 {
			for _, o := range p {
				i, _ := slices.BinarySearchFunc(c.names, o, c.cmpNames)
				c.names = slices.Insert(c.names, i, o)
			}
		} else {
			c.names = mergeSorted(c.names, p, c.cmpNames)
		}
		c.pending = c.pending[:0]
		if len(c.names) > maxNames {
			c.setByName(c.mergeNames())
		}
	}
	if dead := int(c.n) - c.live; dead >= 4096 && dead*4 >= int(c.n) {
		c.compact()
	}
}

// maxNames bounds names: past it, names and byName are merged, which
// costs a pass over byName.
const maxNames = 4096

// mergeNames returns byName and names merged, without dead ords.
func (c *corpus) mergeNames() []uint32 {
	out := make([]uint32, 0, c.live)
	w := c.walk()
	for {
		o, ok := w.next()
		if !ok {
			return out
		}
		if c.isAlive(o) {
			out = append(out, o)
		} else {
			c.rank[o] = noRank
		}
	}
}

// setByName makes byName the name order, names empty, and ranks current.
func (c *corpus) setByName(byName []uint32) {
	for i, o := range byName {
		c.rank[o] = uint32(i)
	}
	c.byName, c.names = byName, nil
}

// mergeSorted merges the sorted b into the sorted a, in a new slice.
func mergeSorted(a, b []uint32, cmp func(x, y uint32) int) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// compact renumbers the live ords 0…live-1 in their order, dropping the
// dead ones from every list.
func (c *corpus) compact() {
	to := make([]uint32, c.n)
	var n uint32
	for o := range c.n {
		if c.isAlive(o) {
			to[o] = n
			n++
		} else {
			to[o] = deadOrd
		}
	}
	byName := c.mergeNames()
	for i, o := range byName {
		byName[i] = to[o]
	}

	arena := make([]byte, 0, len(c.arena)/2)
	ref := make([]uint64, 0, n)
	var lat, lon []float32
	if c.sch.geo {
		lat, lon = make([]float32, 0, n), make([]float32, 0, n)
	}
	for o := range c.n {
		if to[o] == deadOrd {
			continue
		}
		r := c.ref[o]
		off, idLen, nameLen := r>>24, r>>8&0xffff, r&0xff
		ref = append(ref, uint64(len(arena))<<24|idLen<<8|nameLen)
		arena = append(arena, c.arena[off:off+idLen+nameLen]...)
		if c.sch.geo {
			lat = append(lat, c.lat[o])
			lon = append(lon, c.lon[o])
		}
	}
	c.arena, c.ref, c.lat, c.lon = arena, ref, lat, lon
	c.rank = make([]uint32, n)
	c.setByName(byName)
	c.alive = make([]uint64, (n+63)/64)
	for o := range n {
		c.alive[o>>6] |= 1 << (o & 63)
	}
	c.n, c.live = n, int(n)

	for i := range c.toks {
		c.toks[i].strong.remap(to, n)
		c.toks[i].weak.remap(to, n)
	}
	for fi := range c.fields {
		f := &c.fields[fi]
		for v := range f.post {
			f.post[v].remap(to, n)
		}
		f.chain.remap(to)
	}
	c.grid.remap(to)

	size := 1024
	for size < 2*int(n)+2 {
		size *= 2
	}
	c.idSlots, c.idUsed = make([]uint32, size), int(n)
	mask := len(c.idSlots) - 1
	for o := range n {
		i := int(maphash.Bytes(c.seed, c.idBytes(o))) & mask
		for c.idSlots[i] != 0 {
			i = (i + 1) & mask
		}
		c.idSlots[i] = o + 1
	}
}

// memBytes estimates the memory the collection holds.
func (c *corpus) memBytes() int {
	b := 8*cap(c.alive) + 8*cap(c.ref) + 4*cap(c.rank) + cap(c.arena) + 4*cap(c.idSlots)
	b += 4*cap(c.lat) + 4*cap(c.lon) + c.grid.memBytes()
	b += 4*cap(c.byName) + 4*cap(c.names) + 4*cap(c.sorted)
	b += 64*len(c.toks) + 16*len(c.tokStr) + 40*len(c.dict) // slice headers, map entries
	for i := range c.toks {
		b += c.toks[i].strong.memBytes() + c.toks[i].weak.memBytes() + len(c.tokStr[i])
	}
	for _, refs := range c.virt {
		b += 40 + 8*cap(refs)
	}
	for fi := range c.fields {
		f := &c.fields[fi]
		b += 60*len(f.codes) + f.chain.memBytes()
		for v := range f.post {
			b += f.post[v].memBytes()
		}
	}
	return b
}

// nameWalk yields ords in name order: byName merged with names. It
// finds where each ord of names goes in byName by binary search, so
// walking byName compares no names.
type nameWalk struct {
	c           *corpus
	base, delta []uint32
	i, j        int
	at          int // where delta[j] goes in base
}

func (c *corpus) walk() nameWalk {
	w := nameWalk{c: c, base: c.byName, delta: c.names}
	w.place()
	return w
}

// place finds where delta[j] goes: at or after i, galloping from there.
func (w *nameWalk) place() {
	if w.j >= len(w.delta) {
		return
	}
	o, base := w.delta[w.j], w.base
	lo, hi, step := w.i, w.i, 1
	for hi < len(base) && w.c.cmpNames(base[hi], o) < 0 {
		lo = hi + 1
		hi = lo + step
		step <<= 1
	}
	hi = min(hi, len(base))
	k, _ := slices.BinarySearchFunc(base[lo:hi], o, w.c.cmpNames)
	w.at = lo + k
}

func (w *nameWalk) next() (uint32, bool) {
	if w.j < len(w.delta) && w.i >= w.at {
		o := w.delta[w.j]
		w.j++
		w.place()
		return o, true
	}
	if w.i < len(w.base) {
		w.i++
		return w.base[w.i-1], true
	}
	return 0, false
}

// ---- queries ----

// qterm is one query word: exact, or a prefix for the last word.
type qterm struct {
	tok    string
	prefix bool
}

type qfilter struct {
	field int
	code  string
}

// plan is a validated query.
type plan struct {
	terms   []qterm
	filters []qfilter
	near    *geoQuery
	page    int
	size    int
}

func newPlan(q string, page, size int, near *Point, radius float64) (plan, error) {
	var p plan
	switch {
	case page < 0:
		return p, arogya.Errorf(arogya.EINVALID, "page must not be negative")
	case size < 0:
		return p, arogya.Errorf(arogya.EINVALID, "page_size must not be negative")
	case size > MaxPageSize:
		return p, arogya.Errorf(arogya.EINVALID, "page_size must be at most %d", MaxPageSize)
	}
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = DefaultPageSize
	}
	if page > MaxResultDepth/size {
		return p, arogya.Errorf(arogya.EINVALID, "page * page_size must be at most %d", MaxResultDepth)
	}
	p.page, p.size = page, size
	if near != nil {
		if math.IsNaN(near.Lat) || math.IsNaN(near.Lon) || near.Lat < -90 || near.Lat > 90 || near.Lon < -180 || near.Lon > 180 {
			return p, arogya.Errorf(arogya.EINVALID, "near must be a latitude from -90 to 90 and a longitude from -180 to 180")
		}
		switch {
		case math.IsNaN(radius) || radius < 0:
			return p, arogya.Errorf(arogya.EINVALID, "radius_km must not be negative")
		case radius > MaxRadiusKm:
			return p, arogya.Errorf(arogya.EINVALID, "radius_km must be at most %d", MaxRadiusKm)
		case radius == 0:
			radius = DefaultRadiusKm
		}
		g := newGeoQuery(*near, radius)
		p.near = &g
	}
	if len(q) > maxQueryBytes {
		return p, arogya.Errorf(arogya.EINVALID, "q must be at most %d bytes", maxQueryBytes)
	}
	var sc tokenScanner
	sc.reset(q)
	// The last word typed is also a prefix when it has 3 runes or more,
	// unless it repeats an earlier word or a single character follows it.
	lastNew := false
	for {
		t, n, ok := sc.next()
		if !ok {
			break
		}
		if n < 2 { // not indexed: ignored
			lastNew = false
			continue
		}
		if slices.ContainsFunc(p.terms, func(x qterm) bool { return x.tok == string(t) }) {
			lastNew = false
			continue
		}
		if len(p.terms) == maxQueryTerms {
			return p, arogya.Errorf(arogya.EINVALID, "q must have at most %d words", maxQueryTerms)
		}
		p.terms = append(p.terms, qterm{tok: string(t)})
		lastNew = n >= 3
	}
	if lastNew {
		p.terms[len(p.terms)-1].prefix = true
	}
	return p, nil
}

func (p *plan) filter(field int, code string) {
	if code != "" {
		p.filters = append(p.filters, qfilter{field, code})
	}
}

// constraint is one query word or filter: the union of posting sets all,
// of which strong are where a word is in the name.
type constraint struct {
	all, strong []*postings
	est         int
	term        bool
}

// scratch is a search's working memory, pooled.
type scratch struct {
	acc, tmp, tier []uint64
	list, list2    []uint32
	srcs           []*postings
	cons           []constraint
	curs           []cursor
	heap           []uint32
	dheap          []distItem
	bounds         cellBounds
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func bitsBuf(b []uint64, words int) []uint64 {
	if cap(b) < words {
		return make([]uint64, words, words+words/8)
	}
	return b[:words]
}

func (c *corpus) search(p *plan) Result {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	c.mu.RLock()
	defer c.mu.RUnlock()
	res := Result{Page: p.page, PageSize: p.size, Hits: []Hit{}}
	cons, ok := c.resolve(s, p)
	if !ok {
		return res
	}
	words := int(c.n+63) / 64
	off := (p.page - 1) * p.size
	want := off + p.size
	if p.near != nil {
		return c.searchNear(s, p, cons, words, off, want)
	}

	var ords []uint32
	if len(cons) == 0 { // everything, by name
		res.Total = c.live
		ords = c.firstByName(s, c.alive, c.live, min(want, c.live))
		return c.page(res, ords, off)
	}
	list, bm, isList := c.evaluate(s, cons, words)
	hasTerms := len(p.terms) > 0
	if isList {
		res.Total = len(list)
		if want > len(list) {
			want = len(list)
		}
		if !hasTerms {
			ords = c.firstByNameList(s, list, want)
			return c.page(res, ords, off)
		}
		t1, t2 := c.splitTiers(s, cons, list)
		ords = c.firstByNameList(s, t1, min(want, len(t1)))
		if want > len(t1) {
			ords = append(ords, c.firstByNameList(s, t2, want-len(t1))...)
		}
		return c.page(res, ords, off)
	}
	res.Total = popcount(bm)
	want = min(want, res.Total)
	if !hasTerms {
		ords = c.firstByName(s, bm, res.Total, want)
		return c.page(res, ords, off)
	}
	tier := bitsBuf(s.tier, words)
	s.tier = tier
	copy(tier, bm)
	for i := range cons {
		if !cons[i].term {
			continue
		}
		tmp := c.union(s, cons[i].strong, words)
		andWords(tier, tmp)
	}
	n1 := popcount(tier)
	ords = c.firstByName(s, tier, n1, min(want, n1))
	if want > n1 {
		tmp := bitsBuf(s.tmp, words)
		s.tmp = tmp
		for i := range tmp {
			tmp[i] = bm[i] &^ tier[i]
		}
		ords = append(ords[:len(ords):len(ords)], c.firstByName(s, tmp, res.Total-n1, want-n1)...)
	}
	return c.page(res, ords, off)
}

// page fills res with the hits ords[off:].
func (c *corpus) page(res Result, ords []uint32, off int) Result {
	if off >= len(ords) {
		return res
	}
	res.Hits = make([]Hit, 0, len(ords)-off)
	for _, o := range ords[off:] {
		res.Hits = append(res.Hits, Hit{ID: c.id(o)})
	}
	return res
}

// resolve turns the plan's words and filters into constraints; false when
// one matches nothing.
func (c *corpus) resolve(s *scratch, p *plan) ([]constraint, bool) {
	cons := s.cons[:0]
	srcs := s.srcs[:0]
	defer func() { s.cons, s.srcs = cons[:0], srcs[:0] }()
	for _, t := range p.terms {
		start := len(srcs)
		addTok := func(id uint32) {
			tp := &c.toks[id]
			if tp.strong.size() > 0 {
				srcs = append(srcs, &tp.strong)
			}
		}
		// strong sources first, then weak and labels
		if t.prefix {
			lo, _ := slices.BinarySearchFunc(c.sorted, t.tok, func(id uint32, p string) int { return strings.Compare(c.tokStr[id], p) })
			hi := lo
			for hi < len(c.sorted) && strings.HasPrefix(c.tokStr[c.sorted[hi]], t.tok) {
				hi++
			}
			for _, id := range c.sorted[lo:hi] {
				addTok(id)
			}
			nStrong := len(srcs)
			for _, id := range c.sorted[lo:hi] {
				srcs = c.weakSources(srcs, start, id)
			}
			cons = append(cons, constraint{all: srcs[start:len(srcs):len(srcs)], strong: srcs[start:nStrong:nStrong], term: true})
		} else {
			id, ok := c.dict[t.tok]
			if !ok {
				return nil, false
			}
			addTok(id)
			nStrong := len(srcs)
			srcs = c.weakSources(srcs, start, id)
			cons = append(cons, constraint{all: srcs[start:len(srcs):len(srcs)], strong: srcs[start:nStrong:nStrong], term: true})
		}
	}
	for _, f := range p.filters {
		fx := &c.fields[f.field]
		if fx.spec.chain {
			ids := fx.chain.appendOrds(nil, f.code)
			if len(ids) == 0 {
				return nil, false
			}
			pp := &postings{ids: ids}
			srcs = append(srcs, pp)
			cons = append(cons, constraint{all: srcs[len(srcs)-1 : len(srcs) : len(srcs)]})
			continue
		}
		v, ok := fx.ids[f.code]
		if !ok {
			return nil, false
		}
		srcs = append(srcs, &fx.post[v])
		cons = append(cons, constraint{all: srcs[len(srcs)-1 : len(srcs) : len(srcs)]})
	}
	for i := range cons {
		e := 0
		for _, p := range cons[i].all {
			e += p.size()
		}
		if e == 0 {
			return nil, false
		}
		cons[i].est = e
	}
	return cons, true
}

// weakSources appends a token's weak postings and the postings of the field
// values whose labels hold it; srcs[start:] are the word's so far.
func (c *corpus) weakSources(srcs []*postings, start int, id uint32) []*postings {
	tp := &c.toks[id]
	if tp.weak.size() > 0 {
		srcs = append(srcs, &tp.weak)
	}
	for _, r := range c.virt[id] {
		p := &c.fields[r.field].post[r.val]
		if p.size() > 0 && !slices.Contains(srcs[start:], p) {
			srcs = append(srcs, p)
		}
	}
	return srcs
}

// splitTiers splits a sorted match list into the ords where every word is
// in the name and the rest.
func (c *corpus) splitTiers(s *scratch, cons []constraint, list []uint32) (t1, t2 []uint32) {
	words := int(c.n+63) / 64
	in := bitsBuf(s.tier, words) // membership in tier 1, set for every ord of list
	s.tier = in
	clear(in)
	for _, o := range list {
		in[o>>6] |= 1 << (o & 63)
	}
	for i := range cons {
		if !cons[i].term {
			continue
		}
		strong := cons[i].strong
		if len(strong) == 0 {
			for _, o := range list {
				in[o>>6] &^= 1 << (o & 63)
			}
			break
		}
		if useBitmap(list, strong, words) {
			tmp := c.union(s, strong, words)
			for _, o := range list {
				if !hasBit(tmp, o) {
					in[o>>6] &^= 1 << (o & 63)
				}
			}
			continue
		}
		curs := s.curs[:0]
		for _, p := range strong {
			curs = append(curs, newCursor(p))
		}
		s.curs = curs
		for _, o := range list {
			if !hasBit(in, o) {
				continue
			}
			found := false
			for j := range curs {
				if curs[j].has(o) {
					found = true
					break
				}
			}
			if !found {
				in[o>>6] &^= 1 << (o & 63)
			}
		}
	}
	t2 = s.list2[:0]
	n := 0
	for _, o := range list {
		if hasBit(in, o) {
			list[n] = o
			n++
			in[o>>6] &^= 1 << (o & 63) // leave the buffer clear
		} else {
			t2 = append(t2, o)
		}
	}
	s.list2 = t2
	return list[:n], t2
}

// firstByNameList returns the first k ords of list in name order.
func (c *corpus) firstByNameList(s *scratch, list []uint32, k int) []uint32 {
	if k <= 0 {
		return nil
	}
	if k >= len(list) {
		out := append([]uint32(nil), list...)
		slices.SortFunc(out, c.cmpName)
		return out
	}
	h := nameHeap{c: c, h: s.heap[:0], k: k}
	for _, o := range list {
		h.offer(o)
	}
	s.heap = h.h
	return h.sorted()
}

// firstByName returns the first k ords in name order of the set bits of w
// (n of them), either by walking the name order or through a heap,
// whichever reads fewer entries.
func (c *corpus) firstByName(s *scratch, w []uint64, n, k int) []uint32 {
	if k <= 0 || n == 0 {
		return nil
	}
	all := len(c.byName) + len(c.names)
	walkCost := k * all / n
	if walkCost < 4*n+len(w)/4 {
		out := make([]uint32, 0, k)
		nw := c.walk()
		for len(out) < k {
			o, ok := nw.next()
			if !ok {
				break
			}
			if hasBit(w, o) {
				out = append(out, o)
			}
		}
		return out
	}
	h := nameHeap{c: c, h: s.heap[:0], k: k}
	for i, x := range w {
		for x != 0 {
			h.offer(uint32(i<<6 | bits.TrailingZeros64(x)))
			x &= x - 1
		}
	}
	s.heap = h.h
	return h.sorted()
}

// nameHeap keeps the k first ords in name order: a max-heap.
type nameHeap struct {
	c *corpus
	h []uint32
	k int
}

func (h *nameHeap) offer(o uint32) {
	if len(h.h) < h.k {
		h.h = append(h.h, o)
		h.up(len(h.h) - 1)
		return
	}
	if h.c.cmpName(o, h.h[0]) >= 0 {
		return
	}
	h.h[0] = o
	h.down(0)
}

func (h *nameHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h.c.cmpName(h.h[i], h.h[p]) <= 0 {
			return
		}
		h.h[i], h.h[p] = h.h[p], h.h[i]
		i = p
	}
}

func (h *nameHeap) down(i int) {
	n := len(h.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.c.cmpName(h.h[r], h.h[l]) > 0 {
			m = r
		}
		if h.c.cmpName(h.h[m], h.h[i]) <= 0 {
			return
		}
		h.h[i], h.h[m] = h.h[m], h.h[i]
		i = m
	}
}

// sorted returns the heap's ords in name order, in a new slice.
func (h *nameHeap) sorted() []uint32 {
	out := append([]uint32(nil), h.h...)
	slices.SortFunc(out, h.c.cmpName)
	return out
}
