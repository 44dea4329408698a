package registry

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
)

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the service.
type Config struct {
	// Argon is the cost of hashing verifier keys; tests lower it.
	Argon auth.ArgonParams
	// FollowEvery is how often the search index polls the store for changes
	// made by other nodes. Zero means 2 s.
	FollowEvery time.Duration
	// Logger receives the index follower's errors. Nil means slog.Default.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service holds the registry's rules.
type Service struct {
	store Store
	audit Auditor
	index *Index
	cfg   Config

	mu          sync.Mutex // guards the follower's cursors
	facSeq      int64
	proSeq      int64
	drugSeq     int64
	ready       chan struct{}
	loadErr     error
	verifierMu  sync.Mutex
	verifierKey map[string]verifiedKey // verifier ID → last key that verified, to skip argon2 on every request
}

type verifiedKey struct {
	hash string // the key's SHA-256, hex
	at   time.Time
}

// NewService returns a service over store. Call Start before searching.
func NewService(store Store, auditor Auditor, cfg Config) *Service {
	if cfg.Argon == (auth.ArgonParams{}) {
		cfg.Argon = auth.DefaultArgon
	}
	if cfg.FollowEvery == 0 {
		cfg.FollowEvery = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		store: store, audit: auditor, index: NewIndex(), cfg: cfg,
		ready: make(chan struct{}), verifierKey: map[string]verifiedKey{},
	}
}

// Index returns the service's search index (for benchmarks and stats).
func (s *Service) Index() *Index { return s.index }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }
