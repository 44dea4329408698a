package registry

// Point is a WGS84 position.
type Point struct {
	Lat, Lon float64
}

// Paging limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxRadiusKm     = 500
	DefaultRadiusKm = 25
)

// FacilityQuery is a search of verified facilities. Empty fields do not
// filter. With Near set, results are the facilities within RadiusKm
// (DefaultRadiusKm when zero), nearest first; otherwise by relevance to Q
// (or by name when Q is empty).
type FacilityQuery struct {
	Q          string
	State      string // LGD state code
	District   string // LGD district code
	PIN        string
	Type       string
	Ownership  string
	System     string
	Speciality string
	ABDMRole   string // "HIP" or "HIU": only ABDM-enabled facilities running it
	Near       *Point
	RadiusKm   float64
	Page       int // 1-based; 0 means 1
	PageSize   int // 0 means DefaultPageSize; at most MaxPageSize
}

// ProfessionalQuery is a search of verified professionals and health
// workers, like FacilityQuery.
type ProfessionalQuery struct {
	Q          string
	State      string
	District   string
	PIN        string
	Category   string
	System     string
	Speciality string
	Language   string
	Facility   string // a facility ID they work at
	Near       *Point
	RadiusKm   float64
	Page       int
	PageSize   int
}

// DrugQuery is a search of drugs by generic or brand name.
type DrugQuery struct {
	Q        string
	Form     string
	Schedule string
	Page     int
	PageSize int
}

// Hit is one search result.
type Hit struct {
	ID         string
	DistanceKm float64 // with Near; otherwise 0
}

// Result is one page of hits. Total counts every match, not just the page.
type Result struct {
	Total    int
	Page     int
	PageSize int
	Hits     []Hit
}
