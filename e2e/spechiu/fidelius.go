package main

// Fidelius, ABDM's health-data encryption, written from the spec alone
// (abdm-protocol.md §5; shared/reference/crypto-vectors): ECDH on
// BouncyCastle's "curve25519", the short-Weierstrass form of Curve25519,
// with unclamped scalars (not RFC 7748 X25519); HKDF-SHA256 over the
// shared x-coordinate with the first 20 bytes of the XOR of the two
// nonces as salt; AES-256-GCM with the XOR's last 12 bytes as IV.
//
// The arithmetic is plain affine math/big and not constant-time: this is
// a test program standing in for an HIU, not production code.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// The curve, §5.1: y² = x³ + a·x + b mod p, base point G of order n.
var (
	curveP  = hexInt("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed")
	curveA  = hexInt("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a144")
	curveB  = hexInt("7b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c864")
	curveGx = hexInt("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a")
	curveGy = hexInt("20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9")
	curveN  = hexInt("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed")
)

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad curve constant " + s)
	}
	return v
}

// point is an affine point; nil is the point at infinity.
type point struct{ x, y *big.Int }

func onCurve(q *point) bool {
	if q == nil || q.x.Sign() < 0 || q.y.Sign() < 0 || q.x.Cmp(curveP) >= 0 || q.y.Cmp(curveP) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(q.y, q.y)
	lhs.Mod(lhs, curveP)
	rhs := new(big.Int).Mul(q.x, q.x)
	rhs.Add(rhs, curveA).Mul(rhs, q.x).Add(rhs, curveB).Mod(rhs, curveP)
	return lhs.Cmp(rhs) == 0
}

func add(p1, p2 *point) *point {
	switch {
	case p1 == nil:
		return p2
	case p2 == nil:
		return p1
	}
	var l *big.Int
	if p1.x.Cmp(p2.x) == 0 {
		if sum := new(big.Int).Add(p1.y, p2.y); sum.Mod(sum, curveP).Sign() == 0 {
			return nil // P + (−P)
		}
		// λ = (3x² + a) / 2y
		num := new(big.Int).Mul(p1.x, p1.x)
		num.Mul(num, big.NewInt(3)).Add(num, curveA)
		den := new(big.Int).Lsh(p1.y, 1)
		l = num.Mul(num, den.ModInverse(den.Mod(den, curveP), curveP))
	} else {
		num := new(big.Int).Sub(p2.y, p1.y)
		den := new(big.Int).Sub(p2.x, p1.x)
		den.Mod(den, curveP)
		l = num.Mul(num, den.ModInverse(den, curveP))
	}
	l.Mod(l, curveP)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, p1.x).Sub(x, p2.x).Mod(x, curveP)
	y := new(big.Int).Sub(p1.x, x)
	y.Mul(y, l).Sub(y, p1.y).Mod(y, curveP)
	return &point{x, y}
}

// mul is k·q by double-and-add. The scalar is used as it is: no clamping.
func mul(k *big.Int, q *point) *point {
	var r *point
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = add(r, r)
		if k.Bit(i) == 1 {
			r = add(r, q)
		}
	}
	return r
}

var curveG = &point{curveGx, curveGy}

// fideliusKey is a key pair: d and d·G.
type fideliusKey struct {
	d   *big.Int
	pub *point
}

// newFideliusKey makes a key pair with d uniform in [1, n−1].
func newFideliusKey() (*fideliusKey, error) {
	for {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		b[0] &= 0x1f // below 2^253, then rejected unless < n
		d := new(big.Int).SetBytes(b)
		if d.Sign() > 0 && d.Cmp(curveN) < 0 {
			return keyFromScalar(d), nil
		}
	}
}

func keyFromScalar(d *big.Int) *fideliusKey { return &fideliusKey{d: d, pub: mul(d, curveG)} }

// parsePrivateKey reads a private key as Java's BigInteger.toByteArray()
// writes it (§5.2): big-endian, minimal length, 1–33 bytes.
func parsePrivateKey(b64 string) (*fideliusKey, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) == 0 || len(b) > 33 {
		return nil, errors.New("the private key is not 1–33 bytes of base64")
	}
	d := new(big.Int).SetBytes(b)
	if d.Sign() == 0 || d.Cmp(curveN) >= 0 {
		return nil, errors.New("the private key is out of range")
	}
	return keyFromScalar(d), nil
}

// rawPublicKey is the uncompressed point 0x04‖X‖Y, 65 bytes (§5.2).
func rawPublicKey(q *point) []byte {
	out := make([]byte, 65)
	out[0] = 4
	q.x.FillBytes(out[1:33])
	q.y.FillBytes(out[33:])
	return out
}

// parsePublicKey reads a peer's dhPublicKey.keyValue: the raw point (88
// base64 characters, what an HIU sends) or an X.509 SubjectPublicKeyInfo
// with the point in its BIT STRING (what HIPs send back), §5.2. The point
// must be on the curve.
func parsePublicKey(b64 string) (*point, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("the public key is not base64")
	}
	raw := b
	if len(b) != 65 {
		var spki struct {
			Algorithm asn1.RawValue
			Key       asn1.BitString
		}
		rest, err := asn1.Unmarshal(b, &spki)
		if err != nil || len(rest) != 0 || spki.Key.BitLength != 8*len(spki.Key.Bytes) {
			return nil, errors.New("the public key is neither a 65-byte point nor an X.509 SubjectPublicKeyInfo")
		}
		raw = spki.Key.Bytes
	}
	if len(raw) != 65 || raw[0] != 4 {
		return nil, errors.New("the public key is not an uncompressed point")
	}
	q := &point{new(big.Int).SetBytes(raw[1:33]), new(big.Int).SetBytes(raw[33:])}
	if !onCurve(q) {
		return nil, errors.New("the public key is not on the curve")
	}
	return q, nil
}

// sharedSecret is the x-coordinate of own·peer, 32 bytes big-endian, as
// the Java reference gives it (§5.3, §5.4).
func sharedSecret(own *fideliusKey, peer *point) ([]byte, error) {
	s := mul(own.d, peer)
	if s == nil {
		return nil, errors.New("the shared point is at infinity")
	}
	return s.x.FillBytes(make([]byte, 32)), nil
}

// xorNonces is senderNonce[i] XOR requesterNonce[i mod len], §5.3.
func xorNonces(sender, requester []byte) ([]byte, error) {
	if len(sender) < 20 || len(requester) == 0 {
		return nil, errors.New("a nonce is too short")
	}
	out := make([]byte, len(sender))
	for i := range sender {
		out[i] = sender[i] ^ requester[i%len(requester)]
	}
	return out, nil
}

// aeadFor is AES-256-GCM keyed by HKDF-SHA256(shared, salt = xor[:20]).
func aeadFor(shared, xor []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, shared, xor[:20], "", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// fideliusEncrypt encrypts as the sender (the HIP's side), with the
// 32-byte shared secret.
func fideliusEncrypt(own *fideliusKey, ownNonce []byte, peer *point, peerNonce, plain []byte) ([]byte, error) {
	shared, err := sharedSecret(own, peer)
	if err != nil {
		return nil, err
	}
	xor, err := xorNonces(ownNonce, peerNonce)
	if err != nil {
		return nil, err
	}
	aead, err := aeadFor(shared, xor)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nil, xor[len(xor)-12:], plain, nil), nil
}

// fideliusDecrypt decrypts as the requester (the HIU's side). When the
// 32-byte shared secret does not authenticate and it starts with zero
// bytes, it tries again with them stripped, as minimal-length senders
// derive the key (§5.4).
func fideliusDecrypt(own *fideliusKey, ownNonce []byte, peer *point, peerNonce, ct []byte) ([]byte, error) {
	shared, err := sharedSecret(own, peer)
	if err != nil {
		return nil, err
	}
	xor, err := xorNonces(peerNonce, ownNonce)
	if err != nil {
		return nil, err
	}
	iv := xor[len(xor)-12:]
	aead, err := aeadFor(shared, xor)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, iv, ct, nil)
	if err == nil {
		return plain, nil
	}
	if stripped := bytes.TrimLeft(shared, "\x00"); len(stripped) < len(shared) {
		if aead, err2 := aeadFor(stripped, xor); err2 == nil {
			if plain, err2 := aead.Open(nil, iv, ct, nil); err2 == nil {
				return plain, nil
			}
		}
	}
	return nil, fmt.Errorf("the content does not decrypt: %w", err)
}

// keyMaterial is the spec's KeyMaterial object (§3.6).
type keyMaterial struct {
	CryptoAlg   string `json:"cryptoAlg"`
	Curve       string `json:"curve"`
	DHPublicKey struct {
		Expiry     string `json:"expiry"`
		Parameters string `json:"parameters"`
		KeyValue   string `json:"keyValue"`
	} `json:"dhPublicKey"`
	Nonce string `json:"nonce"`
}

// newKeyMaterial makes the HIU's key material for a request: a fresh key
// pair, its public key as the raw uncompressed point as an HIU sends it
// (§5.2), and a 32-byte nonce.
func newKeyMaterial(now time.Time) (*keyMaterial, *fideliusKey, []byte, error) {
	key, err := newFideliusKey()
	if err != nil {
		return nil, nil, nil, err
	}
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, nil, err
	}
	km := &keyMaterial{CryptoAlg: "ECDH", Curve: "Curve25519", Nonce: base64.StdEncoding.EncodeToString(nonce)}
	km.DHPublicKey.Expiry = specbridge.Timestamp(now.Add(time.Hour))
	km.DHPublicKey.Parameters = "Curve25519/32byte random key"
	km.DHPublicKey.KeyValue = base64.StdEncoding.EncodeToString(rawPublicKey(key.pub))
	return km, key, nonce, nil
}
