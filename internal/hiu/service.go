package hiu

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/staff"
)

// Registry tells whether a facility is verified, and its name: the
// registry's public API, over HTTP (internal/registryapi).
type Registry interface {
	Facility(ctx context.Context, id string) (name string, verified bool, err error)
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is what the service needs besides its store.
type Config struct {
	// WrapKey seals the facilities' data keys (auth.DeriveKey(master,
	// "hiu/data-keys")); TokenKey signs clinician tokens.
	WrapKey, TokenKey []byte
	AdminToken        string // the operator token, accepted on every facility's API
	Professionals     Professionals
	Argon             auth.ArgonParams // zero: auth.DefaultArgon
	Now               func() time.Time
}

// Service holds the HIU's rules. The clinicians' pages use its exported
// methods; the Bridge does the protocol.
type Service struct {
	store    Store
	registry Registry
	audit    Auditor
	cfg      Config

	mu   sync.Mutex
	keys map[string][]byte // facilities' data keys, unsealed

	accounts *staff.Accounts // the clinicians'
	bridge   *Bridge         // set by NewBridge
}

// NewService returns the HIU service.
func NewService(store Store, registry Registry, auditor Auditor, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: store, registry: registry, audit: auditor, cfg: cfg, keys: map[string][]byte{}}
	s.accounts = s.newAccounts()
	return s
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// AddFacility makes a verified facility of the registry one this node
// serves as HIU, with a data key of its own; the bridge then registers it
// with the gateway as an HIU service.
func (s *Service) AddFacility(ctx context.Context, id string) (*Facility, error) {
	id = normalFacility(id)
	if id == "" || len(id) > 64 {
		return nil, arogya.Errorf(arogya.EINVALID, "facilityId is required")
	}
	name, verified, err := s.registry.Facility(ctx, id)
	if err != nil {
		return nil, err
	}
	if !verified {
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "facilityId is not a verified facility in the registry")
	}
	dk := make([]byte, 32)
	rand.Read(dk)
	sealed, err := auth.Seal(s.cfg.WrapKey, dk)
	if err != nil {
		return nil, err
	}
	f := &Facility{ID: id, Name: name, DataKey: sealed, AddedAt: s.now()}
	if err := s.store.AddHIUFacility(ctx, f); err != nil {
		return nil, err
	}
	s.auditEvent(ctx, actorOf(ctx), "hiu.facility.add", id, "ok", "")
	if s.bridge != nil {
		s.bridge.changed()
	}
	return f, nil
}

// Facilities lists the facilities this node serves as HIU.
func (s *Service) Facilities(ctx context.Context) ([]*Facility, error) {
	return s.store.HIUFacilities(ctx)
}

func (s *Service) facility(ctx context.Context, id string) (*Facility, error) {
	f, err := s.store.HIUFacility(ctx, normalFacility(id))
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "this node does not serve that facility as HIU")
	}
	return f, err
}

// dataKey returns a facility's data key, unsealed.
func (s *Service) dataKey(f *Facility) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[f.ID]; ok {
		return k, nil
	}
	k, err := auth.Open(s.cfg.WrapKey, f.DataKey)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINTERNAL, "a facility's data key does not open: is this the node's master key?")
	}
	s.keys[f.ID] = k
	return k, nil
}

func (s *Service) facilityKey(ctx context.Context, id string) ([]byte, error) {
	f, err := s.facility(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.dataKey(f)
}

// recordAD binds a sealed record to its row; keyAD a transfer's sealed
// private key to its transfer.
func recordAD(facilityID, id string) []byte {
	return []byte("arogya/hiu/record\x00" + facilityID + "\x00" + id)
}
func keyAD(facilityID, id string) []byte {
	return []byte("arogya/hiu/transfer-key\x00" + facilityID + "\x00" + id)
}

// auditEvent records what the HIU did: IDs and counts, no personal data.
func (s *Service) auditEvent(ctx context.Context, actor, action, facilityID, outcome, detail string) {
	_ = s.audit.Record(ctx, audit.Event{Actor: actor, Action: action, Subject: "facility:" + facilityID, Outcome: outcome, Detail: detail})
}

// actorOf names who acts, for the audit log.
func actorOf(ctx context.Context) string {
	a := arogya.ActorFrom(ctx)
	switch a.Kind {
	case arogya.ActorClient, arogya.ActorStaff:
		return string(a.Kind) + ":" + a.ID
	case arogya.ActorAnonymous:
		return "system"
	}
	return string(a.Kind)
}

func normalFacility(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }
