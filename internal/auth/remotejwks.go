package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// JWKSRefetch is the shortest time between two fetches of a RemoteJWKS
// caused by tokens naming a key ID it does not hold, so that made-up key
// IDs cannot make it hammer the keys' owner.
const JWKSRefetch = 30 * time.Second

// ErrUnknownKey is RemoteJWKS.Key's answer for a key ID its owner does not
// publish.
var ErrUnknownKey = errors.New("auth: unknown key")

// RemoteJWKS is a JWKS that another role publishes over HTTP, for checking
// the tokens that role signs. It is fetched on first use and cached; a key
// ID the cache does not hold makes it fetch again, at most every
// JWKSRefetch, so a key the owner has rotated in is picked up.
type RemoteJWKS struct {
	URL  string           // where the JWKS is served
	HTTP *http.Client     // nil: a client with a 5 s timeout
	Now  func() time.Time // the clock of JWKSRefetch; nil: time.Now

	mu      sync.Mutex
	jwks    JWKS
	fetched time.Time
}

// Key returns the key with that ID: ErrUnknownKey when the owner does not
// publish it, any other error when the keys could not be fetched (which
// says nothing of the token).
func (s *RemoteJWKS) Key(ctx context.Context, kid string) (JWK, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.jwks.Key(kid); ok {
		return k, nil
	}
	if !s.fetched.IsZero() && s.now().Sub(s.fetched) < JWKSRefetch {
		return JWK{}, ErrUnknownKey
	}
	jwks, err := s.fetch(ctx)
	if err != nil {
		return JWK{}, err
	}
	s.jwks, s.fetched = jwks, s.now()
	if k, ok := s.jwks.Key(kid); ok {
		return k, nil
	}
	return JWK{}, ErrUnknownKey
}

func (s *RemoteJWKS) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *RemoteJWKS) fetch(ctx context.Context) (JWKS, error) {
	hc := s.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return JWKS{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return JWKS{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return JWKS{}, fmt.Errorf("jwks %s: HTTP %d", s.URL, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize))
	if err != nil {
		return JWKS{}, err
	}
	return ParseJWKS(b)
}
