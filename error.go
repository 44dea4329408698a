package arogya

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in internal/httpx.
const (
	EINVALID         = "invalid"           // 400: the request is malformed or fails a rule
	EUNAUTHORIZED    = "unauthorized"      // 401: no or bad credentials
	EFORBIDDEN       = "forbidden"         // 403: authenticated but not allowed
	ENOTFOUND        = "not_found"         // 404
	ECONFLICT        = "conflict"          // 409: already exists / state conflict
	EGONE            = "gone"              // 410: expired (OTP, transaction)
	EUNPROCESSABLE   = "unprocessable"     // 422: well-formed but cannot be acted on
	ETOOMANYREQUESTS = "too_many_requests" // 429: rate limit
	EINTERNAL        = "internal"          // 500: anything unexpected; message hidden
	EUNAVAILABLE     = "unavailable"       // 503
	ETIMEOUT         = "timeout"           // 504: another party did not answer in time
)

// Error is an application error: a machine-readable code, a message that is
// safe to show to the caller (it never holds personal data), and optionally an
// ABDM-style code such as "ABDM-1006" for protocol clients.
type Error struct {
	Code     string
	Message  string
	ABDMCode string
}

func (e *Error) Error() string {
	if e.ABDMCode != "" {
		return fmt.Sprintf("arogya error: code=%s abdm=%s message=%s", e.Code, e.ABDMCode, e.Message)
	}
	return fmt.Sprintf("arogya error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ABDMError returns an *Error carrying an ABDM error code as well.
func ABDMError(code, abdmCode, message string) *Error {
	return &Error{Code: code, ABDMCode: abdmCode, Message: message}
}

// ErrorCode returns the code of the application error in err's chain, or
// EINTERNAL for any other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the application error in err's
// chain, or "Internal error." for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
