// Package abha is the Health ID (ABHA) role: enrolment by Aadhaar (through a
// KYC provider) or by mobile and document, ABHA numbers and addresses, login,
// profile, the Health ID card, and duplicate detection.
//
// The HTTP surface follows ABDM's ABHA v3 API (paths, shapes, REQUEST-ID and
// TIMESTAMP headers, RSA-OAEP encrypted loginId/otpValue), so clients written
// for the ABDM sandbox work unchanged.
package abha

import (
	"context"
	"time"
)

// Account statuses.
const (
	StatusActive      = "ACTIVE"
	StatusDeactivated = "DEACTIVATED"
	StatusDeleted     = "DELETED"
)

// Account is one ABHA: a person's Health ID.
type Account struct {
	Number       string // 14 digits, no hyphens
	FirstName    string
	MiddleName   string
	LastName     string
	Gender       string // M, F, O
	BirthDate    string // YYYY-MM-DD
	Mobile       string // 10 digits; may be empty
	Email        string
	AddressLine  string
	StateCode    string // LGD
	DistrictCode string // LGD
	PinCode      string
	AadhaarKey   string // keyed hash of the Aadhaar number; empty for document enrolment
	DocumentKey  string // keyed hash of document type+id; empty for Aadhaar enrolment
	KYCVerified  bool
	Type         string // STANDARD
	Status       string
	PasswordHash string // argon2id encoded; empty if no password set
	NameKey      string // phonetic key of the name, for duplicate detection
	Preferred    string // preferred ABHA address (full, with @cm)
	Addresses    []string
	TokenVersion int64 // in every token; bumping it revokes the tokens issued before
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Txn is the server side of a multi-step flow (enrolment, login, profile
// change), addressed by the txnId the client carries from step to step.
type Txn struct {
	ID            string
	Kind          string // TxnEnrolAadhaar, TxnEnrolMobile, TxnLogin, TxnProfile
	Scope         []string
	OTPHash       []byte // HMAC of the OTP; never the OTP itself
	OTPExpires    time.Time
	OTPAttempts   int
	OTPTo         string // mobile the current OTP was sent to
	Verified      bool   // the current OTP was verified
	AadhaarKey    string
	KYC           *Identity // identity from the KYC provider (Aadhaar flow)
	PendingMobile string    // mobile to link after its OTP is verified
	Number        string    // the account this flow acts on, once known
	Accounts      []string  // login by mobile: the ABHA numbers to choose from
	Purpose       string    // profile flows: mobile-verify, de-activate, re-activate, delete
	CreatedAt     time.Time
	ExpiresAt     time.Time
	Version       int64 // set by the store: bumped on every write
}

// Txn kinds.
const (
	TxnEnrolAadhaar = "enrol-aadhaar"
	TxnEnrolMobile  = "enrol-mobile"
	TxnLogin        = "login"
	TxnProfile      = "profile"
)

// Identity is what a KYC provider says about an Aadhaar holder.
type Identity struct {
	Aadhaar      string `json:"aadhaar"`
	Name         string `json:"name"`
	Gender       string `json:"gender"`      // M, F, O
	DateOfBirth  string `json:"dateOfBirth"` // YYYY-MM-DD
	Mobile       string `json:"mobile"`
	Address      string `json:"address"`
	StateCode    string `json:"stateCode"`
	DistrictCode string `json:"districtCode"`
	Pincode      string `json:"pincode"`
}

// Review is a probable duplicate held for a person to look at: the account
// that would have been created, and the existing accounts it resembles.
type Review struct {
	ID        string
	Candidate Account
	Matches   []string // ABHA numbers of the resembling accounts
	Score     float64
	Status    string // ReviewOpen, ReviewCreated, ReviewRejected
	CreatedAt time.Time
	DecidedAt time.Time
}

// Review statuses.
const (
	ReviewOpen     = "OPEN"
	ReviewCreated  = "CREATED"
	ReviewRejected = "REJECTED"
)

// Store is what the ABHA service needs from storage. Implementations return
// *arogya.Error with ENOTFOUND for missing rows and ECONFLICT for unique
// violations (number, Aadhaar key, document key, address).
type Store interface {
	// CreateAccount inserts the account and all of a.Addresses atomically.
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, number string) (*Account, error)
	AccountByAadhaar(ctx context.Context, aadhaarKey string) (*Account, error)
	AccountByDocument(ctx context.Context, documentKey string) (*Account, error)
	AccountByAddress(ctx context.Context, address string) (*Account, error)
	AccountsByMobile(ctx context.Context, mobile string) ([]*Account, error)
	// UpdateAccount replaces the mutable fields (everything except Number,
	// AadhaarKey, DocumentKey, CreatedAt, Addresses; TokenVersion included)
	// and sets UpdatedAt.
	UpdateAccount(ctx context.Context, a *Account) error
	// AddAddress adds an address to an account; if preferred it becomes the
	// account's preferred address.
	AddAddress(ctx context.Context, number, address string, preferred bool) error
	// AddressesTaken reports which of the given addresses exist.
	AddressesTaken(ctx context.Context, addresses []string) (map[string]bool, error)
	// DedupCandidates returns accounts with the same birth date and gender, or
	// the same mobile, at most limit of them, without their Addresses.
	DedupCandidates(ctx context.Context, birthDate, gender, mobile string, limit int) ([]*Account, error)
	CountAccounts(ctx context.Context) (int64, error)

	PutTxn(ctx context.Context, t *Txn) error // insert or replace; sets t.Version
	// SwapTxn replaces the stored flow only if it is still at t.Version,
	// then sets t.Version to the new version; if another write came first it
	// changes nothing and returns ECONFLICT.
	SwapTxn(ctx context.Context, t *Txn) error
	Txn(ctx context.Context, id string) (*Txn, error)
	DeleteTxn(ctx context.Context, id string) error
	// ReserveOTPSend records an OTP send to key at time at, unless there have
	// already been max sends to key since since; it reports whether it did.
	ReserveOTPSend(ctx context.Context, key string, at, since time.Time, max int) (bool, error)

	PutReview(ctx context.Context, r *Review) error // insert or replace
	Review(ctx context.Context, id string) (*Review, error)
	Reviews(ctx context.Context, status string, limit int) ([]*Review, error)
}
