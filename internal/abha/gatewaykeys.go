package abha

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// GatewayKeyRefetch is the shortest time between two fetches of the
// gateway's keys caused by tokens naming a key ID the cache does not hold.
const GatewayKeyRefetch = 30 * time.Second

// GatewayKeys checks the bearer tokens systems call ABHA's system
// authentication (/v1/auth/…) with: RS256 JWTs issued by the HIE-CM gateway
// (a bridge's session token, or the consent manager's own token). The
// gateway is another role, so its keys are fetched over HTTP from
// {BaseURL}/gateway/v0.5/certs and cached; a token naming an unknown key ID
// makes it fetch again, at most every GatewayKeyRefetch. It mirrors
// gateway.ABHAKeys, which does the same the other way round.
//
// The gateway's signature is the whole check: ABHA does not know the
// gateway's bridges, so a bridge disabled at the gateway keeps its access
// until its token expires (20 minutes).
type GatewayKeys struct {
	BaseURL string       // the gateway's public URL, e.g. https://hiecm.example.in
	HTTP    *http.Client // nil: a client with a 5 s timeout
	Now     func() time.Time

	mu      sync.Mutex
	jwks    auth.JWKS
	fetched time.Time
}

// Issuer is the iss the gateway's tokens carry: {BaseURL}/gateway.
func (g *GatewayKeys) Issuer() string { return strings.TrimRight(g.BaseURL, "/") + "/gateway" }

func (g *GatewayKeys) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

var errGatewayToken = arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002",
	"Authorization: Bearer <token> must be a valid, unexpired access token from the HIE-CM gateway")

// Verify checks the token's signature (RS256, a key the gateway
// publishes), issuer, expiry and type ("Bearer"), and returns its subject:
// the calling client's ID. A bad token is EUNAUTHORIZED; keys that cannot be
// fetched are EUNAVAILABLE, never "bad token".
func (g *GatewayKeys) Verify(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", errGatewayToken
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := g.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		return k.PublicKey()
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(g.Issuer()), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(g.now))
	if err != nil {
		var ae *arogya.Error
		if errors.As(err, &ae) && ae.Code == arogya.EUNAVAILABLE {
			return "", ae
		}
		return "", errGatewayToken
	}
	if typ, _ := claims["typ"].(string); typ != "Bearer" {
		return "", errGatewayToken
	}
	sub, _ := claims["sub"].(string)
	if sub == "" || len(sub) > 128 {
		return "", errGatewayToken
	}
	return sub, nil
}

var errUnknownKey = errors.New("unknown key")

func (g *GatewayKeys) key(ctx context.Context, kid string) (auth.JWK, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if k, ok := g.jwks.Key(kid); ok && kid != "" {
		return k, nil
	}
	if !g.fetched.IsZero() && g.now().Sub(g.fetched) < GatewayKeyRefetch {
		return auth.JWK{}, errUnknownKey
	}
	jwks, err := g.fetch(ctx)
	if err != nil {
		return auth.JWK{}, arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098",
			"The gateway's keys could not be fetched to check the token; try again")
	}
	g.jwks, g.fetched = jwks, g.now()
	if k, ok := g.jwks.Key(kid); ok && kid != "" {
		return k, nil
	}
	return auth.JWK{}, errUnknownKey
}

func (g *GatewayKeys) fetch(ctx context.Context) (auth.JWKS, error) {
	hc := g.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(g.BaseURL, "/")+"/gateway/v0.5/certs", nil)
	if err != nil {
		return auth.JWKS{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return auth.JWKS{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return auth.JWKS{}, fmt.Errorf("gateway certs: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return auth.JWKS{}, err
	}
	return auth.ParseJWKS(b)
}
