package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// RegistryClient asks a registry's public API whether a facility is
// verified: GET {BaseURL}/api/v1/facilities/{id}. The registry is another
// role, so the gateway talks to it over HTTP like any other party.
type RegistryClient struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	HTTP    *http.Client
}

// FacilityVerified reports whether id is a verified facility. A registry
// that cannot be reached is EUNAVAILABLE, never "not verified".
func (c *RegistryClient) FacilityVerified(ctx context.Context, id string) (bool, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/facilities/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry is not reachable")
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var f struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&f); err != nil {
			return false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry answered badly")
		}
		return f.Status == "VERIFIED" && strings.EqualFold(f.ID, id), nil
	case http.StatusNotFound, http.StatusBadRequest:
		return false, nil
	default:
		return false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry answered %d", resp.StatusCode)
	}
}
