package protocol_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/protocol"
)

const (
	id1 = "839ede87-6bad-48df-a0d5-e93305c88e75"
	id2 = "5f7a535d-a3fd-416b-b069-c97d021fbacd"
	ts  = "2024-05-01T05:10:20.123Z"
)

var at = time.Date(2024, 5, 1, 5, 10, 20, 123_000_000, time.UTC)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestBuildReadRoundTrip(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, test := range []struct {
		name         string
		version      string
		at           time.Time
		inResponseTo string
		payload      map[string]any
	}{
		{"v0.5 request", protocol.V05, at, "", map[string]any{"consent": map[string]any{"purpose": map[string]any{"code": "CAREMGT"}}}},
		{"v0.5 callback", protocol.V05, at, id2, map[string]any{"consentRequest": map[string]any{"id": id1}}},
		{"v0.5 nanoseconds truncated", protocol.V05, at.Add(456_789 * time.Nanosecond), id2, nil},
		{"v0.5 other zone", protocol.V05, at.In(ist), "", map[string]any{}},
		{"v0.5 url not escaped", protocol.V05, at, "", map[string]any{"dataPushUrl": "https://hiu.example/push?a=1&b=<2>"}},
		{"v3 request", protocol.V3, at, "", map[string]any{"consent": map[string]any{"hiTypes": []string{"OPConsultation"}}}},
		{"v3 callback", protocol.V3, at, id2, map[string]any{"error": map[string]any{"code": "ABDM-1027", "message": "no"}}},
		{"v3 other zone", protocol.V3, at.In(ist).Add(999_999), id2, nil},
		{"v3 uppercase IDs kept", protocol.V3, at, strings.ToUpper(id2), nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			hm, body, err := protocol.Build(test.version, id1, test.at, test.inResponseTo, test.payload)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			h := http.Header{}
			for k, v := range hm {
				h.Set(k, v)
			}
			got, err := protocol.ReadEnvelope(test.version, h, body)
			if err != nil {
				t.Fatalf("ReadEnvelope(%s, %v, %s): %v", test.version, hm, body, err)
			}
			want := protocol.Envelope{Version: test.version, RequestID: id1, Timestamp: test.at.UTC().Truncate(time.Millisecond), InResponseTo: test.inResponseTo}
			if got != want {
				t.Errorf("ReadEnvelope = %+v, want %+v", got, want)
			}

			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			for k, v := range test.payload {
				gotV, _ := json.Marshal(m[k])
				wantV, _ := json.Marshal(v)
				if string(gotV) != string(wantV) {
					t.Errorf("body[%q] = %s, want %s", k, gotV, wantV)
				}
			}
			stamp := protocol.FormatTimestamp(test.at)
			switch test.version {
			case protocol.V05:
				if len(hm) != 0 {
					t.Errorf("v0.5 headers = %v, want none", hm)
				}
				if m["requestId"] != id1 || m["timestamp"] != stamp {
					t.Errorf("v0.5 body requestId/timestamp = %v/%v, want %s/%s", m["requestId"], m["timestamp"], id1, stamp)
				}
				if _, ok := m["resp"]; ok != (test.inResponseTo != "") {
					t.Errorf("v0.5 body has resp = %v, want %v", ok, test.inResponseTo != "")
				}
			case protocol.V3:
				if hm["REQUEST-ID"] != id1 || hm["TIMESTAMP"] != stamp || len(hm) != 2 {
					t.Errorf("v3 headers = %v, want REQUEST-ID %s and TIMESTAMP %s", hm, id1, stamp)
				}
				for _, k := range []string{"requestId", "timestamp", "resp"} {
					if _, ok := m[k]; ok {
						t.Errorf("v3 body has %q", k)
					}
				}
				if _, ok := m["response"]; ok != (test.inResponseTo != "") {
					t.Errorf("v3 body has response = %v, want %v", ok, test.inResponseTo != "")
				}
			}
			if strings.Contains(string(body), `\u0026`) {
				t.Errorf("body %s is HTML-escaped", body)
			}
		})
	}
}

func TestBuildDoesNotModifyPayload(t *testing.T) {
	p := map[string]any{"a": 1}
	if _, _, err := protocol.Build(protocol.V05, id1, at, id2, p); err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 {
		t.Errorf("payload = %v after Build, want it unchanged", p)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, test := range []struct {
		name, version, id string
		at                time.Time
		inResponseTo      string
		payload           map[string]any
	}{
		{"unknown version", "v2", id1, at, "", nil},
		{"empty version", "", id1, at, "", nil},
		{"bad request ID", protocol.V05, "nope", at, "", nil},
		{"braced request ID", protocol.V3, "{" + id1 + "}", at, "", nil},
		{"bad inResponseTo", protocol.V05, id1, at, "nope", nil},
		{"zero time", protocol.V3, id1, time.Time{}, "", nil},
		{"time that writes as zero", protocol.V3, id1, time.Time{}.Add(time.Microsecond), "", nil},
		{"year 10000", protocol.V05, id1, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "", nil},
		{"v0.5 payload sets requestId", protocol.V05, id1, at, "", map[string]any{"requestId": id2}},
		{"v0.5 payload sets timestamp", protocol.V05, id1, at, "", map[string]any{"timestamp": ts}},
		{"v0.5 payload sets resp", protocol.V05, id1, at, "", map[string]any{"resp": nil}},
		{"v3 payload sets response", protocol.V3, id1, at, "", map[string]any{"response": map[string]any{"requestId": id2}}},
		{"v3 payload sets resp", protocol.V3, id1, at, "", map[string]any{"resp": map[string]any{"requestId": id2}}},
		{"payload does not encode", protocol.V3, id1, at, "", map[string]any{"c": make(chan int)}},
	} {
		t.Run(test.name, func(t *testing.T) {
			h, b, err := protocol.Build(test.version, test.id, test.at, test.inResponseTo, test.payload)
			if err == nil {
				t.Fatalf("Build = %v, %s, nil; want an error", h, b)
			}
			if code := arogya.ErrorCode(err); code != arogya.EINTERNAL {
				t.Errorf("ErrorCode = %q, want %q (a caller's bug)", code, arogya.EINTERNAL)
			}
		})
	}
}

func TestReadEnvelopeAccepts(t *testing.T) {
	for _, test := range []struct {
		name    string
		version string
		h       http.Header
		body    string
		want    protocol.Envelope
	}{
		{"v0.5 request", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"` + ts + `","consent":{}}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v0.5 callback", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"` + ts + `","resp":{"requestId":"` + id2 + `"}}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at, InResponseTo: id2}},
		{"v0.5 resp null", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"` + ts + `","resp":null}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v0.5 ignores response", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"` + ts + `","response":{"requestId":"` + id2 + `"}}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v0.5 whitespace", protocol.V05, nil, "\n\t {\"requestId\" : \"" + id1 + "\", \"timestamp\":\"" + ts + "\"} \n",
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v0.5 uppercase UUID kept", protocol.V05, nil, `{"requestId":"` + strings.ToUpper(id1) + `","timestamp":"` + ts + `"}`,
			protocol.Envelope{Version: protocol.V05, RequestID: strings.ToUpper(id1), Timestamp: at}},
		{"v0.5 huge number elsewhere", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"` + ts + `","n":1e999999,"m":` + strings.Repeat("9", 10000) + `}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v0.5 offset normalised", protocol.V05, nil, `{"requestId":"` + id1 + `","timestamp":"2024-05-01T10:40:20.123+05:30"}`,
			protocol.Envelope{Version: protocol.V05, RequestID: id1, Timestamp: at}},
		{"v3 request", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", ts), `{"consent":{}}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at}},
		{"v3 underscore headers", protocol.V3, header("REQUEST_ID", id1, "TIMESTAMP", ts), `{}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at}},
		{"v3 callback", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", ts), `{"response":{"requestId":"` + id2 + `"}}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at, InResponseTo: id2}},
		{"v3 callback with resp", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", ts), `{"resp":{"requestId":"` + id2 + `"}}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at, InResponseTo: id2}},
		{"v3 response and resp agree", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", ts), `{"resp":{"requestId":"` + id2 + `"},"response":{"requestId":"` + id2 + `"}}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at, InResponseTo: id2}},
		{"v3 ignores body requestId", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", ts), `{"requestId":"nope","timestamp":"nope"}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at}},
		{"v3 zoneless timestamp", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", "2024-05-01T05:10:20.123"), `{}`,
			protocol.Envelope{Version: protocol.V3, RequestID: id1, Timestamp: at}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := protocol.ReadEnvelope(test.version, test.h, []byte(test.body))
			if err != nil {
				t.Fatalf("ReadEnvelope: %v", err)
			}
			if got != test.want {
				t.Errorf("ReadEnvelope = %+v, want %+v", got, test.want)
			}
		})
	}
}

// secret marks bad values: no error may repeat them.
const secret = "SECRETVALUE"

func TestReadEnvelopeRejects(t *testing.T) {
	okHead := header("REQUEST-ID", id1, "TIMESTAMP", ts)
	v05 := func(fields string) string {
		return `{` + fields + `}`
	}
	good := `"requestId":"` + id1 + `","timestamp":"` + ts + `"`
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	for _, test := range []struct {
		name    string
		version string
		h       http.Header
		body    string
		want    string // in the message
	}{
		{"empty body", protocol.V05, nil, ``, "JSON object"},
		{"null body", protocol.V05, nil, `null`, "JSON object"},
		{"array body", protocol.V05, nil, `[{"requestId":"` + id1 + `"}]`, "JSON object"},
		{"string body", protocol.V05, nil, `"` + secret + `"`, "JSON object"},
		{"number body", protocol.V05, nil, `1e999999`, "JSON object"},
		{"bool body", protocol.V05, nil, `true`, "JSON object"},
		{"truncated JSON", protocol.V05, nil, `{"requestId":"` + id1, "JSON object"},
		{"trailing garbage", protocol.V05, nil, v05(good) + `{}`, "JSON object"},
		{"deeply nested", protocol.V05, nil, v05(good + `,"x":` + deep), "JSON object"},
		{"deeply nested resp", protocol.V05, nil, v05(good + `,"resp":{"requestId":` + deep + `}`), "JSON object"},
		{"missing requestId", protocol.V05, nil, v05(`"timestamp":"` + ts + `"`), "requestId is required"},
		{"null requestId", protocol.V05, nil, v05(`"requestId":null,"timestamp":"` + ts + `"`), "requestId is required"},
		{"requestId wrong case key", protocol.V05, nil, v05(`"RequestId":"` + id1 + `","timestamp":"` + ts + `"`), "requestId is required"},
		{"requestId not a UUID", protocol.V05, nil, v05(`"requestId":"` + secret + `","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId empty", protocol.V05, nil, v05(`"requestId":"","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId huge number", protocol.V05, nil, v05(`"requestId":1e999999,"timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId object", protocol.V05, nil, v05(`"requestId":{},"timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId braced", protocol.V05, nil, v05(`"requestId":"{` + id1 + `}","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId urn", protocol.V05, nil, v05(`"requestId":"urn:uuid:` + id1 + `","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId bare hex", protocol.V05, nil, v05(`"requestId":"` + strings.ReplaceAll(id1, "-", "") + `","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"requestId spec example", protocol.V05, nil, v05(`"requestId":"a1s2c932-2f70-3ds3-a3b5-2sfd46b12a18d","timestamp":"` + ts + `"`), "requestId must be a UUID"},
		{"missing timestamp", protocol.V05, nil, v05(`"requestId":"` + id1 + `"`), "timestamp is required"},
		{"timestamp number", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":1714540220123`), "timestamp must be a string"},
		{"timestamp empty", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":""`), "timestamp is required"},
		{"timestamp garbage", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"` + secret + `"`), "timestamp must be"},
		{"timestamp date only", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01"`), "timestamp must be"},
		{"timestamp no seconds", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01T05:10Z"`), "timestamp must be"},
		{"timestamp space", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01 05:10:20Z"`), "timestamp must be"},
		{"timestamp 30 February", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-02-30T05:10:20Z"`), "timestamp must be"},
		{"timestamp hour 24", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01T24:00:00Z"`), "timestamp must be"},
		{"timestamp offset without colon", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01T05:10:20+0530"`), "timestamp must be"},
		{"timestamp trailing space", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"` + ts + ` "`), "timestamp must be"},
		{"timestamp zero", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"0001-01-01T00:00:00Z"`), "timestamp must be"},
		{"timestamp year 0 in UTC", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"0001-01-01T00:30:00+01:00"`), "timestamp must be"},
		{"timestamp year 10000 in UTC", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"9999-12-31T23:30:00-01:00"`), "timestamp must be"},
		{"timestamp too long", protocol.V05, nil, v05(`"requestId":"` + id1 + `","timestamp":"2024-05-01T05:10:20.` + strings.Repeat("1", 100) + `Z"`), "timestamp must be"},
		{"resp string", protocol.V05, nil, v05(good + `,"resp":"` + secret + `"`), "resp must be an object"},
		{"resp empty", protocol.V05, nil, v05(good + `,"resp":{}`), "resp.requestId is required"},
		{"resp bad ID", protocol.V05, nil, v05(good + `,"resp":{"requestId":"` + secret + `"}`), "resp.requestId must be a UUID"},
		{"resp huge number", protocol.V05, nil, v05(good + `,"resp":{"requestId":1e999999}`), "resp.requestId must be a UUID"},

		{"v3 no headers", protocol.V3, nil, `{}`, "REQUEST-ID header is required"},
		{"v3 body IDs only", protocol.V3, nil, v05(good), "REQUEST-ID header is required"},
		{"v3 bad REQUEST-ID", protocol.V3, header("REQUEST-ID", secret, "TIMESTAMP", ts), `{}`, "REQUEST-ID header must be a UUID"},
		{"v3 bad REQUEST_ID", protocol.V3, header("REQUEST_ID", secret, "TIMESTAMP", ts), `{}`, "REQUEST-ID header must be a UUID"},
		{"v3 no TIMESTAMP", protocol.V3, header("REQUEST-ID", id1), `{}`, "TIMESTAMP header is required"},
		{"v3 bad TIMESTAMP", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", secret), `{}`, "TIMESTAMP header must be"},
		{"v3 epoch millis TIMESTAMP", protocol.V3, header("REQUEST-ID", id1, "TIMESTAMP", "1714540220123"), `{}`, "TIMESTAMP header must be"},
		{"v3 empty body", protocol.V3, okHead, ``, "JSON object"},
		{"v3 array body", protocol.V3, okHead, `[]`, "JSON object"},
		{"v3 deeply nested", protocol.V3, okHead, `{"x":` + deep + `}`, "JSON object"},
		{"v3 response string", protocol.V3, okHead, `{"response":"` + secret + `"}`, "response must be an object"},
		{"v3 response bad ID", protocol.V3, okHead, `{"response":{"requestId":"` + secret + `"}}`, "response.requestId must be a UUID"},
		{"v3 resp bad ID", protocol.V3, okHead, `{"resp":{"requestId":"` + secret + `"}}`, "resp.requestId must be a UUID"},
		{"v3 response and resp disagree", protocol.V3, okHead, `{"response":{"requestId":"` + id1 + `"},"resp":{"requestId":"` + id2 + `"}}`, "disagree"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := protocol.ReadEnvelope(test.version, test.h, []byte(test.body))
			if err == nil {
				t.Fatalf("ReadEnvelope = %+v, nil; want an error", got)
			}
			var e *arogya.Error
			if !errors.As(err, &e) || e.Code != arogya.EINVALID || e.ABDMCode != "ABDM-1017" {
				t.Fatalf("error = %#v, want EINVALID with ABDM-1017", err)
			}
			if !strings.Contains(e.Message, test.want) {
				t.Errorf("message = %q, want it to contain %q", e.Message, test.want)
			}
			for _, leak := range []string{secret, id1, id2, "1e999999"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q echoes a value", err)
				}
			}
		})
	}
}

func TestReadEnvelopeUnknownVersion(t *testing.T) {
	_, err := protocol.ReadEnvelope("v1.0", nil, []byte(`{}`))
	if err == nil || arogya.ErrorCode(err) != arogya.EINTERNAL {
		t.Errorf("ReadEnvelope(v1.0) error = %v, want an internal error", err)
	}
}

func TestParseTimestamp(t *testing.T) {
	for _, test := range []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01T05:10:20.123Z", at},
		{"2024-05-01T05:10:20Z", at.Truncate(time.Second)},
		{"2024-05-01T10:40:20.123+05:30", at},
		{"2024-05-01T00:10:20.123-05:00", at},
		{"2024-05-01T05:10:20.123-00:00", at},
		{"2024-05-01T05:10:20.123456Z", at.Add(456 * time.Microsecond)},
		{"2024-05-01T05:10:20.123456789Z", at.Add(456789)},
		{"2024-05-01T05:10:20.123", at},
		{"2024-05-01T05:10:20.123456", at.Add(456 * time.Microsecond)},
		{"2024-05-01T05:10:20", at.Truncate(time.Second)},
		{"1990-01-01T00:00:00Z", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := protocol.ParseTimestamp(test.in)
		if err != nil {
			t.Errorf("ParseTimestamp(%q): %v", test.in, err)
			continue
		}
		if !got.Equal(test.want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, want %v in UTC", test.in, got, test.want)
		}
	}
}

func TestFormatTimestamp(t *testing.T) {
	for _, test := range []struct {
		in   time.Time
		want string
	}{
		{at, "2024-05-01T05:10:20.123Z"},
		{at.Truncate(time.Second), "2024-05-01T05:10:20.000Z"},
		{at.Add(999_999), "2024-05-01T05:10:20.123Z"}, // truncated, not rounded
		{at.In(time.FixedZone("IST", 5*3600+1800)), "2024-05-01T05:10:20.123Z"},
	} {
		if got := protocol.FormatTimestamp(test.in); got != test.want {
			t.Errorf("FormatTimestamp(%v) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestTargetHeader(t *testing.T) {
	for in, want := range map[string]string{"HIP": "X-HIP-ID", "HIU": "X-HIU-ID", "HIP,HIU": "", "": "", "hip": ""} {
		if got := protocol.TargetHeader(in); got != want {
			t.Errorf("TargetHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzReadEnvelope(f *testing.F) {
	f.Add(false, "", "", []byte(`{"requestId":"`+id1+`","timestamp":"`+ts+`","resp":{"requestId":"`+id2+`"}}`))
	f.Add(false, "", "", []byte(`{"requestId":"`+id1+`","timestamp":"2024-05-01T10:40:20+05:30"}`))
	f.Add(false, "", "", []byte(`{"requestId":"`+id1+`","timestamp":"0001-01-01T00:00:00.0001Z"}`))
	f.Add(false, "", "", []byte(`{"requestId":1e999999,"timestamp":null,"resp":[]}`))
	f.Add(true, id1, ts, []byte(`{"response":{"requestId":"`+id2+`"}}`))
	f.Add(true, id1, "2024-05-01T05:10:20.123456", []byte(`{"resp":{"requestId":"`+id2+`"},"response":null}`))
	f.Add(true, "{"+id1+"}", "x", []byte(`[[[[`))
	f.Fuzz(func(t *testing.T, v3 bool, requestID, timestamp string, body []byte) {
		version := protocol.V05
		if v3 {
			version = protocol.V3
		}
		h := http.Header{}
		h.Set("REQUEST-ID", requestID)
		h.Set("TIMESTAMP", timestamp)
		e, err := protocol.ReadEnvelope(version, h, body)
		if err != nil {
			if code := arogya.ErrorCode(err); code != arogya.EINVALID {
				t.Fatalf("error %v has code %q, want %q", err, code, arogya.EINVALID)
			}
			return
		}
		if e.Version != version {
			t.Fatalf("Version = %q, want %q", e.Version, version)
		}
		if _, err := uuid.Parse(e.RequestID); err != nil || len(e.RequestID) != 36 {
			t.Fatalf("RequestID %q is not a UUID", e.RequestID)
		}
		if e.InResponseTo != "" {
			if _, err := uuid.Parse(e.InResponseTo); err != nil || len(e.InResponseTo) != 36 {
				t.Fatalf("InResponseTo %q is not a UUID", e.InResponseTo)
			}
		}
		if e.Timestamp.IsZero() || e.Timestamp.Location() != time.UTC {
			t.Fatalf("Timestamp %v is zero or not UTC", e.Timestamp)
		}
		// What was read builds again and reads back the same, to the ms.
		hm, b, err := protocol.Build(version, e.RequestID, e.Timestamp, e.InResponseTo, nil)
		if err != nil {
			if e.Timestamp.Truncate(time.Millisecond).IsZero() {
				return // writes as the zero time: Build refuses it
			}
			t.Fatalf("Build(%+v): %v", e, err)
		}
		h2 := http.Header{}
		for k, v := range hm {
			h2.Set(k, v)
		}
		e2, err := protocol.ReadEnvelope(version, h2, b)
		if err != nil {
			t.Fatalf("ReadEnvelope(Build(%+v)): %v", e, err)
		}
		want := e
		want.Timestamp = e.Timestamp.Truncate(time.Millisecond)
		if e2 != want {
			t.Fatalf("round trip = %+v, want %+v", e2, want)
		}
	})
}
