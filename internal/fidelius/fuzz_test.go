package fidelius

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// Fuzz targets for every parser of outside input. The seeds come from the
// package's own fixtures; `go test` runs them as ordinary tests.

func fixturePublicKeys(tb testing.TB) []*PublicKey {
	return []*PublicKey{fixtureKey(tb, "hiu").Public(), fixtureKey(tb, "hip").Public()}
}

func FuzzParsePublicKey(f *testing.F) {
	for _, p := range fixturePublicKeys(f) {
		f.Add(p.Base64())
		f.Add(p.X509Base64())
	}
	f.Add("")
	f.Add("BA==")
	f.Add("MIIBMTCB6gYHKoZIzj0CATCB3gIBATAr")
	own := fixtureKey(f, "own")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePublicKey(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPublicKey) {
				t.Fatalf("error %v does not wrap ErrInvalidPublicKey", err)
			}
			return
		}
		checkPublicKey(t, own, p)
	})
}

func FuzzNewPublicKey(f *testing.F) {
	for _, p := range fixturePublicKeys(f) {
		f.Add(p.Bytes())
		f.Add(p.X509())
	}
	f.Add([]byte{})
	f.Add([]byte{4})
	f.Add(x509Prefix)
	own := fixtureKey(f, "own")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewPublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPublicKey) {
				t.Fatalf("error %v does not wrap ErrInvalidPublicKey", err)
			}
			return
		}
		checkPublicKey(t, own, p)
	})
}

// checkPublicKey checks an accepted key: both encodings read back as the
// same key, the point is on the curve, and an agreement with it works.
func checkPublicKey(t *testing.T, own *PrivateKey, p *PublicKey) {
	t.Helper()
	for _, s := range []string{p.Base64(), p.X509Base64()} {
		q, err := ParsePublicKey(s)
		if err != nil || !q.Equal(p) {
			t.Fatalf("re-encoded key does not read back: %v", err)
		}
	}
	x, okx := elementFromBE(p.raw[1:33])
	y, oky := elementFromBE(p.raw[33:])
	if !okx || !oky || !onCurve(x, y) {
		t.Fatalf("accepted a point off the curve")
	}
	if _, err := own.ECDH(p); err != nil {
		t.Fatalf("ECDH with an accepted key: %v", err)
	}
}

func FuzzParsePrivateKey(f *testing.F) {
	for _, name := range []string{"hiu", "hip"} {
		f.Add(fixtureKey(f, name).Base64())
	}
	f.Add("AQ==")
	f.Add("AA==")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePrivateKey(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPrivateKey) {
				t.Fatalf("error %v does not wrap ErrInvalidPrivateKey", err)
			}
			return
		}
		k2, err := ParsePrivateKey(k.Base64())
		if err != nil || !bytes.Equal(k2.Bytes(), k.Bytes()) {
			t.Fatalf("re-encoded key does not read back: %v", err)
		}
	})
}

// FuzzDecrypt feeds arbitrary ciphertexts and sender nonces to Decrypt with
// fixed keys. Whatever authenticates must be exactly what Encrypt makes of
// the plaintext it returns (GCM is deterministic for a key and IV).
func FuzzDecrypt(f *testing.F) {
	hiu, hip := fixtureKey(f, "hiu"), fixtureKey(f, "hip")
	hiuNonce, hipNonce := fixtureNonce("hiu"), fixtureNonce("hip")
	for _, plain := range []string{"", "x", `{"resourceType":"Bundle","type":"document","entry":[]}`} {
		ct, err := Encrypt(hip, hipNonce, hiu.Public(), hiuNonce, []byte(plain))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ct, hipNonce)
		f.Add(ct[:len(ct)-1], hipNonce)
	}
	f.Add([]byte{}, hipNonce)
	f.Add(make([]byte, 40), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, ct, senderNonce []byte) {
		plain, err := Decrypt(hiu, hiuNonce, hip.Public(), senderNonce, ct)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrInvalidNonce) {
				t.Fatalf("unexpected error %v", err)
			}
			if plain != nil {
				t.Fatalf("plaintext returned with an error")
			}
			return
		}
		again, err := Encrypt(hip, senderNonce, hiu.Public(), hiuNonce, plain)
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("authenticated ciphertext is not the encryption of its plaintext")
		}
	})
}

// FuzzKeyMaterial reads keyMaterial JSON as a peer would send it.
func FuzzKeyMaterial(f *testing.F) {
	expiry := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range fixturePublicKeys(f) {
		km, err := NewKeyMaterial(p, KeyEncoding(i), fixtureNonce("hiu"), expiry)
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(km)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"2026-12-01T00:00:00","parameters":"Curve25519/32byte random key","keyValue":"a2V5"},"nonce":"bm9uY2U="}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var km KeyMaterial
		if json.Unmarshal(b, &km) != nil {
			return
		}
		pub, nonce, err := km.Parse()
		if err != nil {
			return
		}
		if want, _ := base64.StdEncoding.DecodeString(km.Nonce); len(nonce) != NonceSize || !bytes.Equal(nonce, want) {
			t.Fatalf("Parse accepted nonce %q as %x", km.Nonce, nonce)
		}
		out, err := json.Marshal(&km)
		if err != nil {
			t.Fatal(err)
		}
		var back KeyMaterial
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-marshalled keyMaterial does not read back: %v", err)
		}
		pub2, _, err := back.Parse()
		if err != nil || !pub2.Equal(pub) {
			t.Fatalf("re-marshalled keyMaterial has another key: %v", err)
		}
	})
}
