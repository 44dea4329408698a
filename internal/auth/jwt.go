package auth

import (
	"errors"
	"fmt"

	arogya "github.com/arogya-health/arogya"
	"github.com/golang-jwt/jwt/v5"
)

// SignJWT signs claims as an RS256 JWT with the active signing key, whose id
// goes in the "kid" header. Callers set "exp" (ParseJWT requires it).
func (ks *Keys) SignJWT(claims jwt.MapClaims) (string, error) {
	return ks.signJWT(PurposeSign, jwt.SigningMethodRS256, claims)
}

// ParseJWT verifies an RS256 JWT against the signing key named by its "kid"
// header, active or retired, and returns its claims. An expiry is required
// and checked against the Keys clock; opts may add checks such as
// jwt.WithIssuer or jwt.WithAudience. Any failure is an EUNAUTHORIZED error.
func (ks *Keys) ParseJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	return ks.parseJWT(PurposeSign, AlgRS256, token, opts)
}

// SignUserJWT signs claims as an EdDSA JWT with the active user-token key.
// User tokens are issued at every login and enrolment: Ed25519 signs them in
// microseconds where RSA takes milliseconds.
func (ks *Keys) SignUserJWT(claims jwt.MapClaims) (string, error) {
	return ks.signJWT(PurposeUser, jwt.SigningMethodEdDSA, claims)
}

// ParseUserJWT verifies an EdDSA user token against the user-token key named
// by its "kid", active or retired, as ParseJWT does for RS256 tokens.
func (ks *Keys) ParseUserJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	return ks.parseJWT(PurposeUser, AlgEdDSA, token, opts)
}

// signJWT signs claims with the active key of purpose.
func (ks *Keys) signJWT(purpose string, method jwt.SigningMethod, claims jwt.MapClaims) (string, error) {
	k := ks.activeKey(purpose)
	if k == nil {
		return "", fmt.Errorf("auth: no active %s key", purpose)
	}
	t := jwt.NewWithClaims(method, claims)
	t.Header["kid"] = k.id
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("auth: sign %s JWT: %w", purpose, err)
	}
	return s, nil
}

// parseJWT verifies a JWT of algorithm alg against the key of purpose named
// by its "kid" (reloading the store once for an unknown kid).
func (ks *Keys) parseJWT(purpose, alg, token string, opts []jwt.ParserOption) (jwt.MapClaims, error) {
	all := append([]jwt.ParserOption{
		jwt.WithValidMethods([]string{alg}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(ks.now),
	}, opts...)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k := ks.byKidReloading(purpose, kid)
		if k == nil {
			return nil, errors.New("unknown kid")
		}
		return k.priv.Public(), nil
	}, all...)
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "token has expired")
	}
	if err != nil {
		return nil, arogya.Errorf(arogya.EUNAUTHORIZED, "invalid token")
	}
	return claims, nil
}
