package bridgeclient

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// Credentials are how a bridge finds its client ID and secret: given,
// stored (the secret sealed under SecretKey), or made now by Provision
// and stored.
type Credentials struct {
	Role string // "hip" or "hiu": the errors' prefix, and the flags they name

	ClientID, ClientSecret string // given: a bridge at a remote gateway

	SecretKey []byte // seals the stored secret
	// Stored returns the stored credentials: ENOTFOUND when there are none.
	Stored func(ctx context.Context) (clientID string, sealedSecret []byte, err error)
	// Provision creates a bridge at a gateway this node runs; nil when it
	// cannot.
	Provision func(ctx context.Context) (id, clientID, secret string, err error)
	// Store keeps provisioned credentials, replacing any.
	Store func(ctx context.Context, id, clientID string, sealedSecret []byte) error
}

// find returns the credentials: given, stored, or made now.
func (c *Credentials) find(ctx context.Context) (clientID, secret string, err error) {
	if c.ClientID != "" {
		return c.ClientID, c.ClientSecret, nil
	}
	id, sealed, err := c.Stored(ctx)
	switch {
	case err == nil:
		s, err := auth.Open(c.SecretKey, sealed)
		if err != nil {
			return "", "", errors.New(c.Role + ": the stored bridge secret does not open: is this the node's master key?")
		}
		return id, string(s), nil
	case arogya.ErrorCode(err) == arogya.ENOTFOUND && c.Provision != nil:
		bid, cid, sec, err := c.Provision(ctx)
		if err != nil {
			return "", "", err
		}
		sealed, err := auth.Seal(c.SecretKey, []byte(sec))
		if err != nil {
			return "", "", err
		}
		if err := c.Store(ctx, bid, cid, sealed); err != nil {
			return "", "", err
		}
		return cid, sec, nil
	case arogya.ErrorCode(err) != arogya.ENOTFOUND:
		return "", "", err
	default:
		return "", "", errors.New(c.Role + ": no bridge credentials: give --" + c.Role + "-client-id and --" + c.Role + "-client-secret")
	}
}

// Lazy is a bridge's client, made once its credentials are known. Until
// then Certs (a client without credentials, whose key cache the session
// client shares) checks the gateway's calls.
type Lazy struct {
	Certs *Client
	creds Credentials

	mu sync.Mutex
	c  *Client // nil until the credentials are known
	// credMu makes one caller at a time find or make the credentials: the
	// worker and the registration may both need them first, and making
	// the bridge twice would fail the second (the gateway has it).
	credMu sync.Mutex
}

// NewLazy returns the lazy client of cfg (whose ClientID and Secret are
// not used) with the credentials creds finds.
func NewLazy(cfg Config, creds Credentials) *Lazy {
	cfg.ClientID, cfg.Secret = "", ""
	return &Lazy{Certs: New(cfg), creds: creds}
}

func (l *Lazy) client() *Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c
}

// Client returns the session client, finding the credentials the first
// time (and again after a failure).
func (l *Lazy) Client(ctx context.Context) (*Client, error) {
	if c := l.client(); c != nil {
		return c, nil
	}
	l.credMu.Lock()
	defer l.credMu.Unlock()
	if c := l.client(); c != nil {
		return c, nil // made while this caller waited
	}
	id, secret, err := l.creds.find(ctx)
	if err != nil {
		return nil, err
	}
	c := l.Certs.WithCredentials(id, secret)
	l.mu.Lock()
	l.c = c
	l.mu.Unlock()
	return c, nil
}

// RegisterLoop runs register whenever kick is signalled, until ctx ends,
// retrying with backoff (1 s doubling to a minute) while it fails, and
// calls done after each success. Failures are logged as the role's.
func RegisterLoop(ctx context.Context, role string, log *slog.Logger, kick <-chan struct{}, register func(context.Context) error, done func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		for delay := time.Second; ; delay = min(2*delay, time.Minute) {
			err := register(ctx)
			if err == nil {
				done()
				break
			}
			log.Warn(role+": registering with the gateway; will retry", "err", err, "in", delay.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
	}
}
