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
	"github.com/arogya-health/arogya/internal/bridgeclient"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/protocol"
)

// sharedCallbackPath is the callback URL's path of the bridge a node's HIP
// and HIU roles share: the gateway calls <public URL>/bridge/v0.5/…, and
// each role takes its own callbacks there.
const sharedCallbackPath = "/bridge"

// sharesBridge says whether the node's HIP and HIU roles share one bridge
// at the gateway, as ABDM expects of one deployment: both roles run, the
// HIP speaks v0.5 (the HIU's protocol), and no separate HIU credentials or
// gateway were given. Only then can a facility be both HIP and HIU here.
func (c *Config) sharesBridge() bool {
	return c.has("hip") && c.has("hiu") && (c.HIPVersion == "" || c.HIPVersion == protocol.V05) &&
		(c.HIUClientID == "" || c.HIUClientID == c.HIPClientID) &&
		(c.HIUGatewayURL == "" || c.HIUGatewayURL == c.HIPGatewayURL)
}

// sharedBridge makes the bridge the HIP and HIU roles share, or returns
// nil when they do not (sharesBridge). It is the HIP's bridge as before,
// the same credentials (given or stored), now with one callback URL under
// which both roles' callbacks are mounted, and one declaration listing
// each facility with the types of the roles that serve it.
func (n *node) sharedBridge(master []byte, opt nodeOptions) *bridgeclient.Shared {
	cfg := n.cfg
	if !cfg.sharesBridge() {
		return nil
	}
	if _, err := n.db.HIUBridge(n.bg); err == nil {
		// A data dir of an earlier version, whose HIU has a bridge of its
		// own with its facilities as services: they stay there, as before.
		n.log.Warn("bridge: this node's HIU has a bridge of its own (made by an earlier version, or while the node was HIU only); its HIP and HIU keep a bridge each, so a facility cannot be both here")
		return nil
	}
	public := strings.TrimRight(cfg.PublicURL, "/")
	gatewayURL := cmp.Or(cfg.HIPGatewayURL, public+"/gateway")
	creds := bridgeclient.Credentials{Role: "hip", ClientID: cfg.HIPClientID, ClientSecret: cfg.HIPClientSecret,
		SecretKey: auth.DeriveKey(master, "hip/bridge-secret"),
		Stored: func(ctx context.Context) (string, []byte, error) {
			c, err := n.db.HIPBridge(ctx)
			if err != nil {
				return "", nil, err
			}
			return c.ClientID, c.Secret, nil
		},
		Store: func(ctx context.Context, id, clientID string, sealed []byte) error {
			now := time.Now
			if opt.Now != nil {
				now = opt.Now
			}
			return n.db.PutHIPBridge(ctx, &hip.BridgeCreds{ID: id, ClientID: clientID, Secret: sealed, GatewayURL: gatewayURL, CreatedAt: now()})
		}}
	if cfg.HIPClientID == "" && cfg.has("cm") {
		id := "arogya-hip-" + auth.KeyedHash(auth.DeriveKey(master, "hip/node-id"), "hip")[:8] // the HIP's bridge of earlier versions
		creds.Provision = func(ctx context.Context) (string, string, string, error) {
			return n.provisionBridge(ctx, public, id, "Arogya bridge")
		}
	}
	lazy := bridgeclient.NewLazy(bridgeclient.Config{Role: "bridge", Version: protocol.V05, Base: gatewayURL, CMID: cfg.CMID,
		HTTP: &http.Client{Timeout: 15 * time.Second}, Now: opt.Now}, creds)
	return bridgeclient.NewShared(lazy, public+sharedCallbackPath, n.log)
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
