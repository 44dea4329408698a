package hiu

import (
	"context"
	"crypto/hmac"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/staff"
)

// Clinician accounts are internal/staff's, as the EMR's staff accounts
// are: a professional of the registry (HPR), verified and working at the
// facility, gets an account with a one-time password that signs in to
// nothing until its holder sets their own. The service makes them in
// NewService (accounts) over the store's hiu_staff.

// Staff is a clinician of a facility served as HIU.
type Staff = staff.Account

// StaffStore keeps clinician accounts.
type StaffStore interface {
	AddHIUStaff(ctx context.Context, s *Staff) error
	HIUStaff(ctx context.Context, facilityID, hprID string) (*Staff, error)
	SetHIUStaffPassword(ctx context.Context, facilityID, hprID, hash string) error
	DisableHIUStaff(ctx context.Context, facilityID, hprID string, at time.Time) error
	HIUStaffList(ctx context.Context, facilityID string) ([]*Staff, error)
}

// Professionals is the registry's professionals, over HTTP.
type Professionals = staff.Professionals

// newAccounts returns the clinicians' accounts of s, whose tokens
// ("hu1.") the EMR's ("st1.") are never taken for.
func (s *Service) newAccounts() *staff.Accounts {
	store := staff.StoreOf[StaffStore]{S: s.store, Add: StaffStore.AddHIUStaff, Get: StaffStore.HIUStaff,
		SetPassword: StaffStore.SetHIUStaffPassword, Disable: StaffStore.DisableHIUStaff, List: StaffStore.HIUStaffList}
	return staff.New(staff.Config{Role: "hiu", TokenPrefix: "hu1.", TokenKey: s.cfg.TokenKey, Store: store,
		Professionals: s.cfg.Professionals, Facility: s.facilityID, Audit: s.audit, ActorOf: actorOf, Argon: s.cfg.Argon, Now: s.now})
}

// facilityID is the ID of a facility this node serves as HIU, for the
// clinicians' accounts, which are only ever of one.
func (s *Service) facilityID(ctx context.Context, id string) (string, error) {
	f, err := s.facility(ctx, id)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// AddStaff gives a professional who works at the facility (verified, per
// the registry) a clinician account; the one-time password is returned
// once.
func (s *Service) AddStaff(ctx context.Context, facilityID, hprID string) (*Staff, string, error) {
	return s.accounts.Add(ctx, facilityID, hprID)
}

// Staff lists a facility's clinician accounts, password hashes cleared.
func (s *Service) Staff(ctx context.Context, facilityID string) ([]*Staff, error) {
	return s.accounts.List(ctx, facilityID)
}

// DisableStaff ends a clinician's account; its tokens stop working at once.
func (s *Service) DisableStaff(ctx context.Context, facilityID, hprID string) error {
	return s.accounts.Disable(ctx, facilityID, hprID)
}

// StaffSignIn checks a clinician's password and returns a bearer token
// for the HIU API, valid for a shift. The one-time password signs in to
// nothing: it only sets the holder's own (ChangeStaffPassword).
func (s *Service) StaffSignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error) {
	return s.accounts.SignIn(ctx, facilityID, hprID, password)
}

// ChangeStaffPassword sets a clinician's own password after checking the
// current (or one-time) one.
func (s *Service) ChangeStaffPassword(ctx context.Context, facilityID, hprID, old, next string) error {
	return s.accounts.ChangePassword(ctx, facilityID, hprID, old, next)
}

// StaffActive reports whether the account exists and is not disabled.
func (s *Service) StaffActive(ctx context.Context, facilityID, hprID string) bool {
	return s.accounts.Active(ctx, facilityID, hprID)
}

// CheckStaffToken returns the facility and HPR number of a genuine,
// unexpired clinician token.
func (s *Service) CheckStaffToken(tok string) (facilityID, hprID string, ok bool) {
	return s.accounts.CheckToken(tok)
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
