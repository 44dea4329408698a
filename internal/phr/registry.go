package phr

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
)

// Registry finds facilities in the public facility registry (HFR), over
// its HTTP API: the PHR lets a person pick a facility by name.
type Registry struct {
	base string
	hc   *http.Client
}

// NewRegistry returns a client of the registry at base. A nil hc means
// http.DefaultClient.
func NewRegistry(base string, hc *http.Client) *Registry {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Registry{base: strings.TrimRight(base, "/"), hc: hc}
}

// FacilityHit is a facility a search found.
type FacilityHit struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address struct {
		City         string `json:"city"`
		DistrictName string `json:"districtName"`
		StateName    string `json:"stateName"`
	} `json:"address"`
}

// Facilities returns up to 20 facilities whose name matches q.
func (g *Registry) Facilities(ctx context.Context, q string) ([]FacilityHit, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", g.base+"/api/v1/facilities?"+url.Values{"q": {q}, "page_size": {"20"}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := g.hc.Do(req)
	if err != nil {
		return nil, &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry cannot be reached now"}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry's answer broke off"}
	}
	if res.StatusCode != http.StatusOK {
		return nil, DecodeError(res.StatusCode, raw)
	}
	var out struct {
		Items []FacilityHit `json:"items"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry's answer is not understood"}
	}
	return out.Items, nil
}

// FacilityName returns the name the registry has for facility id.
func (g *Registry) FacilityName(ctx context.Context, id string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", g.base+"/api/v1/facilities/"+url.PathEscape(id), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	res, err := g.hc.Do(req)
	if err != nil {
		return "", &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry cannot be reached now"}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry's answer broke off"}
	}
	if res.StatusCode != http.StatusOK {
		return "", DecodeError(res.StatusCode, raw)
	}
	var f FacilityHit
	if err := json.Unmarshal(raw, &f); err != nil {
		return "", &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the facility registry's answer is not understood"}
	}
	return f.Name, nil
}
