// Package fidelius implements ABDM's health-data encryption, called Fidelius
// after the reference tool fidelius-cli (docs: abdm-protocol.md §5).
//
// An HIU asks for data with a fresh key pair and nonce (KeyMaterial); the
// HIP answers with its own fresh pair and nonce and data encrypted for the
// HIU. Both sides compute ECDH on BouncyCastle's "curve25519", which is the
// short-Weierstrass form of Curve25519 with unclamped scalars, not X25519
// (so crypto/ecdh cannot be used); derive an AES-256 key with HKDF-SHA256,
// salted with the first 20 bytes of the XOR of the two nonces; and use
// AES-256-GCM with the last 12 bytes of that XOR as the IV. Every value
// matches fidelius-cli, the ProjectEKA reference HIP and HIU, and the NHA
// ABDM wrapper, byte for byte.
//
// Private-key arithmetic is constant time: field arithmetic from
// filippo.io/edwards25519/field, a Montgomery ladder for agreements and
// Ed25519's fixed-base tables for key generation.
package fidelius

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// NonceSize is the size of a Fidelius nonce in bytes.
const NonceSize = 32

// TagSize is the size of the GCM tag at the end of every ciphertext.
const TagSize = 16

// Errors, wrapped with details. Their messages never hold key material or
// data.
var (
	ErrInvalidPrivateKey = errors.New("fidelius: invalid private key")
	ErrInvalidPublicKey  = errors.New("fidelius: invalid public key")
	ErrInvalidNonce      = errors.New("fidelius: invalid nonce")
	// ErrDecrypt means the ciphertext did not authenticate: a wrong key or
	// nonce, or altered data.
	ErrDecrypt = errors.New("fidelius: decryption failed: wrong key or nonce, or altered data")
)

// NewNonce returns NonceSize bytes read from rand (crypto/rand.Reader when
// nil).
func NewNonce(rand io.Reader) ([]byte, error) {
	if rand == nil {
		rand = crand.Reader
	}
	n := make([]byte, NonceSize)
	if _, err := io.ReadFull(rand, n); err != nil {
		return nil, fmt.Errorf("fidelius: nonce: %w", err)
	}
	return n, nil
}

// ParseNonce decodes a nonce written in standard base64 (44 characters).
func ParseNonce(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(NonceSize) {
		return nil, fmt.Errorf("%w: %d base64 characters, want %d bytes", ErrInvalidNonce, len(s), NonceSize)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64", ErrInvalidNonce)
	}
	if len(b) != NonceSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidNonce, len(b), NonceSize)
	}
	return b, nil
}

// Encrypt encrypts plaintext as the sender (the HIP) for the requester (the
// HIU), whose public key and nonce came in the request's KeyMaterial. It
// returns the GCM ciphertext with the 16-byte tag appended; ABDM sends it in
// standard base64 as an entry's "content".
func Encrypt(sender *PrivateKey, senderNonce []byte, requester *PublicKey, requesterNonce, plaintext []byte) ([]byte, error) {
	return seal(nil, sender, senderNonce, requester, requesterNonce, plaintext)
}

// seal is Encrypt appending to dst, which must not overlap plaintext
// except exactly (in place).
func seal(dst []byte, sender *PrivateKey, senderNonce []byte, requester *PublicKey, requesterNonce, plaintext []byte) ([]byte, error) {
	if sender == nil {
		return nil, fmt.Errorf("%w: missing", ErrInvalidPrivateKey)
	}
	if _, _, err := saltAndIV(senderNonce, requesterNonce); err != nil {
		return nil, err
	}
	shared, err := sender.ECDH(requester)
	if err != nil {
		return nil, err
	}
	defer clear(shared)
	return sealShared(dst, shared, senderNonce, requesterNonce, plaintext)
}

// sealShared encrypts under a shared secret already agreed.
func sealShared(dst, shared, senderNonce, requesterNonce, plaintext []byte) ([]byte, error) {
	salt, iv, err := saltAndIV(senderNonce, requesterNonce)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(shared, salt[:])
	if err != nil {
		return nil, err
	}
	return aead.Seal(dst, iv[:], plaintext, nil), nil
}

// Session is one side's agreement with the other, computed once and used
// for many messages: a HIP sends a transfer's bundles one per page, each
// page with a nonce of its own (so each bundle gets its own AES key and
// IV: one key and IV must never encrypt two bundles), all under the one
// key pair it announced; the HIU decrypts them with one agreement too. A
// bundle then costs an HKDF and GCM instead of a scalar multiplication
// as well. Messages are the same bytes Encrypt and Decrypt give.
type Session struct {
	shared []byte
}

// NewSession agrees a secret between priv and peer: the sender's private
// key and the requester's public key, or the other way round.
func NewSession(priv *PrivateKey, peer *PublicKey) (*Session, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: missing", ErrInvalidPrivateKey)
	}
	shared, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	return &Session{shared: shared}, nil
}

// Encrypt is Encrypt within the session.
func (s *Session) Encrypt(senderNonce, requesterNonce, plaintext []byte) ([]byte, error) {
	return sealShared(nil, s.shared, senderNonce, requesterNonce, plaintext)
}

// Decrypt is Decrypt within the session, leading-zero fallback included.
func (s *Session) Decrypt(requesterNonce, senderNonce, ciphertext []byte) ([]byte, error) {
	return openShared(nil, s.shared, requesterNonce, senderNonce, ciphertext)
}

// Close forgets the secret.
func (s *Session) Close() { clear(s.shared) }

// Decrypt decrypts ciphertext (with its tag) as the requester (the HIU),
// with its own private key and nonce and the sender's public key and nonce
// from the data push. It returns an error wrapping ErrDecrypt if the data
// does not authenticate.
//
// If the shared secret begins with a zero byte (1 time in 256) and the
// data does not authenticate, Decrypt tries again with the secret's leading
// zero bytes removed: senders built on .NET's ToByteArrayUnsigned or on the
// Python ports derive their key that way (abdm-protocol.md §5.4).
func Decrypt(requester *PrivateKey, requesterNonce []byte, sender *PublicKey, senderNonce, ciphertext []byte) ([]byte, error) {
	return open(nil, requester, requesterNonce, sender, senderNonce, ciphertext)
}

// open is Decrypt appending to dst, which must not overlap ciphertext: a
// failed first attempt may overwrite dst, and the fallback needs the
// ciphertext intact.
func open(dst []byte, requester *PrivateKey, requesterNonce []byte, sender *PublicKey, senderNonce, ciphertext []byte) ([]byte, error) {
	if requester == nil {
		return nil, fmt.Errorf("%w: missing", ErrInvalidPrivateKey)
	}
	if _, _, err := saltAndIV(senderNonce, requesterNonce); err != nil {
		return nil, err
	}
	if len(ciphertext) < TagSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the tag", ErrDecrypt, len(ciphertext))
	}
	shared, err := requester.ECDH(sender)
	if err != nil {
		return nil, err
	}
	defer clear(shared)
	return openShared(dst, shared, requesterNonce, senderNonce, ciphertext)
}

// openShared decrypts under a shared secret already agreed, with the
// leading-zero fallback.
func openShared(dst, shared, requesterNonce, senderNonce, ciphertext []byte) ([]byte, error) {
	salt, iv, err := saltAndIV(senderNonce, requesterNonce)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < TagSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the tag", ErrDecrypt, len(ciphertext))
	}
	aead, err := newAEAD(shared, salt[:])
	if err != nil {
		return nil, err
	}
	if dst == nil {
		dst = make([]byte, 0, len(ciphertext)-TagSize)
	}
	plain, err := aead.Open(dst, iv[:], ciphertext, nil)
	if err == nil {
		return plain, nil
	}
	if shared[0] == 0 {
		short := shared
		for len(short) > 1 && short[0] == 0 {
			short = short[1:]
		}
		if aead, err = newAEAD(short, salt[:]); err != nil {
			return nil, err
		}
		if plain, err = aead.Open(dst, iv[:], ciphertext, nil); err == nil {
			return plain, nil
		}
	}
	return nil, ErrDecrypt
}

// saltAndIV derives the HKDF salt and the GCM IV from the two nonces:
// xor[i] = senderNonce[i] ^ requesterNonce[i], salt = xor[0:20],
// iv = xor[20:32].
func saltAndIV(senderNonce, requesterNonce []byte) (salt [20]byte, iv [12]byte, err error) {
	if len(senderNonce) != NonceSize {
		return salt, iv, fmt.Errorf("%w: sender nonce is %d bytes, want %d", ErrInvalidNonce, len(senderNonce), NonceSize)
	}
	if len(requesterNonce) != NonceSize {
		return salt, iv, fmt.Errorf("%w: requester nonce is %d bytes, want %d", ErrInvalidNonce, len(requesterNonce), NonceSize)
	}
	var x [NonceSize]byte
	for i := range x {
		x[i] = senderNonce[i] ^ requesterNonce[i]
	}
	copy(salt[:], x[:20])
	copy(iv[:], x[NonceSize-12:])
	return salt, iv, nil
}

// newAEAD returns AES-256-GCM keyed with HKDF-SHA256(shared, salt), no info.
func newAEAD(shared, salt []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, shared, salt, "", 32)
	if err != nil {
		return nil, fmt.Errorf("fidelius: hkdf: %w", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("fidelius: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("fidelius: gcm: %w", err)
	}
	return aead, nil
}
