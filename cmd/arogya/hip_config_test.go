package main

import (
	"slices"
	"strings"
	"testing"
)

func TestHIPConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles string
		set   func(*Config)
		err   string // a part of the error, or "" for none
	}{
		{"with the local cm, no credentials needed", "cm,hip", nil, ""},
		{"a remote gateway needs credentials", "hip", nil, "--hip-client-id"},
		{"and its URL", "hip", func(c *Config) { c.HIPClientID, c.HIPClientSecret = "id", "secret" }, "--hip-gateway-url"},
		{"remote, complete", "hip", func(c *Config) {
			c.HIPClientID, c.HIPClientSecret, c.HIPGatewayURL = "id", "secret", "https://dev.abdm.gov.in/gateway"
		}, ""},
		{"an ID without a secret", "cm,hip", func(c *Config) { c.HIPClientID = "id" }, "both"},
		{"the bridge in v3", "cm,hip", func(c *Config) { c.HIPVersion = "v3" }, ""},
		{"the bridge in v0.5", "cm,hip", func(c *Config) { c.HIPVersion = "v0.5" }, ""},
		{"no such version", "cm,hip", func(c *Config) { c.HIPVersion = "v2" }, "--hip-version"},
		{"no such push policy", "cm,hip", func(c *Config) { c.HIPPushPrivate = "sometimes" }, "--hip-push-private"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Data: t.TempDir()}
			if tc.set != nil {
				tc.set(&c)
			}
			err := c.finish(tc.roles)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("finish(%q) = %v, want an error containing %q", tc.roles, err, tc.err)
			}
		})
	}
	// The bridge speaks v0.5 unless told otherwise.
	c := Config{Data: t.TempDir()}
	if err := c.finish("cm,hip"); err != nil || c.HIPVersion != "v0.5" {
		t.Errorf("default HIP version %q, %v; want v0.5", c.HIPVersion, err)
	}
	if slices.Contains(defaultRoles, "hip") || !slices.Contains(knownRoles, "hip") {
		t.Error("hip must be a known role served only when asked for")
	}
}
