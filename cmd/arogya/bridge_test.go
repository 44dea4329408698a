package main

import (
	"path/filepath"
	"testing"
)

func TestSharesBridge(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want bool
	}{
		{"hip and hiu", Config{Roles: []string{"cm", "hip", "hiu"}}, true},
		{"hip and hiu on v0.5", Config{Roles: []string{"hip", "hiu"}, HIPVersion: "v0.5", HIPClientID: "b", HIPGatewayURL: "https://gw.example/gateway"}, true},
		{"the HIU given the HIP's credentials", Config{Roles: []string{"hip", "hiu"}, HIPClientID: "b", HIUClientID: "b"}, true},
		{"the HIU given the HIP's gateway", Config{Roles: []string{"hip", "hiu"}, HIPGatewayURL: "https://gw.example/gateway", HIUGatewayURL: "https://gw.example/gateway"}, true},
		{"hip alone", Config{Roles: []string{"cm", "hip"}}, false},
		{"hiu alone", Config{Roles: []string{"cm", "hiu"}}, false},
		{"a v3 HIP: the HIU speaks v0.5", Config{Roles: []string{"cm", "hip", "hiu"}, HIPVersion: "v3"}, false},
		{"the HIU's own credentials", Config{Roles: []string{"hip", "hiu"}, HIPClientID: "b", HIUClientID: "c"}, false},
		{"the HIU's own gateway", Config{Roles: []string{"hip", "hiu"}, HIUGatewayURL: "https://other.example/gateway"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cfg.sharesBridge(); got != tc.want {
				t.Fatalf("sharesBridge = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSharedBridgeUpgrade: a node with the hip and hiu roles shares one
// bridge, but not on a data dir whose HIU already has a bridge of its own
// (made by an earlier version, or while the node was HIU only): its
// facilities are that bridge's services, and stay so.
func TestSharedBridgeUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nodes; skipped with -short")
	}
	fresh, _, _ := testNode(t, func(c *Config) { c.Roles = []string{"abha", "registry", "cm", "hip", "hiu"} })
	if fresh.bridge == nil {
		t.Fatal("a fresh node with the hip and hiu roles has no shared bridge")
	}

	dir := t.TempDir()
	sameDir := func(c *Config) {
		c.Data, c.DB, c.MasterKeyFile = dir, "sqlite:"+filepath.Join(dir, "arogya.db"), filepath.Join(dir, "master.key")
	}
	old, _, _ := testNode(t, sameDir, func(c *Config) { c.Roles = []string{"abha", "registry", "cm", "hiu"} })
	waitFor(t, "the HIU-only node makes its bridge", func() string {
		if _, err := old.db.HIUBridge(t.Context()); err != nil {
			return err.Error()
		}
		return ""
	})
	old.Close()
	again, _, _ := testNode(t, sameDir, func(c *Config) { c.Roles = []string{"abha", "registry", "cm", "hip", "hiu"} })
	if again.bridge != nil {
		t.Fatal("the node shares a bridge although its HIU has one of its own")
	}
}
