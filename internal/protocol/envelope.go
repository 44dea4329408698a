package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Envelope is what correlates a message: its own ID and time and, for a
// callback, the ID of the request it answers.
type Envelope struct {
	Version   string    // V05 or V3
	RequestID string    // requestId (v0.5 body) or REQUEST-ID (v3 header): a UUID, as sent
	Timestamp time.Time // timestamp (v0.5 body) or TIMESTAMP (v3 header), in UTC
	// InResponseTo is resp.requestId (v0.5) or response.requestId (v3): the
	// request a callback answers, a UUID as sent; "" for a request.
	InResponseTo string
}

// TimestampLayout is ABDM's TimestampSchema: UTC with milliseconds.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// maxTimestamp bounds a timestamp string; the longest sensible form,
// nanoseconds and an offset, is 35 bytes.
const maxTimestamp = 64

// errVersion is a caller's bug (the version is the bridge's or the route's,
// never the sender's text), hence a plain error: EINTERNAL.
var errVersion = errors.New("protocol: unknown protocol version")

// invalid is the error for a message whose envelope is wrong. The message
// names the field, never its value.
func invalid(msg string) error {
	return arogya.ABDMError(arogya.EINVALID, "ABDM-1017", msg)
}

// ReadEnvelope reads the envelope of a message in the given version.
//
// v0.5: requestId (a UUID), timestamp and, in a callback, resp.requestId
// (a UUID) from the JSON body.
//
// v3: the REQUEST-ID and TIMESTAMP headers (hyphen or underscore spelling)
// and, in a callback, response.requestId from the body (resp.requestId is
// accepted too; if both are sent they must agree).
//
// In both the body must be a JSON object. Timestamps are parsed by
// ParseTimestamp. ReadEnvelope does not judge clock skew: that needs a
// clock, and is the caller's. Errors are EINVALID with ABDM code
// ABDM-1017 and name the bad field without echoing its value.
func ReadEnvelope(version string, h http.Header, body []byte) (Envelope, error) {
	if version != V05 && version != V3 {
		return Envelope{}, errVersion
	}
	fields, err := object(body)
	if err != nil {
		return Envelope{}, err
	}
	e := Envelope{Version: version}
	switch version {
	case V05:
		if e.RequestID, err = bodyUUID(fields["requestId"], "requestId"); err != nil {
			return Envelope{}, err
		}
		var ts string
		if ts, err = bodyString(fields["timestamp"], "timestamp"); err != nil {
			return Envelope{}, err
		}
		if e.Timestamp, err = timestamp(ts, "timestamp"); err != nil {
			return Envelope{}, err
		}
		if e.InResponseTo, err = reference(fields["resp"], "resp"); err != nil {
			return Envelope{}, err
		}
	case V3:
		r := &http.Request{Header: h}
		id := httpx.Header(r, "REQUEST-ID")
		if id == "" {
			return Envelope{}, invalid("REQUEST-ID header is required (a UUID)")
		}
		if !IsUUID(id) {
			return Envelope{}, invalid("REQUEST-ID header must be a UUID")
		}
		e.RequestID = id
		if e.Timestamp, err = timestamp(httpx.Header(r, "TIMESTAMP"), "TIMESTAMP header"); err != nil {
			return Envelope{}, err
		}
		response, err := reference(fields["response"], "response")
		if err != nil {
			return Envelope{}, err
		}
		resp, err := reference(fields["resp"], "resp")
		if err != nil {
			return Envelope{}, err
		}
		if response != "" && resp != "" && response != resp {
			return Envelope{}, invalid("response.requestId and resp.requestId disagree")
		}
		e.InResponseTo = response
		if e.InResponseTo == "" {
			e.InResponseTo = resp
		}
	}
	return e, nil
}

// object decodes the top level of a JSON object, keeping the values raw.
// Keys match exactly (encoding/json would match struct fields in any case).
func object(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, invalid("body must be a JSON object")
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// bodyString reads a required string field.
func bodyString(raw json.RawMessage, name string) (string, error) {
	if isNull(raw) {
		return "", invalid(name + " is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid(name + " must be a string")
	}
	return s, nil
}

// bodyUUID reads a required UUID field.
func bodyUUID(raw json.RawMessage, name string) (string, error) {
	if isNull(raw) {
		return "", invalid(name + " is required (a UUID)")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !IsUUID(s) {
		return "", invalid(name + " must be a UUID")
	}
	return s, nil
}

// reference reads an optional {requestId} object: "" when absent or null.
func reference(raw json.RawMessage, name string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", invalid(name + " must be an object {requestId}")
	}
	return bodyUUID(m["requestId"], name+".requestId")
}

func timestamp(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalid(name + " is required (UTC, e.g. 2024-05-01T05:10:20.123Z)")
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		return time.Time{}, invalid(name + " must be an ISO 8601 UTC time, e.g. 2024-05-01T05:10:20.123Z")
	}
	return t, nil
}

// IsUUID reports whether s is a UUID in its 36-character hyphenated form
// (either case), the form ABDM's UuidSchema means. uuid.Parse alone would
// also take braces, "urn:uuid:" and bare hex.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// ParseTimestamp parses a TimestampSchema value ("UTC, with milliseconds,
// YYYY-MM-DDThh:mm:ss.vZ") as senders write it: RFC 3339 with or without
// fractional seconds, with Z or an offset; or with no zone at all, which
// is read as UTC, as the schema says (the v3 specs' own examples, and
// senders that format a UTC LocalDateTime, write it so). The result is in
// UTC, between years 1 and 9999 (what TimestampLayout can write back).
func ParseTimestamp(s string) (time.Time, error) {
	if len(s) > maxTimestamp {
		return time.Time{}, errBadTimestamp
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// The same without a zone ("…:05" takes a fraction when parsing).
		if t, err = time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err != nil {
			return time.Time{}, errBadTimestamp
		}
	}
	t = t.UTC()
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, errBadTimestamp
	}
	return t, nil
}

var errBadTimestamp = arogya.Errorf(arogya.EINVALID, "bad timestamp: want ISO 8601 UTC, e.g. 2024-05-01T05:10:20.123Z")

// FormatTimestamp writes t in UTC as TimestampLayout, truncated to the
// millisecond: "2006-01-02T15:04:05.000Z".
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(TimestampLayout)
}

// TargetHeader returns the header that carries the service ID a message is
// addressed to: "X-HIP-ID" for "HIP", "X-HIU-ID" for "HIU", and "" for
// anything else (for a "HIP,HIU" route the caller picks the service that
// asked).
func TargetHeader(target string) string {
	switch target {
	case "HIP":
		return "X-HIP-ID"
	case "HIU":
		return "X-HIU-ID"
	}
	return ""
}

// Build makes the envelope of an outgoing message around payload (the
// message's own fields, e.g. {"consentRequest": {...}, "error": ...}).
//
// v0.5: requestId, timestamp and, if inResponseTo is set,
// resp:{requestId} go into the body with the payload's fields; headers is
// empty.
//
// v3: REQUEST-ID and TIMESTAMP go into headers, and response:{requestId}
// into the body if inResponseTo is set.
//
// Routing headers (X-CM-ID, X-HIP-ID, X-HIU-ID), Authorization and
// Content-Type are the caller's. The body is JSON with sorted keys and no
// HTML escaping. Errors are the caller's bugs (a bad ID, a zero time, a
// payload that sets an envelope field or does not encode) and are plain
// errors, so EINTERNAL; payload is not modified.
func Build(version string, requestID string, at time.Time, inResponseTo string, payload map[string]any) (headers map[string]string, body []byte, err error) {
	var reserved []string
	switch version {
	case V05:
		reserved = []string{"requestId", "timestamp", "resp"}
	case V3:
		reserved = []string{"response", "resp"}
	default:
		return nil, nil, errVersion
	}
	if !IsUUID(requestID) {
		return nil, nil, errors.New("protocol: build: requestID is not a UUID")
	}
	if inResponseTo != "" && !IsUUID(inResponseTo) {
		return nil, nil, errors.New("protocol: build: inResponseTo is not a UUID")
	}
	// The time as written (to the millisecond) must read back.
	if u := at.UTC().Truncate(time.Millisecond); u.IsZero() || u.Year() < 1 || u.Year() > 9999 {
		return nil, nil, errors.New("protocol: build: time is zero or out of range")
	}
	for _, k := range reserved {
		if _, ok := payload[k]; ok {
			return nil, nil, errors.New("protocol: build: payload sets envelope field " + k)
		}
	}
	m := make(map[string]any, len(payload)+3)
	for k, v := range payload {
		m[k] = v
	}
	headers = map[string]string{}
	ts := FormatTimestamp(at)
	switch version {
	case V05:
		m["requestId"] = requestID
		m["timestamp"] = ts
		if inResponseTo != "" {
			m["resp"] = map[string]string{"requestId": inResponseTo}
		}
	case V3:
		headers["REQUEST-ID"] = requestID
		headers["TIMESTAMP"] = ts
		if inResponseTo != "" {
			m["response"] = map[string]string{"requestId": inResponseTo}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, nil, fmt.Errorf("protocol: build: payload does not encode as JSON: %w", err)
	}
	return headers, bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
