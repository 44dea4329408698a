// Package phr is the person's app's side of the consent manager: a small
// client of the CM's person API (/cm/…) over HTTP, with the person's own
// ABHA token on every call. The PHR never imports the CM's packages: the
// CM may run on another node, and a PHR built on this client works against
// any CM that speaks the same API.
//
// Errors the CM answers with ({"error":{"code","message"}}) come back as
// *arogya.Error with the CM's code and safe message. Nothing here logs:
// tokens, ABHA addresses and records must not reach a log.
package phr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
)

// maxBody bounds every answer read from the CM.
const maxBody = 4 << 20

// Client calls one CM's person API.
type Client struct {
	base string
	hc   *http.Client
}

// New returns a client of the CM at base (e.g. "https://cm.example"; the
// paths start with /cm/). A nil hc means http.DefaultClient.
func New(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(base, "/"), hc: hc}
}

// knownCodes are the arogya error codes a CM answer may carry as is.
var knownCodes = map[string]bool{
	arogya.EINVALID: true, arogya.EUNAUTHORIZED: true, arogya.EFORBIDDEN: true, arogya.ENOTFOUND: true,
	arogya.ECONFLICT: true, arogya.EGONE: true, arogya.EUNPROCESSABLE: true, arogya.ETOOMANYREQUESTS: true,
	arogya.EINTERNAL: true, arogya.EUNAVAILABLE: true, arogya.ETIMEOUT: true,
}

// statusCodes map an HTTP status to a code when the body names none.
var statusCodes = map[int]string{
	400: arogya.EINVALID, 401: arogya.EUNAUTHORIZED, 403: arogya.EFORBIDDEN, 404: arogya.ENOTFOUND,
	409: arogya.ECONFLICT, 410: arogya.EGONE, 422: arogya.EUNPROCESSABLE, 429: arogya.ETOOMANYREQUESTS,
	503: arogya.EUNAVAILABLE, 504: arogya.ETIMEOUT,
}

// Call options: extra headers of one call.
type header struct{ name, value string }

// do sends one request and decodes a 2xx answer's JSON into out (when not
// nil). Any other answer becomes an *arogya.Error.
func (c *Client) do(ctx context.Context, token, method, path string, in, out any, hdr ...header) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("phr: %s: %w", method, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range hdr {
		req.Header.Set(h.name, h.value)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		// The URL holds no personal data, but the error may quote it; say
		// only what failed.
		return &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the consent manager cannot be reached now; try again later"}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return &arogya.Error{Code: arogya.EUNAVAILABLE, Message: "the consent manager's answer broke off; try again"}
	}
	if len(raw) > maxBody {
		return fmt.Errorf("phr: %s answer over %d bytes", method, maxBody)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return DecodeError(res.StatusCode, raw)
	}
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("phr: decode %s answer: %w", method, errors.New(shortJSONError(err)))
	}
	return nil
}

// shortJSONError keeps a JSON error's kind without any quoted value.
func shortJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	}
	return "malformed JSON"
}

// DecodeError turns a CM error answer into an *arogya.Error: the CM's code
// when it is one of arogya's, else the status's; the CM's message (safe by
// the CM's rule) bounded in length, or a generic one.
func DecodeError(status int, raw []byte) *arogya.Error {
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &b)
	code := b.Error.Code
	if !knownCodes[code] {
		code = statusCodes[status]
		if code == "" {
			code = arogya.EINTERNAL
		}
	}
	msg := strings.TrimSpace(b.Error.Message)
	if len(msg) > 300 || msg == "" || code == arogya.EINTERNAL || strings.ContainsAny(msg, "\x00\n") {
		msg = defaultMessages[code]
	}
	return &arogya.Error{Code: code, Message: msg}
}

var defaultMessages = map[string]string{
	arogya.EINVALID: "the consent manager did not accept the request", arogya.EUNAUTHORIZED: "your login has ended; log in again",
	arogya.EFORBIDDEN: "this is not allowed", arogya.ENOTFOUND: "not found", arogya.ECONFLICT: "this was already done or has changed",
	arogya.EGONE: "this has expired", arogya.EUNPROCESSABLE: "this cannot be done now", arogya.ETOOMANYREQUESTS: "too many tries; wait a while",
	arogya.EINTERNAL: "the consent manager failed; try again later", arogya.EUNAVAILABLE: "the consent manager cannot be reached now; try again later",
	arogya.ETIMEOUT: "the facility did not answer in time; try again",
}

// pathID escapes one path segment.
func pathID(s string) string { return url.PathEscape(s) }
