// Package staff is the accounts of the professionals who work at a
// facility a node serves, written once for both roles that have them: the
// HIP's EMR staff (internal/hip) and the HIU's clinicians (internal/hiu).
//
// A professional of the registry (HPR), verified and working at the
// facility, gets an account from the operator with a one-time password
// that signs in to nothing until its holder sets their own; passwords are
// Argon2id hashes; failed sign-ins are limited per account on each node;
// a sign-in returns an HMAC token signed under a key derived from the
// master key, so every node accepts it, and checked against the account
// on every request, so that disabling an account takes effect at once.
//
// The roles differ only in their storage (a table each), their audit
// actions (hip.staff.… or hiu.staff.…), their tokens' prefix, and which
// facilities they serve: Config says which.
package staff

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/ratelimit"
	"github.com/arogya-health/arogya/internal/registryapi"
)

// Account is a professional of the registry (HPR) who works at a facility
// the node serves, with an account there.
type Account struct {
	FacilityID   string
	HPRID        string // 14 digits
	Name         string // as the registry has it
	PasswordHash string // argon2id
	MustChange   bool   // the password is the one-time one the operator handed over
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the account is active
}

// Store keeps one role's accounts. The role's storage names its methods
// for the role (AddHIPStaff, HIUStaff, …); StoreOf adapts them to these.
type Store interface {
	// AddAccount stores a; ECONFLICT if the facility has them already.
	AddAccount(ctx context.Context, a *Account) error
	// Account returns an account; ENOTFOUND if absent.
	Account(ctx context.Context, facilityID, hprID string) (*Account, error)
	// SetAccountPassword replaces the hash, which is then the holder's
	// own (MustChange cleared); ENOTFOUND if absent.
	SetAccountPassword(ctx context.Context, facilityID, hprID, hash string) error
	// DisableAccount marks the account disabled at at, keeping an earlier
	// time; ENOTFOUND if absent.
	DisableAccount(ctx context.Context, facilityID, hprID string, at time.Time) error
	// Accounts returns a facility's accounts, disabled ones too, in the
	// order they were added.
	Accounts(ctx context.Context, facilityID string) ([]*Account, error)
}

// StoreOf is the Store of a role's storage S, whose methods carry the
// role's name (AddHIPStaff, HIUStaff, …), given as method expressions
// (hip.StaffStore.AddHIPStaff, …): the roles write no adapter of their
// own, and S is not touched before the accounts are used.
type StoreOf[S any] struct {
	S           S
	Add         func(S, context.Context, *Account) error
	Get         func(S, context.Context, string, string) (*Account, error)
	SetPassword func(S, context.Context, string, string, string) error
	Disable     func(S, context.Context, string, string, time.Time) error
	List        func(S, context.Context, string) ([]*Account, error)
}

// AddAccount is Store's, by S's Add.
func (s StoreOf[S]) AddAccount(ctx context.Context, a *Account) error { return s.Add(s.S, ctx, a) }

// Account is Store's, by S's Get.
func (s StoreOf[S]) Account(ctx context.Context, facilityID, hprID string) (*Account, error) {
	return s.Get(s.S, ctx, facilityID, hprID)
}

// SetAccountPassword is Store's, by S's SetPassword.
func (s StoreOf[S]) SetAccountPassword(ctx context.Context, facilityID, hprID, hash string) error {
	return s.SetPassword(s.S, ctx, facilityID, hprID, hash)
}

// DisableAccount is Store's, by S's Disable.
func (s StoreOf[S]) DisableAccount(ctx context.Context, facilityID, hprID string, at time.Time) error {
	return s.Disable(s.S, ctx, facilityID, hprID, at)
}

// Accounts is Store's, by S's List.
func (s StoreOf[S]) Accounts(ctx context.Context, facilityID string) ([]*Account, error) {
	return s.List(s.S, ctx, facilityID)
}

// Professionals is the registry's professionals, over HTTP.
type Professionals interface {
	Professional(ctx context.Context, id string) (*registryapi.Professional, error)
}

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is one role's accounts: what differs between the roles, and
// what the accounts need from the role's service.
type Config struct {
	// Role starts the audit actions: "hip" records hip.staff.add, ….
	Role string
	// TokenPrefix starts the role's tokens ("st1." for the HIP's staff,
	// "hu1." for the HIU's clinicians), so one role's token is never
	// another's even under the same key.
	TokenPrefix string
	TokenKey    []byte // signs the tokens; derived from the master key
	Store       Store
	// Professionals says who works where; nil makes Add EUNAVAILABLE.
	Professionals Professionals
	// Facility returns the ID of a facility the role serves, as stored,
	// or the role's error for one it does not.
	Facility func(ctx context.Context, id string) (string, error)
	Audit    Auditor
	// ActorOf names who acts, for the audit log, as the role's other
	// events name them.
	ActorOf func(ctx context.Context) string
	Argon   auth.ArgonParams // zero: auth.DefaultArgon
	Now     func() time.Time // the role's clock
}

// Accounts is one role's staff accounts. A nil *Accounts is a node on
// which the role has none: every method refuses (EUNAVAILABLE), and no
// token or session is accepted.
type Accounts struct {
	cfg   Config
	fails *ratelimit.Window // failed sign-ins, by facility and HPR number
}

// Failed sign-ins allowed for one account in signInWindow, on this node:
// then it is refused (429) until the window ends, whatever the password.
const (
	signInFailures = 10
	signInWindow   = 15 * time.Minute
)

// TokenTTL is how long a sign-in lasts: a shift. The roles' page sessions
// last as long.
const TokenTTL = 12 * time.Hour

// Errors of the accounts, the same for both roles (their pages tell them
// apart by code).
var (
	ErrNotEnabled  = arogya.Errorf(arogya.EUNAVAILABLE, "staff accounts are not enabled on this node")
	ErrNoRegistry  = arogya.Errorf(arogya.EUNAVAILABLE, "this node cannot read the registry's professionals")
	ErrHPRNumber   = arogya.Errorf(arogya.EINVALID, "hprId must be a 14-digit HPR number")
	ErrNotThere    = arogya.Errorf(arogya.EUNPROCESSABLE, "the registry does not list this professional as verified and working at this facility")
	ErrSignIn      = arogya.Errorf(arogya.EUNAUTHORIZED, "wrong facility, HPR number or password")
	ErrTooMany     = arogya.Errorf(arogya.ETOOMANYREQUESTS, "too many failed sign-ins for this account; try again in 15 minutes")
	ErrMustChange  = arogya.Errorf(arogya.EFORBIDDEN, "set your own password first: the one you were given works only for that")
	ErrNewPassword = arogya.Errorf(arogya.EINVALID, "the new password must be 10 to 128 characters")
)

// New returns a role's accounts.
func New(c Config) *Accounts {
	if c.Argon == (auth.ArgonParams{}) {
		c.Argon = auth.DefaultArgon
	}
	return &Accounts{cfg: c, fails: ratelimit.New(signInWindow, signInFailures)}
}

// Add gives a professional who works at the facility (their registry
// entry says so, and is verified) an account, with a password to change
// at first sign-in, returned once.
func (a *Accounts) Add(ctx context.Context, facilityID, hprID string) (*Account, string, error) {
	if a == nil {
		return nil, "", ErrNotEnabled
	}
	fid, err := a.cfg.Facility(ctx, facilityID)
	if err != nil {
		return nil, "", err
	}
	hprID = NormalHPR(hprID)
	if len(hprID) != 14 || strings.Trim(hprID, "0123456789") != "" {
		return nil, "", ErrHPRNumber
	}
	name, err := a.worksAt(ctx, fid, hprID)
	if err != nil {
		return nil, "", err
	}
	password := oneTimePassword()
	hash, err := auth.HashPassword(password, a.cfg.Argon)
	if err != nil {
		return nil, "", err
	}
	st := &Account{FacilityID: fid, HPRID: hprID, Name: name, PasswordHash: hash, MustChange: true, CreatedAt: a.cfg.Now()}
	if err := a.cfg.Store.AddAccount(ctx, st); err != nil {
		return nil, "", err
	}
	a.audit(ctx, a.cfg.ActorOf(ctx), "add", fid, "ok", "hpr:"+hprID)
	return st, password, nil
}

// worksAt returns the professional's name if the registry lists them as
// verified and working at the facility: no one else gets an account.
func (a *Accounts) worksAt(ctx context.Context, facilityID, hprID string) (string, error) {
	if a.cfg.Professionals == nil {
		return "", ErrNoRegistry
	}
	p, err := a.cfg.Professionals.Professional(ctx, hprID)
	if err != nil {
		return "", err
	}
	if !p.Verified || !slices.ContainsFunc(p.Facilities, func(id string) bool { return strings.EqualFold(id, facilityID) }) {
		return "", ErrNotThere
	}
	return p.Name, nil
}

// oneTimePassword is the password the operator hands over: 96 random
// bits, which only sets the holder's own.
func oneTimePassword() string {
	var pw [12]byte
	rand.Read(pw[:])
	return base64.RawURLEncoding.EncodeToString(pw[:])
}

// SignIn checks a password and returns a token for the role's API
// (Authorization: Bearer), valid for a shift. The one-time password the
// operator handed over signs in to nothing: it only sets the holder's own
// (ChangePassword).
func (a *Accounts) SignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error) {
	st, err := a.check(ctx, facilityID, hprID, password)
	if err != nil {
		return "", time.Time{}, err
	}
	if st.MustChange {
		return "", time.Time{}, ErrMustChange
	}
	exp := a.cfg.Now().Add(TokenTTL)
	a.audit(ctx, "staff:"+st.HPRID, "signin", st.FacilityID, "ok", "")
	return a.Sign(st.FacilityID, st.HPRID, exp), exp, nil
}

// check returns the account if password is its own and it is active.
// Every failure counts against the account, one that does not exist too,
// so that guessing stops after signInFailures whatever is guessed.
func (a *Accounts) check(ctx context.Context, facilityID, hprID, password string) (*Account, error) {
	if a == nil {
		return nil, ErrNotEnabled
	}
	facilityID, hprID = NormalFacility(facilityID), NormalHPR(hprID)
	if facilityID == "" || len(hprID) != 14 || len(password) > 256 {
		return nil, ErrSignIn
	}
	key := facilityID + "\x00" + hprID
	if a.fails.Full(key, a.cfg.Now()) {
		return nil, ErrTooMany
	}
	st, err := a.cfg.Store.Account(ctx, facilityID, hprID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		a.fails.Add(key, a.cfg.Now())
		return nil, ErrSignIn
	} else if err != nil {
		return nil, err
	}
	ok, err := auth.CheckPassword(st.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok || !st.DisabledAt.IsZero() {
		a.fails.Add(key, a.cfg.Now())
		a.audit(ctx, "staff:"+hprID, "signin", facilityID, arogya.EUNAUTHORIZED, "")
		return nil, ErrSignIn
	}
	return st, nil
}

// ChangePassword sets the holder's own password after checking the
// current (or one-time) one.
func (a *Accounts) ChangePassword(ctx context.Context, facilityID, hprID, old, next string) error {
	if n := utf8.RuneCountInString(next); n < 10 || n > 128 {
		return ErrNewPassword
	}
	st, err := a.check(ctx, facilityID, hprID, old)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(next, a.cfg.Argon)
	if err != nil {
		return err
	}
	if err := a.cfg.Store.SetAccountPassword(ctx, st.FacilityID, st.HPRID, hash); err != nil {
		return err
	}
	a.audit(ctx, "staff:"+st.HPRID, "password", st.FacilityID, "ok", "")
	return nil
}

// Disable ends an account (someone who left the facility): it no longer
// signs in, and its tokens and page sessions stop working at once
// (Active).
func (a *Accounts) Disable(ctx context.Context, facilityID, hprID string) error {
	if a == nil {
		return ErrNotEnabled
	}
	facilityID, hprID = NormalFacility(facilityID), NormalHPR(hprID)
	if err := a.cfg.Store.DisableAccount(ctx, facilityID, hprID, a.cfg.Now()); err != nil {
		return err
	}
	a.audit(ctx, a.cfg.ActorOf(ctx), "disable", facilityID, "ok", "hpr:"+hprID)
	return nil
}

// List returns a facility's accounts, active and disabled, oldest first,
// for the operator. Password hashes are cleared: no caller needs them.
func (a *Accounts) List(ctx context.Context, facilityID string) ([]*Account, error) {
	if a == nil {
		return nil, ErrNotEnabled
	}
	fid, err := a.cfg.Facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	list, err := a.cfg.Store.Accounts(ctx, fid)
	if err != nil {
		return nil, err
	}
	for _, st := range list {
		st.PasswordHash = ""
	}
	return list, nil
}

// Active reports whether the account a token or page session names still
// exists and is not disabled; checked on every request, so that disabling
// it takes effect at once on every node.
func (a *Accounts) Active(ctx context.Context, facilityID, hprID string) bool {
	if a == nil {
		return false
	}
	st, err := a.cfg.Store.Account(ctx, facilityID, hprID)
	return err == nil && st.DisabledAt.IsZero()
}

// Sign makes a token for the account until exp (auth.SignStaffToken with
// the role's prefix).
func (a *Accounts) Sign(facilityID, hprID string, exp time.Time) string {
	return auth.SignStaffToken(a.cfg.TokenKey, a.cfg.TokenPrefix, facilityID, hprID, exp)
}

// CheckToken returns the facility and HPR number a token of the role was
// issued for, if it is genuine and not expired. Whether the account is
// still active is Active's question.
func (a *Accounts) CheckToken(tok string) (facilityID, hprID string, ok bool) {
	if a == nil {
		return "", "", false
	}
	return auth.CheckStaffToken(a.cfg.TokenKey, a.cfg.TokenPrefix, tok, a.cfg.Now())
}

// audit records what happened to an account: action is the role's
// <role>.staff.<action>; IDs only, no personal data.
func (a *Accounts) audit(ctx context.Context, actor, action, facilityID, outcome, detail string) {
	_ = a.cfg.Audit.Record(ctx, audit.Event{Actor: actor, Action: a.cfg.Role + ".staff." + action, Subject: "facility:" + facilityID,
		Outcome: outcome, Detail: detail})
}

// NormalFacility writes a facility ID as the registry does: upper case,
// trimmed.
func NormalFacility(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// NormalHPR writes an HPR number as bare digits, however it was grouped.
func NormalHPR(id string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(id))
}
