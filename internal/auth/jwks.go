package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	arogya "github.com/arogya-health/arogya"
)

// maxJWKSSize bounds the JSON accepted by ParseJWKS.
const maxJWKSSize = 1 << 20

// JWK is one public key of a JWKS (RFC 7517): an RSA key (kty "RSA", n, e) or
// an Ed25519 key (kty "OKP", crv "Ed25519", x).
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// Key returns the key with that id.
func (s JWKS) Key(kid string) (JWK, bool) {
	for _, k := range s.Keys {
		if k.Kid == kid {
			return k, true
		}
	}
	return JWK{}, false
}

// PublicKey decodes the key into an *rsa.PublicKey or an ed25519.PublicKey.
// RSA moduli must be 2048 to 8192 bits.
func (k JWK) PublicKey() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := decodeB64URLInt(k.N)
		if err != nil {
			return nil, fmt.Errorf("jwk %q: n: %w", k.Kid, err)
		}
		if bits := n.BitLen(); bits < 2048 || bits > 8192 {
			return nil, fmt.Errorf("jwk %q: RSA modulus of %d bits, want 2048 to 8192", k.Kid, bits)
		}
		if n.Bit(0) == 0 {
			return nil, fmt.Errorf("jwk %q: RSA modulus is even", k.Kid)
		}
		e, err := decodeB64URLInt(k.E)
		if err != nil {
			return nil, fmt.Errorf("jwk %q: e: %w", k.Kid, err)
		}
		if e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0 {
			return nil, fmt.Errorf("jwk %q: bad RSA exponent", k.Kid)
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, fmt.Errorf("jwk %q: unsupported OKP curve %q", k.Kid, k.Crv)
		}
		x, err := base64.RawURLEncoding.Strict().DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("jwk %q: x is not a 32-byte base64url value", k.Kid)
		}
		return ed25519.PublicKey(x), nil
	default:
		return nil, fmt.Errorf("jwk %q: unsupported key type %q", k.Kid, k.Kty)
	}
}

func decodeB64URLInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(b) == 0 || b[0] == 0 {
		return nil, errors.New("empty or not minimal")
	}
	return new(big.Int).SetBytes(b), nil
}

// ParseJWKS decodes and checks a JWKS. Keys of types it does not support are
// dropped, as RFC 7517 §5 asks; a supported key that is malformed, or a
// repeated key id, is an error.
func ParseJWKS(b []byte) (JWKS, error) {
	if len(b) > maxJWKSSize {
		return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS is larger than %d bytes", maxJWKSSize)
	}
	var raw JWKS
	if err := json.Unmarshal(b, &raw); err != nil {
		return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS is not valid JSON")
	}
	if raw.Keys == nil {
		return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS has no \"keys\" array")
	}
	out := JWKS{Keys: []JWK{}}
	seen := map[string]bool{}
	for _, k := range raw.Keys {
		if k.Kty != "RSA" && !(k.Kty == "OKP" && k.Crv == "Ed25519") {
			continue
		}
		if _, err := k.PublicKey(); err != nil {
			return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS: %v", err)
		}
		if k.Kid == "" {
			return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS: a key has no kid")
		}
		if seen[k.Kid] {
			return JWKS{}, arogya.Errorf(arogya.EINVALID, "JWKS: key id %q appears twice", k.Kid)
		}
		seen[k.Kid] = true
		out.Keys = append(out.Keys, k)
	}
	return out, nil
}

// JWKS returns the public signing keys: RS256 keys of PurposeSign and EdDSA
// keys of PurposeCard and PurposeUser, active ones and those retired less than 30 days ago.
// Encryption keys are published through EncryptionPublicKeyPEM instead.
func (ks *Keys) JWKS() JWKS {
	now := ks.now()
	set := JWKS{Keys: []JWK{}}
	for _, p := range []string{PurposeSign, PurposeCard, PurposeUser} {
		for _, k := range ks.ofPurpose(p) {
			ks.mu.RLock()
			retired := k.retired
			ks.mu.RUnlock()
			if !retired.IsZero() && now.Sub(retired) >= retiredKeyGrace {
				continue
			}
			set.Keys = append(set.Keys, publicJWK(k))
		}
	}
	return set
}

// JWKSJSON returns JWKS as JSON, ready to serve at /.well-known/jwks.json.
func (ks *Keys) JWKSJSON() []byte {
	b, err := json.Marshal(ks.JWKS())
	if err != nil {
		panic("auth: marshal JWKS: " + err.Error()) // plain strings cannot fail
	}
	return b
}

func publicJWK(k *key) JWK {
	j := JWK{Use: "sig", Alg: k.alg, Kid: k.id}
	switch pub := k.priv.Public().(type) {
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
		j.E = base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case ed25519.PublicKey:
		j.Kty = "OKP"
		j.Crv = "Ed25519"
		j.X = base64.RawURLEncoding.EncodeToString(pub)
	}
	return j
}
