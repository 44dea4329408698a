package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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

// sharedBridge makes the bridge the HIP and HIU roles share over the HIP's
// bridge config bc (its credentials, given or stored), or returns nil when
// they do not share one (sharesBridge, or a HIU with a bridge of its own).
// It has one callback URL under which both roles' callbacks are mounted,
// and one declaration listing each facility with the types of the roles
// that serve it.
func (n *node) sharedBridge(bc hip.BridgeConfig, now func() time.Time) *bridgeclient.Shared {
	if !n.cfg.sharesBridge() {
		return nil
	}
	if _, err := n.db.HIUBridge(n.bg); err == nil {
		// A data dir whose HIU has a bridge of its own with its
		// facilities as services: they stay there, as before.
		n.log.Warn("bridge: this node's HIU has a bridge of its own (made by an earlier version, or while the node was HIU only); its HIP and HIU keep a bridge each, so a facility cannot be both here")
		return nil
	}
	lazy := bridgeclient.NewLazy(bridgeclient.Config{Role: "bridge", Version: protocol.V05, Base: bc.GatewayURL, CMID: bc.CMID,
		HTTP: &http.Client{Timeout: 15 * time.Second}, Now: now}, n.hip.BridgeCredentials(bc))
	return bridgeclient.NewShared(lazy, strings.TrimRight(n.cfg.PublicURL, "/")+sharedCallbackPath, n.log)
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
