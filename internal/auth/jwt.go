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
	k := ks.activeKey(PurposeSign)
	if k == nil {
		return "", errors.New("auth: no active signing key")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.id
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("auth: sign JWT: %w", err)
	}
	return s, nil
}

// ParseJWT verifies an RS256 JWT against the signing key named by its "kid"
// header, active or retired, and returns its claims. An expiry is required
// and checked against the Keys clock; opts may add checks such as
// jwt.WithIssuer or jwt.WithAudience. Any failure is an EUNAUTHORIZED error.
func (ks *Keys) ParseJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	all := append([]jwt.ParserOption{
		jwt.WithValidMethods([]string{AlgRS256}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(ks.now),
	}, opts...)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k := ks.byKidReloading(PurposeSign, kid)
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

// SignUserJWT signs claims as an EdDSA JWT with the active user-token key.
// User tokens are issued at every login and enrolment: Ed25519 signs them in
// microseconds where RSA takes milliseconds.
func (ks *Keys) SignUserJWT(claims jwt.MapClaims) (string, error) {
	k := ks.activeKey(PurposeUser)
	if k == nil {
		return "", errors.New("auth: no active user-token key")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = k.id
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("auth: sign user JWT: %w", err)
	}
	return s, nil
}

// ParseUserJWT verifies an EdDSA user token against the user-token key named
// by its "kid", active or retired, as ParseJWT does for RS256 tokens.
func (ks *Keys) ParseUserJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	all := append([]jwt.ParserOption{
		jwt.WithValidMethods([]string{AlgEdDSA}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(ks.now),
	}, opts...)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k := ks.byKidReloading(PurposeUser, kid)
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
