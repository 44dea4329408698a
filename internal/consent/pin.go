package consent

import "time"

// PIN is a person's consent PIN: 4 digits, as ABDM's PHR app has it,
// stored as argon2id. Five wrong tries lock it for PINLock.
type PIN struct {
	Patient     string
	Hash        string
	Failures    int
	LockedUntil time.Time
	UpdatedAt   time.Time
}

// PIN limits.
const (
	PINMaxFailures = 5
	PINLock        = 15 * time.Minute
)

// PIN scopes: what a verified PIN's temporary token allows.
const (
	ScopeApprove   = "consentrequest.approve"
	ScopeRevoke    = "consent.revoke"
	ScopeChangePIN = "profile.changepin"
	// ScopeUnlock lifts the person's lock against new consent requests
	// (Arogya's own: ndhm-phr-app.yml has no lock).
	ScopeUnlock = "consent.unlock"
)

// ValidPIN reports whether s is four digits.
func ValidPIN(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
