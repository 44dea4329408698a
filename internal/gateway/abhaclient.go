package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// UserTokens checks a person's ABHA token and returns their ABHA address,
// and reads the person's profile with it.
type UserTokens interface {
	VerifyUser(ctx context.Context, token string) (abhaAddress string, err error)
	Profile(ctx context.Context, token string) (*Profile, error)
}

// Profile is what the consent manager needs of a person to ask a HIP for
// their records (care-contexts/discover): demographics and the identifiers
// ABHA has verified. It is read when the person asks, never kept.
type Profile struct {
	ABHANumber  string // NN-NNNN-NNNN-NNNN
	Name        string
	Gender      string // M, F, O
	YearOfBirth int
	Mobile      string // 10 digits, verified by OTP at ABHA
}

// ABHAKeys checks ABHA X-tokens against the keys the ABHA service
// publishes at {BaseURL}/.well-known/jwks.json, fetched over HTTP (the
// ABHA service is another role) and cached; an unknown key ID makes it
// fetch again, at most every 30 s.
type ABHAKeys struct {
	BaseURL string // the ABHA service, e.g. http://127.0.0.1:8080
	Issuer  string // the iss its tokens carry
	HTTP    *http.Client
	Now     func() time.Time

	mu      sync.Mutex
	jwks    auth.JWKS
	fetched time.Time
}

var errUserToken = arogya.Errorf(arogya.EUNAUTHORIZED, "sign in with your ABHA: send Authorization: Bearer <X-token>")

// VerifyUser checks the token's signature, issuer, expiry and type.
func (a *ABHAKeys) VerifyUser(ctx context.Context, token string) (string, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := a.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		return k.PublicKey()
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(a.Issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(now))
	if err != nil {
		if arogya.ErrorCode(err) == arogya.EUNAVAILABLE {
			return "", err
		}
		return "", errUserToken
	}
	if typ, _ := claims["typ"].(string); typ != "X-token" {
		return "", errUserToken
	}
	addr, _ := claims["abhaAddress"].(string)
	if addr == "" {
		return "", errUserToken
	}
	return strings.ToLower(addr), nil
}

func (a *ABHAKeys) key(ctx context.Context, kid string) (auth.JWK, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := a.jwks.Key(kid); ok {
		return k, nil
	}
	if time.Since(a.fetched) < 30*time.Second && !a.fetched.IsZero() {
		return auth.JWK{}, fmt.Errorf("unknown key")
	}
	jwks, err := a.fetch(ctx)
	if err != nil {
		return auth.JWK{}, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service's keys could not be fetched")
	}
	a.jwks, a.fetched = jwks, time.Now()
	if k, ok := a.jwks.Key(kid); ok {
		return k, nil
	}
	return auth.JWK{}, fmt.Errorf("unknown key")
}

func (a *ABHAKeys) fetch(ctx context.Context) (auth.JWKS, error) {
	hc := a.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.BaseURL, "/")+"/.well-known/jwks.json", nil)
	if err != nil {
		return auth.JWKS{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return auth.JWKS{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return auth.JWKS{}, fmt.Errorf("jwks: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return auth.JWKS{}, err
	}
	return auth.ParseJWKS(b)
}

// Profile reads the person's ABHA profile (GET /v3/profile/account) with
// their own X-token, as an ABDM PHR app does.
func (a *ABHAKeys) Profile(ctx context.Context, token string) (*Profile, error) {
	hc := a.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.BaseURL, "/")+"/v3/profile/account", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-token", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service could not be reached")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, errUserToken
	case resp.StatusCode != http.StatusOK:
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service answered HTTP %d", resp.StatusCode)
	}
	var body struct {
		ABHANumber  string `json:"ABHANumber"`
		Name        string `json:"name"`
		Gender      string `json:"gender"`
		YearOfBirth string `json:"yearOfBirth"`
		Mobile      string `json:"mobile"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service's profile could not be read")
	}
	yob, _ := strconv.Atoi(body.YearOfBirth)
	return &Profile{ABHANumber: body.ABHANumber, Name: body.Name, Gender: body.Gender, YearOfBirth: yob, Mobile: body.Mobile}, nil
}
