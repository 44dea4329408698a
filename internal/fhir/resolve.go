package fhir

import "strings"

// resolution says how a reference was matched to an entry.
type resolution int

const (
	unresolved    resolution = iota
	resolvedExact            // by fullUrl, or by ResourceType/id
	resolvedByID             // only by its last segment matching one entry's id (lenient)
	contained                // "#id": a contained resource, not an entry
	external                 // an absolute http(s) URL that no entry has
)

// resolver finds the entry a reference points at. Document bundles should
// use urn:uuid: fullUrls and references; legacy ProjectEKA bundles use
// "ResourceType/id" for both, and some use prefixes that are not resource
// types, so the resolver also matches on the id alone when that is
// unambiguous.
type resolver struct {
	b        *Bundle
	byURL    map[string]int
	byTypeID map[string]int
	byID     map[string]int // -1 when two entries share the id
}

func newResolver(b *Bundle) *resolver {
	r := &resolver{
		b:        b,
		byURL:    make(map[string]int, len(b.Entry)),
		byTypeID: make(map[string]int, len(b.Entry)),
		byID:     make(map[string]int, len(b.Entry)),
	}
	addID := func(id string, i int) {
		if id == "" {
			return
		}
		if j, ok := r.byID[id]; ok && j != i {
			r.byID[id] = -1
			return
		}
		r.byID[id] = i
	}
	for i := range b.Entry {
		e := &b.Entry[i]
		h := e.header()
		if e.FullURL != "" {
			if _, dup := r.byURL[e.FullURL]; !dup {
				r.byURL[e.FullURL] = i
			}
		}
		ids := []string{h.id, lastSegment(e.FullURL)}
		for _, id := range ids {
			addID(id, i)
			if h.rtype != "" && id != "" {
				if _, dup := r.byTypeID[h.rtype+"/"+id]; !dup {
					r.byTypeID[h.rtype+"/"+id] = i
				}
			}
		}
	}
	return r
}

// resolve returns the index of the entry ref points at and how it matched.
func (r *resolver) resolve(ref string) (int, resolution) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return -1, unresolved
	}
	if strings.HasPrefix(ref, "#") {
		return -1, contained
	}
	if i, ok := r.byURL[ref]; ok {
		return i, resolvedExact
	}
	if typ, id, ok := typeAndID(ref); ok {
		if i, ok := r.byTypeID[typ+"/"+id]; ok {
			return i, resolvedExact
		}
	}
	if i, ok := r.byID[lastSegment(ref)]; ok && i >= 0 {
		return i, resolvedByID
	}
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return -1, external
	}
	return -1, unresolved
}

// typeAndID splits a relative or absolute RESTful reference such as
// "Patient/123", "Patient/123/_history/2" or "https://x/fhir/Patient/123".
func typeAndID(ref string) (typ, id string, ok bool) {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) < 2 {
		return "", "", false
	}
	typ, id = parts[len(parts)-2], parts[len(parts)-1]
	if typ == "" || id == "" || typ[0] < 'A' || typ[0] > 'Z' {
		return "", "", false
	}
	return typ, id, true
}

// lastSegment is the id-like tail of a fullUrl or reference: what follows
// the last "/" or "urn:uuid:".
func lastSegment(s string) string {
	s = strings.TrimPrefix(s, "urn:uuid:")
	s = strings.TrimPrefix(s, "urn:oid:")
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
