// Package auth holds Arogya's key material and the primitives built on it:
// the node master key and what is sealed under it, the signing, encryption
// and card keys (with rotation and a published JWKS), RS256 JWTs, compact
// EdDSA signatures for Health ID cards, Argon2id password hashes, and OTP
// and keyed hashes.
//
// Nothing here logs, and no error carries a secret or personal data.
package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeySize is the length in bytes of the node master key and of every
// key passed to Seal and Open.
const MasterKeySize = 32

// LoadOrCreateMasterKey returns the 32-byte master key kept base64-encoded in
// the file at path. If the file does not exist it is created with a fresh
// random key, mode 0600, in a directory created with mode 0700 if needed.
// A file with the wrong length or readable or writable by group or others is
// refused.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	key, err := loadMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: create master key directory: %w", err)
	}
	key = make([]byte, MasterKeySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs.
		return loadMasterKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: create master key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("auth: write master key: %w", err)
	}
	return key, nil
}

func loadMasterKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("auth: master key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("auth: master key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("auth: master key %s has mode %#o: it must not be accessible to group or others (chmod 600)", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read master key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("auth: master key %s is not valid base64", path)
	}
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("auth: master key %s holds %d bytes, want %d", path, len(key), MasterKeySize)
	}
	return key, nil
}

// DeriveKey derives a 32-byte key for one purpose from the master key with
// HKDF-SHA256, using label as the info string. Distinct labels give
// independent keys, e.g. "otp-hmac" and "aadhaar-keyed-hash".
func DeriveKey(master []byte, label string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, label, 32)
	if err != nil {
		panic("auth: hkdf: " + err.Error()) // only for lengths far beyond 32 bytes
	}
	return k
}

// Seal encrypts plaintext with AES-256-GCM under a 32-byte key and returns
// nonce || ciphertext || tag.
func Seal(key, plaintext []byte) ([]byte, error) {
	return SealAD(key, plaintext, nil)
}

// SealAD is Seal with additional data: what the sealed bytes belong to
// (a row's identity), which Open must be given again, so that sealed data
// moved to another row does not open.
func SealAD(key, plaintext, ad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, ad), nil
}

// Open reverses Seal. It fails if the key is wrong or sealed was altered.
func Open(key, sealed []byte) ([]byte, error) {
	return OpenAD(key, sealed, nil)
}

// OpenAD reverses SealAD; it fails if ad is not what was sealed with.
func OpenAD(key, sealed, ad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("auth: open: sealed data too short")
	}
	n := aead.NonceSize()
	pt, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errors.New("auth: open: wrong key or altered data")
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("auth: key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return cipher.NewGCM(block)
}
