package abha

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// System authentication
//
// ABDM's ABHA service lets an authenticated system (the consent manager, a
// HIP through the gateway) verify that a person holds an ABHA: POST
// /v1/auth/init names the ABHA and the method, then confirmWithMobileOTP
// (an OTP sent to the ABHA's mobile) or confirmWithDemographics (name,
// gender and year of birth as the ABHA holds them) completes it. The answer
// is an X-token for the ABHA that is short-lived (SystemTokenTTL), marked
// with "amr" (AMRSystemOTP or AMRSystemDemographics) and the calling
// client ("azp", "clientId"), and revoked like any other token. Such a
// token reads the profile (GET /v3/profile/account) and nothing else: it
// changes nothing, and Authenticate (used by every other X-token path and
// the citizen's pages) refuses it.

// Authentication methods of /v1/auth/init.
const (
	AuthMobileOTP    = "MOBILE_OTP"
	AuthDemographics = "DEMOGRAPHICS"
)

// Values of the "amr" claim of tokens from system authentication.
const (
	AMRSystemOTP          = "system-otp"
	AMRSystemDemographics = "system-demographics"
)

// TxnSystemAuth is the kind of a system authentication flow. Its Purpose is
// the method, Number the ABHA, and Scope names the client that started it.
const TxnSystemAuth = "system-auth"

const (
	scopeSystemAuth   = "system-auth"
	scopeClientPrefix = "client:"
)

// Limits of system authentication.
const (
	// SystemTokenTTL is the lifetime of a token from system authentication.
	SystemTokenTTL = 10 * time.Minute
	// SystemTxnTTL is how long a system authentication flow may take.
	SystemTxnTTL = 10 * time.Minute
	// DemographicAttemptsPerWin is how many confirmWithDemographics calls
	// one ABHA may receive per OTPSendWindow, over all flows: with at most
	// OTPMaxAttempts per flow alone, a system could start flow after flow
	// and walk through the years of birth.
	DemographicAttemptsPerWin = 10
	// DemographicNameThreshold is the name similarity (NameMatch) from
	// which confirmWithDemographics accepts a name. The similarity is the
	// dedup code's: both names pass NormalizeName (Devanagari
	// transliterated, honorifics dropped, spelling variants folded) and
	// their tokens are paired, in any order, by Jaro-Winkler and multiplied.
	// At 0.93 these pass: the same name in Devanagari or another common
	// spelling (राहुल शर्मा, Raahul Sharmaa, Laxmi for Lakshmi: 1.0), a slip
	// in a long token (Bhupendar 0.975, Venkatraman 0.947), one of three
	// tokens left out (0.95). These fail: an initial for a name (Rahul K
	// Sharma 0.92), a slip in a short token (Rahul Shrama 0.925), a longer
	// name sharing a prefix (Priyanka for Priya 0.914), one token of a
	// two-token name (0.80), a different first name under the same surname
	// (Rohit for Rahul 0.41). It is stricter than DuplicateThreshold (0.82),
	// which only flags look-alikes for review: here a false match hands a
	// system the person's profile, while a false refusal leaves MOBILE_OTP.
	DemographicNameThreshold = 0.93
)

// SystemDemographics is what confirmWithDemographics compares with the ABHA.
type SystemDemographics struct {
	Name        string // full name, Latin or Devanagari, any spelling
	Gender      string // M, F, O or U
	YearOfBirth int
}

// systemAuthOff is the answer when no gateway is configured.
var systemAuthOff = arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098",
	"System authentication is not configured on this node")

// SystemAuthConfigured reports whether the node knows the gateway whose
// tokens system authentication accepts.
func (s *Service) SystemAuthConfigured() bool { return s.gateway != nil }

// AuthenticateSystem checks a caller's gateway token and returns its
// client ID (the token's subject).
func (s *Service) AuthenticateSystem(ctx context.Context, token string) (string, error) {
	if s.gateway == nil {
		return "", systemAuthOff
	}
	return s.gateway.Verify(ctx, token)
}

// SystemAuthInit starts the system authentication of an ABHA, named by
// healthID (an ABHA number, with or without hyphens, or an ABHA address),
// for client. MOBILE_OTP sends an OTP to the ABHA's mobile; DEMOGRAPHICS
// sends nothing. An unknown, deactivated or deleted ABHA is ENOTFOUND,
// with a message that does not repeat healthID.
func (s *Service) SystemAuthInit(ctx context.Context, client, method, healthID string) (txnID string, err error) {
	var number string
	method = strings.ToUpper(strings.TrimSpace(method))
	defer func() {
		if err != nil {
			_ = s.record(ctx, "abha.system-auth.init", number, arogya.ErrorCode(err), auditMethod(method))
		}
	}()
	if s.gateway == nil {
		return "", systemAuthOff
	}
	switch method {
	case AuthMobileOTP, AuthDemographics:
	case "":
		return "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "authMethod is required: MOBILE_OTP or DEMOGRAPHICS")
	default:
		return "", arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1120",
			"That authMethod is not offered by this node: use MOBILE_OTP or DEMOGRAPHICS")
	}
	a, err := s.systemAccount(ctx, healthID)
	if err != nil {
		return "", err
	}
	number = a.Number
	t := s.newTxn(TxnSystemAuth, []string{scopeSystemAuth, scopeClientPrefix + client})
	t.ExpiresAt = t.CreatedAt.Add(SystemTxnTTL)
	t.Number, t.Purpose = a.Number, method
	if method == AuthMobileOTP {
		if a.Mobile == "" {
			return "", arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1117", "No mobile is linked to this ABHA; use DEMOGRAPHICS")
		}
		if err := s.sendOTP(ctx, t, a.Mobile, "verifying your ABHA"); err != nil {
			return "", err
		}
	} else if err := s.store.PutTxn(ctx, t); err != nil {
		return "", err
	}
	if err := s.record(ctx, "abha.system-auth.init", number, "ok", auditMethod(method)); err != nil {
		return "", err
	}
	return t.ID, nil
}

// auditMethod names the method in audit events; anything a caller made up
// is "other".
func auditMethod(m string) string {
	if m == AuthMobileOTP || m == AuthDemographics {
		return m
	}
	return "other"
}

var errNoSuchABHA = arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "No active ABHA has that ABHA number or address")

// parseHealthID reads the healthid of /v1/auth/init: an ABHA number
// (14 digits, or NN-NNNN-NNNN-NNNN) or an ABHA address (handle@cm, or the
// bare handle). It reports which, and the canonical form: the 14 digits, or
// the full lowercase address.
func parseHealthID(id, cmID string) (number, address string, err error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "healthid is required")
	}
	if len(id) > 128 {
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "healthid is not an ABHA number or ABHA address")
	}
	if !strings.Contains(id, "@") {
		if n, err := ParseNumber(id); err == nil {
			return n, "", nil
		}
	} else if !strings.HasSuffix(strings.ToLower(id), "@"+strings.ToLower(cmID)) {
		// Well-formed perhaps, but an address of another consent manager
		// has no ABHA here.
		if i := strings.LastIndexByte(id, '@'); i > 0 && checkHandle(strings.ToLower(id[:i])) == nil {
			return "", "", errNoSuchABHA
		}
	}
	_, full, err := ParseAddress(id, cmID)
	if err != nil {
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "healthid is not an ABHA number or ABHA address")
	}
	return "", full, nil
}

// systemAccount resolves a healthid to an ACTIVE account.
func (s *Service) systemAccount(ctx context.Context, healthID string) (*Account, error) {
	number, address, err := parseHealthID(healthID, s.cfg.CMID)
	if err != nil {
		return nil, err
	}
	if number != "" {
		return s.activeByNumber(ctx, number)
	}
	return active(s.store.AccountByAddress(ctx, address))
}

// activeByNumber is systemAccount for a flow's ABHA number.
func (s *Service) activeByNumber(ctx context.Context, number string) (*Account, error) {
	return active(s.store.Account(ctx, number))
}

// active passes on an ACTIVE account a store lookup found; one in any
// other status is as unknown to a system as a missing one.
func active(a *Account, err error) (*Account, error) {
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, errNoSuchABHA
	} else if err != nil {
		return nil, err
	}
	if a.Status != StatusActive {
		return nil, errNoSuchABHA
	}
	return a, nil
}

var errSystemTxnUsedUp = arogya.ABDMError(arogya.EGONE, "ABDM-1205",
	"This authentication has expired or used up its attempts; start again with /v1/auth/init")

// loadSystemTxn returns a live system authentication flow of method that
// client started. Another client's flow is as unknown as a made-up ID.
func (s *Service) loadSystemTxn(ctx context.Context, client, txnID, method string) (*Txn, error) {
	t, err := s.loadTxn(ctx, txnID, TxnSystemAuth)
	if err != nil {
		return nil, err
	}
	if len(t.Scope) < 2 || t.Scope[1] != scopeClientPrefix+client {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Invalid transaction id")
	}
	if t.Purpose != method {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204",
			"This transaction was started for "+auditMethod(t.Purpose)+"; confirm it with that method")
	}
	return t, nil
}

// SystemConfirmOTP completes a MOBILE_OTP system authentication. Wrong OTPs
// count as for any OTP: the fifth kills the flow.
func (s *Service) SystemConfirmOTP(ctx context.Context, client, txnID, otp string) (tok Tokens, err error) {
	var number string
	defer func() {
		if err != nil {
			_ = s.record(ctx, "abha.system-auth.confirm", number, arogya.ErrorCode(err), AuthMobileOTP)
		}
	}()
	if s.gateway == nil {
		return Tokens{}, systemAuthOff
	}
	t, err := s.loadSystemTxn(ctx, client, txnID, AuthMobileOTP)
	if err != nil {
		return Tokens{}, err
	}
	number = t.Number
	if err := s.checkOTP(ctx, t, otp); err != nil {
		var e *arogya.Error
		if errors.As(err, &e) {
			switch e.ABDMCode {
			case "ABDM-1102": // this wrong guess was the last one allowed
				return Tokens{}, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1103",
					"Incorrect OTP; no attempts left: start again with /v1/auth/init")
			case "ABDM-1100", "ABDM-1101": // used up, or expired
				return Tokens{}, errSystemTxnUsedUp
			}
		}
		return Tokens{}, err
	}
	return s.finishSystemAuth(ctx, t, client, AMRSystemOTP, AuthMobileOTP)
}

var errDetailsDiffer = arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1123", "The details do not match")

// SystemConfirmDemographics completes a DEMOGRAPHICS system authentication:
// the name (DemographicNameThreshold), gender and year of birth must match
// the ABHA's. A mismatch is a wrong attempt; after OTPMaxAttempts the flow
// is dead. Every call counts against DemographicAttemptsPerWin for the ABHA.
func (s *Service) SystemConfirmDemographics(ctx context.Context, client, txnID string, d SystemDemographics) (tok Tokens, err error) {
	var number string
	defer func() {
		if err != nil {
			_ = s.record(ctx, "abha.system-auth.confirm", number, arogya.ErrorCode(err), AuthDemographics)
		}
	}()
	if s.gateway == nil {
		return Tokens{}, systemAuthOff
	}
	if err := checkDemographics(&d); err != nil {
		return Tokens{}, err
	}
	t, err := s.loadSystemTxn(ctx, client, txnID, AuthDemographics)
	if err != nil {
		return Tokens{}, err
	}
	number = t.Number
	if t.OTPAttempts >= OTPMaxAttempts || t.Verified {
		return Tokens{}, errSystemTxnUsedUp
	}
	now := s.now()
	allowed, err := s.store.ReserveOTPSend(ctx, auth.KeyedHash(s.mobileKey, "system-demographics:"+t.Number),
		now, now.Add(-OTPSendWindow), DemographicAttemptsPerWin)
	if err != nil {
		return Tokens{}, err
	}
	if !allowed {
		return Tokens{}, arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1013",
			"Too many demographic checks for this ABHA. Try again after 15 minutes or use MOBILE_OTP.")
	}
	a, err := s.activeByNumber(ctx, t.Number)
	if err != nil {
		return Tokens{}, err
	}
	match := DemographicsMatch(a, d)
	if err := s.countSystemAttempt(ctx, t, match); err != nil {
		return Tokens{}, err
	}
	return s.finishSystemAuth(ctx, t, client, AMRSystemDemographics, AuthDemographics)
}

// countSystemAttempt writes the outcome of a demographic check to the flow
// with a compare-and-swap on its version, as checkOTP does for OTPs: a match
// marks the flow verified (once, across nodes); a mismatch counts.
func (s *Service) countSystemAttempt(ctx context.Context, t *Txn, match bool) error {
	unlock := s.lockTxn(t.ID)
	defer unlock()
	for range 8 {
		fresh, err := s.store.Txn(ctx, t.ID)
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return errSystemTxnUsedUp // finished by a concurrent request
		} else if err != nil {
			return err
		}
		*t = *fresh
		if t.Verified || t.OTPAttempts >= OTPMaxAttempts {
			return errSystemTxnUsedUp
		}
		if match {
			t.Verified = true
		} else {
			t.OTPAttempts++
		}
		err = s.store.SwapTxn(ctx, t)
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			continue
		} else if err != nil {
			return err
		}
		if !match {
			return errDetailsDiffer
		}
		return nil
	}
	return arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098", "The transaction is busy; try again")
}

// checkDemographics validates and normalises d.
func checkDemographics(d *SystemDemographics) error {
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" || len(d.Name) > 256 {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "name is required (at most 256 bytes)")
	}
	switch g := strings.ToUpper(strings.TrimSpace(d.Gender)); g {
	case "M", "F", "O", "U":
		d.Gender = g
	case "MALE":
		d.Gender = "M"
	case "FEMALE":
		d.Gender = "F"
	case "OTHER":
		d.Gender = "O"
	default:
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "gender must be M, F, O or U")
	}
	if d.YearOfBirth < 1000 || d.YearOfBirth > 9999 {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "yearOfBirth must be a year, YYYY")
	}
	return nil
}

// NameMatch is the similarity, from 0 to 1, of a name given for a person
// and the name an ABHA holds, as DemographicsMatch weighs it.
func NameMatch(given, held string) float64 {
	return nameSimilarity(NormalizeName(given), NormalizeName(held))
}

// DemographicsMatch reports whether d describes the holder of a: the same
// gender (U matches nothing), the same year of birth, and a name with
// NameMatch at least DemographicNameThreshold.
func DemographicsMatch(a *Account, d SystemDemographics) bool {
	gender := d.Gender == a.Gender && a.Gender != ""
	year := d.YearOfBirth == a.YearOfBirth() && d.YearOfBirth != 0
	name := NameMatch(d.Name, a.FullName()) >= DemographicNameThreshold
	return gender && year && name
}

// finishSystemAuth issues the token for a verified flow and ends the flow.
func (s *Service) finishSystemAuth(ctx context.Context, t *Txn, client, amr, method string) (Tokens, error) {
	a, err := s.activeByNumber(ctx, t.Number)
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	x, err := s.keys.SignUserJWT(jwt.MapClaims{
		"iss": s.cfg.Issuer, "sub": a.Number, "typ": TokenX, "jti": newID(),
		"iat": now.Unix(), "exp": now.Add(SystemTokenTTL).Unix(), "abhaAddress": a.Preferred, "ver": a.TokenVersion,
		"amr": amr, "azp": client, "clientId": client,
	})
	if err != nil {
		return Tokens{}, err
	}
	if err := s.store.DeleteTxn(ctx, t.ID); err != nil {
		return Tokens{}, err
	}
	if err := s.record(ctx, "abha.system-auth.confirm", a.Number, "ok", method); err != nil {
		return Tokens{}, err
	}
	return Tokens{Token: x, ExpiresIn: int(SystemTokenTTL.Seconds())}, nil
}

// errSystemToken refuses a token from system authentication where only the
// holder's own session may act.
var errSystemToken = arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1003",
	"A token from system authentication can only read the ABHA profile")

// AuthenticateRead checks an X-token for reading the profile: the holder's
// own session token, or one from system authentication, for which it
// returns the client that obtained it.
func (s *Service) AuthenticateRead(ctx context.Context, token string) (number, client string, err error) {
	return s.authenticate(ctx, token)
}

// SystemProfile returns the account for a system holding a token from
// system authentication, and audits the read. The ABHA must still be active.
func (s *Service) SystemProfile(ctx context.Context, number string) (*Account, error) {
	a, err := s.activeByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.profile.read", number, "ok", "system-token"); err != nil {
		return nil, err
	}
	return a, nil
}

// yearOf parses a four-digit year from 1000 to 9999; 0 if it is not one.
func yearOf(s string) int {
	s = strings.TrimSpace(s)
	if len(s) != 4 || !allDigits(s) || s[0] == '0' {
		return 0
	}
	y, _ := strconv.Atoi(s)
	return y
}

// SystemSearch finds an ACTIVE ABHA by address or number for a system
// holding a gateway token (ABDM's /v1/search/searchByHealthId), as the
// consent manager's patients/find asks. It tells only what ABDM tells:
// the name, number, address and status; anything not active is not found.
func (s *Service) SystemSearch(ctx context.Context, healthID string) (*Account, error) {
	a, err := s.systemAccount(ctx, healthID)
	number := ""
	if a != nil {
		number = a.Number
	}
	outcome := "ok"
	if err != nil {
		outcome = arogya.ErrorCode(err)
	}
	if rerr := s.record(ctx, "abha.system-search", number, outcome, ""); rerr != nil && err == nil {
		return nil, rerr
	}
	return a, err
}
