package abha

import (
	"context"
	"crypto/rand"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/notify"
)

// Limits that protect OTPs and mobiles from abuse.
const (
	OTPTTL          = 10 * time.Minute
	OTPMaxAttempts  = 5
	OTPSendsPerWin  = 3
	OTPSendWindow   = 15 * time.Minute
	TxnTTL          = 30 * time.Minute
	TokenTTL        = 30 * time.Minute
	RefreshTokenTTL = 15 * 24 * time.Hour
	ChooseTokenTTL  = 10 * time.Minute
)

// Keys is what the service needs from the node's key set.
type Keys interface {
	SignUserJWT(claims jwt.MapClaims) (string, error)
	ParseUserJWT(token string, opts ...jwt.ParserOption) (jwt.MapClaims, error)
	SignCompact(payload []byte) (string, error)
	JWKS() auth.JWKS
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config configures the service.
type Config struct {
	CMID   string           // suffix of ABHA addresses, e.g. "sbx"
	Issuer string           // "iss" of tokens: the node's public URL
	Secret []byte           // key material for keyed hashes (OTP, Aadhaar, mobile)
	Argon  auth.ArgonParams // password hashing cost
	Now    func() time.Time
	// GatewayURL is the HIE-CM gateway whose tokens systems call the system
	// authentication endpoints (/v1/auth/…) with; its keys are fetched from
	// {GatewayURL}/gateway/v0.5/certs. Empty: those endpoints answer 503.
	GatewayURL string
}

// Service implements ABHA enrolment, login and profile management.
type Service struct {
	store Store
	kyc   KYC
	sms   notify.SMS
	audit Auditor
	keys  Keys
	cfg   Config

	otpKey     []byte
	aadhaarKey []byte
	mobileKey  []byte
	docKey     []byte
	subjectKey []byte

	txnLocks [64]sync.Mutex // serialises OTP checks per transaction on this node
	tokens   tokenCache
	versions versionCache
	gateway  *GatewayKeys // nil when Config.GatewayURL is empty
}

// NewService returns a Service.
func NewService(store Store, kyc KYC, sms notify.SMS, auditor Auditor, keys Keys, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CMID == "" {
		cfg.CMID = "sbx"
	}
	if cfg.Argon.Time == 0 {
		cfg.Argon = auth.DefaultArgon
	}
	var gw *GatewayKeys
	if cfg.GatewayURL != "" {
		gw = &GatewayKeys{BaseURL: cfg.GatewayURL, Now: cfg.Now}
	}
	return &Service{
		store: store, kyc: kyc, sms: sms, audit: auditor, keys: keys, cfg: cfg, gateway: gw,
		otpKey:     auth.DeriveKey(cfg.Secret, "abha/otp"),
		aadhaarKey: auth.DeriveKey(cfg.Secret, "abha/aadhaar"),
		mobileKey:  auth.DeriveKey(cfg.Secret, "abha/mobile"),
		docKey:     auth.DeriveKey(cfg.Secret, "abha/document"),
		subjectKey: auth.DeriveKey(cfg.Secret, "abha/audit-subject"),
	}
}

// CMID returns the suffix of ABHA addresses on this node.
func (s *Service) CMID() string { return s.cfg.CMID }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func (s *Service) lockTxn(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &s.txnLocks[h.Sum32()%uint32(len(s.txnLocks))]
	m.Lock()
	return m.Unlock
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(out[:])
}

// record writes an audit event; a failure to audit fails the operation, since
// an unaudited access must not happen. Events name ABHAs by AuditID.
func (s *Service) record(ctx context.Context, action, number, outcome, detail string) error {
	actor := "system"
	if a := arogya.ActorFrom(ctx); a.Kind == arogya.ActorCitizen {
		actor = "citizen:" + s.AuditID(a.ID)
	} else if a.Kind != arogya.ActorAnonymous {
		actor = string(a.Kind)
		if a.ID != "" && a.Kind != arogya.ActorOperator {
			actor += ":" + a.ID
		}
	}
	return s.audit.Record(ctx, audit.Event{
		Actor: actor, Action: action, Subject: "abha:" + s.AuditID(number), Outcome: outcome, Detail: detail,
	})
}

// AuditID is how audit events name an ABHA: a keyed hash of its number
// (128 bits, hex). It identifies the account exactly, so a person's access
// log can be built from the audit log, without putting the number in it.
func (s *Service) AuditID(number string) string {
	if number == "" {
		return ""
	}
	return auth.KeyedHash(s.subjectKey, number)[:32]
}

// newTxn makes a transaction of the given kind.
func (s *Service) newTxn(kind string, scope []string) *Txn {
	now := s.now()
	return &Txn{ID: newID(), Kind: kind, Scope: scope, CreatedAt: now, ExpiresAt: now.Add(TxnTTL)}
}

// loadTxn returns a live transaction of one of the kinds.
func (s *Service) loadTxn(ctx context.Context, id string, kinds ...string) (*Txn, error) {
	if id == "" {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "txnId is required")
	}
	t, err := s.store.Txn(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Invalid transaction id")
	} else if err != nil {
		return nil, err
	}
	if s.now().After(t.ExpiresAt) {
		return nil, arogya.ABDMError(arogya.EGONE, "ABDM-1205", "Transaction has expired; start again")
	}
	for _, k := range kinds {
		if t.Kind == k {
			return t, nil
		}
	}
	return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Transaction does not belong to this step")
}

// sendOTP makes a fresh OTP for t, sends it to mobile and saves t. At most
// OTPSendsPerWin OTPs go to one mobile per OTPSendWindow.
func (s *Service) sendOTP(ctx context.Context, t *Txn, mobile, purpose string) error {
	now := s.now()
	ok, err := s.store.ReserveOTPSend(ctx, auth.KeyedHash(s.mobileKey, mobile), now, now.Add(-OTPSendWindow), OTPSendsPerWin)
	if err != nil {
		return err
	}
	if !ok {
		return arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1013",
			"Too many OTP requests for this mobile number. Try again after 15 minutes.")
	}
	otp := auth.NewOTP()
	t.OTPHash = auth.HashOTP(s.otpKey, t.ID, otp)
	t.OTPExpires = now.Add(OTPTTL)
	t.OTPAttempts = 0
	t.OTPTo = mobile
	t.Verified = false
	if err := s.store.PutTxn(ctx, t); err != nil {
		return err
	}
	text := "Your OTP for " + purpose + " is " + otp + ". It is valid for 10 minutes. Do not share it with anyone. - ABHA"
	if err := s.sms.SendSMS(ctx, notify.Message{To: mobile, Text: text, OTP: otp}); err != nil {
		// The sender's errors never hold the number or the text.
		slog.WarnContext(ctx, "abha: OTP SMS not sent", "err", err.Error())
		return arogya.Errorf(arogya.EUNAVAILABLE, "could not send the OTP; try again")
	}
	return nil
}

// checkOTP verifies otp against t. A correct OTP is used up; a wrong one
// counts against OTPMaxAttempts, after which the OTP is void. Each outcome
// is written with a compare-and-swap on the flow's version, so that guesses
// sent to several nodes at once are all counted and a correct OTP is
// accepted once.
func (s *Service) checkOTP(ctx context.Context, t *Txn, otp string) error {
	unlock := s.lockTxn(t.ID) // fewer conflicts between requests on this node
	defer unlock()
	otp = strings.TrimSpace(otp)
	for range 8 {
		fresh, err := s.store.Txn(ctx, t.ID)
		if err != nil {
			return err
		}
		*t = *fresh
		switch {
		case len(t.OTPHash) == 0:
			return arogya.ABDMError(arogya.EINVALID, "ABDM-1100", "No OTP is pending for this transaction; request a new OTP")
		case s.now().After(t.OTPExpires):
			return arogya.ABDMError(arogya.EGONE, "ABDM-1101", "OTP has expired; request a new OTP")
		case t.OTPAttempts >= OTPMaxAttempts:
			return arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1102", "OTP tried too many times; request a new OTP")
		}
		if auth.EqualMAC(auth.HashOTP(s.otpKey, t.ID, otp), t.OTPHash) {
			t.OTPHash = nil
			t.Verified = true
			err := s.store.SwapTxn(ctx, t)
			if arogya.ErrorCode(err) == arogya.ECONFLICT {
				continue // changed under us: look again
			}
			return err
		}
		t.OTPAttempts++
		left := OTPMaxAttempts - t.OTPAttempts
		if left <= 0 {
			t.OTPHash = nil
		}
		err = s.store.SwapTxn(ctx, t)
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			continue
		} else if err != nil {
			return err
		}
		if left <= 0 {
			return arogya.ABDMError(arogya.ETOOMANYREQUESTS, "ABDM-1102", "OTP tried too many times; request a new OTP")
		}
		return &arogya.Error{Code: arogya.EUNAUTHORIZED, ABDMCode: "ABDM-1103",
			Message: "Incorrect OTP; " + strconv.Itoa(left) + " attempts left"}
	}
	return arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098", "The transaction is busy; try again")
}

// maskMobile shows only the last four digits.
func maskMobile(m string) string { return notify.MaskMobile(m) }

// updateAccount stores a's mutable fields, stamped with the current time.
func (s *Service) updateAccount(ctx context.Context, a *Account) error {
	a.UpdatedAt = s.now()
	return s.store.UpdateAccount(ctx, a)
}
