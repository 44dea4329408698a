package fidelius

import (
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"sync"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// Sizes of the encodings, in bytes.
const (
	PublicKeySize     = 65  // uncompressed point 0x04 ‖ X ‖ Y
	X509PublicKeySize = 309 // SubjectPublicKeyInfo with explicit parameters
)

// PrivateKey is a Fidelius private key: a scalar d with 1 ≤ d < n, used
// unclamped, as BouncyCastle does. Its methods are safe for concurrent use.
type PrivateKey struct {
	d edwards25519.Scalar
	// k is the ladder scalar 8·(8⁻¹·d mod n), little-endian: BouncyCastle's
	// ECDHBasicAgreement multiplies the peer point by the cofactor 8 and d
	// by 8⁻¹ mod n, which gives d·Q for every point of order n and ignores
	// a small-order component a malicious peer might add.
	k [32]byte

	once sync.Once
	pub  *PublicKey
}

// PublicKey is a Fidelius public key: a point on the curve whose order is
// greater than 8. Values are immutable and safe for concurrent use.
type PublicKey struct {
	raw [PublicKeySize]byte // 0x04 ‖ X ‖ Y, big-endian
	u   field.Element       // X − A/3, the Montgomery u-coordinate
}

// GenerateKey returns a new private key with d uniform in [1, n−1], read
// from rand (crypto/rand.Reader when nil).
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	if rand == nil {
		rand = crand.Reader
	}
	var b [64]byte
	defer clear(b[:])
	zero := edwards25519.NewScalar()
	for {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, fmt.Errorf("fidelius: generate key: %w", err)
		}
		// A wide reduction: the bias is below 2^-250.
		s, err := edwards25519.NewScalar().SetUniformBytes(b[:])
		if err != nil {
			return nil, fmt.Errorf("fidelius: generate key: %w", err)
		}
		if s.Equal(zero) == 0 {
			return newPrivateKey(s), nil
		}
	}
}

// NewPrivateKey returns the private key whose scalar d is the big-endian
// unsigned integer b: 1 to 33 bytes, as Java's BigInteger.toByteArray
// writes it (usually 32 bytes; fewer when d is small; a 33rd leading zero
// byte is allowed). It returns an error wrapping ErrInvalidPrivateKey
// unless 1 ≤ d < n.
func NewPrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) == 0 || len(b) > 33 {
		return nil, fmt.Errorf("%w: %d bytes, want 1 to 33", ErrInvalidPrivateKey, len(b))
	}
	var be [33]byte
	defer clear(be[:])
	copy(be[33-len(b):], b)
	if be[0] != 0 {
		return nil, fmt.Errorf("%w: not less than the group order", ErrInvalidPrivateKey)
	}
	var le [32]byte
	defer clear(le[:])
	for i := range le {
		le[i] = be[32-i]
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(le[:])
	if err != nil {
		return nil, fmt.Errorf("%w: not less than the group order", ErrInvalidPrivateKey)
	}
	if s.Equal(edwards25519.NewScalar()) == 1 {
		return nil, fmt.Errorf("%w: zero", ErrInvalidPrivateKey)
	}
	return newPrivateKey(s), nil
}

// ParsePrivateKey decodes a private key written in standard base64, as
// fidelius-cli prints it ("privateKey"). See NewPrivateKey.
func ParsePrivateKey(s string) (*PrivateKey, error) {
	if len(s) > base64.StdEncoding.EncodedLen(33) {
		return nil, fmt.Errorf("%w: %d base64 characters, too long", ErrInvalidPrivateKey, len(s))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	defer clear(b)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64", ErrInvalidPrivateKey)
	}
	return NewPrivateKey(b)
}

func newPrivateKey(s *edwards25519.Scalar) *PrivateKey {
	k := &PrivateKey{}
	k.d.Set(s)
	var t edwards25519.Scalar
	t.Multiply(s, invCofactor)
	le := t.Bytes() // < n < 2^253, so 8·t fits in 256 bits
	var carry byte
	for i := range k.k {
		k.k[i] = le[i]<<3 | carry
		carry = le[i] >> 5
	}
	clear(le)
	return k
}

// Bytes returns d as Java's BigInteger.toByteArray writes it, which is
// what Java peers decode with new BigInteger(bytes): big-endian, without
// leading zero bytes except one that keeps the sign bit clear. That is
// usually 32 bytes and sometimes fewer.
func (k *PrivateKey) Bytes() []byte {
	le := k.d.Bytes()
	defer clear(le)
	be := make([]byte, 33)
	for i := range 32 {
		be[32-i] = le[i]
	}
	i := 0
	for i < 32 && be[i] == 0 && be[i+1]&0x80 == 0 {
		i++
	}
	out := append([]byte(nil), be[i:]...)
	clear(be)
	return out
}

// Base64 returns Bytes in standard base64: fidelius-cli's "privateKey".
func (k *PrivateKey) Base64() string {
	b := k.Bytes()
	defer clear(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Public returns the public key d·G.
func (k *PrivateKey) Public() *PublicKey {
	k.once.Do(func() {
		x, y := baseMult(&k.d)
		k.pub = newPublicKeyFromCoordinates(x, y)
	})
	return k.pub
}

// ECDH returns the shared secret with the peer's public key: the
// x-coordinate of d·Q, 32 bytes big-endian, zero-padded as BouncyCastle's
// KeyAgreement ("ECDH", "BC") returns it. It runs in constant time with
// respect to the private key.
func (k *PrivateKey) ECDH(peer *PublicKey) ([]byte, error) {
	if peer == nil || peer.raw[0] != 4 {
		return nil, fmt.Errorf("%w: missing", ErrInvalidPublicKey)
	}
	var x, z field.Element
	ladder(&x, &z, &k.k, &peer.u)
	if z.Equal(new(field.Element).Zero()) == 1 {
		// Only for points of small order, which parsing rejects.
		return nil, fmt.Errorf("%w: the agreement is the point at infinity", ErrInvalidPublicKey)
	}
	x.Multiply(&x, z.Invert(&z))
	x.Add(&x, aThird)
	out := make([]byte, 32)
	putBE(out, &x)
	return out, nil
}

func newPublicKeyFromCoordinates(x, y *field.Element) *PublicKey {
	p := &PublicKey{}
	p.raw[0] = 4
	putBE(p.raw[1:33], x)
	putBE(p.raw[33:65], y)
	p.u.Subtract(x, aThird)
	return p
}

// NewPublicKey decodes a public key in either of the forms ABDM peers send:
// the 65-byte uncompressed point 0x04 ‖ X ‖ Y (what HIUs send and
// fidelius-cli calls "publicKey"), or a DER SubjectPublicKeyInfo with
// BouncyCastle's explicit curve parameters (what HIPs send, "x509PublicKey").
// It rejects, with an error wrapping ErrInvalidPublicKey, anything that is
// not a point on the curve, and points of small order.
//
// BouncyCastle also refuses points outside the subgroup of order n, at the
// cost of a scalar multiplication by n. This package accepts them, since
// ECDH, like BouncyCastle's, ignores their small-order component; honest
// keys are always in the subgroup.
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) == PublicKeySize {
		return newRawPublicKey(b)
	}
	return parseX509(b)
}

// ParsePublicKey decodes a public key written in standard base64, in either
// form NewPublicKey accepts: 88 characters for the raw point, 412 for the
// X.509 form.
func ParsePublicKey(s string) (*PublicKey, error) {
	if len(s) > base64.StdEncoding.EncodedLen(maxX509Size) {
		return nil, fmt.Errorf("%w: %d base64 characters, too long", ErrInvalidPublicKey, len(s))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64", ErrInvalidPublicKey)
	}
	return NewPublicKey(b)
}

func newRawPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("%w: point is %d bytes, want %d", ErrInvalidPublicKey, len(b), PublicKeySize)
	}
	if b[0] != 4 {
		return nil, fmt.Errorf("%w: point does not start with 0x04 (uncompressed)", ErrInvalidPublicKey)
	}
	x, okx := elementFromBE(b[1:33])
	y, oky := elementFromBE(b[33:65])
	if !okx || !oky {
		return nil, fmt.Errorf("%w: coordinate not less than p", ErrInvalidPublicKey)
	}
	if !onCurve(x, y) {
		return nil, fmt.Errorf("%w: point is not on the curve", ErrInvalidPublicKey)
	}
	p := newPublicKeyFromCoordinates(x, y)
	if hasSmallOrder(&p.u) {
		return nil, fmt.Errorf("%w: point of small order", ErrInvalidPublicKey)
	}
	return p, nil
}

// Bytes returns the 65-byte uncompressed point 0x04 ‖ X ‖ Y.
func (p *PublicKey) Bytes() []byte {
	return append([]byte(nil), p.raw[:]...)
}

// Base64 returns Bytes in standard base64 (88 characters): fidelius-cli's
// "publicKey", and what an HIU sends in keyMaterial.
func (p *PublicKey) Base64() string {
	return base64.StdEncoding.EncodeToString(p.raw[:])
}

// X509 returns the key as a DER SubjectPublicKeyInfo with explicit curve
// parameters, byte for byte as BouncyCastle's getEncoded writes it.
func (p *PublicKey) X509() []byte {
	out := make([]byte, 0, X509PublicKeySize)
	out = append(out, x509Prefix...)
	return append(out, p.raw[:]...)
}

// X509Base64 returns X509 in standard base64 (412 characters):
// fidelius-cli's "x509PublicKey", and what an HIP sends in keyMaterial.
func (p *PublicKey) X509Base64() string {
	return base64.StdEncoding.EncodeToString(p.X509())
}

// Equal reports whether p and q are the same point.
func (p *PublicKey) Equal(q *PublicKey) bool {
	return q != nil && p.raw == q.raw
}
