package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// ABHA is what the consent manager asks of the ABHA service, over HTTP:
// it checks a person's ABHA token and reads their profile with it, and it
// verifies a person for a HIP or HIU (users/auth, v3 generate-token)
// through ABHA's system authentication (/v1/auth/init, confirmWith…),
// calling with the consent manager's own gateway token.
type ABHA interface {
	VerifyUser(ctx context.Context, token string) (abhaAddress string, err error)
	Profile(ctx context.Context, token string) (*Profile, error)
	AuthInit(ctx context.Context, bearer, method, healthID string) (txnID string, err error)
	// AuthConfirm sends the proof for the method: {"otp"} for MOBILE_OTP,
	// {"name","gender","yearOfBirth"} for DEMOGRAPHICS; the answer is an
	// X-token for the person, to read their profile with.
	AuthConfirm(ctx context.Context, bearer, method, txnID string, proof map[string]string) (token string, err error)
	// Search finds an active ABHA by address or number
	// (POST /v1/search/searchByHealthId) and returns its name.
	Search(ctx context.Context, bearer, healthID string) (name string, err error)
}

// Profile is what the consent manager needs of a person to ask a HIP for
// their records (care-contexts/discover): demographics and the identifiers
// ABHA has verified. It is read when the person asks, never kept.
type Profile struct {
	ABHANumber  string // NN-NNNN-NNNN-NNNN
	Name        string
	Gender      string // M, F, O
	YearOfBirth int
	Mobile      string   // 10 digits, verified by OTP at ABHA
	Preferred   string   // the preferred ABHA address
	Addresses   []string // all the person's ABHA addresses

	// For profile share (scan and share at a hospital's desk).
	DayOfBirth, MonthOfBirth int
	Address, District, State string
	StateCode, DistrictCode  string
	PinCode                  string
}

// ABHAKeys checks ABHA X-tokens against the keys the ABHA service
// publishes at {BaseURL}/.well-known/jwks.json, fetched over HTTP (the
// ABHA service is another role) and cached (auth.RemoteJWKS); an unknown
// key ID makes it fetch again, at most every 30 s.
type ABHAKeys struct {
	BaseURL string // the ABHA service, e.g. http://127.0.0.1:8080
	Issuer  string // the iss its tokens carry
	HTTP    *http.Client
	Now     func() time.Time // the clock of token expiry

	once sync.Once
	keys *auth.RemoteJWKS // made on first use, from the fields above
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
	// A token ABHA gave a system (a HIP's users/auth) only reads the
	// profile: it never acts as the person here.
	if amr, _ := claims["amr"].(string); strings.HasPrefix(amr, "system-") {
		return "", errUserToken
	}
	addr, _ := claims["abhaAddress"].(string)
	if addr == "" {
		return "", errUserToken
	}
	return strings.ToLower(addr), nil
}

func (a *ABHAKeys) key(ctx context.Context, kid string) (auth.JWK, error) {
	a.once.Do(func() {
		a.keys = &auth.RemoteJWKS{URL: strings.TrimRight(a.BaseURL, "/") + "/.well-known/jwks.json", HTTP: a.HTTP}
	})
	k, err := a.keys.Key(ctx, kid)
	if err != nil && !errors.Is(err, auth.ErrUnknownKey) {
		return auth.JWK{}, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service's keys could not be fetched")
	}
	return k, err
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
	req.Header.Set("REQUEST-ID", uuid.NewString()) // ABHA's v3 API asks for both
	req.Header.Set("TIMESTAMP", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
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
		ABHANumber  string   `json:"ABHANumber"`
		Name        string   `json:"name"`
		Gender      string   `json:"gender"`
		YearOfBirth string   `json:"yearOfBirth"`
		Mobile      string   `json:"mobile"`
		Preferred   string   `json:"preferredAbhaAddress"`
		Addresses   []string `json:"phrAddress"`
		Day         string   `json:"dayOfBirth"`
		Month       string   `json:"monthOfBirth"`
		Address     string   `json:"address"`
		District    string   `json:"districtName"`
		State       string   `json:"stateName"`
		DistrictCd  string   `json:"districtCode"`
		StateCd     string   `json:"stateCode"`
		PinCode     string   `json:"pincode"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return nil, arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service's profile could not be read")
	}
	yob, _ := strconv.Atoi(body.YearOfBirth)
	day, _ := strconv.Atoi(body.Day)
	month, _ := strconv.Atoi(body.Month)
	return &Profile{ABHANumber: body.ABHANumber, Name: body.Name, Gender: body.Gender, YearOfBirth: yob, Mobile: body.Mobile,
		Preferred: strings.ToLower(body.Preferred), Addresses: lower(body.Addresses), DayOfBirth: day, MonthOfBirth: month,
		Address: body.Address, District: body.District, State: body.State, DistrictCode: body.DistrictCd, StateCode: body.StateCd,
		PinCode: body.PinCode}, nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// AuthInit starts ABHA's system authentication of a person
// (POST /v1/auth/init {"authMethod","healthid"} → {"txnId"}).
func (a *ABHAKeys) AuthInit(ctx context.Context, bearer, method, healthID string) (string, error) {
	var out struct {
		TxnID string `json:"txnId"`
	}
	if err := a.post(ctx, bearer, "/v1/auth/init", map[string]string{"authMethod": method, "healthid": healthID}, &out); err != nil {
		return "", err
	}
	return out.TxnID, nil
}

// AuthConfirm completes it (POST /v1/auth/confirmWithMobileOTP or
// /v1/auth/confirmWithDemographics → {"token"}).
func (a *ABHAKeys) AuthConfirm(ctx context.Context, bearer, method, txnID string, proof map[string]string) (string, error) {
	path := "/v1/auth/confirmWithMobileOTP"
	if method == "DEMOGRAPHICS" {
		path = "/v1/auth/confirmWithDemographics"
	}
	body := map[string]string{"txnId": txnID}
	for k, v := range proof {
		body[k] = v
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := a.post(ctx, bearer, path, body, &out); err != nil {
		return "", err
	}
	return out.Token, nil
}

// Search finds an ABHA by address or number (POST
// /v1/search/searchByHealthId {"healthId"} → SearchResponseSingle); one
// that is not ACTIVE is not found.
func (a *ABHAKeys) Search(ctx context.Context, bearer, healthID string) (string, error) {
	var out struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	if err := a.post(ctx, bearer, "/v1/search/searchByHealthId", map[string]string{"healthId": healthID}, &out); err != nil {
		return "", err
	}
	if out.Status != "ACTIVE" {
		return "", arogya.Errorf(arogya.ENOTFOUND, "no active ABHA with that id")
	}
	return out.Name, nil
}

// post calls ABHA with the consent manager's token. ABHA's refusals keep
// their meaning (not found, wrong proof, too many tries) but not ABHA's
// words, which the HIP would see.
func (a *ABHAKeys) post(ctx context.Context, bearer, path string, body, out any) error {
	hc := a.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(a.BaseURL, "/")+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("REQUEST-ID", uuid.NewString())
	req.Header.Set("TIMESTAMP", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	resp, err := hc.Do(req)
	if err != nil {
		return arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service could not be reached")
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
			return arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service's answer could not be read")
		}
		return nil
	case http.StatusNotFound:
		return arogya.Errorf(arogya.ENOTFOUND, "no active ABHA with that id")
	case http.StatusUnauthorized, http.StatusBadRequest:
		return arogya.Errorf(arogya.EUNAUTHORIZED, "the person could not be verified")
	case http.StatusGone:
		return arogya.Errorf(arogya.EGONE, "the authentication has expired or used up its tries; start again")
	case http.StatusUnprocessableEntity:
		return arogya.Errorf(arogya.EUNPROCESSABLE, "that authentication mode is not offered")
	case http.StatusTooManyRequests:
		return arogya.Errorf(arogya.ETOOMANYREQUESTS, "too many OTPs sent to the person; try later")
	}
	return arogya.Errorf(arogya.EUNAVAILABLE, "the ABHA service answered HTTP %d", resp.StatusCode)
}
