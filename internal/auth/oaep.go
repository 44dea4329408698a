package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	arogya "github.com/arogya-health/arogya"
)

// OAEPAlgorithm names the padding DecryptOAEP expects, in the Java spelling
// ABDM's /v3/profile/public/certificate returns.
const OAEPAlgorithm = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding"

// EncryptionPublicKeyPEM returns the active encryption key as a PEM
// "PUBLIC KEY" block (SubjectPublicKeyInfo).
func (ks *Keys) EncryptionPublicKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ks.encryptionSPKI()}))
}

// EncryptionPublicKeyBase64 returns the active encryption key's
// SubjectPublicKeyInfo DER in standard base64 without PEM armour, as the
// "publicKey" of ABDM's /v3/profile/public/certificate.
func (ks *Keys) EncryptionPublicKeyBase64() string {
	return base64.StdEncoding.EncodeToString(ks.encryptionSPKI())
}

func (ks *Keys) encryptionSPKI() []byte {
	k := ks.activeKey(PurposeEncrypt)
	if k == nil {
		panic("auth: no active encryption key") // NewKeys always creates one
	}
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		panic("auth: marshal public key: " + err.Error())
	}
	return der
}

// errDecrypt is what callers see for any ciphertext that does not decrypt.
var errDecrypt = arogya.Errorf(arogya.EINVALID, "could not decrypt: encrypt with the key from /v3/profile/public/certificate")

// DecryptOAEP decodes base64 (standard, URL-safe, padded or not) and decrypts
// it with RSA-OAEP, SHA-1 and MGF1-SHA-1, trying the active encryption key
// and then retired ones. Any failure is an EINVALID error.
func (ks *Keys) DecryptOAEP(ciphertextB64 string) ([]byte, error) {
	ct, err := decodeAnyBase64(ciphertextB64)
	if err != nil {
		return nil, errDecrypt
	}
	if pt, ok := ks.tryDecrypt(ct); ok {
		return pt, nil
	}
	// The client may have encrypted under a key another node sharing this
	// database created or rotated in since we loaded ours.
	if ks.reloadSoon() {
		if pt, ok := ks.tryDecrypt(ct); ok {
			return pt, nil
		}
	}
	return nil, errDecrypt
}

func (ks *Keys) tryDecrypt(ct []byte) ([]byte, bool) {
	for _, k := range ks.ofPurpose(PurposeEncrypt) {
		priv := k.priv.(*rsa.PrivateKey)
		if len(ct) != priv.Size() {
			continue
		}
		if pt, err := rsa.DecryptOAEP(sha1.New(), nil, priv, ct, nil); err == nil {
			return pt, true
		}
	}
	return nil, false
}

// decodeAnyBase64 accepts standard or URL-safe base64, with or without
// padding, ignoring surrounding white space.
func decodeAnyBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// EncryptOAEP encrypts plaintext for a server's encryption key, given as PEM
// or as base64 DER (SubjectPublicKeyInfo), with RSA-OAEP, SHA-1 and
// MGF1-SHA-1, and returns standard base64. It is the client side of
// DecryptOAEP.
func EncryptOAEP(publicKeyPEMOrBase64 string, plaintext []byte) (string, error) {
	pub, err := parseRSAPublicKey(publicKeyPEMOrBase64)
	if err != nil {
		return "", err
	}
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, plaintext, nil)
	if err != nil {
		return "", fmt.Errorf("auth: encrypt: %w", err)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

func parseRSAPublicKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("auth: public key: bad PEM")
		}
		der = block.Bytes
	} else {
		var err error
		if der, err = decodeAnyBase64(s); err != nil {
			return nil, errors.New("auth: public key: neither PEM nor base64")
		}
	}
	pk, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("auth: public key: %w", err)
	}
	pub, ok := pk.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("auth: public key is %T, want RSA", pk)
	}
	return pub, nil
}
