package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	arogya "github.com/arogya-health/arogya"
)

// CardJWSType is the "typ" header of compact signatures made by SignCompact.
const CardJWSType = "abha-card+jws"

// maxCompactSize bounds the tokens VerifyCompact accepts; card payloads are
// a few hundred bytes.
const maxCompactSize = 64 << 10

type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

var b64 = base64.RawURLEncoding.Strict()

// SignCompact signs payload with the active card key and returns a compact
// JWS (RFC 7515) with header {"alg":"EdDSA","kid":…,"typ":"abha-card+jws"}.
func (ks *Keys) SignCompact(payload []byte) (string, error) {
	k := ks.activeKey(PurposeCard)
	if k == nil {
		return "", errors.New("auth: no active card key")
	}
	h, err := json.Marshal(jwsHeader{Alg: AlgEdDSA, Kid: k.id, Typ: CardJWSType})
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	sig := ed25519.Sign(k.priv.(ed25519.PrivateKey), []byte(input))
	return input + "." + b64.EncodeToString(sig), nil
}

// VerifyCompact verifies a compact JWS offline against a JWKS and returns its
// payload and key id. EdDSA (Ed25519) and RS256 signatures are supported; the
// key named by "kid" must be of the matching type, and if the JWK names an
// algorithm it must be the header's. Any failure is an EINVALID error.
func VerifyCompact(jwks JWKS, token string) (payload []byte, kid string, err error) {
	if len(token) > maxCompactSize {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed data is too large")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed data is not a compact JWS")
	}
	hb, err1 := b64.DecodeString(parts[0])
	payload, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed data is not valid base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed data has a malformed header")
	}
	if h.Crit != nil {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed data has unsupported critical headers")
	}
	jwk, ok := jwks.Key(h.Kid)
	if !ok || h.Kid == "" {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signed with an unknown key")
	}
	if jwk.Alg != "" && jwk.Alg != h.Alg {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signature algorithm does not match the key")
	}
	pub, err := jwk.PublicKey()
	if err != nil {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signing key is unusable")
	}
	input := []byte(token[:len(parts[0])+1+len(parts[1])])
	valid := false
	switch p := pub.(type) {
	case ed25519.PublicKey:
		valid = h.Alg == AlgEdDSA && ed25519.Verify(p, input, sig)
	case *rsa.PublicKey:
		if h.Alg == AlgRS256 {
			d := sha256.Sum256(input)
			valid = rsa.VerifyPKCS1v15(p, crypto.SHA256, d[:], sig) == nil
		}
	}
	if !valid {
		return nil, "", arogya.Errorf(arogya.EINVALID, "signature does not verify")
	}
	return payload, h.Kid, nil
}
