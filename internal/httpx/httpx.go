// Package httpx holds the HTTP plumbing every role shares: the one mapping
// from error codes to HTTP status, JSON reading and writing, ABDM header
// handling, and middleware (request IDs, access logs, metrics, panics).
package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
)

// statusOf maps every error code to its HTTP status. It is the only place
// that does so.
var statusOf = map[string]int{
	arogya.EINVALID:         http.StatusBadRequest,
	arogya.EUNAUTHORIZED:    http.StatusUnauthorized,
	arogya.EFORBIDDEN:       http.StatusForbidden,
	arogya.ENOTFOUND:        http.StatusNotFound,
	arogya.ECONFLICT:        http.StatusConflict,
	arogya.EGONE:            http.StatusGone,
	arogya.EUNPROCESSABLE:   http.StatusUnprocessableEntity,
	arogya.ETOOMANYREQUESTS: http.StatusTooManyRequests,
	arogya.EINTERNAL:        http.StatusInternalServerError,
	arogya.EUNAVAILABLE:     http.StatusServiceUnavailable,
	arogya.ETIMEOUT:         http.StatusGatewayTimeout,
}

// abdmCodeOf gives the ABDM-style code used on ABDM paths when the error does
// not carry a more specific one.
var abdmCodeOf = map[string]string{
	arogya.EINVALID:         "ABDM-1000",
	arogya.EUNAUTHORIZED:    "ABDM-1002",
	arogya.EFORBIDDEN:       "ABDM-1003",
	arogya.ENOTFOUND:        "ABDM-1009",
	arogya.ECONFLICT:        "ABDM-1010",
	arogya.EGONE:            "ABDM-1011",
	arogya.EUNPROCESSABLE:   "ABDM-1015",
	arogya.ETOOMANYREQUESTS: "ABDM-1013",
	arogya.EINTERNAL:        "ABDM-1099",
	arogya.EUNAVAILABLE:     "ABDM-1098",
	arogya.ETIMEOUT:         "ABDM-1097",
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if s, ok := statusOf[arogya.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the error shape on every path: {"error":{"code","message"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error writes err for Arogya's own API: the code is Arogya's ("invalid",
// "not_found", …). Internal errors are logged and shown as "Internal error.".
func Error(w http.ResponseWriter, r *http.Request, err error) {
	code := arogya.ErrorCode(err)
	writeError(w, r, err, code)
}

// ABDMError writes err for an ABDM path: the code is an ABDM-style code.
func ABDMError(w http.ResponseWriter, r *http.Request, err error) {
	code := abdmCodeOf[arogya.ErrorCode(err)]
	var e *arogya.Error
	if errors.As(err, &e) && e.ABDMCode != "" {
		code = e.ABDMCode
	}
	if code == "" {
		code = abdmCodeOf[arogya.EINTERNAL]
	}
	writeError(w, r, err, code)
}

func writeError(w http.ResponseWriter, r *http.Request, err error, code string) {
	status := Status(err)
	if status >= 500 {
		// The error itself may hold driver text; it goes to the log only,
		// and callers must not put personal data into wrapped errors.
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", RequestIDFrom(r.Context()), "err", err.Error())
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: arogya.ErrorMessage(err)}})
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// MaxBody is the largest JSON request body accepted.
const MaxBody = 1 << 20

// DecodeJSON reads r's body into v. It rejects bodies over MaxBody, bodies
// that are not a single JSON value, and reports a safe message.
func DecodeJSON(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return arogya.Errorf(arogya.EINVALID, "request body larger than %d bytes", MaxBody)
		case errors.Is(err, io.EOF):
			return arogya.Errorf(arogya.EINVALID, "request body is empty")
		default:
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Field != "" {
				return arogya.Errorf(arogya.EINVALID, "field %s has the wrong type", ute.Field)
			}
			return arogya.Errorf(arogya.EINVALID, "request body is not valid JSON")
		}
	}
	if dec.More() {
		return arogya.Errorf(arogya.EINVALID, "request body has trailing data")
	}
	return nil
}

// Header returns the value of an ABDM header, accepting both the hyphen
// spelling clients send (REQUEST-ID) and the underscore spelling the
// published YAML uses (REQUEST_ID).
func Header(r *http.Request, name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return r.Header.Get(strings.ReplaceAll(name, "-", "_"))
}

// BearerToken returns the token of an "Authorization: Bearer …"-style header
// value (the scheme is matched case-insensitively; a bare token is accepted).
func BearerToken(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return v
}
