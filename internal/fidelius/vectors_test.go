package fidelius

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// vectorsPath is the shared reference tree's vector file, relative to this
// package; it is not copied into the repository.
const vectorsPath = "../../../shared/reference/crypto-vectors/fidelius-vectors.json"

type vectorFile struct {
	Curve struct {
		P, A, B, Gx, Gy, N string
		H                  int
	} `json:"curve"`
	X509Prefix string   `json:"x509PublicKeyDerPrefix_hex"`
	Vectors    []vector `json:"vectors"`
}

type vectorParty struct {
	PrivateKey    string `json:"privateKey"`
	PublicKey     string `json:"publicKey"`
	X509PublicKey string `json:"x509PublicKey"`
	Nonce         string `json:"nonce"`
}

type vector struct {
	Name      string      `json:"name"`
	Requester vectorParty `json:"requester"`
	Sender    vectorParty `json:"sender"`
	Plaintext string      `json:"plaintext"`
	Derived   struct {
		SharedSecretHex string `json:"sharedSecretX_32B_hex"`
		SharedSecretB64 string `json:"sharedSecretX_32B_b64"`
		XorHex          string `json:"xorOfNonces_hex"`
		SaltHex         string `json:"hkdfSalt_first20_hex"`
		IVHex           string `json:"gcmIV_last12_hex"`
		KeyHex          string `json:"aes256Key_hex"`
	} `json:"derived"`
	EncryptedData string `json:"encryptedData"`
	Minimal       *struct {
		SharedSecretHex string `json:"sharedSecret_hex"`
		KeyHex          string `json:"aes256Key_hex"`
		EncryptedData   string `json:"encryptedData"`
	} `json:"variant_minimalLengthSharedSecret"`
}

// loadVectors reads the shared vectors. Outside CI a missing file skips the
// test; with CI set it fails, so CI cannot pass without the vectors.
func loadVectors(tb testing.TB) *vectorFile {
	tb.Helper()
	b, err := os.ReadFile(vectorsPath)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			tb.Fatalf("Fidelius test vectors missing at %s (CI is set, so they are required)", vectorsPath)
		}
		tb.Skipf("Fidelius test vectors not found at %s (the shared reference tree beside the module); skipping", vectorsPath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		tb.Fatalf("%s: %v", vectorsPath, err)
	}
	if len(vf.Vectors) == 0 {
		tb.Fatalf("%s: no vectors", vectorsPath)
	}
	return &vf
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestVectors reproduces every published and derived vector byte for byte:
// keys in every encoding, the shared secret from both sides, the salt, IV and
// AES key, the ciphertext, and decryption with either form of the key.
func TestVectors(t *testing.T) {
	vf := loadVectors(t)
	if want := 4; len(vf.Vectors) < want {
		t.Errorf("%d vectors, want at least %d", len(vf.Vectors), want)
	}
	for _, v := range vf.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			parties := map[string]vectorParty{"requester": v.Requester, "sender": v.Sender}
			priv := map[string]*PrivateKey{}
			pub := map[string]map[string]*PublicKey{}
			for role, p := range parties {
				k, err := ParsePrivateKey(p.PrivateKey)
				if err != nil {
					t.Fatalf("%s: ParsePrivateKey: %v", role, err)
				}
				priv[role] = k
				if got := k.Base64(); got != p.PrivateKey {
					t.Errorf("%s: PrivateKey.Base64() = %s, want %s", role, got, p.PrivateKey)
				}
				if got := k.Public().Base64(); got != p.PublicKey {
					t.Errorf("%s: Public().Base64() = %s, want %s", role, got, p.PublicKey)
				}
				if got := k.Public().X509Base64(); got != p.X509PublicKey {
					t.Errorf("%s: Public().X509Base64() = %s, want %s", role, got, p.X509PublicKey)
				}
				pub[role] = map[string]*PublicKey{}
				for form, s := range map[string]string{"raw": p.PublicKey, "x509": p.X509PublicKey} {
					q, err := ParsePublicKey(s)
					if err != nil {
						t.Fatalf("%s: ParsePublicKey(%s): %v", role, form, err)
					}
					if !q.Equal(k.Public()) {
						t.Errorf("%s: ParsePublicKey(%s) is not the private key's public key", role, form)
					}
					pub[role][form] = q
				}
			}

			wantShared := mustHex(t, v.Derived.SharedSecretHex)
			if b := mustB64(t, v.Derived.SharedSecretB64); !bytes.Equal(b, wantShared) {
				t.Fatalf("vector's shared secret hex and base64 differ")
			}
			for _, dir := range []struct{ own, peer string }{{"sender", "requester"}, {"requester", "sender"}} {
				got, err := priv[dir.own].ECDH(pub[dir.peer]["raw"])
				if err != nil {
					t.Fatalf("%s.ECDH(%s): %v", dir.own, dir.peer, err)
				}
				if !bytes.Equal(got, wantShared) {
					t.Errorf("%s.ECDH(%s) = %x, want %x", dir.own, dir.peer, got, wantShared)
				}
			}

			senderNonce, err := ParseNonce(v.Sender.Nonce)
			if err != nil {
				t.Fatal(err)
			}
			requesterNonce, err := ParseNonce(v.Requester.Nonce)
			if err != nil {
				t.Fatal(err)
			}
			salt, iv, err := saltAndIV(senderNonce, requesterNonce)
			if err != nil {
				t.Fatal(err)
			}
			xor := mustHex(t, v.Derived.XorHex)
			if want := mustHex(t, v.Derived.SaltHex); !bytes.Equal(salt[:], want) || !bytes.Equal(want, xor[:20]) {
				t.Errorf("salt = %x, want %x", salt, want)
			}
			if want := mustHex(t, v.Derived.IVHex); !bytes.Equal(iv[:], want) || !bytes.Equal(want, xor[20:]) {
				t.Errorf("iv = %x, want %x", iv, want)
			}
			// XOR is symmetric: the requester's view gives the same salt and IV.
			if salt2, iv2, _ := saltAndIV(requesterNonce, senderNonce); salt2 != salt || iv2 != iv {
				t.Errorf("saltAndIV is not symmetric in the nonces")
			}
			key, err := hkdf.Key(sha256.New, wantShared, salt[:], "", 32)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustHex(t, v.Derived.KeyHex); !bytes.Equal(key, want) {
				t.Errorf("AES key = %x, want %x", key, want)
			}

			wantCT := mustB64(t, v.EncryptedData)
			for form, q := range pub["requester"] {
				ct, err := Encrypt(priv["sender"], senderNonce, q, requesterNonce, []byte(v.Plaintext))
				if err != nil {
					t.Fatalf("Encrypt (requester key %s): %v", form, err)
				}
				if got := base64.StdEncoding.EncodeToString(ct); got != v.EncryptedData {
					t.Errorf("Encrypt (requester key %s) = %s, want %s", form, got, v.EncryptedData)
				}
			}
			for form, q := range pub["sender"] {
				pt, err := Decrypt(priv["requester"], requesterNonce, q, senderNonce, wantCT)
				if err != nil {
					t.Fatalf("Decrypt (sender key %s): %v", form, err)
				}
				if string(pt) != v.Plaintext {
					t.Errorf("Decrypt (sender key %s) = %q, want %q", form, pt, v.Plaintext)
				}
			}
			// The sender can open its own message too: the same secret, salt and IV.
			if pt, err := Decrypt(priv["sender"], senderNonce, pub["requester"]["x509"], requesterNonce, wantCT); err != nil || string(pt) != v.Plaintext {
				t.Errorf("Decrypt by the sender = %q, %v; want %q", pt, err, v.Plaintext)
			}

			if m := v.Minimal; m != nil {
				testMinimalSecret(t, v, wantShared, salt[:], iv[:], priv["requester"], requesterNonce, pub["sender"]["raw"], senderNonce)
			}
		})
	}
}

// testMinimalSecret checks the §5.4 variant: a sender that strips the shared
// secret's leading zero bytes, and Decrypt's fallback for it.
func testMinimalSecret(t *testing.T, v vector, shared, salt, iv []byte, requester *PrivateKey, requesterNonce []byte, sender *PublicKey, senderNonce []byte) {
	t.Helper()
	m := v.Minimal
	if shared[0] != 0 {
		t.Fatalf("variant given for a secret without a leading zero")
	}
	short := bytes.TrimLeft(shared, "\x00")
	if want := mustHex(t, m.SharedSecretHex); !bytes.Equal(short, want) {
		t.Fatalf("stripped secret = %x, want %x", short, want)
	}
	key, err := hkdf.Key(sha256.New, short, salt, "", 32)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex(t, m.KeyHex); !bytes.Equal(key, want) {
		t.Errorf("minimal-length AES key = %x, want %x", key, want)
	}
	aead, err := newAEAD(short, salt)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(aead.Seal(nil, iv, []byte(v.Plaintext), nil)); got != m.EncryptedData {
		t.Errorf("minimal-length ciphertext = %s, want %s", got, m.EncryptedData)
	}
	pt, err := Decrypt(requester, requesterNonce, sender, senderNonce, mustB64(t, m.EncryptedData))
	if err != nil {
		t.Fatalf("Decrypt of the minimal-length variant: %v", err)
	}
	if string(pt) != v.Plaintext {
		t.Errorf("Decrypt of the minimal-length variant = %q, want %q", pt, v.Plaintext)
	}
}

// TestVectorCurve checks the package's constants against the vector file's
// curve parameters and X.509 prefix.
func TestVectorCurve(t *testing.T) {
	vf := loadVectors(t)
	if got := hex.EncodeToString(x509Prefix); got != vf.X509Prefix {
		t.Errorf("x509Prefix = %s, want %s", got, vf.X509Prefix)
	}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"p", paramP, vf.Curve.P}, {"a", paramA, vf.Curve.A}, {"b", paramB, vf.Curve.B},
		{"Gx", paramGx, vf.Curve.Gx}, {"Gy", paramGy, vf.Curve.Gy}, {"n", paramN, vf.Curve.N},
	} {
		if got := "0x" + hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
	if vf.Curve.H != 8 {
		t.Errorf("h = %d, want 8", vf.Curve.H)
	}
}
