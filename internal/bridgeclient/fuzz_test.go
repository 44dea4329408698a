package bridgeclient

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/protocol"
)

// FuzzParseSession: whatever the gateway answers to a session request, a
// session read from it has a token and a positive life, and the life is
// the answer's expiresIn when that is positive.
func FuzzParseSession(f *testing.F) {
	f.Add([]byte(`{"accessToken":"t","expiresIn":1200}`))
	f.Add([]byte(`{"accessToken":"t","expiresIn":0,"refreshToken":"r","tokenType":"bearer"}`))
	f.Add([]byte(`{"accessToken":"t","expiresIn":-3}`))
	f.Add([]byte(`{"accessToken":"","expiresIn":10}`))
	f.Add([]byte(`{"accessToken":"t","expiresIn":1e99}`))
	f.Add([]byte(`{"accessToken":"t","expiresIn":"600"}`))
	f.Add([]byte(`{"accessToken":7}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, life, ok := parseSession(body)
		if !ok {
			if tok != "" || life != 0 {
				t.Fatalf("not a session, yet %q, %v", tok, life)
			}
			return
		}
		if tok == "" || life <= 0 {
			t.Fatalf("a session with token %q, life %v", tok, life)
		}
		var s struct{ ExpiresIn int }
		if json.Unmarshal(body, &s) == nil && s.ExpiresIn > 0 && life != time.Duration(s.ExpiresIn)*time.Second {
			t.Fatalf("life %v for expiresIn %d", life, s.ExpiresIn)
		}
	})
}

// FuzzJWSHeader: a token is "signed" only with three segments, and an
// alg and kid are read only from a header that is base64url JSON.
func FuzzJWSHeader(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.sig")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b")
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, jws string) {
		alg, kid, ok := jwsHeader(jws)
		if ok != (strings.Count(jws, ".") == 2) {
			t.Fatalf("ok = %v for %d dots", ok, strings.Count(jws, "."))
		}
		if !ok && (alg != "" || kid != "") {
			t.Fatalf("alg %q, kid %q of no token", alg, kid)
		}
	})
}

// FuzzVerifyGatewayToken: no token is taken but one the gateway's key
// signed, and every refusal is EUNAUTHORIZED (the keys are there).
func FuzzVerifyGatewayToken(f *testing.F) {
	gk, ok := keys(f)
	exp := float64(epoch.Add(time.Hour).Unix())
	good := sign(f, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp})
	f.Add(good)
	f.Add(sign(f, gk, "k1", jwt.MapClaims{"clientId": "gateway", "exp": exp}))
	f.Add(sign(f, gk, "k1", jwt.MapClaims{"sub": "bridge", "exp": exp}))
	f.Add(sign(f, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": float64(epoch.Add(-time.Hour).Unix())}))
	f.Add(sign(f, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": 1e300}))
	f.Add(sign(f, gk, "k2", jwt.MapClaims{"sub": "gateway", "exp": exp}))
	f.Add(sign(f, ok, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp}))
	f.Add(good[:strings.LastIndex(good, ".")+1])
	f.Add("eyJhbGciOiJub25lIiwia2lkIjoiazEifQ.eyJzdWIiOiJnYXRld2F5In0.")
	f.Add("not.a.token")
	g := newFakeGateway(f)
	c := g.client(protocol.V05, &clock{t: epoch})
	f.Fuzz(func(t *testing.T, token string) {
		err := c.VerifyGatewayToken(context.Background(), token)
		if err == nil {
			// A token taken verifies, by golang-jwt, as RS256 under the
			// gateway's key.
			_, err := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"RS256"})).Parse(token,
				func(*jwt.Token) (any, error) { return &gk.PublicKey, nil })
			if err != nil {
				t.Fatalf("took %q, which golang-jwt refuses: %v", token, err)
			}
			return
		}
		if arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
			t.Fatalf("refused %q with %v", token, err)
		}
	})
}

// FuzzVerifyArtefact: a signature over one consentDetail holds for that
// detail however it is written, and for no other.
func FuzzVerifyArtefact(f *testing.F) {
	gk, _ := keys(f)
	detail := `{"consentId":"c1","hip":{"id":"IN1"},"hiTypes":["Prescription"],"n":1}`
	var claims jwt.MapClaims
	if err := json.Unmarshal([]byte(detail), &claims); err != nil {
		f.Fatal(err)
	}
	sig := sign(f, gk, "k1", claims)
	f.Add([]byte(detail))
	f.Add([]byte(`{"n":1.0,"hiTypes":["Prescription"],"hip":{"id":"IN1"},"consentId":"c1"}`))
	f.Add([]byte(`{"consentId":"c1","hip":{"id":"IN1"},"hiTypes":["Prescription"],"n":1,"extra":true}`))
	f.Add([]byte(`{"consentId":"c1"}`))
	f.Add([]byte(`null`))
	g := newFakeGateway(f)
	c := g.client(protocol.V05, &clock{t: epoch})
	var want any
	json.Unmarshal([]byte(detail), &want)
	f.Fuzz(func(t *testing.T, other []byte) {
		err := c.VerifyArtefact(context.Background(), other, sig)
		var got any
		same := json.Unmarshal(other, &got) == nil && jsonSame(got, want)
		if (err == nil) != same {
			t.Fatalf("VerifyArtefact(%q) = %v; the same detail: %v", other, err, same)
		}
		if err != nil && arogya.ErrorMessage(err) != "the signature is not over this consentDetail" {
			t.Fatalf("refused %q with %v", other, err)
		}
	})
}

// jsonSame compares decoded JSON by its canonical encoding (sorted keys),
// independently of the DeepEqual the client uses.
func jsonSame(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
