package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"testing"
	"time"
)

// vectorsFile is the shared Fidelius test vectors, relative to this
// package's directory (abdm-protocol.md §5.5).
const vectorsFile = "../../../shared/reference/crypto-vectors/fidelius-vectors.json"

type vectorSide struct {
	PrivateKey    string `json:"privateKey"`
	PublicKey     string `json:"publicKey"`
	X509PublicKey string `json:"x509PublicKey"`
	Nonce         string `json:"nonce"`
}

type vectors struct {
	Curve struct {
		P, A, B, Gx, Gy, N string
	} `json:"curve"`
	X509Prefix string `json:"x509PublicKeyDerPrefix_hex"`
	Vectors    []struct {
		Name      string     `json:"name"`
		Requester vectorSide `json:"requester"`
		Sender    vectorSide `json:"sender"`
		Plaintext string     `json:"plaintext"`
		Derived   struct {
			Shared string `json:"sharedSecretX_32B_hex"`
			XOR    string `json:"xorOfNonces_hex"`
			Salt   string `json:"hkdfSalt_first20_hex"`
			IV     string `json:"gcmIV_last12_hex"`
		} `json:"derived"`
		EncryptedData string `json:"encryptedData"`
		Minimal       *struct {
			Shared        string `json:"sharedSecret_hex"`
			EncryptedData string `json:"encryptedData"`
		} `json:"variant_minimalLengthSharedSecret"`
	} `json:"vectors"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Fidelius vectors are missing at %s", vectorsFile)
		}
		t.Skipf("the shared Fidelius vectors are not at %s; skipping", vectorsFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return &v
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCurve checks the curve constants against the vectors file and the
// curve's own properties: G on the curve, n·G at infinity, Gx = 9 + A/3.
func TestCurve(t *testing.T) {
	v := loadVectors(t)
	for name, c := range map[string]struct {
		got  *big.Int
		want string
	}{"p": {curveP, v.Curve.P}, "a": {curveA, v.Curve.A}, "b": {curveB, v.Curve.B}, "Gx": {curveGx, v.Curve.Gx},
		"Gy": {curveGy, v.Curve.Gy}, "n": {curveN, v.Curve.N}} {
		want, ok := new(big.Int).SetString(c.want, 0)
		if !ok || want.Cmp(c.got) != 0 {
			t.Errorf("%s = %x, the vectors file says %s", name, c.got, c.want)
		}
	}
	if p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19)); p.Cmp(curveP) != 0 {
		t.Error("p is not 2^255 − 19")
	}
	if !onCurve(curveG) {
		t.Error("G is not on the curve")
	}
	if mul(curveN, curveG) != nil {
		t.Error("n·G is not the point at infinity")
	}
	third := new(big.Int).ModInverse(big.NewInt(3), curveP)
	gx := new(big.Int).Mul(big.NewInt(486662), third)
	gx.Add(gx, big.NewInt(9)).Mod(gx, curveP)
	if gx.Cmp(curveGx) != 0 {
		t.Error("Gx is not 9 + A/3")
	}
}

// TestFideliusVectors reproduces every shared vector: public keys from
// private keys (raw and X.509), the shared secret from both sides, the
// ciphertext byte for byte, and its decryption, including the §5.4
// minimal-length variant.
func TestFideliusVectors(t *testing.T) {
	v := loadVectors(t)
	prefix := unhex(t, v.X509Prefix)
	for _, vec := range v.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			keys := map[string]*fideliusKey{}
			for role, side := range map[string]vectorSide{"requester": vec.Requester, "sender": vec.Sender} {
				k, err := parsePrivateKey(side.PrivateKey)
				if err != nil {
					t.Fatalf("%s private key: %v", role, err)
				}
				keys[role] = k
				raw := rawPublicKey(k.pub)
				if got := base64.StdEncoding.EncodeToString(raw); got != side.PublicKey {
					t.Errorf("%s public key %s, want %s", role, got, side.PublicKey)
				}
				if x509 := unb64(t, side.X509PublicKey); !bytes.Equal(x509, append(append([]byte{}, prefix...), raw...)) {
					t.Errorf("%s X.509 key is not the prefix and the point", role)
				}
				for _, enc := range []string{side.PublicKey, side.X509PublicKey} {
					q, err := parsePublicKey(enc)
					if err != nil || q.x.Cmp(k.pub.x) != 0 || q.y.Cmp(k.pub.y) != 0 {
						t.Errorf("%s public key %.20s…: %v", role, enc, err)
					}
				}
			}
			hiu, hip := keys["requester"], keys["sender"]
			s1, err1 := sharedSecret(hiu, hip.pub)
			s2, err2 := sharedSecret(hip, hiu.pub)
			if err1 != nil || err2 != nil || hex.EncodeToString(s1) != vec.Derived.Shared || !bytes.Equal(s1, s2) {
				t.Fatalf("shared secret %x / %x, want %s", s1, s2, vec.Derived.Shared)
			}
			hiuNonce, hipNonce := unb64(t, vec.Requester.Nonce), unb64(t, vec.Sender.Nonce)
			xor, _ := xorNonces(hipNonce, hiuNonce)
			if hex.EncodeToString(xor) != vec.Derived.XOR || hex.EncodeToString(xor[:20]) != vec.Derived.Salt || hex.EncodeToString(xor[20:]) != vec.Derived.IV {
				t.Errorf("xor %x", xor)
			}
			hipPub, err := parsePublicKey(vec.Sender.X509PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			ct, err := fideliusEncrypt(hip, hipNonce, hiu.pub, hiuNonce, []byte(vec.Plaintext))
			if err != nil || base64.StdEncoding.EncodeToString(ct) != vec.EncryptedData {
				t.Errorf("encrypted %s (%v), want %s", base64.StdEncoding.EncodeToString(ct), err, vec.EncryptedData)
			}
			plain, err := fideliusDecrypt(hiu, hiuNonce, hipPub, hipNonce, unb64(t, vec.EncryptedData))
			if err != nil || string(plain) != vec.Plaintext {
				t.Errorf("decrypted %q (%v)", plain, err)
			}
			if vec.Minimal != nil {
				if hex.EncodeToString(bytes.TrimLeft(s1, "\x00")) != vec.Minimal.Shared {
					t.Errorf("minimal shared secret %x, want %s", bytes.TrimLeft(s1, "\x00"), vec.Minimal.Shared)
				}
				plain, err := fideliusDecrypt(hiu, hiuNonce, hipPub, hipNonce, unb64(t, vec.Minimal.EncryptedData))
				if err != nil || string(plain) != vec.Plaintext {
					t.Errorf("the minimal-length variant decrypted %q (%v)", plain, err)
				}
			}
			// A flipped bit fails authentication.
			bad := unb64(t, vec.EncryptedData)
			bad[0] ^= 1
			if _, err := fideliusDecrypt(hiu, hiuNonce, hipPub, hipNonce, bad); err == nil {
				t.Error("a tampered ciphertext decrypted")
			}
		})
	}
}

// TestFideliusRoundTrip: fresh keys agree and round-trip, with either
// key encoding.
func TestFideliusRoundTrip(t *testing.T) {
	for range 5 {
		km, hiuKey, hiuNonce, err := newKeyMaterial(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(km.DHPublicKey.KeyValue) != 88 {
			t.Fatalf("the HIU's key is %d base64 characters, want 88", len(km.DHPublicKey.KeyValue))
		}
		hiuPub, err := parsePublicKey(km.DHPublicKey.KeyValue)
		if err != nil {
			t.Fatal(err)
		}
		hipKey, err := newFideliusKey()
		if err != nil {
			t.Fatal(err)
		}
		hipNonce := bytes.Repeat([]byte{7}, 32)
		ct, err := fideliusEncrypt(hipKey, hipNonce, hiuPub, hiuNonce, []byte(`{"resourceType":"Bundle"}`))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := fideliusDecrypt(hiuKey, hiuNonce, hipKey.pub, hipNonce, ct)
		if err != nil || string(plain) != `{"resourceType":"Bundle"}` {
			t.Fatalf("round trip: %q %v", plain, err)
		}
	}
}
