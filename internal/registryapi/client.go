// Package registryapi is a client of the facility registry's public API
// (GET /api/v1/facilities/{id}). The registry is another role: the gateway
// and the HIP ask it over HTTP, like any other party would.
package registryapi

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

// Client asks a registry about facilities.
type Client struct {
	BaseURL string       // e.g. http://127.0.0.1:8080
	HTTP    *http.Client // nil means a client with a 5 s timeout
}

// Facility returns a facility's name and whether it is verified; a
// facility the registry does not know (or does not show: unverified ones
// are not public) is not verified. A registry that cannot be reached is
// EUNAVAILABLE, never "not verified".
func (c *Client) Facility(ctx context.Context, id string) (name string, verified bool, err error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/facilities/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry is not reachable")
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var f struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&f); err != nil {
			return "", false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry answered badly")
		}
		return f.Name, f.Status == "VERIFIED" && strings.EqualFold(f.ID, id), nil
	case http.StatusNotFound, http.StatusBadRequest:
		return "", false, nil
	default:
		return "", false, arogya.Errorf(arogya.EUNAVAILABLE, "the facility registry answered %d", resp.StatusCode)
	}
}

// FacilityVerified reports whether id is a verified facility.
func (c *Client) FacilityVerified(ctx context.Context, id string) (bool, error) {
	_, ok, err := c.Facility(ctx, id)
	return ok, err
}

// Professional is what the registry shows of a professional.
type Professional struct {
	ID         string // the 14-digit HPR number
	Name       string
	Facilities []string // places of work: facility IDs
	Verified   bool
}

// Professional returns a verified professional by HPR number or address;
// ENOTFOUND for one the registry does not show (unverified ones are not
// public). A registry that cannot be reached is EUNAVAILABLE.
func (c *Client) Professional(ctx context.Context, id string) (*Professional, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/professionals/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the professional registry is not reachable")
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var p struct {
			ID         string   `json:"id"`
			Name       string   `json:"name"`
			Facilities []string `json:"facilities"`
			Status     string   `json:"status"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p); err != nil {
			return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the professional registry answered badly")
		}
		return &Professional{ID: p.ID, Name: p.Name, Facilities: p.Facilities, Verified: p.Status == "VERIFIED"}, nil
	case http.StatusNotFound, http.StatusBadRequest:
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no verified professional with that HPR ID")
	default:
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the professional registry answered %d", resp.StatusCode)
	}
}
