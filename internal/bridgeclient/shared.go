package bridgeclient

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Shared is the one bridge a node's roles share at the gateway: one client
// (one set of credentials, one session), one callback URL, and one
// declaration of services in which a facility the node serves as both HIP
// and HIU is one service with both types.
//
// Two bridges cannot do this: the gateway gives a service ID to one
// bridge, so a hospital whose records this node serves (HIP) could not
// also have its doctors request records through it (HIU). ABDM's own
// model is the same: one bridge per deployment, each facility registered
// once per type.
type Shared struct {
	gw  *Lazy
	url string
	log *slog.Logger

	kick chan struct{} // the services must be declared again

	mu    sync.Mutex
	roles []member
}

// member is a role on the shared bridge.
type member struct {
	typ      string                                   // HIP or HIU
	services func(context.Context) ([]Service, error) // the facilities the role serves now
	done     func()                                   // called after each declaration
}

// NewShared returns the shared bridge over gw, whose callbacks come to
// callbackURL; Run declares it.
func NewShared(gw *Lazy, callbackURL string, log *slog.Logger) *Shared {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Shared{gw: gw, url: callbackURL, log: log, kick: make(chan struct{}, 1)}
}

// Gateway is the shared client.
func (s *Shared) Gateway() *Lazy { return s.gw }

// Join adds a role: typ is the type its facilities are declared with,
// services lists them (their Types are ignored), and done is called after
// each declaration (to wake the role's jobs that wait for it). It returns
// the function the role calls when its facilities change.
func (s *Shared) Join(typ string, services func(context.Context) ([]Service, error), done func()) (changed func()) {
	s.mu.Lock()
	s.roles = append(s.roles, member{typ: typ, services: services, done: done})
	s.mu.Unlock()
	return s.Changed
}

// Changed asks for the services to be declared again.
func (s *Shared) Changed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run declares the callback URL and the services now and whenever a role
// says they changed, retrying with backoff while the gateway cannot be
// reached, until ctx ends.
func (s *Shared) Run(ctx context.Context) {
	s.Changed()
	RegisterLoop(ctx, "bridge", s.log, s.kick, s.register, func() {
		for _, m := range s.members() {
			if m.done != nil {
				m.done()
			}
		}
	})
}

func (s *Shared) members() []member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.roles)
}

// register sets the callback URL and declares every role's facilities,
// each once with all its types.
func (s *Shared) register(ctx context.Context) error {
	ss, err := s.Services(ctx)
	if err != nil {
		return err
	}
	gw, err := s.gw.Client(ctx)
	if err != nil {
		return err
	}
	if err := gw.SetCallbackURL(ctx, s.url); err != nil {
		return err
	}
	taken, err := gw.Declare(ctx, ss)
	for _, id := range taken {
		s.log.Warn("bridge: the gateway has this facility as another bridge's service; this node does not serve it", "facility", id)
	}
	return err
}

// Services are the services to declare: every role's facilities, in the
// order first listed, each with the types of the roles that serve it.
func (s *Shared) Services(ctx context.Context) ([]Service, error) {
	var out []Service
	at := map[string]int{}
	for _, m := range s.members() {
		ss, err := m.services(ctx)
		if err != nil {
			return nil, err
		}
		for _, sv := range ss {
			i, ok := at[sv.ID]
			if !ok {
				i = len(out)
				at[sv.ID] = i
				out = append(out, Service{ID: sv.ID, Name: sv.Name})
			}
			if !slices.Contains(out[i].Types, m.typ) {
				out[i].Types = append(out[i].Types, m.typ)
			}
		}
	}
	return out, nil
}
