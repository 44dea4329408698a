package fidelius

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"testing"
)

// Benchmarks for BENCHMARKS.md: Fidelius against raw AES-256-GCM on the
// same payload, and the per-message public-key work.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/fidelius

var benchSizes = []int{0, 64 << 10, 1 << 20, 4 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

type benchParties struct {
	hiu, hip           *PrivateKey
	hiuPub, hipPub     *PublicKey
	hiuNonce, hipNonce []byte
}

func newBenchParties(b *testing.B) *benchParties {
	b.Helper()
	p := &benchParties{hiu: fixtureKey(b, "hiu"), hip: fixtureKey(b, "hip"),
		hiuNonce: fixtureNonce("hiu"), hipNonce: fixtureNonce("hip")}
	p.hiuPub, p.hipPub = p.hiu.Public(), p.hip.Public()
	return p
}

// Each of the four message benchmarks runs in two modes: "new" allocates
// the output as Encrypt and Decrypt do (so the garbage collector's work on
// large buffers is in the figure), and "reuse" writes into a buffer kept
// across iterations, which measures the computation alone.
var benchModes = []string{"new", "reuse"}

// BenchmarkEncrypt is a whole HIP-side message: ECDH, HKDF, AES key
// schedule and GCM. The 0B case is the per-message overhead alone.
func BenchmarkEncrypt(b *testing.B) {
	p := newBenchParties(b)
	for _, mode := range benchModes {
		for _, n := range benchSizes {
			plain := make([]byte, n)
			out := make([]byte, 0, n+TagSize)
			b.Run(mode+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					var err error
					if mode == "new" {
						_, err = Encrypt(p.hip, p.hipNonce, p.hiuPub, p.hiuNonce, plain)
					} else {
						out, err = seal(out[:0], p.hip, p.hipNonce, p.hiuPub, p.hiuNonce, plain)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecrypt is a whole HIU-side message.
func BenchmarkDecrypt(b *testing.B) {
	p := newBenchParties(b)
	for _, mode := range benchModes {
		for _, n := range benchSizes {
			ct, err := Encrypt(p.hip, p.hipNonce, p.hiuPub, p.hiuNonce, make([]byte, n))
			if err != nil {
				b.Fatal(err)
			}
			out := make([]byte, 0, n)
			b.Run(mode+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					var err error
					if mode == "new" {
						_, err = Decrypt(p.hiu, p.hiuNonce, p.hipPub, p.hipNonce, ct)
					} else {
						out, err = open(out[:0], p.hiu, p.hiuNonce, p.hipPub, p.hipNonce, ct)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func benchAEAD(b *testing.B) cipher.AEAD {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// BenchmarkGCMSeal is raw AES-256-GCM with the key set up once: the
// baseline for BenchmarkEncrypt, in the same two modes.
func BenchmarkGCMSeal(b *testing.B) {
	aead := benchAEAD(b)
	iv := make([]byte, 12)
	for _, mode := range benchModes {
		for _, n := range benchSizes {
			plain := make([]byte, n)
			out := make([]byte, 0, n+TagSize)
			b.Run(mode+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					if mode == "new" {
						aead.Seal(nil, iv, plain, nil)
					} else {
						out = aead.Seal(out[:0], iv, plain, nil)
					}
				}
			})
		}
	}
}

// BenchmarkGCMOpen is the baseline for BenchmarkDecrypt.
func BenchmarkGCMOpen(b *testing.B) {
	aead := benchAEAD(b)
	iv := make([]byte, 12)
	for _, mode := range benchModes {
		for _, n := range benchSizes {
			ct := aead.Seal(nil, iv, make([]byte, n), nil)
			out := make([]byte, 0, n)
			b.Run(mode+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					var err error
					if mode == "new" {
						_, err = aead.Open(nil, iv, ct, nil)
					} else {
						out, err = aead.Open(out[:0], iv, ct, nil)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkECDH is one key agreement.
func BenchmarkECDH(b *testing.B) {
	p := newBenchParties(b)
	for b.Loop() {
		if _, err := p.hip.ECDH(p.hiuPub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkX25519 is the standard library's X25519 agreement on the same
// machine, for scale: the same curve and the same kind of ladder.
func BenchmarkX25519(b *testing.B) {
	k1, _ := ecdh.X25519().GenerateKey(rand.Reader)
	k2, _ := ecdh.X25519().GenerateKey(rand.Reader)
	for b.Loop() {
		if _, err := k1.ECDH(k2.PublicKey()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateKey is a new key pair, public key included.
func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		k, err := GenerateKey(nil)
		if err != nil {
			b.Fatal(err)
		}
		k.Public()
	}
}

// BenchmarkParsePublicKey is reading a peer's key from base64, with its
// checks.
func BenchmarkParsePublicKey(b *testing.B) {
	pub := fixtureKey(b, "hiu").Public()
	for name, s := range map[string]string{"raw": pub.Base64(), "x509": pub.X509Base64()} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParsePublicKey(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionEncrypt is one bundle of a transfer as the HIP sends it:
// the agreement made once per transfer (NewSession), each bundle under a
// fresh sender nonce, so each gets its own HKDF key and IV. Compare with
// BenchmarkGCMSeal/reuse.
func BenchmarkSessionEncrypt(b *testing.B) {
	p := newBenchParties(b)
	s, err := NewSession(p.hip, p.hiuPub)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes {
		plain := make([]byte, n)
		out := make([]byte, 0, n+TagSize)
		b.Run("reuse/"+sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			nonce := bytes.Clone(p.hipNonce)
			for b.Loop() {
				nonce[0]++ // a page's own nonce
				var err error
				if out, err = sealShared(out[:0], s.shared, nonce, p.hiuNonce, plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionDecrypt is one bundle of a transfer as the HIU opens it.
// Compare with BenchmarkGCMOpen/reuse.
func BenchmarkSessionDecrypt(b *testing.B) {
	p := newBenchParties(b)
	s, err := NewSession(p.hiu, p.hipPub)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes {
		ct, err := Encrypt(p.hip, p.hipNonce, p.hiuPub, p.hiuNonce, make([]byte, n))
		if err != nil {
			b.Fatal(err)
		}
		out := make([]byte, 0, n)
		b.Run("reuse/"+sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				var err error
				if out, err = openShared(out[:0], s.shared, p.hiuNonce, p.hipNonce, ct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
