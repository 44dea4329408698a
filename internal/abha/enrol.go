package abha

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/india"
)

// EnrolResult is the outcome of an enrolment step that yields an account.
type EnrolResult struct {
	Account *Account
	IsNew   bool
	Tokens  Tokens
	// MobileVerified is false when the mobile the person gave differs from
	// the KYC mobile and still has to be verified (auth/byAbdm).
	MobileVerified bool
	TxnID          string
}

// RequestAadhaarOTP starts Aadhaar enrolment: the KYC provider is asked for
// the identity and an OTP goes to the Aadhaar-linked mobile. It returns the
// transaction id and the masked mobile.
func (s *Service) RequestAadhaarOTP(ctx context.Context, aadhaar string) (txnID, masked string, err error) {
	aadhaar = strings.TrimSpace(strings.ReplaceAll(aadhaar, " ", ""))
	if !ValidAadhaar(aadhaar) {
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1201", "Invalid Aadhaar number")
	}
	id, err := s.kyc.Lookup(ctx, aadhaar)
	if err != nil {
		return "", "", err
	}
	t := s.newTxn(TxnEnrolAadhaar, []string{"abha-enrol"})
	t.AadhaarKey = auth.KeyedHash(s.aadhaarKey, aadhaar)
	kyc := *id
	kyc.Aadhaar = "" // never stored: only its keyed hash is
	t.KYC = &kyc
	if err := s.sendOTP(ctx, t, id.Mobile, "ABHA enrolment"); err != nil {
		return "", "", err
	}
	return t.ID, maskMobile(id.Mobile), nil
}

// EnrolByAadhaar verifies the Aadhaar OTP and creates the ABHA, or returns the
// existing one for that Aadhaar. mobile is the number the person wants linked;
// if it differs from the KYC mobile it is linked only after its own OTP.
func (s *Service) EnrolByAadhaar(ctx context.Context, txnID, otp, mobile string) (*EnrolResult, error) {
	t, err := s.loadTxn(ctx, txnID, TxnEnrolAadhaar)
	if err != nil {
		return nil, err
	}
	if mobile != "" {
		m, ok := NormalizeMobile(mobile)
		if !ok {
			return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1202", "Invalid mobile number")
		}
		mobile = m
	}
	if t.KYC == nil {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Transaction has no Aadhaar verification")
	}
	if t.Number != "" {
		// Already enrolled in this transaction: answer as before.
		return s.resultFor(ctx, t, false)
	}
	if err := s.checkOTP(ctx, t, otp); err != nil {
		return nil, err
	}
	if existing, err := s.store.AccountByAadhaar(ctx, t.AadhaarKey); err == nil {
		if existing.Status == StatusDeleted {
			return nil, arogya.ABDMError(arogya.EGONE, "ABDM-1122",
				"The ABHA of this Aadhaar was deleted at its holder's request and cannot be used again.")
		}
		t.Number = existing.Number
		if err := s.store.PutTxn(ctx, t); err != nil {
			return nil, err
		}
		if err := s.record(ctx, "abha.login", existing.Number, "ok", "aadhaar re-enrolment"); err != nil {
			return nil, err
		}
		return s.result(t, existing, false)
	} else if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	first, middle, last := SplitName(t.KYC.Name)
	a := &Account{
		FirstName: first, MiddleName: middle, LastName: last,
		Gender: t.KYC.Gender, BirthDate: t.KYC.DateOfBirth, Mobile: t.KYC.Mobile,
		AddressLine: t.KYC.Address, StateCode: t.KYC.StateCode, DistrictCode: t.KYC.DistrictCode,
		PinCode: t.KYC.Pincode, AadhaarKey: t.AadhaarKey, KYCVerified: true,
	}
	if mobile != "" && mobile != t.KYC.Mobile {
		t.PendingMobile = mobile
	}
	if err := s.createAccount(ctx, a); err != nil {
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			_ = s.store.DeleteTxn(ctx, t.ID) // held for review: start again after the decision
		}
		return nil, err
	}
	t.Number = a.Number
	if err := s.store.PutTxn(ctx, t); err != nil {
		return nil, err
	}
	return s.result(t, a, true)
}

func (s *Service) resultFor(ctx context.Context, t *Txn, isNew bool) (*EnrolResult, error) {
	a, err := s.store.Account(ctx, t.Number)
	if err != nil {
		return nil, err
	}
	return s.result(t, a, isNew)
}

func (s *Service) result(t *Txn, a *Account, isNew bool) (*EnrolResult, error) {
	tok, err := s.issueTokens(a)
	if err != nil {
		return nil, err
	}
	return &EnrolResult{Account: a, IsNew: isNew, Tokens: tok, MobileVerified: t.PendingMobile == "", TxnID: t.ID}, nil
}

// createAccount checks for probable duplicates, then gives a a fresh number
// and its default address, and stores it.
func (s *Service) createAccount(ctx context.Context, a *Account) error {
	if err := s.checkDuplicate(ctx, a); err != nil {
		return err
	}
	return s.insertAccount(ctx, a)
}

func (s *Service) insertAccount(ctx context.Context, a *Account) error {
	now := s.now()
	a.Type, a.Status = "STANDARD", StatusActive
	a.NameKey = PhoneticKey(a.FullName())
	a.CreatedAt, a.UpdatedAt = now, now
	for try := 0; ; try++ {
		n, err := NewNumber()
		if err != nil {
			return err
		}
		a.Number = n
		a.Preferred = n + "@" + s.cfg.CMID
		a.Addresses = []string{a.Preferred}
		err = s.store.CreateAccount(ctx, a)
		if err == nil {
			break
		}
		// A clash of random numbers is retried; a clash of Aadhaar or
		// document means a concurrent enrolment of the same person won.
		if arogya.ErrorCode(err) != arogya.ECONFLICT || try >= 4 {
			return err
		}
		if a.AadhaarKey != "" {
			if _, e := s.store.AccountByAadhaar(ctx, a.AadhaarKey); e == nil {
				return err
			}
		}
		if a.DocumentKey != "" {
			if _, e := s.store.AccountByDocument(ctx, a.DocumentKey); e == nil {
				return err
			}
		}
	}
	return s.record(ctx, "abha.enrol", a.Number, "ok", map[bool]string{true: "aadhaar", false: "document"}[a.AadhaarKey != ""])
}

// checkDuplicate queues a for review instead of creating it when it closely
// resembles an existing account.
func (s *Service) checkDuplicate(ctx context.Context, a *Account) error {
	cands, err := s.store.DedupCandidates(ctx, a.BirthDate, a.Gender, a.Mobile, 200)
	if err != nil {
		return err
	}
	me := Demographics{Name: a.FullName(), Gender: a.Gender, BirthDate: a.BirthDate, DistrictCode: a.DistrictCode, Mobile: a.Mobile}
	var matches []string
	best := 0.0
	for _, c := range cands {
		if c.Status == StatusDeleted {
			continue
		}
		sc := Score(me, Demographics{Name: c.FullName(), Gender: c.Gender, BirthDate: c.BirthDate, DistrictCode: c.DistrictCode, Mobile: c.Mobile})
		if sc >= DuplicateThreshold {
			matches = append(matches, c.Number)
			if sc > best {
				best = sc
			}
		}
	}
	if len(matches) == 0 {
		return nil
	}
	r := &Review{ID: newID(), Candidate: *a, Matches: matches, Score: best, Status: ReviewOpen, CreatedAt: s.now()}
	if err := s.store.PutReview(ctx, r); err != nil {
		return err
	}
	_ = s.record(ctx, "abha.enrol", matches[0], "held-for-review", "review "+r.ID)
	return &arogya.Error{Code: arogya.ECONFLICT, ABDMCode: "ABDM-1114", Message: "An ABHA with very similar details may already exist. " +
		"Your enrolment is held for review with reference " + r.ID + ". If you already have an ABHA, log in with it instead."}
}

func last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

// FullName joins the name parts.
func (a *Account) FullName() string {
	return strings.Join(strings.Fields(a.FirstName+" "+a.MiddleName+" "+a.LastName), " ")
}

// YearOfBirth returns the birth year, or 0.
func (a *Account) YearOfBirth() int {
	if len(a.BirthDate) < 4 {
		return 0
	}
	y, _ := strconv.Atoi(a.BirthDate[:4])
	return y
}

// RequestMobileOTP sends an OTP to a mobile. With no txnID it starts the
// mobile-and-document enrolment (scope dl-flow); with the txnID of an Aadhaar
// enrolment it verifies the mobile to be linked to the new ABHA.
func (s *Service) RequestMobileOTP(ctx context.Context, txnID, mobile string) (string, string, error) {
	m, ok := NormalizeMobile(mobile)
	if !ok {
		return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1202", "Invalid mobile number")
	}
	var t *Txn
	if txnID == "" {
		t = s.newTxn(TxnEnrolMobile, []string{"abha-enrol", "mobile-verify", "dl-flow"})
	} else {
		var err error
		if t, err = s.loadTxn(ctx, txnID, TxnEnrolAadhaar, TxnEnrolMobile); err != nil {
			return "", "", err
		}
		if t.Kind == TxnEnrolAadhaar {
			if t.Number == "" {
				return "", "", arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Complete Aadhaar verification first")
			}
			t.PendingMobile = m
		}
	}
	if err := s.sendOTP(ctx, t, m, "mobile verification"); err != nil {
		return "", "", err
	}
	return t.ID, maskMobile(m), nil
}

// VerifyResult is the answer of auth/byAbdm.
type VerifyResult struct {
	TxnID    string
	Message  string
	Accounts []string // ABHA numbers the mobile was linked to
}

// VerifyMobileOTP checks the mobile OTP of an enrolment: for the document
// flow it marks the mobile verified; for the Aadhaar flow it links the
// pending mobile to the new ABHA.
func (s *Service) VerifyMobileOTP(ctx context.Context, txnID, otp string) (*VerifyResult, error) {
	t, err := s.loadTxn(ctx, txnID, TxnEnrolAadhaar, TxnEnrolMobile)
	if err != nil {
		return nil, err
	}
	if t.Kind == TxnEnrolAadhaar && t.PendingMobile == "" {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "No mobile is waiting for verification")
	}
	if err := s.checkOTP(ctx, t, otp); err != nil {
		return nil, err
	}
	if t.Kind == TxnEnrolMobile {
		return &VerifyResult{TxnID: t.ID, Message: "OTP verified successfully."}, nil
	}
	a, err := s.store.Account(ctx, t.Number)
	if err != nil {
		return nil, err
	}
	a.Mobile = t.PendingMobile
	t.PendingMobile = ""
	if err := s.updateAccount(ctx, a); err != nil {
		return nil, err
	}
	if err := s.store.PutTxn(ctx, t); err != nil {
		return nil, err
	}
	if err := s.record(ctx, "abha.profile.update", a.Number, "ok", "mobile linked"); err != nil {
		return nil, err
	}
	return &VerifyResult{TxnID: t.ID, Message: "Mobile Number linked successfully.", Accounts: []string{a.Number}}, nil
}

// DocumentEnrolment is the body of enrol/byDocument.
type DocumentEnrolment struct {
	DocumentType string
	DocumentID   string
	FirstName    string
	MiddleName   string
	LastName     string
	BirthDate    string // YYYY-MM-DD
	Gender       string
	Address      string
	State        string // name or LGD code
	District     string // name or LGD code
	PinCode      string
}

// EnrolByDocument creates a provisional ABHA from a verified mobile and a
// driving licence's details.
func (s *Service) EnrolByDocument(ctx context.Context, txnID string, d DocumentEnrolment) (*EnrolResult, error) {
	t, err := s.loadTxn(ctx, txnID, TxnEnrolMobile)
	if err != nil {
		return nil, err
	}
	if !t.Verified {
		return nil, arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1204", "Verify the mobile OTP first")
	}
	if t.Number != "" {
		return s.resultFor(ctx, t, false)
	}
	a, err := s.validateDocument(d)
	if err != nil {
		return nil, err
	}
	a.Mobile = t.OTPTo
	if existing, err := s.store.AccountByDocument(ctx, a.DocumentKey); err == nil {
		// A licence number is no secret: only the holder of the ABHA's
		// own mobile gets in this way; anyone else is told to log in.
		if existing.Status == StatusDeleted || existing.Mobile == "" || existing.Mobile != t.OTPTo {
			_ = s.record(ctx, "abha.enrol", existing.Number, arogya.ECONFLICT, "document exists, other mobile")
			return nil, arogya.ABDMError(arogya.ECONFLICT, "ABDM-1121",
				"An ABHA already exists for this document. Log in with it, or enrol with the mobile linked to it.")
		}
		t.Number = existing.Number
		if err := s.store.PutTxn(ctx, t); err != nil {
			return nil, err
		}
		if err := s.record(ctx, "abha.login", existing.Number, "ok", "document re-enrolment"); err != nil {
			return nil, err
		}
		return s.result(t, existing, false)
	} else if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	if err := s.createAccount(ctx, a); err != nil {
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			// Held for review (or lost a race): this verified mobile has
			// had its one attempt.
			_ = s.store.DeleteTxn(ctx, t.ID)
		}
		return nil, err
	}
	t.Number = a.Number
	if err := s.store.PutTxn(ctx, t); err != nil {
		return nil, err
	}
	return s.resultFor(ctx, t, true)
}

func (s *Service) validateDocument(d DocumentEnrolment) (*Account, error) {
	bad := func(field, why string) error {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", field+": "+why)
	}
	if d.DocumentType != "DRIVING_LICENCE" {
		return nil, bad("documentType", "must be DRIVING_LICENCE")
	}
	docID := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(d.DocumentID))
	if len(docID) < 8 || len(docID) > 20 || !isUpperAlnum(docID) {
		return nil, bad("documentId", "must be 8 to 20 letters and digits")
	}
	first := strings.TrimSpace(d.FirstName)
	if first == "" || len(first) > 100 {
		return nil, bad("firstName", "is required")
	}
	bd, err := time.Parse("2006-01-02", strings.TrimSpace(d.BirthDate))
	if err != nil {
		return nil, bad("dob", "must be YYYY-MM-DD")
	}
	if bd.After(s.now()) || bd.Year() < 1900 {
		return nil, bad("dob", "is out of range")
	}
	g := strings.ToUpper(strings.TrimSpace(d.Gender))
	if g != "M" && g != "F" && g != "O" {
		return nil, bad("gender", "must be M, F or O")
	}
	st, ok := india.StateByCode(strings.TrimSpace(d.State))
	if !ok {
		st, ok = india.StateByName(d.State)
	}
	if !ok {
		return nil, bad("state", "unknown state")
	}
	dist, ok := india.DistrictByCode(st.Code, strings.TrimSpace(d.District))
	if !ok {
		dist, ok = india.DistrictByName(st.Code, d.District)
	}
	if !ok {
		return nil, bad("district", "unknown district for that state")
	}
	pin := strings.TrimSpace(d.PinCode)
	if len(pin) != 6 || !isDigits(pin) || pin[0] == '0' {
		return nil, bad("pinCode", "must be 6 digits")
	}
	addr := strings.TrimSpace(d.Address)
	if addr == "" || len(addr) > 300 {
		return nil, bad("address", "is required (at most 300 characters)")
	}
	return &Account{
		FirstName: first, MiddleName: strings.TrimSpace(d.MiddleName), LastName: strings.TrimSpace(d.LastName),
		Gender: g, BirthDate: bd.Format("2006-01-02"), AddressLine: addr,
		StateCode: st.Code, DistrictCode: dist.Code, PinCode: pin,
		DocumentKey: auth.KeyedHash(s.docKey, d.DocumentType+":"+docID),
	}, nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func isUpperAlnum(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// Suggest returns free ABHA address handles for the person of an enrolment.
func (s *Service) Suggest(ctx context.Context, txnID string) ([]string, error) {
	t, err := s.loadTxn(ctx, txnID, TxnEnrolAadhaar, TxnEnrolMobile)
	if err != nil {
		return nil, err
	}
	if t.Number == "" {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Complete enrolment first")
	}
	a, err := s.store.Account(ctx, t.Number)
	if err != nil {
		return nil, err
	}
	return s.suggestFor(ctx, a)
}

func (s *Service) suggestFor(ctx context.Context, a *Account) ([]string, error) {
	var lookupErr error
	taken := func(handles []string) map[string]bool {
		full := make([]string, len(handles))
		for i, h := range handles {
			full[i] = h + "@" + s.cfg.CMID
		}
		m, err := s.store.AddressesTaken(ctx, full)
		if err != nil {
			lookupErr = err
			return map[string]bool{}
		}
		out := make(map[string]bool, len(m))
		for i, h := range handles {
			if m[full[i]] {
				out[h] = true
			}
		}
		return out
	}
	list := Suggestions(a.FirstName, a.MiddleName, a.LastName, a.YearOfBirth(), taken, 5)
	if lookupErr != nil {
		return nil, lookupErr
	}
	return list, nil
}

// CreateAddress adds an ABHA address to the account of an enrolment.
func (s *Service) CreateAddress(ctx context.Context, txnID, handle string, preferred bool) (*Account, string, error) {
	t, err := s.loadTxn(ctx, txnID, TxnEnrolAadhaar, TxnEnrolMobile)
	if err != nil {
		return nil, "", err
	}
	if t.Number == "" {
		return nil, "", arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "Complete enrolment first")
	}
	full, err := s.addAddress(ctx, t.Number, handle, preferred)
	if err != nil {
		return nil, "", err
	}
	a, err := s.store.Account(ctx, t.Number)
	return a, full, err
}

func (s *Service) addAddress(ctx context.Context, number, handle string, preferred bool) (string, error) {
	h, full, err := ParseAddress(handle, s.cfg.CMID)
	if err != nil {
		return "", err
	}
	if isDigits(h) {
		// All-digit handles are reserved: NNNNNNNNNNNNNN@cm is the default
		// address of the ABHA with that number.
		return "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "an ABHA address must contain a letter")
	}
	if err := s.store.AddAddress(ctx, number, full, preferred); err != nil {
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			return "", arogya.ABDMError(arogya.ECONFLICT, "ABDM-1115", "This ABHA address is already taken; choose another")
		}
		return "", err
	}
	if err := s.record(ctx, "abha.address.create", number, "ok", ""); err != nil {
		return "", err
	}
	return full, nil
}

// EnrolFromKYC creates (or finds) the ABHA of an Aadhaar holder as Aadhaar
// enrolment does after the OTP is verified, without the OTP. It is for seeding
// demo nodes and for operators migrating verified records; it is not exposed
// over HTTP.
func (s *Service) EnrolFromKYC(ctx context.Context, aadhaar string) (*Account, bool, error) {
	if !ValidAadhaar(aadhaar) {
		return nil, false, arogya.ABDMError(arogya.EINVALID, "ABDM-1201", "Invalid Aadhaar number")
	}
	id, err := s.kyc.Lookup(ctx, aadhaar)
	if err != nil {
		return nil, false, err
	}
	key := auth.KeyedHash(s.aadhaarKey, aadhaar)
	if a, err := s.store.AccountByAadhaar(ctx, key); err == nil {
		return a, false, nil
	}
	first, middle, last := SplitName(id.Name)
	a := &Account{FirstName: first, MiddleName: middle, LastName: last, Gender: id.Gender, BirthDate: id.DateOfBirth,
		Mobile: id.Mobile, AddressLine: id.Address, StateCode: id.StateCode, DistrictCode: id.DistrictCode,
		PinCode: id.Pincode, AadhaarKey: key, KYCVerified: true}
	if err := s.createAccount(ctx, a); err != nil {
		return nil, false, err
	}
	return a, true, nil
}
