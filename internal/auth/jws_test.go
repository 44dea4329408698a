package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	arogya "github.com/arogya-health/arogya"
	"github.com/golang-jwt/jwt/v5"
)

func TestJWKS(t *testing.T) {
	ks := sharedKeys(t)
	set, err := ParseJWKS(ks.JWKSJSON())
	if err != nil {
		t.Fatalf("ParseJWKS(JWKSJSON()): %v", err)
	}
	if len(set.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3 (sign, card and user)", len(set.Keys))
	}
	userJWK, ok := set.Key(ks.ActiveKeyID(PurposeUser))
	if !ok || userJWK.Kty != "OKP" || userJWK.Alg != "EdDSA" {
		t.Errorf("user JWK = %+v", userJWK)
	}
	signJWK, ok := set.Key(ks.ActiveKeyID(PurposeSign))
	if !ok || signJWK.Kty != "RSA" || signJWK.Alg != "RS256" || signJWK.Use != "sig" || signJWK.E != "AQAB" || signJWK.N == "" {
		t.Errorf("sign JWK = %+v", signJWK)
	}
	cardJWK, ok := set.Key(ks.ActiveKeyID(PurposeCard))
	if !ok || cardJWK.Kty != "OKP" || cardJWK.Crv != "Ed25519" || cardJWK.Alg != "EdDSA" || cardJWK.Use != "sig" || len(cardJWK.X) != 43 {
		t.Errorf("card JWK = %+v", cardJWK)
	}
	if _, ok := set.Key(ks.ActiveKeyID(PurposeEncrypt)); ok {
		t.Error("JWKS publishes the encryption key as a signing key")
	}
	var raw map[string][]map[string]any
	json.Unmarshal(ks.JWKSJSON(), &raw)
	for _, k := range raw["keys"] {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS key %v carries private member %q", k["kid"], private)
			}
		}
	}
}

func TestParseJWKS(t *testing.T) {
	good := sharedKeys(t).JWKS()
	rsa, card := good.Keys[0], good.Keys[1]
	enc := func(keys ...any) string {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return string(b)
	}
	with := func(k JWK, f func(*JWK)) JWK { f(&k); return k }
	ok := map[string]string{
		"ours":          enc(rsa, card),
		"empty set":     `{"keys":[]}`,
		"unknown kty":   enc(rsa, map[string]string{"kty": "EC", "crv": "P-256", "kid": "ec"}),
		"unknown curve": enc(map[string]string{"kty": "OKP", "crv": "X25519", "x": "AA", "kid": "x"}),
	}
	for name, in := range ok {
		if _, err := ParseJWKS([]byte(in)); err != nil {
			t.Errorf("%s: ParseJWKS: %v", name, err)
		}
	}
	if set, _ := ParseJWKS([]byte(ok["unknown kty"])); len(set.Keys) != 1 {
		t.Errorf("unknown key type was kept: %+v", set.Keys)
	}
	bad := map[string]string{
		"not json":      "{",
		"no keys":       `{}`,
		"keys null":     `{"keys":null}`,
		"duplicate kid": enc(rsa, rsa),
		"no kid":        enc(with(card, func(k *JWK) { k.Kid = "" })),
		"short x":       enc(with(card, func(k *JWK) { k.X = "AAAA" })),
		"padded x":      enc(with(card, func(k *JWK) { k.X += "=" })),
		"small n":       enc(with(rsa, func(k *JWK) { k.N = base64.RawURLEncoding.EncodeToString(make([]byte, 64)) })),
		"even e":        enc(with(rsa, func(k *JWK) { k.E = "AQAA" })),
		"e one":         enc(with(rsa, func(k *JWK) { k.E = "AQ" })),
		"leading zero":  enc(with(rsa, func(k *JWK) { k.E = "AAEAAQ" })),
		"huge":          `{"keys":[` + strings.Repeat(" ", maxJWKSSize) + `]}`,
	}
	for name, in := range bad {
		if _, err := ParseJWKS([]byte(in)); arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("%s: ParseJWKS err = %v, want EINVALID", name, err)
		}
	}
}

func TestSignVerifyCompact(t *testing.T) {
	ks := sharedKeys(t)
	set := ks.JWKS()
	payload := []byte(`{"abhaNumber":"91-0000-0000-0000","name":"Test"}`)
	tok, err := ks.SignCompact(payload)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	var hdr map[string]string
	json.Unmarshal(h, &hdr)
	if hdr["alg"] != "EdDSA" || hdr["typ"] != "abha-card+jws" || hdr["kid"] != ks.ActiveKeyID(PurposeCard) {
		t.Errorf("header = %s", h)
	}
	got, kid, err := VerifyCompact(set, tok)
	if err != nil || string(got) != string(payload) || kid != ks.ActiveKeyID(PurposeCard) {
		t.Fatalf("VerifyCompact = %q, %q, %v", got, kid, err)
	}

	// An RS256 JWT is a compact JWS too: it verifies against the sign key.
	jwtTok, _ := ks.SignJWT(jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()})
	if _, kid, err := VerifyCompact(set, jwtTok); err != nil || kid != ks.ActiveKeyID(PurposeSign) {
		t.Errorf("RS256: kid %q, err %v", kid, err)
	}

	parts := strings.Split(tok, ".")
	other, _ := NewKeys(t.Context(), &memKeyStore{}, testMaster, KeysOptions{})
	foreign, _ := other.SignCompact(payload)
	swapAlg := func(tok, alg string) string {
		p := strings.Split(tok, ".")
		h, _ := base64.RawURLEncoding.DecodeString(p[0])
		var m map[string]any
		json.Unmarshal(h, &m)
		m["alg"] = alg
		nh, _ := json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(nh) + "." + p[1] + "." + p[2]
	}
	crit := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"` + hdr["kid"] + `","crit":["exp"]}`))
	bad := map[string]string{
		"payload changed": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"abhaNumber":"91-0000-0000-0001"}`)) + "." + parts[2],
		"sig changed":     parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"foreign key":     foreign,
		"alg RS256":       swapAlg(tok, "RS256"),
		"alg none":        swapAlg(tok, "none"),
		"jwt as EdDSA":    swapAlg(jwtTok, "EdDSA"),
		"crit":            crit + "." + parts[1] + "." + parts[2],
		"two parts":       parts[0] + "." + parts[1],
		"four parts":      tok + ".x",
		"padded":          tok + "=",
		"empty":           "",
		"huge":            strings.Repeat("a", maxCompactSize+1),
	}
	for name, in := range bad {
		if _, _, err := VerifyCompact(set, in); arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if _, _, err := VerifyCompact(JWKS{}, tok); err == nil {
		t.Error("VerifyCompact with an empty JWKS succeeded")
	}
}

func FuzzParseJWKS(f *testing.F) {
	f.Add(sharedKeys(f).JWKSJSON())
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := ParseJWKS(b)
		if err != nil {
			return
		}
		for _, k := range set.Keys {
			if _, err := k.PublicKey(); err != nil {
				t.Fatalf("ParseJWKS kept an unusable key: %v", err)
			}
		}
	})
}

func FuzzVerifyCompact(f *testing.F) {
	ks := sharedKeys(f)
	set := ks.JWKS()
	tok, _ := ks.SignCompact([]byte(`{"n":1}`))
	jwtTok, _ := ks.SignJWT(jwt.MapClaims{"exp": 1})
	f.Add(tok)
	f.Add(jwtTok)
	f.Add("e30.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		payload, kid, err := VerifyCompact(set, s)
		if err != nil {
			return
		}
		// Anything that verifies must have been signed by us: it is one of
		// the seeds or differs from them only in ways that do not change
		// the signed bytes.
		if _, ok := set.Key(kid); !ok || payload == nil {
			t.Fatalf("verified with unknown kid %q", kid)
		}
		if s != tok && s != jwtTok {
			t.Fatalf("a token that was never signed verified: %q", s)
		}
	})
}
