package abha

import (
	"context"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// Token types, in the "typ" claim.
const (
	TokenX       = "X-token" // an ABHA holder's access token
	TokenRefresh = "R-token"
	TokenT       = "T-token" // lets a mobile holder choose among their ABHAs
)

// Tokens is what a successful login or enrolment returns.
type Tokens struct {
	Token            string
	ExpiresIn        int // seconds
	RefreshToken     string
	RefreshExpiresIn int
}

func (s *Service) issueTokens(a *Account) (Tokens, error) {
	now := s.now()
	x, err := s.keys.SignUserJWT(jwt.MapClaims{
		"iss": s.cfg.Issuer, "sub": a.Number, "typ": TokenX, "jti": newID(),
		"iat": now.Unix(), "exp": now.Add(TokenTTL).Unix(), "abhaAddress": a.Preferred, "ver": a.TokenVersion,
	})
	if err != nil {
		return Tokens{}, err
	}
	r, err := s.keys.SignUserJWT(jwt.MapClaims{
		"iss": s.cfg.Issuer, "sub": a.Number, "typ": TokenRefresh, "jti": newID(),
		"iat": now.Unix(), "exp": now.Add(RefreshTokenTTL).Unix(), "ver": a.TokenVersion,
	})
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Token: x, ExpiresIn: int(TokenTTL.Seconds()), RefreshToken: r, RefreshExpiresIn: int(RefreshTokenTTL.Seconds())}, nil
}

// parseToken checks a token's signature, expiry and type.
func (s *Service) parseToken(token, typ string) (jwt.MapClaims, error) {
	claims, err := s.keys.ParseUserJWT(token, jwt.WithTimeFunc(s.cfg.Now))
	if err != nil {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "Invalid or expired token")
	}
	if t, _ := claims["typ"].(string); t != typ {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "Wrong kind of token for this call")
	}
	return claims, nil
}

// Authenticate checks an X-token and returns the ABHA number it is for.
// Verified signatures are remembered until the token expires, so a client
// making many calls with one token pays for the check once. The token's
// version must still be the account's: logging out, changing the mobile,
// deactivating or deleting the ABHA revokes every earlier token (on every
// node within VersionCacheTTL). A token from system authentication is
// refused (EFORBIDDEN): it may only read the profile (AuthenticateRead).
func (s *Service) Authenticate(ctx context.Context, token string) (string, error) {
	number, client, err := s.authenticate(ctx, token)
	if err != nil {
		return "", err
	}
	if client != "" {
		return "", errSystemToken
	}
	return number, nil
}

// authenticate checks an X-token of any origin and returns the ABHA number
// and, for a token from system authentication, the client that obtained it.
func (s *Service) authenticate(ctx context.Context, token string) (string, string, error) {
	number, ver, client, ok := s.tokens.get(token, s.now())
	if !ok {
		claims, err := s.parseToken(token, TokenX)
		if err != nil {
			return "", "", err
		}
		number, _ = claims["sub"].(string)
		if number == "" {
			return "", "", arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "Invalid token")
		}
		ver = claimVersion(claims)
		if amr, _ := claims["amr"].(string); strings.HasPrefix(amr, "system-") {
			if client, _ = claims["azp"].(string); client == "" {
				client = "unknown"
			}
		}
		if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
			s.tokens.put(token, number, ver, client, exp.Time)
		}
	}
	if err := s.checkTokenVersion(ctx, number, ver); err != nil {
		return "", "", err
	}
	return number, client, nil
}

func claimVersion(c jwt.MapClaims) int64 {
	f, _ := c["ver"].(float64)
	return int64(f)
}

// checkTokenVersion fails if the account's tokens were revoked after this
// one was issued, or the account is gone.
func (s *Service) checkTokenVersion(ctx context.Context, number string, ver int64) error {
	cur, ok := s.versions.get(number, s.now())
	if !ok {
		a, err := s.store.Account(ctx, number)
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "Invalid token")
		} else if err != nil {
			return err
		}
		cur = a.TokenVersion
		if a.Status == StatusDeleted {
			cur = -1
		}
		s.versions.put(number, cur, s.now())
	}
	if cur != ver {
		return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "This session has ended; log in again")
	}
	return nil
}

// revokeTokens ends every session of a: tokens issued before stop working.
// The caller stores a.
func (s *Service) revokeTokens(a *Account) {
	a.TokenVersion++
	s.versions.forget(a.Number)
}

// Logout ends every session of the ABHA.
func (s *Service) Logout(ctx context.Context, number string) error {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return err
	}
	s.revokeTokens(a)
	if err := s.updateAccount(ctx, a); err != nil {
		return err
	}
	return s.record(ctx, "abha.logout", number, "ok", "")
}

// Refresh exchanges a refresh token for new tokens.
func (s *Service) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	claims, err := s.parseToken(refresh, TokenRefresh)
	if err != nil {
		return Tokens{}, err
	}
	number, _ := claims["sub"].(string)
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return Tokens{}, err
	}
	if claimVersion(claims) != a.TokenVersion {
		return Tokens{}, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "This session has ended; log in again")
	}
	return s.issueTokens(a)
}

func (s *Service) activeAccount(ctx context.Context, number string) (*Account, error) {
	a, err := s.store.Account(ctx, number)
	if err != nil {
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "ABHA not found")
		}
		return nil, err
	}
	if a.Status == StatusDeleted {
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "ABHA not found")
	}
	return a, nil
}

// Login hints: how the person identifies themselves at login.
const (
	HintABHANumber  = "abha-number"
	HintABHAAddress = "abha-address"
	HintMobile      = "mobile"
)

// findAccount resolves an ABHA number or address to an account.
func (s *Service) findAccount(ctx context.Context, hint, id string) (*Account, error) {
	switch hint {
	case HintABHANumber:
		n, err := ParseNumber(id)
		if err != nil {
			return nil, err
		}
		return s.activeAccount(ctx, n)
	case HintABHAAddress:
		_, full, err := ParseAddress(id, s.cfg.CMID)
		if err != nil {
			// Default addresses are the 14-digit number, also valid.
			return nil, err
		}
		a, err := s.store.AccountByAddress(ctx, full)
		if err != nil {
			if arogya.ErrorCode(err) == arogya.ENOTFOUND {
				return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "ABHA address not found")
			}
			return nil, err
		}
		if a.Status == StatusDeleted {
			return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "ABHA address not found")
		}
		return a, nil
	}
	return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "loginHint must be abha-number, abha-address or mobile")
}

// RequestLoginOTP sends a login OTP. For an ABHA number or address it goes to
// the mobile linked to the ABHA; for a mobile it goes to that mobile, and the
// ABHAs linked to it are offered after verification (nothing is revealed
// before the person proves they hold the mobile).
func (s *Service) RequestLoginOTP(ctx context.Context, hint, loginID string) (txnID, masked string, err error) {
	t := s.newTxn(TxnLogin, []string{"abha-login"})
	var to string
	if hint == HintMobile {
		m, ok := NormalizeMobile(loginID)
		if !ok {
			return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1202", "Invalid mobile number")
		}
		to = m
	} else {
		a, err := s.findAccount(ctx, hint, loginID)
		if err != nil {
			return "", "", err
		}
		if a.Mobile == "" {
			return "", "", arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1117", "No mobile is linked to this ABHA; log in with a password")
		}
		t.Number, to = a.Number, a.Mobile
	}
	if err := s.sendOTP(ctx, t, to, "ABHA login"); err != nil {
		return "", "", err
	}
	return t.ID, maskMobile(to), nil
}

// LoginResult is the outcome of a login verification.
type LoginResult struct {
	TxnID    string
	Tokens   Tokens // X-token, or a T-token when the person must choose
	Choose   bool   // several ABHAs share the mobile: call ChooseAccount
	Accounts []*Account
}

// VerifyLoginOTP checks a login OTP.
func (s *Service) VerifyLoginOTP(ctx context.Context, txnID, otp string) (*LoginResult, error) {
	t, err := s.loadTxn(ctx, txnID, TxnLogin)
	if err != nil {
		return nil, err
	}
	if err := s.checkOTP(ctx, t, otp); err != nil {
		_ = s.record(ctx, "abha.login", t.Number, arogya.ErrorCode(err), "otp")
		return nil, err
	}
	if t.Number != "" {
		return s.finishLogin(ctx, t, t.Number, "otp")
	}
	accounts, err := s.store.AccountsByMobile(ctx, t.OTPTo)
	if err != nil {
		return nil, err
	}
	accounts = slices.DeleteFunc(accounts, func(a *Account) bool { return a.Status == StatusDeleted })
	switch len(accounts) {
	case 0:
		return nil, arogya.ABDMError(arogya.ENOTFOUND, "ABDM-1116", "No ABHA is linked to this mobile number")
	case 1:
		return s.finishLogin(ctx, t, accounts[0].Number, "otp-mobile")
	}
	t.Accounts = t.Accounts[:0]
	for _, a := range accounts {
		t.Accounts = append(t.Accounts, a.Number)
	}
	if err := s.store.PutTxn(ctx, t); err != nil {
		return nil, err
	}
	now := s.now()
	tt, err := s.keys.SignUserJWT(jwt.MapClaims{"iss": s.cfg.Issuer, "sub": t.ID, "typ": TokenT,
		"iat": now.Unix(), "exp": now.Add(ChooseTokenTTL).Unix()})
	if err != nil {
		return nil, err
	}
	return &LoginResult{TxnID: t.ID, Choose: true, Accounts: accounts,
		Tokens: Tokens{Token: tt, ExpiresIn: int(ChooseTokenTTL.Seconds())}}, nil
}

// ChooseAccount completes a mobile login for one of the ABHAs on the mobile.
func (s *Service) ChooseAccount(ctx context.Context, tToken, txnID, number string) (*LoginResult, error) {
	claims, err := s.parseToken(tToken, TokenT)
	if err != nil {
		return nil, err
	}
	if sub, _ := claims["sub"].(string); sub != txnID {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "Token does not belong to this transaction")
	}
	t, err := s.loadTxn(ctx, txnID, TxnLogin)
	if err != nil {
		return nil, err
	}
	n, err := ParseNumber(number)
	if err != nil {
		return nil, err
	}
	if !t.Verified || !slices.Contains(t.Accounts, n) {
		return nil, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1003", "That ABHA is not linked to the verified mobile")
	}
	return s.finishLogin(ctx, t, n, "otp-mobile")
}

func (s *Service) finishLogin(ctx context.Context, t *Txn, number, how string) (*LoginResult, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return nil, err
	}
	tok, err := s.issueTokens(a)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteTxn(ctx, t.ID); err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.login", a.Number, "ok", how); err != nil {
		return nil, err
	}
	return &LoginResult{TxnID: t.ID, Tokens: tok, Accounts: []*Account{a}}, nil
}

// LoginPassword logs in with an ABHA number or address and a password.
func (s *Service) LoginPassword(ctx context.Context, hint, loginID, password string) (*LoginResult, error) {
	a, err := s.findAccount(ctx, hint, loginID)
	if err != nil {
		return nil, err
	}
	if err := s.reservePasswordAttempt(ctx, a.Number); err != nil {
		return nil, err
	}
	ok := false
	if a.PasswordHash != "" {
		ok, err = auth.CheckPassword(a.PasswordHash, password)
		if err != nil {
			return nil, err
		}
	}
	if !ok {
		_ = s.record(ctx, "abha.login", a.Number, arogya.EUNAUTHORIZED, "password")
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1118", "Incorrect ABHA or password")
	}
	tok, err := s.issueTokens(a)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.login", a.Number, "ok", "password"); err != nil {
		return nil, err
	}
	return &LoginResult{Tokens: tok, Accounts: []*Account{a}}, nil
}

// PasswordAttemptsPerWin is how many passwords may be tried for one ABHA
// (logins and password changes together) per OTPSendWindow.
const PasswordAttemptsPerWin = 10

// reservePasswordAttempt counts one password try against the ABHA's limit.
func (s *Service) reservePasswordAttempt(ctx context.Context, number string) error {
	now := s.now()
	allowed, err := s.store.ReserveOTPSend(ctx, auth.KeyedHash(s.mobileKey, "password:"+number),
		now, now.Add(-OTPSendWindow), PasswordAttemptsPerWin)
	if err != nil {
		return err
	}
	if !allowed {
		return arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1013",
			"Too many password attempts. Try again after 15 minutes or log in with an OTP.")
	}
	return nil
}

// validPassword enforces a minimal password rule.
func validPassword(p string) error {
	if len(p) < 8 || len(p) > 128 || strings.TrimSpace(p) == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "password must be 8 to 128 characters")
	}
	return nil
}
