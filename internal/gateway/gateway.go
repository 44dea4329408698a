// Package gateway is the HIE-CM gateway's front door: the bridges that HIPs
// and HIUs run, their client credentials and registered services, the
// sessions (RS256 JWTs) they open, and the keys that let a bridge check the
// gateway's own tokens.
//
// The paths and shapes are ABDM's: v0.5 under /gateway (sessions, certs,
// openid-configuration, the devservice's /v1/bridges…) and v3 under
// /api/hiecm/gateway/v3/…, so a bridge written for the ABDM sandbox switches
// to Arogya by changing its base URL. Message routing, the outbox and the
// consent manager build on this (issue 4).
package gateway

import (
	"context"
	"time"
)

// Protocol versions a bridge speaks. A bridge whose callback URL was set
// through the v3 endpoint gets v3 calls on <url>/api/v3/…; otherwise v0.5
// calls on <url>/v0.5/….
const (
	V05 = "v0.5"
	V3  = "v3"
)

// Service types a bridge registers.
const (
	TypeHIP          = "HIP"
	TypeHIU          = "HIU"
	TypeHealthLocker = "HEALTH_LOCKER"
)

// Bridge is one integrating system (an HMIS, a lab system, a PHR app): the
// unit that holds client credentials and a callback URL.
type Bridge struct {
	ID         string // chosen by the operator, e.g. "apollo-hmis"; also the clientId
	Name       string
	URL        string // callback base URL; empty until set
	Version    string // V05 or V3: the version of the endpoint that last set URL
	SecretHash string // argon2id of the client secret
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// HIService is a HIP, HIU or health locker a bridge serves (ABDM's
// "service"): its ID is a verified facility's ID in the registry.
type HIService struct {
	ID        string // the facility ID, e.g. IN2810014366
	BridgeID  string
	Name      string
	Types     []string // TypeHIP, TypeHIU, TypeHealthLocker
	Active    bool
	UpdatedAt time.Time
}

// Store keeps bridges and services. Errors carry arogya codes: ENOTFOUND,
// ECONFLICT for an existing bridge ID, or a service ID another bridge
// already serves.
type Store interface {
	CreateBridge(ctx context.Context, b *Bridge) error
	Bridge(ctx context.Context, id string) (*Bridge, error)
	Bridges(ctx context.Context) ([]*Bridge, error) // ordered by ID
	// SetBridgeURL sets the callback URL and the version it was set with.
	SetBridgeURL(ctx context.Context, id, url, version string, at time.Time) error
	// PutServices inserts or updates the bridge's services in one
	// transaction; ECONFLICT (and no change) if any ID belongs to another
	// bridge.
	PutServices(ctx context.Context, bridgeID string, ss []*HIService) error
	// Services lists a bridge's services, ordered by ID.
	Services(ctx context.Context, bridgeID string) ([]*HIService, error)
	// Service returns the service with this ID, whichever bridge has it.
	Service(ctx context.Context, id string) (*HIService, error)
}
