package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/arogya-health/arogya/internal/india"
)

// registryScenarios load the registry's search API.
var registryScenarios = []string{"facility-search", "facility-near", "professional-search"}

func cmdLoadSeedRegistry(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("load seed-registry", &cfg, getenv, stderr)
	facilities := fs.Int("facilities", 1_000_000, "total number of facilities the database should hold")
	professionals := fs.Int("professionals", 1_000_000, "total number of professionals the database should hold")
	batch := fs.Int("batch", 5000, "entries per insert transaction")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if *facilities < 0 || *professionals < 0 || *batch < 1 {
		return fmt.Errorf("--facilities and --professionals must be ≥ 0 and --batch ≥ 1")
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	if err := ensureDataDir(cfg.Data); err != nil {
		return err
	}
	db, _, err := openBulkDB(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer db.Close()
	fmt.Fprintf(stdout, "Seeding the registry up to %d facilities and %d professionals …\n", *facilities, *professionals)
	res, err := seedRegistryBulk(ctx, db, *facilities, *professionals, *batch, false, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d facilities, %d professionals; %d drugs.\n", res.Facilities, res.Professionals, res.Drugs)
	return nil
}

// searchSample is what the load tool learns of the node's registry before
// loading it, so that its queries find things.
type searchSample struct {
	words  []string    // words of facility names
	pwords []string    // words of professional names
	places [][2]string // state and district codes in use
	points [][2]float64
}

// sampleRegistry reads a few pages of search results from the node.
func sampleRegistry(ctx context.Context, hc *http.Client, base string) (*searchSample, error) {
	s := &searchSample{}
	seen := map[string]bool{}
	for _, st := range india.States() {
		var page struct {
			Items []struct {
				Name    string `json:"name"`
				Address struct {
					StateCode    string `json:"stateCode"`
					DistrictCode string `json:"districtCode"`
				} `json:"address"`
				Location *struct{ Lat, Lon float64 } `json:"location"`
			} `json:"items"`
		}
		for _, kind := range []string{"facilities", "professionals"} {
			if err := getInto(ctx, hc, base+"/api/v1/"+kind+"?page_size=50&state="+st.Code, &page); err != nil {
				return nil, err
			}
			for _, it := range page.Items {
				for _, w := range strings.FieldsFunc(it.Name, func(r rune) bool { return !unicode.IsLetter(r) }) {
					if len(w) < 3 || seen[kind+w] {
						continue
					}
					seen[kind+w] = true
					if kind == "facilities" {
						s.words = append(s.words, strings.ToLower(w))
					} else {
						s.pwords = append(s.pwords, strings.ToLower(w))
					}
				}
				if kind == "facilities" {
					s.places = append(s.places, [2]string{it.Address.StateCode, it.Address.DistrictCode})
					if it.Location != nil {
						s.points = append(s.points, [2]float64{it.Location.Lat, it.Location.Lon})
					}
				}
			}
		}
	}
	if len(s.words) == 0 || len(s.points) == 0 || len(s.pwords) == 0 {
		return nil, fmt.Errorf("the node's registry is empty: seed it first (arogya load seed-registry)")
	}
	return s, nil
}

func getInto(ctx context.Context, hc *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

var (
	loadFacilityTypes = []string{"hospital", "clinic", "phc", "pharmacy", "diagnostic-lab"}
	loadCategories    = []string{"doctor", "nurse", "pharmacist", "asha"}
)

// registryQuery returns the URL of one query of the scenario: a name word
// (a prefix of it half the time, as a search box sends while typing) with
// a state, district or type filter; or a point near a facility with a
// radius of 5–25 km; or a professional's name word with a category.
func (s *searchSample) registryQuery(base, scenario string, r *mrand.Rand) string {
	v := url.Values{}
	switch scenario {
	case "facility-search":
		w := s.words[r.IntN(len(s.words))]
		if r.IntN(2) == 0 && len(w) > 4 {
			w = w[:3+r.IntN(len(w)-3)]
		}
		v.Set("q", w)
		p := s.places[r.IntN(len(s.places))]
		switch r.IntN(3) {
		case 0:
			v.Set("state", p[0])
		case 1:
			v.Set("state", p[0])
			v.Set("district", p[1])
		default:
			v.Set("type", loadFacilityTypes[r.IntN(len(loadFacilityTypes))])
		}
		return base + "/api/v1/facilities?" + v.Encode()
	case "facility-near":
		p := s.points[r.IntN(len(s.points))]
		v.Set("near", fmt.Sprintf("%.4f,%.4f", p[0]+(r.Float64()-0.5)*0.1, p[1]+(r.Float64()-0.5)*0.1))
		v.Set("radius_km", fmt.Sprint(5+r.IntN(21)))
		if r.IntN(2) == 0 {
			v.Set("type", loadFacilityTypes[r.IntN(len(loadFacilityTypes))])
		}
		return base + "/api/v1/facilities?" + v.Encode()
	default:
		v.Set("q", s.pwords[r.IntN(len(s.pwords))])
		v.Set("category", loadCategories[r.IntN(len(loadCategories))])
		if r.IntN(2) == 0 {
			v.Set("state", s.places[r.IntN(len(s.places))][0])
		}
		return base + "/api/v1/professionals?" + v.Encode()
	}
}

// runRegistrySearch loads one of the registry scenarios.
func runRegistrySearch(ctx context.Context, hc *http.Client, o loadOptions) (*loadResult, error) {
	base := strings.TrimRight(o.Target, "/")
	s, err := sampleRegistry(ctx, hc, base)
	if err != nil {
		return nil, err
	}
	rngs := make([]*mrand.Rand, o.Concurrency)
	for i := range rngs {
		rngs[i] = mrand.New(mrand.NewPCG(uint64(i)+1, 42))
	}
	op := func(ctx context.Context, worker int) opResult {
		return getJSON(ctx, hc, s.registryQuery(base, o.Scenario, rngs[worker]), "")
	}
	if o.Rate > 0 {
		return runOpsAt(ctx, o.Scenario, o.Concurrency, o.Duration, o.Rate, op), nil
	}
	return runOps(ctx, o.Scenario, o.Concurrency, o.Duration, op), nil
}
