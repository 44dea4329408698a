package fidelius

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The constant fields of KeyMaterial, as ABDM's specifications and
// reference implementations write them.
const (
	CryptoAlg     = "ECDH"
	Curve         = "Curve25519"
	KeyParameters = "Curve25519/32byte random key"
)

// KeyMaterial is ABDM's keyMaterial object: the HIU sends one in its
// health-information request (hiRequest.keyMaterial) and the HIP one in its
// data push, each with its own public key and nonce.
type KeyMaterial struct {
	CryptoAlg   string      `json:"cryptoAlg"`
	Curve       string      `json:"curve"`
	DHPublicKey DHPublicKey `json:"dhPublicKey"`
	Nonce       string      `json:"nonce"` // standard base64 of NonceSize bytes
}

// DHPublicKey is KeyMaterial's dhPublicKey object.
type DHPublicKey struct {
	// Expiry is when the key stops being valid. It is written as UTC with
	// milliseconds ("2006-01-02T15:04:05.000Z") and read as RFC 3339, or
	// without a zone as UTC; empty or missing reads as the zero time.
	Expiry     time.Time `json:"expiry"`
	Parameters string    `json:"parameters"`
	KeyValue   string    `json:"keyValue"` // standard base64, either form ParsePublicKey reads
}

// KeyEncoding chooses how NewKeyMaterial writes the public key.
type KeyEncoding int

const (
	// RawKey is the 65-byte point (88 base64 characters), which HIUs send.
	RawKey KeyEncoding = iota
	// X509Key is the SubjectPublicKeyInfo (412 base64 characters), which
	// HIPs send back, as the reference HIPs do.
	X509Key
)

// NewKeyMaterial returns the KeyMaterial that announces pub and nonce,
// valid until expiry.
func NewKeyMaterial(pub *PublicKey, enc KeyEncoding, nonce []byte, expiry time.Time) (*KeyMaterial, error) {
	if pub == nil || pub.raw[0] != 4 {
		return nil, fmt.Errorf("%w: missing", ErrInvalidPublicKey)
	}
	if len(nonce) != NonceSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidNonce, len(nonce), NonceSize)
	}
	var key string
	switch enc {
	case RawKey:
		key = pub.Base64()
	case X509Key:
		key = pub.X509Base64()
	default:
		return nil, fmt.Errorf("fidelius: unknown key encoding %d", enc)
	}
	return &KeyMaterial{
		CryptoAlg: CryptoAlg,
		Curve:     Curve,
		DHPublicKey: DHPublicKey{
			Expiry:     expiry.UTC().Truncate(time.Millisecond),
			Parameters: KeyParameters,
			KeyValue:   key,
		},
		Nonce: base64.StdEncoding.EncodeToString(nonce),
	}, nil
}

// Parse checks that m is for ECDH on Curve25519 (in any letter case) and
// decodes the peer's public key and nonce. It does not check the expiry.
func (m *KeyMaterial) Parse() (*PublicKey, []byte, error) {
	if !strings.EqualFold(m.CryptoAlg, CryptoAlg) {
		return nil, nil, fmt.Errorf("fidelius: keyMaterial.cryptoAlg is not %s", CryptoAlg)
	}
	if !strings.EqualFold(m.Curve, Curve) {
		return nil, nil, fmt.Errorf("fidelius: keyMaterial.curve is not %s", Curve)
	}
	pub, err := ParsePublicKey(m.DHPublicKey.KeyValue)
	if err != nil {
		return nil, nil, fmt.Errorf("keyMaterial.dhPublicKey.keyValue: %w", err)
	}
	nonce, err := ParseNonce(m.Nonce)
	if err != nil {
		return nil, nil, fmt.Errorf("keyMaterial.nonce: %w", err)
	}
	return pub, nonce, nil
}

// expiryLayout is ABDM's timestamp layout.
const expiryLayout = "2006-01-02T15:04:05.000Z"

var errBadExpiry = errors.New("fidelius: dhPublicKey.expiry: want an ISO 8601 time such as 2024-05-01T05:10:20.123Z")

type dhPublicKeyJSON struct {
	Expiry     string `json:"expiry"`
	Parameters string `json:"parameters"`
	KeyValue   string `json:"keyValue"`
}

// MarshalJSON writes the expiry as UTC with milliseconds, as ABDM does.
func (k DHPublicKey) MarshalJSON() ([]byte, error) {
	j := dhPublicKeyJSON{Parameters: k.Parameters, KeyValue: k.KeyValue}
	if !k.Expiry.IsZero() {
		j.Expiry = k.Expiry.UTC().Format(expiryLayout)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the expiry as RFC 3339, or without a zone as UTC
// (as some senders write a UTC LocalDateTime).
func (k *DHPublicKey) UnmarshalJSON(b []byte) error {
	var j dhPublicKeyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var t time.Time
	if j.Expiry != "" {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, j.Expiry); err != nil {
			if t, err = time.ParseInLocation("2006-01-02T15:04:05", j.Expiry, time.UTC); err != nil {
				return errBadExpiry
			}
		}
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return errBadExpiry
		}
	}
	*k = DHPublicKey{Expiry: t.UTC(), Parameters: j.Parameters, KeyValue: j.KeyValue}
	return nil
}
