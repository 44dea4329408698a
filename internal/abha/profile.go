package abha

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/india"
)

// Profile returns the account for its holder and audits the read.
func (s *Service) Profile(ctx context.Context, number string) (*Account, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.profile.read", number, "ok", ""); err != nil {
		return nil, err
	}
	return a, nil
}

// ProfileUpdate holds the fields a holder may change directly. Nil means
// unchanged. The mobile changes only through an OTP on the new mobile.
type ProfileUpdate struct {
	Email       *string
	AddressLine *string
	PinCode     *string
	Password    *string // plaintext; stored as argon2id
	// CurrentPassword must be given, and right, to change an existing
	// password: a stolen session alone cannot take over password login.
	CurrentPassword *string
	Preferred       *string // an ABHA address of the account to make preferred
}

// UpdateProfile applies u to the holder's account.
func (s *Service) UpdateProfile(ctx context.Context, number string, u ProfileUpdate) (*Account, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusActive {
		return nil, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1119", "Reactivate the ABHA before changing it")
	}
	var changed []string
	if u.Email != nil {
		e := strings.TrimSpace(*u.Email)
		if e != "" && (len(e) > 254 || !strings.Contains(e, "@") || strings.ContainsAny(e, " <>\"")) {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "email is not valid")
		}
		a.Email = e
		changed = append(changed, "email")
	}
	if u.AddressLine != nil {
		v := strings.TrimSpace(*u.AddressLine)
		if v == "" || len(v) > 300 {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "address must be 1 to 300 characters")
		}
		a.AddressLine = v
		changed = append(changed, "address")
	}
	if u.PinCode != nil {
		v := strings.TrimSpace(*u.PinCode)
		if len(v) != 6 || !isDigits(v) || v[0] == '0' {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "pinCode must be 6 digits")
		}
		a.PinCode = v
		changed = append(changed, "pinCode")
	}
	if u.Password != nil {
		if err := validPassword(*u.Password); err != nil {
			return nil, err
		}
		if a.PasswordHash != "" {
			if err := s.checkCurrentPassword(ctx, a, u.CurrentPassword); err != nil {
				return nil, err
			}
		}
		h, err := auth.HashPassword(*u.Password, s.cfg.Argon)
		if err != nil {
			return nil, err
		}
		a.PasswordHash = h
		changed = append(changed, "password")
	}
	if u.Preferred != nil {
		_, full, err := ParseAddress(*u.Preferred, s.cfg.CMID)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(a.Addresses, full) {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "that ABHA address is not yours")
		}
		a.Preferred = full
		changed = append(changed, "preferred")
	}
	if len(changed) == 0 {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "nothing to update")
	}
	if err := s.updateAccount(ctx, a); err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.profile.update", number, "ok", strings.Join(changed, ",")); err != nil {
		return nil, err
	}
	return s.store.Account(ctx, number)
}

// checkCurrentPassword verifies the holder's current password, counting
// wrong ones against the same limit as password logins.
func (s *Service) checkCurrentPassword(ctx context.Context, a *Account, current *string) error {
	if current == nil || *current == "" {
		return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1118", "Give your current password to change it")
	}
	if err := s.reservePasswordAttempt(ctx, a.Number); err != nil {
		return err
	}
	ok, err := auth.CheckPassword(a.PasswordHash, *current)
	if err != nil {
		return err
	}
	if !ok {
		_ = s.record(ctx, "abha.profile.update", a.Number, arogya.EUNAUTHORIZED, "password")
		return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1118", "The current password is incorrect")
	}
	return nil
}

// AddAddress lets a logged-in holder add another ABHA address.
func (s *Service) AddAddress(ctx context.Context, number, handle string, preferred bool) (string, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return "", err
	}
	if a.Status != StatusActive {
		return "", arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1119", "Reactivate the ABHA before changing it")
	}
	return s.addAddress(ctx, number, handle, preferred)
}

// SuggestFor returns free handles for a logged-in holder.
func (s *Service) SuggestFor(ctx context.Context, number string) ([]string, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return nil, err
	}
	return s.suggestFor(ctx, a)
}

// Profile actions confirmed by OTP.
const (
	ActionMobile     = "mobile-verify"
	ActionDeactivate = "de-activate"
	ActionReactivate = "re-activate"
	ActionDelete     = "delete"
)

// RequestProfileOTP starts a change that needs an OTP: a new mobile (the OTP
// goes to the new mobile) or deactivation, reactivation or deletion (the OTP
// goes to the linked mobile).
func (s *Service) RequestProfileOTP(ctx context.Context, number, action, mobile string) (string, string, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return "", "", err
	}
	t := s.newTxn(TxnProfile, []string{"abha-profile", action})
	t.Number, t.Purpose = number, action
	to := a.Mobile
	switch action {
	case ActionMobile:
		m, ok := NormalizeMobile(mobile)
		if !ok {
			return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1202", "Invalid mobile number")
		}
		t.PendingMobile, to = m, m
	case ActionDeactivate, ActionDelete:
		if a.Status == StatusDeactivated && action == ActionDeactivate {
			return "", "", arogya.ABDMError(arogya.ECONFLICT, "ABDM-1010", "ABHA is already deactivated")
		}
	case ActionReactivate:
		if a.Status != StatusDeactivated {
			return "", "", arogya.ABDMError(arogya.ECONFLICT, "ABDM-1010", "ABHA is not deactivated")
		}
	default:
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "scope must include mobile-verify, de-activate, re-activate or delete")
	}
	if to == "" {
		return "", "", arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1117", "No mobile is linked to this ABHA")
	}
	if err := s.sendOTP(ctx, t, to, "ABHA profile change"); err != nil {
		return "", "", err
	}
	return t.ID, maskMobile(to), nil
}

// VerifyProfileOTP checks the OTP of a profile change and applies it.
func (s *Service) VerifyProfileOTP(ctx context.Context, number, txnID, otp string) (string, error) {
	t, err := s.loadTxn(ctx, txnID, TxnProfile)
	if err != nil {
		return "", err
	}
	if t.Number != number {
		return "", arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1003", "Transaction belongs to another ABHA")
	}
	if err := s.checkOTP(ctx, t, otp); err != nil {
		return "", err
	}
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return "", err
	}
	var msg, detail string
	switch t.Purpose {
	case ActionMobile:
		a.Mobile, msg, detail = t.PendingMobile, "Mobile number updated successfully. Log in again.", "mobile"
		s.revokeTokens(a)
	case ActionDeactivate:
		a.Status, msg, detail = StatusDeactivated, "ABHA deactivated.", "deactivate"
	case ActionReactivate:
		a.Status, msg, detail = StatusActive, "ABHA reactivated.", "reactivate"
	case ActionDelete:
		// Deletion keeps the number reserved (never reissued) but removes
		// the personal details.
		*a = Account{Number: a.Number, Status: StatusDeleted, Type: a.Type, Preferred: a.Preferred,
			AadhaarKey: a.AadhaarKey, DocumentKey: a.DocumentKey, CreatedAt: a.CreatedAt, TokenVersion: a.TokenVersion}
		s.revokeTokens(a)
		msg, detail = "ABHA deleted.", "delete"
	}
	if err := s.updateAccount(ctx, a); err != nil {
		return "", err
	}
	if err := s.store.DeleteTxn(ctx, t.ID); err != nil {
		return "", err
	}
	if err := s.record(ctx, "abha.profile.update", number, "ok", detail); err != nil {
		return "", err
	}
	return msg, nil
}

// CardClaims is the payload of the signed QR on a Health ID card. Short keys
// keep the QR small enough for cheap phone cameras.
type CardClaims struct {
	Number    string `json:"hidn"` // formatted ABHA number
	Address   string `json:"hid"`  // preferred ABHA address
	Name      string `json:"name"`
	Gender    string `json:"gender"`
	BirthDate string `json:"dob"`
	StateCode string `json:"statelgd,omitempty"`
	District  string `json:"distlgd,omitempty"`
	IssuedAt  int64  `json:"iat"`
}

// Card returns the card of the holder, with its signed QR payload.
func (s *Service) Card(ctx context.Context, number string) (Card, error) {
	a, err := s.activeAccount(ctx, number)
	if err != nil {
		return Card{}, err
	}
	if a.Status != StatusActive {
		return Card{}, arogya.ABDMError(arogya.EFORBIDDEN, "ABDM-1119", "A deactivated ABHA has no card; reactivate it first")
	}
	now := s.now()
	claims := CardClaims{Number: FormatNumber(a.Number), Address: a.Preferred, Name: a.FullName(),
		Gender: a.Gender, BirthDate: a.BirthDate, StateCode: a.StateCode, District: a.DistrictCode, IssuedAt: now.Unix()}
	payload, err := json.Marshal(claims)
	if err != nil {
		return Card{}, err
	}
	jws, err := s.keys.SignCompact(payload)
	if err != nil {
		return Card{}, err
	}
	if err := s.record(ctx, "abha.card", number, "ok", ""); err != nil {
		return Card{}, err
	}
	return Card{Name: a.FullName(), Number: FormatNumber(a.Number), Address: a.Preferred, Gender: genderName(a.Gender),
		BirthDate: a.BirthDate, Mobile: maskMobile(a.Mobile), IssuedAt: now, QR: jws}, nil
}

func genderName(g string) string {
	switch g {
	case "M":
		return "Male"
	case "F":
		return "Female"
	case "O":
		return "Other"
	}
	return g
}

// QRVerification is the answer to a card check.
type QRVerification struct {
	Valid  bool
	Reason string
	KeyID  string
	Claims *CardClaims
	Status string // the ABHA's current status, when found on this node
}

// VerifyQR checks a card's QR text: its signature against this node's
// published keys, and whether the ABHA still exists and is active.
func (s *Service) VerifyQR(ctx context.Context, qr string) (*QRVerification, error) {
	qr = strings.TrimSpace(qr)
	if qr == "" || len(qr) > 4096 {
		return nil, arogya.Errorf(arogya.EINVALID, "qr must be the decoded text of the card's QR code")
	}
	payload, kid, err := auth.VerifyCompact(s.keys.JWKS(), qr)
	if err != nil {
		return &QRVerification{Valid: false, Reason: "signature does not verify against this node's keys"}, nil
	}
	// Only card signatures count: a token signed by this node is not a card.
	if typ := jwsType(qr); typ != auth.CardJWSType {
		return &QRVerification{Valid: false, Reason: "this is not an ABHA card", KeyID: kid}, nil
	}
	var c CardClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Number == "" {
		return &QRVerification{Valid: false, Reason: "payload is not an ABHA card", KeyID: kid}, nil
	}
	v := &QRVerification{Valid: true, KeyID: kid, Claims: &c}
	if n, err := ParseNumber(c.Number); err == nil {
		if a, err := s.store.Account(ctx, n); err == nil {
			v.Status = a.Status
			switch a.Status {
			case StatusDeleted:
				v.Valid, v.Reason, v.Claims = false, "this ABHA has been deleted", nil
			case StatusDeactivated:
				v.Valid, v.Reason = false, "this ABHA is deactivated"
			}
		}
	}
	return v, nil
}

// jwsType returns the "typ" of a compact JWS header, or "".
func jwsType(jws string) string {
	head, _, ok := strings.Cut(jws, ".")
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Typ
}

// Reviews lists probable duplicates by status (operator only).
func (s *Service) Reviews(ctx context.Context, status string) ([]*Review, error) {
	if status == "" {
		status = ReviewOpen
	}
	return s.store.Reviews(ctx, status, 200)
}

// DecideReview resolves a held enrolment: CREATE makes the account after all
// (the person is not a duplicate), REJECT drops it.
func (s *Service) DecideReview(ctx context.Context, id, decision string) (*Review, error) {
	r, err := s.store.Review(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ReviewOpen {
		return nil, arogya.Errorf(arogya.ECONFLICT, "review already decided")
	}
	switch decision {
	case "CREATE":
		a := r.Candidate
		if err := s.insertAccount(ctx, &a); err != nil {
			return nil, err
		}
		r.Candidate = a
		r.Status = ReviewCreated
	case "REJECT":
		r.Status = ReviewRejected
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "decision must be CREATE or REJECT")
	}
	r.DecidedAt = s.now()
	if err := s.store.PutReview(ctx, r); err != nil {
		return nil, err
	}
	return r, s.record(ctx, "abha.review."+strings.ToLower(decision), r.Candidate.Number, "ok", "review "+r.ID)
}

// StateName and DistrictName resolve LGD codes for display.
func StateName(code string) string {
	if st, ok := india.StateByCode(code); ok {
		return st.Name
	}
	return ""
}

// DistrictName resolves a district's LGD code for display.
func DistrictName(stateCode, code string) string {
	if d, ok := india.DistrictByCode(stateCode, code); ok {
		return d.Name
	}
	return ""
}
