package main

import (
	"cmp"
	"context"
	"strings"

	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/registryapi"
)

// wireHIU makes the hiu role: the facilities served as HIU, their
// clinicians, and the HIU bridge, which reaches the gateway (this node's
// cm role or a remote one) and the registry over HTTP only.
func (n *node) wireHIU(master []byte, opt nodeOptions) {
	cfg := n.cfg
	public := strings.TrimRight(cfg.PublicURL, "/")
	reg := &registryapi.Client{BaseURL: cmp.Or(cfg.RegistryURL, public)}
	n.hiu = hiu.NewService(n.db, reg, n.audit, hiu.Config{
		WrapKey: auth.DeriveKey(master, "hiu/data-keys"), TokenKey: auth.DeriveKey(master, "hiu/staff-token"),
		AdminToken: n.admin, Professionals: reg, Argon: opt.Argon, Now: opt.Now,
	})
	n.hiuSecret = auth.DeriveKey(master, "hiu/web-session")
	bc := hiu.BridgeConfig{
		GatewayURL: cmp.Or(cfg.HIUGatewayURL, cfg.HIPGatewayURL, public+"/gateway"), CMID: cfg.CMID, CallbackURL: public + "/hiu",
		ClientID: cfg.HIUClientID, ClientSecret: cfg.HIUClientSecret,
		SecretKey: auth.DeriveKey(master, "hiu/bridge-secret"), Logger: n.log,
		Shared: n.bridge,
	}
	if cfg.HIUClientID == "" && cfg.has("cm") && n.bridge == nil {
		id := "arogya-hiu-" + auth.KeyedHash(auth.DeriveKey(master, "hiu/node-id"), "hiu")[:8]
		bc.Provision = func(ctx context.Context) (string, string, string, error) {
			return n.provisionBridge(ctx, public, id, "Arogya HIU bridge")
		}
	}
	n.hiuBridge = hiu.NewBridge(n.hiu, bc)
	go n.hiuBridge.Run(n.bg)
}
