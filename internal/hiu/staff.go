package hiu

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/ratelimit"
	"github.com/arogya-health/arogya/internal/registryapi"
)

// Clinician accounts mirror internal/hip's staff accounts: a professional
// of the registry (HPR), verified and working at the facility, gets an
// account with a one-time password that signs in to nothing until its
// holder sets their own; Argon2id hashes; failed sign-ins rate-limited;
// tokens HMAC-signed under a key derived from the master key, so every
// node accepts them, and checked against the account on every request.

// Staff is a clinician of a facility served as HIU.
type Staff struct {
	FacilityID   string
	HPRID        string
	Name         string
	PasswordHash string
	MustChange   bool
	CreatedAt    time.Time
	DisabledAt   time.Time
}

// StaffStore keeps clinician accounts.
type StaffStore interface {
	AddHIUStaff(ctx context.Context, s *Staff) error
	HIUStaff(ctx context.Context, facilityID, hprID string) (*Staff, error)
	SetHIUStaffPassword(ctx context.Context, facilityID, hprID, hash string) error
	DisableHIUStaff(ctx context.Context, facilityID, hprID string, at time.Time) error
	HIUStaffList(ctx context.Context, facilityID string) ([]*Staff, error)
}

// Professionals is the registry's professionals, over HTTP.
type Professionals interface {
	Professional(ctx context.Context, id string) (*registryapi.Professional, error)
}

const (
	signInFailures = 10
	signInWindow   = 15 * time.Minute
	staffTokenTTL  = 12 * time.Hour
)

// AddStaff gives a professional who works at the facility (verified, per
// the registry) a clinician account; the one-time password is returned
// once.
func (s *Service) AddStaff(ctx context.Context, facilityID, hprID string) (*Staff, string, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, "", err
	}
	hprID = ungroup(hprID)
	if len(hprID) != 14 || !allDigits(hprID) {
		return nil, "", arogya.Errorf(arogya.EINVALID, "hprId must be a 14-digit HPR number")
	}
	if s.cfg.Professionals == nil {
		return nil, "", arogya.Errorf(arogya.EUNAVAILABLE, "this node cannot read the registry's professionals")
	}
	p, err := s.cfg.Professionals.Professional(ctx, hprID)
	if err != nil {
		return nil, "", err
	}
	if !p.Verified || !slices.ContainsFunc(p.Facilities, func(id string) bool { return strings.EqualFold(id, f.ID) }) {
		return nil, "", arogya.Errorf(arogya.EUNPROCESSABLE, "the registry does not list this professional as verified and working at this facility")
	}
	var pw [12]byte
	rand.Read(pw[:])
	password := base64.RawURLEncoding.EncodeToString(pw[:])
	hash, err := auth.HashPassword(password, s.cfg.Argon)
	if err != nil {
		return nil, "", err
	}
	st := &Staff{FacilityID: f.ID, HPRID: hprID, Name: p.Name, PasswordHash: hash, MustChange: true, CreatedAt: s.now()}
	if err := s.store.AddHIUStaff(ctx, st); err != nil {
		return nil, "", err
	}
	s.auditEvent(ctx, actorOf(ctx), "hiu.staff.add", f.ID, "ok", "hpr:"+hprID)
	return st, password, nil
}

// Staff lists a facility's clinician accounts, password hashes cleared.
func (s *Service) Staff(ctx context.Context, facilityID string) ([]*Staff, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.HIUStaffList(ctx, f.ID)
	for _, st := range list {
		st.PasswordHash = ""
	}
	return list, err
}

// DisableStaff ends a clinician's account; its tokens stop working at once.
func (s *Service) DisableStaff(ctx context.Context, facilityID, hprID string) error {
	facilityID, hprID = normalFacility(facilityID), ungroup(hprID)
	if err := s.store.DisableHIUStaff(ctx, facilityID, hprID, s.now()); err != nil {
		return err
	}
	s.auditEvent(ctx, actorOf(ctx), "hiu.staff.disable", facilityID, "ok", "hpr:"+hprID)
	return nil
}

// StaffSignIn checks a clinician's password and returns a bearer token
// for the HIU API, valid for a shift. The one-time password signs in to
// nothing: it only sets the holder's own (ChangeStaffPassword).
func (s *Service) StaffSignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error) {
	st, err := s.checkStaffPassword(ctx, facilityID, hprID, password)
	if err != nil {
		return "", time.Time{}, err
	}
	if st.MustChange {
		return "", time.Time{}, arogya.Errorf(arogya.EFORBIDDEN, "set your own password first: the one you were given works only for that")
	}
	exp := s.now().Add(staffTokenTTL)
	s.auditEvent(ctx, "staff:"+st.HPRID, "hiu.staff.signin", st.FacilityID, "ok", "")
	return s.signStaff(st.FacilityID, st.HPRID, exp), exp, nil
}

func (s *Service) checkStaffPassword(ctx context.Context, facilityID, hprID, password string) (*Staff, error) {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "wrong facility, HPR number or password")
	facilityID, hprID = normalFacility(facilityID), ungroup(hprID)
	if facilityID == "" || len(hprID) != 14 || len(password) > 256 {
		return nil, bad
	}
	key := facilityID + "\x00" + hprID
	if s.signInFails.Full(key, s.now()) {
		return nil, arogya.Errorf(arogya.ETOOMANYREQUESTS, "too many failed sign-ins for this account; try again in 15 minutes")
	}
	st, err := s.store.HIUStaff(ctx, facilityID, hprID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		s.signInFails.Add(key, s.now())
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	ok, err := auth.CheckPassword(st.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok || !st.DisabledAt.IsZero() {
		s.signInFails.Add(key, s.now())
		s.auditEvent(ctx, "staff:"+hprID, "hiu.staff.signin", facilityID, arogya.EUNAUTHORIZED, "")
		return nil, bad
	}
	return st, nil
}

// ChangeStaffPassword sets a clinician's own password after checking the
// current (or one-time) one.
func (s *Service) ChangeStaffPassword(ctx context.Context, facilityID, hprID, old, next string) error {
	if n := utf8.RuneCountInString(next); n < 10 || n > 128 {
		return arogya.Errorf(arogya.EINVALID, "the new password must be 10 to 128 characters")
	}
	st, err := s.checkStaffPassword(ctx, facilityID, hprID, old)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(next, s.cfg.Argon)
	if err != nil {
		return err
	}
	if err := s.store.SetHIUStaffPassword(ctx, st.FacilityID, st.HPRID, hash); err != nil {
		return err
	}
	s.auditEvent(ctx, "staff:"+st.HPRID, "hiu.staff.password", st.FacilityID, "ok", "")
	return nil
}

// StaffActive reports whether the account exists and is not disabled.
func (s *Service) StaffActive(ctx context.Context, facilityID, hprID string) bool {
	st, err := s.store.HIUStaff(ctx, facilityID, hprID)
	return err == nil && st.DisabledAt.IsZero()
}

// signStaff makes a clinician token (auth.SignStaffToken, prefix "hu1.").
func (s *Service) signStaff(facilityID, hprID string, exp time.Time) string {
	return auth.SignStaffToken(s.cfg.TokenKey, "hu1.", facilityID, hprID, exp)
}

// CheckStaffToken returns the facility and HPR number of a genuine,
// unexpired clinician token.
func (s *Service) CheckStaffToken(tok string) (facilityID, hprID string, ok bool) {
	return auth.CheckStaffToken(s.cfg.TokenKey, "hu1.", tok, s.now())
}

// Authorize checks a bearer token for the facility's HIU API: the
// operator token, or a token of an active clinician of that facility. It
// returns the context with who acts.
func (s *Service) Authorize(ctx context.Context, token, facilityID string) (context.Context, error) {
	facilityID = normalFacility(facilityID)
	if token == "" {
		return ctx, arogya.Errorf(arogya.EUNAUTHORIZED, "a clinician token or the operator token is required")
	}
	if s.cfg.AdminToken != "" && hmac.Equal([]byte(token), []byte(s.cfg.AdminToken)) {
		return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator}), nil
	}
	if strings.HasPrefix(token, apiKeyPrefix) {
		fid, id, err := s.CheckAPIKey(ctx, token)
		if err != nil {
			return ctx, err
		}
		if fid != facilityID {
			return ctx, arogya.Errorf(arogya.EFORBIDDEN, "the key is another facility's")
		}
		return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorClient, ID: "apikey:" + id}), nil
	}
	fid, hprID, ok := s.CheckStaffToken(token)
	if !ok {
		return ctx, arogya.Errorf(arogya.EUNAUTHORIZED, "the token is not a current clinician token")
	}
	if !s.StaffActive(ctx, fid, hprID) {
		return ctx, arogya.Errorf(arogya.EUNAUTHORIZED, "this clinician account is disabled")
	}
	if fid != facilityID {
		return ctx, arogya.Errorf(arogya.EFORBIDDEN, "you work at another facility")
	}
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorStaff, ID: hprID}), nil
}

func newSignInLimit() *ratelimit.Window { return ratelimit.New(signInWindow, signInFailures) }
