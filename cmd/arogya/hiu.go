package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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
	}
	if cfg.HIUClientID == "" && cfg.has("cm") {
		id := "arogya-hiu-" + auth.KeyedHash(auth.DeriveKey(master, "hiu/node-id"), "hiu")[:8]
		bc.Provision = func(ctx context.Context) (string, string, string, error) {
			return n.provisionBridge(ctx, public, id, "Arogya HIU bridge")
		}
	}
	n.hiuBridge = hiu.NewBridge(n.hiu, bc)
	go n.hiuBridge.Run(n.bg)
}

// provisionBridge creates a bridge at this node's gateway with the
// operator token, over HTTP as an operator would.
func (n *node) provisionBridge(ctx context.Context, public, id, name string) (string, string, string, error) {
	body, _ := json.Marshal(map[string]string{"id": id, "name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, public+"/api/v1/admin/bridges", bytes.NewReader(body))
	if err != nil {
		return "", "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+n.admin)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", "", "", fmt.Errorf("creating the bridge %s: %w", id, err)
	}
	defer resp.Body.Close()
	var b struct {
		ID, ClientID, ClientSecret string
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", "", "", fmt.Errorf("creating the bridge %s: HTTP %d", id, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&b); err != nil || b.ClientID == "" || b.ClientSecret == "" {
		return "", "", "", fmt.Errorf("creating the bridge %s: the answer has no credentials", id)
	}
	return b.ID, b.ClientID, b.ClientSecret, nil
}
