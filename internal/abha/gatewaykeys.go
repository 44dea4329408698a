package abha

import (
	"context"
	"errors"
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
const GatewayKeyRefetch = auth.JWKSRefetch

// GatewayKeys checks the bearer tokens systems call ABHA's system
// authentication (/v1/auth/…) with: RS256 JWTs issued by the HIE-CM gateway
// (a bridge's session token, or the consent manager's own token). The
// gateway is another role, so its keys are fetched over HTTP from
// {BaseURL}/gateway/v0.5/certs and cached (auth.RemoteJWKS); a token
// naming an unknown key ID makes it fetch again, at most every
// GatewayKeyRefetch. It mirrors gateway.ABHAKeys, which does the same the
// other way round.
//
// The gateway's signature is the whole check: ABHA does not know the
// gateway's bridges, so a bridge disabled at the gateway keeps its access
// until its token expires (20 minutes).
type GatewayKeys struct {
	BaseURL string       // the gateway's public URL, e.g. https://hiecm.example.in
	HTTP    *http.Client // nil: a client with a 5 s timeout
	Now     func() time.Time

	once sync.Once
	keys *auth.RemoteJWKS // made on first use, from the fields above
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
	// "gateway" is the token the gateway's outbox shows every bridge it
	// calls; a bridge replaying it here must not pass as the gateway.
	sub, _ := claims["sub"].(string)
	if sub == "" || len(sub) > 128 || sub == "gateway" {
		return "", errGatewayToken
	}
	return sub, nil
}

func (g *GatewayKeys) key(ctx context.Context, kid string) (auth.JWK, error) {
	g.once.Do(func() {
		g.keys = &auth.RemoteJWKS{URL: strings.TrimRight(g.BaseURL, "/") + "/gateway/v0.5/certs", HTTP: g.HTTP, Now: g.now}
	})
	k, err := g.keys.Key(ctx, kid)
	if err != nil && !errors.Is(err, auth.ErrUnknownKey) {
		return auth.JWK{}, arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098",
			"The gateway's keys could not be fetched to check the token; try again")
	}
	return k, err
}
