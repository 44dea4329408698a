package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/ratelimit"
)

// Keys signs and checks the gateway's tokens (RS256, the "sign" purpose of
// internal/auth).
type Keys interface {
	SignJWT(claims jwt.MapClaims) (string, error)
	ParseJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error)
	JWKS() auth.JWKS
}

// Facilities tells whether a facility is verified in the registry. The
// registry is another role, so the implementation asks it over HTTP
// (RegistryClient).
type Facilities interface {
	FacilityVerified(ctx context.Context, id string) (bool, error)
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the service.
type Config struct {
	// Issuer is the iss of the gateway's tokens: its public base URL with
	// /gateway, e.g. https://hiecm.example.in/gateway.
	Issuer string
	// CMID is the consent manager's ID (X-CM-ID), e.g. "sbx".
	CMID string
	// AccessTTL and RefreshTTL are the lifetimes of session tokens; zero
	// means 20 and 30 minutes (ABDM's gateway: clients refresh at 15).
	AccessTTL, RefreshTTL time.Duration
	// Argon is the cost of hashing client secrets; tests lower it.
	Argon auth.ArgonParams
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AuditKey keys the hashes that name people in audit events (never
	// their ABHA address); derive it from the master key.
	AuditKey []byte
	// SMS texts people for patients/sms/notify; nil answers ERRORED.
	SMS notify.SMS
	// PHRURL is the link texted when a HIP gives no deep link: where
	// people link records to their ABHA.
	PHRURL string
	// LinkWait bounds how long a person's discovery or linking call waits
	// for the HIP's callback; zero means 20 s.
	LinkWait time.Duration
}

// Service holds the gateway's rules for bridges and sessions.
type Service struct {
	store      Store
	consents   consent.Store
	person     PersonStore
	links      LinkStore
	auto       AutoPolicyStore
	subs       SubscriptionStore
	users      ABHA
	keys       Keys
	facilities Facilities
	audit      Auditor
	cfg        Config

	secrets  *auth.SecretCache   // client secrets that verified lately
	access   ttlCache[Bridge]    // access tokens that verified lately, with their bridges
	services ttlCache[HIService] // services read lately, by ID
	autoHIUs ttlCache[bool]      // whether HIUs have auto-approval policies, by HIU ID

	demoFails *ratelimit.Window // failed DEMOGRAPHICS checks, by HIP and person
	smsSends  *ratelimit.Window // SMS notices, by HIP and phone
	waiting   waiters           // people waiting on a HIP's callback
	kick      func()            // wakes the outbox; set by NewHandler
	outbox    *Outbox           // this node's outbox, for messages handed over once committed; may be nil
	sysTok    ownToken          // the consent manager's own token, for ABHA
}

// NewService returns the gateway service.
// Stores are what the service keeps its state in; one *sqldb.DB is all of
// them.
type Stores struct {
	Bridges  Store
	Consents consent.Store
	Person   PersonStore
	Links    LinkStore
	Auto     AutoPolicyStore
	Subs     SubscriptionStore
}

// NewService returns the gateway service. users checks the ABHA tokens of
// people using the consent manager's person API; it may be nil when that
// API is not served.
func NewService(st Stores, keys Keys, facilities Facilities, users ABHA, auditor Auditor, cfg Config) *Service {
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 20 * time.Minute
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = 30 * time.Minute
	}
	if cfg.Argon == (auth.ArgonParams{}) {
		cfg.Argon = auth.DefaultArgon
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LinkWait == 0 {
		cfg.LinkWait = 20 * time.Second
	}
	return &Service{store: st.Bridges, consents: st.Consents, person: st.Person, links: st.Links, auto: st.Auto, subs: st.Subs, users: users, keys: keys, facilities: facilities, audit: auditor, cfg: cfg, secrets: &auth.SecretCache{Now: cfg.Now},
		demoFails: ratelimit.New(demographicWindow, demographicFailures), smsSends: ratelimit.New(smsWindow, smsPerPhone)}
}

// CMID is the consent manager's ID.
func (s *Service) CMID() string { return s.cfg.CMID }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

var bridgeIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$`)

// CreateBridge registers a bridge (operator only) and returns it with its
// client secret, which is shown only this once. The bridge ID is also its
// clientId.
func (s *Service) CreateBridge(ctx context.Context, id, name, callbackURL string) (*Bridge, string, error) {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return nil, "", arogya.Errorf(arogya.EFORBIDDEN, "only the operator creates bridges")
	}
	id, name = strings.TrimSpace(id), strings.Join(strings.Fields(name), " ")
	if !bridgeIDPattern.MatchString(id) {
		return nil, "", arogya.Errorf(arogya.EINVALID, "id must be 3 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if strings.EqualFold(id, "gateway") {
		// The gateway's own token names itself "gateway": a bridge of
		// that name would get session tokens bridges and ABHA would take
		// for the gateway's.
		return nil, "", arogya.Errorf(arogya.EINVALID, "id gateway is reserved")
	}
	if n := utf8.RuneCountInString(name); n < 3 || n > 200 {
		return nil, "", arogya.Errorf(arogya.EINVALID, "name must be 3 to 200 characters")
	}
	version := ""
	if callbackURL != "" {
		u, err := checkCallbackURL(callbackURL)
		if err != nil {
			return nil, "", err
		}
		callbackURL, version = u, V05
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw[:])
	hash, err := auth.HashPassword(secret, s.cfg.Argon)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	b := &Bridge{ID: id, Name: name, URL: callbackURL, Version: version, SecretHash: hash, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateBridge(ctx, b); err != nil {
		return nil, "", err
	}
	return b, secret, s.record(ctx, "gateway.bridge.create", id, "ok", "")
}

// Bridges lists the bridges, for the operator.
func (s *Service) Bridges(ctx context.Context) ([]*Bridge, error) {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return nil, arogya.Errorf(arogya.EFORBIDDEN, "only the operator lists bridges")
	}
	return s.store.Bridges(ctx)
}

// checkCallbackURL accepts an absolute http(s) URL without query, fragment
// or credentials, and returns it without a trailing slash.
func checkCallbackURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(raw) > 500 {
		return "", arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "url must be an absolute http(s) URL without query, fragment or credentials")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// authenticate checks a bridge's client credentials.
func (s *Service) authenticate(ctx context.Context, clientID, secret string) (*Bridge, error) {
	bad := arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1001", "invalid client id or secret")
	if clientID == "" || secret == "" || len(clientID) > 64 || len(secret) > 200 {
		return nil, bad
	}
	b, err := s.store.Bridge(ctx, clientID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if !b.Active {
		return nil, bad
	}
	if !s.secrets.Check(b.ID, b.SecretHash, secret) {
		return nil, bad
	}
	return b, nil
}

// Session is what POST /sessions answers.
type Session struct {
	AccessToken      string `json:"accessToken"`
	ExpiresIn        int    `json:"expiresIn"`        // seconds
	RefreshExpiresIn int    `json:"refreshExpiresIn"` // seconds
	RefreshToken     string `json:"refreshToken"`
	TokenType        string `json:"tokenType"`
}

// NewSession opens a session for a bridge with its client credentials.
func (s *Service) NewSession(ctx context.Context, clientID, secret string) (*Session, error) {
	b, err := s.authenticate(ctx, clientID, secret)
	if err != nil {
		return nil, err
	}
	return s.issue(b)
}

// Refresh opens a new session from a refresh token.
func (s *Service) Refresh(ctx context.Context, clientID, refreshToken string) (*Session, error) {
	claims, err := s.parse(refreshToken, "Refresh")
	if err != nil {
		return nil, err
	}
	sub, _ := claims["sub"].(string)
	if clientID != "" && clientID != sub {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1001", "the refresh token belongs to another client")
	}
	b, err := s.activeBridge(ctx, sub)
	if err != nil {
		return nil, err
	}
	return s.issue(b)
}

func (s *Service) issue(b *Bridge) (*Session, error) {
	now := s.cfg.Now()
	jti := func() string {
		var r [16]byte
		_, _ = rand.Read(r[:])
		return hex.EncodeToString(r[:])
	}
	access, err := s.keys.SignJWT(jwt.MapClaims{
		"iss": s.cfg.Issuer, "sub": b.ID, "clientId": b.ID, "azp": b.ID, "typ": "Bearer",
		"iat": now.Unix(), "exp": now.Add(s.cfg.AccessTTL).Unix(), "jti": jti(),
	})
	if err != nil {
		return nil, err
	}
	refresh, err := s.keys.SignJWT(jwt.MapClaims{
		"iss": s.cfg.Issuer, "sub": b.ID, "typ": "Refresh",
		"iat": now.Unix(), "exp": now.Add(s.cfg.RefreshTTL).Unix(), "jti": jti(),
	})
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, ExpiresIn: int(s.cfg.AccessTTL.Seconds()), RefreshToken: refresh,
		RefreshExpiresIn: int(s.cfg.RefreshTTL.Seconds()), TokenType: "bearer"}, nil
}

// parse checks a gateway token's signature, issuer, expiry and type.
func (s *Service) parse(token, typ string) (jwt.MapClaims, error) {
	bad := arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "invalid or expired gateway token: open a session at /v0.5/sessions")
	claims, err := s.keys.ParseJWT(token, jwt.WithIssuer(s.cfg.Issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.cfg.Now))
	if err != nil {
		return nil, bad
	}
	if t, _ := claims["typ"].(string); t != typ {
		return nil, bad
	}
	return claims, nil
}

func (s *Service) activeBridge(ctx context.Context, id string) (*Bridge, error) {
	b, err := s.store.Bridge(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && !b.Active) {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "the token's bridge is unknown or disabled")
	}
	return b, err
}

// VerifyAccess returns the bridge whose access token this is. A token
// that verified in the last second (accessCacheTTL), and not past its exp,
// is not checked again and its bridge is not read again: a bridge disabled
// or changed on another node is seen within that second.
func (s *Service) VerifyAccess(ctx context.Context, token string) (*Bridge, error) {
	now := s.cfg.Now()
	cached, gen, ok := s.access.get(token, now)
	if ok {
		return &cached, nil
	}
	claims, err := s.parse(token, "Bearer")
	if err != nil {
		return nil, err
	}
	sub, _ := claims["sub"].(string)
	b, err := s.activeBridge(ctx, sub)
	if err != nil {
		return nil, err
	}
	until := now.Add(accessCacheTTL)
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil && exp.Before(until) {
		until = exp.Time
	}
	s.access.put(token, *b, now, until, gen)
	return b, nil
}

// SetURL sets a bridge's callback URL; version is the protocol version of
// the endpoint used (V05 for PATCH /v1/bridges, V3 for the v3 endpoint),
// which decides how the gateway will call the bridge.
func (s *Service) SetURL(ctx context.Context, b *Bridge, callbackURL, version string) error {
	u, err := checkCallbackURL(callbackURL)
	if err != nil {
		return err
	}
	if err := s.store.SetBridgeURL(ctx, b.ID, u, version, s.now()); err != nil {
		return err
	}
	s.access.drop(func(_ string, c *Bridge) bool { return c.ID == b.ID })
	return s.record(ctx, "gateway.bridge.url", b.ID, "ok", version)
}

// ServiceInput is one entry of addUpdateServices.
type ServiceInput struct {
	ID     string
	Name   string
	Types  []string
	Active bool
}

// MaxServicesPerCall bounds one addUpdateServices call.
const MaxServicesPerCall = 100

// AddUpdateServices registers or updates services of the bridge. Each ID
// must be a facility verified in the registry, and not another bridge's.
//
// As ABDM registers a service once per type, an entry adds its type to
// what the bridge declared of the service before, or (active false) takes
// it away: a bridge may declare a facility HIP in one call and HIU in the
// next, and it is then both. A service left with no type is inactive.
func (s *Service) AddUpdateServices(ctx context.Context, b *Bridge, in []ServiceInput) error {
	if len(in) == 0 || len(in) > MaxServicesPerCall {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "send 1 to 100 services")
	}
	now := s.now()
	out := make([]*HIService, 0, len(in))
	seen := map[string]int{}
	gone := map[string][]string{} // by ID, the types entries with active false take away
	for i, si := range in {
		id := strings.ToUpper(strings.TrimSpace(si.ID))
		name := strings.Join(strings.Fields(si.Name), " ")
		if id == "" || len(id) > 64 {
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "services["+strconv.Itoa(i)+"].id is required")
		}
		if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "services["+strconv.Itoa(i)+"].name must be 1 to 200 characters")
		}
		var types []string
		for _, t := range si.Types {
			t = strings.ToUpper(strings.TrimSpace(t))
			if t != TypeHIP && t != TypeHIU && t != TypeHealthLocker {
				return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "services["+strconv.Itoa(i)+"].type must be HIP, HIU or HEALTH_LOCKER")
			}
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "services["+strconv.Itoa(i)+"].type is required")
		}
		if !si.Active {
			gone[id] = append(gone[id], types...)
			types = nil
		}
		if j, ok := seen[id]; ok {
			// The same ID twice in one call: merge the types.
			for _, t := range types {
				if !slices.Contains(out[j].Types, t) {
					out[j].Types = append(out[j].Types, t)
				}
			}
			continue
		}
		ok, err := s.facilities.FacilityVerified(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1018", "services["+strconv.Itoa(i)+"].id is not a verified facility in the registry")
		}
		seen[id] = len(out)
		out = append(out, &HIService{ID: id, BridgeID: b.ID, Name: name, Types: types, Active: si.Active, UpdatedAt: now})
	}
	if err := s.mergeTypes(ctx, b, out, gone); err != nil {
		return err
	}
	if err := s.store.PutServices(ctx, b.ID, out); err != nil {
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			return arogya.ABDMError(arogya.ECONFLICT, "ABDM-1019", "a service id is registered to another bridge")
		}
		return err
	}
	s.access.drop(func(_ string, c *Bridge) bool { return c.ID == b.ID })
	s.services.drop(func(_ string, v *HIService) bool {
		_, updated := seen[v.ID]
		return updated || v.BridgeID == b.ID
	})
	return s.record(ctx, "gateway.bridge.services", b.ID, "ok", strconv.Itoa(len(out))+" services")
}

// mergeTypes gives each service of out the types the bridge declared of it
// before (while it was active), with out's added and gone's taken away; a
// service left with none is inactive, keeping the types it had. The
// services are read before they are written, outside the write's
// transaction: a bridge declares its services one call at a time, and two
// bridges never share a service.
func (s *Service) mergeTypes(ctx context.Context, b *Bridge, out []*HIService, gone map[string][]string) error {
	before, err := s.store.Services(ctx, b.ID)
	if err != nil {
		return err
	}
	prev := make(map[string]*HIService, len(before))
	for _, p := range before {
		prev[p.ID] = p
	}
	for _, o := range out {
		var types []string
		if p := prev[o.ID]; p != nil && p.Active {
			types = slices.Clone(p.Types)
		}
		for _, t := range o.Types {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		types = slices.DeleteFunc(types, func(t string) bool { return slices.Contains(gone[o.ID], t) })
		switch {
		case len(types) > 0:
			o.Types, o.Active = types, true
		case prev[o.ID] != nil && len(prev[o.ID].Types) > 0:
			o.Types, o.Active = prev[o.ID].Types, false
		default:
			o.Types, o.Active = gone[o.ID], false
		}
	}
	return nil
}

// Services lists the bridge's services.
func (s *Service) Services(ctx context.Context, b *Bridge) ([]*HIService, error) {
	return s.store.Services(ctx, b.ID)
}

// Certs are the public keys that verify the gateway's tokens: the RS256
// keys of the JWKS.
func (s *Service) Certs() auth.JWKS {
	all := s.keys.JWKS()
	out := auth.JWKS{Keys: []auth.JWK{}}
	for _, k := range all.Keys {
		if k.Alg == "RS256" {
			out.Keys = append(out.Keys, k)
		}
	}
	return out
}

func (s *Service) record(ctx context.Context, action, bridgeID, outcome, detail string) error {
	actor := "bridge:" + bridgeID
	if arogya.ActorFrom(ctx).Kind == arogya.ActorOperator {
		actor = "operator"
	}
	return s.audit.Record(ctx, audit.Event{Actor: actor, Action: action, Subject: "bridge:" + bridgeID, Outcome: outcome, Detail: detail})
}

// personAuditID names a person in audit events: a keyed hash of their ABHA
// address.
func (s *Service) personAuditID(address string) string {
	return auth.KeyedHash(s.cfg.AuditKey, address)[:32]
}

func auditOperator(action, subject string) audit.Event {
	return audit.Event{Actor: "operator", Action: action, Subject: subject, Outcome: "ok"}
}
