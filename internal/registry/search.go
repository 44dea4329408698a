package registry

import (
	"context"
	"strings"
)

// FacilityHit is a facility in search results.
type FacilityHit struct {
	*Facility
	DistanceKm float64 // with a nearby search
}

// FacilityPage is one page of facility search results.
type FacilityPage struct {
	Total    int
	Page     int
	PageSize int
	Items    []FacilityHit
}

// ProfessionalHit is a professional in search results, without contact
// details.
type ProfessionalHit struct {
	*Professional
	DistanceKm float64
}

// ProfessionalPage is one page of professional search results.
type ProfessionalPage struct {
	Total    int
	Page     int
	PageSize int
	Items    []ProfessionalHit
}

// DrugPage is one page of drug search results.
type DrugPage struct {
	Total    int
	Page     int
	PageSize int
	Items    []*Drug
}

// SearchFacilities searches verified facilities: the index ranks and pages,
// the store supplies the page's rows.
func (s *Service) SearchFacilities(ctx context.Context, q FacilityQuery) (*FacilityPage, error) {
	q.Q = strings.TrimSpace(q.Q)
	res, err := s.index.SearchFacilities(q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	fs, err := s.store.FacilitiesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Facility, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
	}
	page := &FacilityPage{Total: res.Total, Page: res.Page, PageSize: res.PageSize, Items: make([]FacilityHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		// The index may lag a change another node made: never show an
		// entry the store no longer has as verified.
		if f := byID[h.ID]; f != nil && f.Status == StatusVerified {
			page.Items = append(page.Items, FacilityHit{Facility: f, DistanceKm: h.DistanceKm})
		}
	}
	return page, nil
}

// SearchProfessionals searches verified professionals and health workers.
func (s *Service) SearchProfessionals(ctx context.Context, q ProfessionalQuery) (*ProfessionalPage, error) {
	q.Q = strings.TrimSpace(q.Q)
	if q.Facility != "" {
		q.Facility = strings.ToUpper(strings.TrimSpace(q.Facility))
	}
	res, err := s.index.SearchProfessionals(q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	ps, err := s.store.ProfessionalsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Professional, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	page := &ProfessionalPage{Total: res.Total, Page: res.Page, PageSize: res.PageSize, Items: make([]ProfessionalHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		if p := byID[h.ID]; p != nil && p.Status == StatusVerified {
			publicProfessional(p)
			page.Items = append(page.Items, ProfessionalHit{Professional: p, DistanceKm: h.DistanceKm})
		}
	}
	return page, nil
}

// SearchDrugs searches drugs by generic or brand name.
func (s *Service) SearchDrugs(ctx context.Context, q DrugQuery) (*DrugPage, error) {
	q.Q = strings.TrimSpace(q.Q)
	res, err := s.index.SearchDrugs(q)
	if err != nil {
		return nil, err
	}
	page := &DrugPage{Total: res.Total, Page: res.Page, PageSize: res.PageSize, Items: make([]*Drug, 0, len(res.Hits))}
	for _, h := range res.Hits {
		d, err := s.store.Drug(ctx, h.ID)
		if err != nil {
			continue // removed since indexed
		}
		page.Items = append(page.Items, d)
	}
	return page, nil
}
