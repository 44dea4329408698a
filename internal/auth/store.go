package auth

import (
	"context"
	"time"
)

// StoredKey is a key pair as kept in the database: the private part sealed
// (AES-256-GCM) under the node's master key.
type StoredKey struct {
	ID        string    // key id ("kid"), unique
	Purpose   string    // PurposeSign, PurposeEncrypt, PurposeCard
	Alg       string    // "RS256", "RSA-OAEP", "EdDSA"
	Sealed    []byte    // nonce || ciphertext of the PKCS#8 private key
	CreatedAt time.Time // UTC
	RetiredAt time.Time // zero while active; retired keys still verify
}

// Key purposes.
const (
	PurposeSign    = "sign"    // RS256 JWTs (user tokens, gateway sessions)
	PurposeEncrypt = "encrypt" // RSA-OAEP for ABHA v3 loginId/otpValue
	PurposeCard    = "card"    // EdDSA signatures on Health ID card QR payloads
	PurposeUser    = "user"    // EdDSA user tokens (ABHA X-tokens): cheap to sign, per login
)

// KeyStore persists sealed keys.
type KeyStore interface {
	PutKey(ctx context.Context, k StoredKey) error
	// RetireKey sets RetiredAt on the key with that id.
	RetireKey(ctx context.Context, id string, at time.Time) error
	// Keys returns every key, oldest first.
	Keys(ctx context.Context) ([]StoredKey, error)
}
