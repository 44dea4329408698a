package auth

import (
	"encoding/base64"
	"strings"
	"testing"

	arogya "github.com/arogya-health/arogya"
)

func TestEncryptionPublicKey(t *testing.T) {
	ks := sharedKeys(t)
	pemKey := ks.EncryptionPublicKeyPEM()
	if !strings.HasPrefix(pemKey, "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("PEM = %q, want a PUBLIC KEY block", pemKey[:40])
	}
	b64Key := ks.EncryptionPublicKeyBase64()
	fromPEM, err := parseRSAPublicKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	fromB64, err := parseRSAPublicKey(b64Key)
	if err != nil {
		t.Fatal(err)
	}
	if !fromPEM.Equal(fromB64) || fromPEM.N.BitLen() != 2048 {
		t.Error("PEM and base64 forms differ or key is not 2048-bit")
	}
}

func TestDecryptOAEP(t *testing.T) {
	ks := sharedKeys(t)
	msg := []byte("9876543210")
	for _, form := range []string{ks.EncryptionPublicKeyPEM(), ks.EncryptionPublicKeyBase64()} {
		ct, err := EncryptOAEP(form, msg)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(ct)
		if err != nil {
			t.Fatalf("EncryptOAEP output is not standard base64: %v", err)
		}
		variants := map[string]string{
			"std":          ct,
			"url":          base64.URLEncoding.EncodeToString(raw),
			"raw url":      base64.RawURLEncoding.EncodeToString(raw),
			"raw std":      base64.RawStdEncoding.EncodeToString(raw),
			"with newline": ct + "\n",
		}
		for name, v := range variants {
			got, err := ks.DecryptOAEP(v)
			if err != nil || string(got) != string(msg) {
				t.Errorf("%s: DecryptOAEP = %q, %v", name, got, err)
			}
		}
	}

	ct, _ := EncryptOAEP(ks.EncryptionPublicKeyBase64(), msg)
	raw, _ := base64.StdEncoding.DecodeString(ct)
	raw[10] ^= 1
	other, _ := NewKeys(t.Context(), &memKeyStore{}, testMaster, KeysOptions{})
	foreign, _ := EncryptOAEP(other.EncryptionPublicKeyPEM(), msg)
	bad := map[string]string{
		"tampered":    base64.StdEncoding.EncodeToString(raw),
		"foreign key": foreign,
		"not base64":  "%%%",
		"empty":       "",
		"short":       base64.StdEncoding.EncodeToString([]byte("short")),
		"plaintext":   base64.StdEncoding.EncodeToString(msg),
	}
	for name, v := range bad {
		_, err := ks.DecryptOAEP(v)
		if arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), "/v3/profile/public/certificate") {
			t.Errorf("%s: err = %v, want EINVALID pointing at the certificate endpoint", name, err)
		}
	}
}

func TestEncryptOAEPBadKey(t *testing.T) {
	for _, k := range []string{"", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "AAAA"} {
		if _, err := EncryptOAEP(k, []byte("x")); err == nil {
			t.Errorf("EncryptOAEP(%q) succeeded", k)
		}
	}
}

func FuzzDecryptOAEP(f *testing.F) {
	ks := sharedKeys(f)
	ct, _ := EncryptOAEP(ks.EncryptionPublicKeyBase64(), []byte("123456"))
	f.Add(ct)
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 344))
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := ks.DecryptOAEP(s)
		if err == nil && len(pt) > 256 {
			t.Fatalf("decrypted %d bytes from a 2048-bit block", len(pt))
		}
	})
}
