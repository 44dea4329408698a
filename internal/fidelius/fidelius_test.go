package fidelius

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// fixtureKey returns a deterministic private key for name (not a vector:
// the package's own fixture, used by the tests and the fuzz seeds).
func fixtureKey(tb testing.TB, name string) *PrivateKey {
	tb.Helper()
	d := sha256.Sum256([]byte("fidelius fixture key " + name))
	d[0] &= 0x0f // below 2^252 < n
	k, err := NewPrivateKey(d[:])
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func fixtureNonce(name string) []byte {
	n := sha256.Sum256([]byte("fidelius fixture nonce " + name))
	return n[:]
}

func TestRoundTrip(t *testing.T) {
	r := newRand(t)
	for _, size := range []int{0, 1, 15, 16, 17, 1000, 1 << 16} {
		hiu, err := GenerateKey(randReader{r})
		if err != nil {
			t.Fatal(err)
		}
		hip, err := GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		hiuNonce, _ := NewNonce(randReader{r})
		hipNonce, err := NewNonce(nil)
		if err != nil {
			t.Fatal(err)
		}
		plain := make([]byte, size)
		randReader{r}.Read(plain)

		// The HIU announces a raw key, the HIP answers with an X.509 one,
		// each through JSON as on the wire.
		hiuKM := roundTripJSON(t, mustKeyMaterial(t, hiu.Public(), RawKey, hiuNonce))
		hipKM := roundTripJSON(t, mustKeyMaterial(t, hip.Public(), X509Key, hipNonce))
		hiuPub, hiuNonce2, err := hiuKM.Parse()
		if err != nil {
			t.Fatal(err)
		}
		ct, err := Encrypt(hip, hipNonce, hiuPub, hiuNonce2, plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != size+TagSize {
			t.Errorf("len(ciphertext) = %d, want %d", len(ct), size+TagSize)
		}
		hipPub, hipNonce2, err := hipKM.Parse()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decrypt(hiu, hiuNonce, hipPub, hipNonce2, ct)
		if err != nil {
			t.Fatalf("size %d: Decrypt: %v", size, err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("size %d: Decrypt(Encrypt(p)) ≠ p", size)
		}
	}
}

func mustKeyMaterial(t *testing.T, pub *PublicKey, enc KeyEncoding, nonce []byte) *KeyMaterial {
	t.Helper()
	km, err := NewKeyMaterial(pub, enc, nonce, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return km
}

func roundTripJSON(t *testing.T, km *KeyMaterial) *KeyMaterial {
	t.Helper()
	b, err := json.Marshal(km)
	if err != nil {
		t.Fatal(err)
	}
	var out KeyMaterial
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.DHPublicKey.Expiry.Equal(km.DHPublicKey.Expiry) {
		t.Errorf("expiry %v after JSON, want %v", out.DHPublicKey.Expiry, km.DHPublicKey.Expiry)
	}
	return &out
}

func TestKeyEncodingsRoundTrip(t *testing.T) {
	r := newRand(t)
	for range 64 {
		k, err := GenerateKey(randReader{r})
		if err != nil {
			t.Fatal(err)
		}
		k2, err := ParsePrivateKey(k.Base64())
		if err != nil {
			t.Fatalf("ParsePrivateKey(Base64()): %v", err)
		}
		if !bytes.Equal(k2.Bytes(), k.Bytes()) || !k2.Public().Equal(k.Public()) {
			t.Errorf("private key changed through Base64")
		}
		pub := k.Public()
		if s := pub.Base64(); len(s) != 88 {
			t.Errorf("len(Base64()) = %d, want 88", len(s))
		}
		if s := pub.X509Base64(); len(s) != 412 {
			t.Errorf("len(X509Base64()) = %d, want 412", len(s))
		}
		for _, s := range []string{pub.Base64(), pub.X509Base64()} {
			q, err := ParsePublicKey(s)
			if err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if !q.Equal(pub) {
				t.Errorf("public key changed through %d-character base64", len(s))
			}
		}
	}
}

// TestPrivateKeyBytesJava checks that Bytes writes what Java's
// BigInteger.toByteArray writes, so Java peers read the same key back.
func TestPrivateKeyBytesJava(t *testing.T) {
	for _, c := range []struct{ d, want string }{
		{"01", "01"},
		{"7f", "7f"},
		{"80", "0080"}, // sign byte
		{"9f" + strings.Repeat("11", 30), "009f" + strings.Repeat("11", 30)}, // 31 significant bytes, sign byte
		{"0f" + strings.Repeat("ab", 31), "0f" + strings.Repeat("ab", 31)},
		{"1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ec", "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ec"}, // n − 1
	} {
		k, err := NewPrivateKey(mustHex(t, c.d))
		if err != nil {
			t.Fatalf("NewPrivateKey(%s): %v", c.d, err)
		}
		want := mustHex(t, c.want)
		if got := k.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("Bytes() for %s = %x, want %x", c.d, got, want)
		}
		// Java: new BigInteger(want) is positive and equal to d.
		if want[0]&0x80 != 0 || new(big.Int).SetBytes(want).Cmp(new(big.Int).SetBytes(mustHex(t, c.d))) != 0 {
			t.Errorf("%x is not Java's encoding of %s", want, c.d)
		}
	}
	// Leading zero bytes and a 33rd byte are accepted.
	a, err := NewPrivateKey(append(make([]byte, 32), 5))
	if err != nil {
		t.Fatalf("NewPrivateKey(33 bytes, value 5): %v", err)
	}
	if !bytes.Equal(a.Bytes(), []byte{5}) {
		t.Errorf("Bytes() = %x, want 05", a.Bytes())
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	n := "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"
	good := fixtureKey(t, "a").Base64()
	for name, s := range map[string]string{
		"empty":      "",
		"not base64": strings.TrimSuffix(good, "="),
		"url base64": good[:40] + "_" + good[41:],
		"zero":       "AA==",
		"zeros":      base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"n":          base64.StdEncoding.EncodeToString(mustHex(t, n)),
		"2^256-1":    base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)),
		"33 bytes":   base64.StdEncoding.EncodeToString(append([]byte{1}, make([]byte, 32)...)),
		"34 bytes":   base64.StdEncoding.EncodeToString(make([]byte, 34)),
		"very long":  strings.Repeat("A", 10000),
		"public key": fixtureKey(t, "a").Public().Base64(),
	} {
		_, err := ParsePrivateKey(s)
		if !errors.Is(err, ErrInvalidPrivateKey) {
			t.Errorf("%s: ParsePrivateKey = %v, want ErrInvalidPrivateKey", name, err)
			continue
		}
		if len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q repeats the key", name, err)
		}
	}
}

// mutate returns b with f applied to a copy.
func mutate(b []byte, f func([]byte) []byte) []byte {
	return f(append([]byte(nil), b...))
}

func TestParsePublicKeyErrors(t *testing.T) {
	pub := fixtureKey(t, "a").Public()
	raw, der := pub.Bytes(), pub.X509()
	p256, _ := ecdh.P256().GenerateKey(newRandReader(t))
	p256DER, err := x509.MarshalPKIXPublicKey(p256.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	x25519, _ := ecdh.X25519().GenerateKey(newRandReader(t))
	x25519DER, err := x509.MarshalPKIXPublicKey(x25519.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	pBytes := mustHex(t, "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed")
	cases := map[string][]byte{
		"empty":                   {},
		"one byte (infinity)":     {0},
		"64 bytes":                raw[1:],
		"66 bytes":                append(raw, 0),
		"compressed prefix":       mutate(raw, func(b []byte) []byte { b[0] = 2; return b }),
		"hybrid prefix":           mutate(raw, func(b []byte) []byte { b[0] = 6; return b }),
		"compressed 33 bytes":     append([]byte{2}, raw[1:33]...),
		"not on curve":            mutate(raw, func(b []byte) []byte { b[64] ^= 1; return b }),
		"x = p":                   mutate(raw, func(b []byte) []byte { copy(b[1:33], pBytes); return b }),
		"y = p + y":               mutate(raw, func(b []byte) []byte { b[33] |= 0x80; return b }),
		"all zero":                make([]byte, 65),
		"order 2 (A/3, 0)":        append(append([]byte{4}, mustHex(t, "2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad2451")...), make([]byte, 32)...),
		"x509 truncated":          der[:len(der)-1],
		"x509 trailing byte":      append(append([]byte(nil), der...), 0),
		"x509 point off curve":    mutate(der, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }),
		"x509 other prime":        mutate(der, func(b []byte) []byte { b[66] ^= 2; return b }),
		"x509 other a":            mutate(der, func(b []byte) []byte { b[100] ^= 1; return b }),
		"x509 other b":            mutate(der, func(b []byte) []byte { b[130] ^= 1; return b }),
		"x509 other generator":    mutate(der, func(b []byte) []byte { b[150] ^= 1; return b }),
		"x509 other order":        mutate(der, func(b []byte) []byte { b[237] ^= 1; return b }),
		"x509 other cofactor":     mutate(der, func(b []byte) []byte { b[240] = 4; return b }),
		"x509 version 2":          mutate(der, func(b []byte) []byte { b[21] = 2; return b }),
		"x509 other algorithm":    mutate(der, func(b []byte) []byte { b[15] = 2; return b }),
		"x509 named P-256":        p256DER,
		"x509 X25519":             x25519DER,
		"x509 raw point in DER":   append([]byte{0x30, 65}, raw...),
		"garbage of X.509 length": bytes.Repeat([]byte{0x30}, 309),
	}
	for name, b := range cases {
		_, err := NewPublicKey(b)
		if !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("%s: NewPublicKey = %v, want ErrInvalidPublicKey", name, err)
			continue
		}
		if _, err := ParsePublicKey(base64.StdEncoding.EncodeToString(b)); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("%s: ParsePublicKey = %v, want ErrInvalidPublicKey", name, err)
		}
	}
	for name, s := range map[string]string{
		"not base64": strings.TrimSuffix(pub.Base64(), "="),
		"spaces":     " " + pub.Base64(),
		"url base64": strings.NewReplacer("+", "-", "/", "_").Replace(pub.Base64()),
		"too long":   strings.Repeat("A", 4000),
	} {
		if _, err := ParsePublicKey(s); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("%s: ParsePublicKey = %v, want ErrInvalidPublicKey", name, err)
		}
	}
	// The messages say what is wrong.
	for name, want := range map[string]string{
		"not on curve":         "not on the curve",
		"x = p":                "not less than p",
		"compressed prefix":    "0x04",
		"x509 named P-256":     "named curve 1.2.840.10045.3.1.7",
		"x509 other order":     "order",
		"order 2 (A/3, 0)":     "small order",
		"x509 point off curve": "not on the curve",
	} {
		if _, err := NewPublicKey(cases[name]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, want)
		}
	}
}

// TestX509Variants checks that other encoders' forms of the same key are
// read: no cofactor, a seed, a compressed or negated generator.
func TestX509Variants(t *testing.T) {
	pub := fixtureKey(t, "a").Public()
	params := hex.EncodeToString(x509Prefix[16 : len(x509Prefix)-3]) // the ECParameters SEQUENCE
	if !strings.HasPrefix(params, "3081de020101") || !strings.HasSuffix(params, "020108") {
		t.Fatalf("prefix layout changed: %s", params)
	}
	body := params[len("3081de"):]
	gy := "20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9"
	negGy := new(big.Int).Sub(refP, refGy)
	variants := map[string]string{
		"as BouncyCastle": body,
		"no cofactor":     strings.TrimSuffix(body, "020108"),
		"compressed G":    strings.Replace(body, "0441042aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a"+gy, "0421022aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a", 1),
		"negated G":       strings.Replace(body, gy, hex.EncodeToString(negGy.FillBytes(make([]byte, 32))), 1),
	}
	// A seed BIT STRING (20 bytes) after b in the curve SEQUENCE.
	variants["with seed"] = strings.Replace(body, "304404202aaa", "305b04202aaa", 1)
	variants["with seed"] = strings.Replace(variants["with seed"], "c7710c864", "c7710c8640315"+"00"+strings.Repeat("5a", 20), 1)
	for name, v := range variants {
		paramsDER := derSeq(mustHex(t, v))
		alg := derSeq(append(mustHex(t, "06072a8648ce3d0201"), paramsDER...))
		spki := derSeq(append(append(alg, 0x03, 0x42, 0x00), pub.Bytes()...))
		got, err := NewPublicKey(spki)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !got.Equal(pub) {
			t.Errorf("%s: a different key", name)
		}
		if name == "as BouncyCastle" && !bytes.Equal(spki, pub.X509()) {
			t.Errorf("re-encoding differs from X509()")
		}
	}
}

// derSeq wraps b in a DER SEQUENCE.
func derSeq(b []byte) []byte {
	switch n := len(b); {
	case n < 0x80:
		return append([]byte{0x30, byte(n)}, b...)
	case n < 0x100:
		return append([]byte{0x30, 0x81, byte(n)}, b...)
	default:
		return append([]byte{0x30, 0x82, byte(n >> 8), byte(n)}, b...)
	}
}

func TestDecryptErrors(t *testing.T) {
	hiu, hip := fixtureKey(t, "hiu"), fixtureKey(t, "hip")
	hiuNonce, hipNonce := fixtureNonce("hiu"), fixtureNonce("hip")
	plain := []byte(`{"resourceType":"Bundle"}`)
	ct, err := Encrypt(hip, hipNonce, hiu.Public(), hiuNonce, plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(hiu, hiuNonce, hip.Public(), hipNonce, ct); err != nil {
		t.Fatalf("Decrypt of the untouched ciphertext: %v", err)
	}
	other := fixtureKey(t, "other")
	for i := range ct {
		bad := mutate(ct, func(b []byte) []byte { b[i] ^= 0x01; return b })
		if _, err := Decrypt(hiu, hiuNonce, hip.Public(), hipNonce, bad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("byte %d flipped: Decrypt = %v, want ErrDecrypt", i, err)
		}
	}
	wrongNonce := mutate(hipNonce, func(b []byte) []byte { b[0] ^= 1; return b })
	for name, c := range map[string]struct {
		priv   *PrivateKey
		pub    *PublicKey
		hipN   []byte
		ct     []byte
		target error
	}{
		"truncated":         {hiu, hip.Public(), hipNonce, ct[:len(ct)-1], ErrDecrypt},
		"extended":          {hiu, hip.Public(), hipNonce, append(append([]byte(nil), ct...), 0), ErrDecrypt},
		"tag only":          {hiu, hip.Public(), hipNonce, ct[len(ct)-TagSize:], ErrDecrypt},
		"shorter than tag":  {hiu, hip.Public(), hipNonce, ct[:TagSize-1], ErrDecrypt},
		"empty":             {hiu, hip.Public(), hipNonce, nil, ErrDecrypt},
		"wrong private key": {other, hip.Public(), hipNonce, ct, ErrDecrypt},
		"wrong sender key":  {hiu, other.Public(), hipNonce, ct, ErrDecrypt},
		"wrong nonce":       {hiu, hip.Public(), wrongNonce, ct, ErrDecrypt},
		"short nonce":       {hiu, hip.Public(), hipNonce[:31], ct, ErrInvalidNonce},
		"nil private key":   {nil, hip.Public(), hipNonce, ct, ErrInvalidPrivateKey},
		"nil public key":    {hiu, nil, hipNonce, ct, ErrInvalidPublicKey},
		"zero-value key":    {hiu, &PublicKey{}, hipNonce, ct, ErrInvalidPublicKey},
	} {
		got, err := Decrypt(c.priv, hiuNonce, c.pub, c.hipN, c.ct)
		if !errors.Is(err, c.target) || got != nil {
			t.Errorf("%s: Decrypt = %q, %v; want %v", name, got, err, c.target)
		}
	}
	if _, err := Encrypt(hip, hipNonce, hiu.Public(), make([]byte, 16), plain); !errors.Is(err, ErrInvalidNonce) {
		t.Errorf("Encrypt with a 16-byte nonce: %v, want ErrInvalidNonce", err)
	}
	if _, err := Encrypt(nil, hipNonce, hiu.Public(), hiuNonce, plain); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("Encrypt with a nil key: %v, want ErrInvalidPrivateKey", err)
	}
	if _, err := Encrypt(hip, hipNonce, nil, hiuNonce, plain); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("Encrypt to a nil key: %v, want ErrInvalidPublicKey", err)
	}
}

func TestParseNonce(t *testing.T) {
	n := fixtureNonce("x")
	got, err := ParseNonce(base64.StdEncoding.EncodeToString(n))
	if err != nil || !bytes.Equal(got, n) {
		t.Errorf("ParseNonce = %x, %v; want %x", got, err, n)
	}
	for name, s := range map[string]string{
		"empty":      "",
		"16 bytes":   base64.StdEncoding.EncodeToString(n[:16]),
		"33 bytes":   base64.StdEncoding.EncodeToString(append(n, 0)),
		"uuid":       "3fa85f64-5717-4562-b3fc-2c963f66afa6",
		"no padding": base64.RawStdEncoding.EncodeToString(n),
	} {
		if _, err := ParseNonce(s); !errors.Is(err, ErrInvalidNonce) {
			t.Errorf("%s: ParseNonce = %v, want ErrInvalidNonce", name, err)
		}
	}
}

func TestKeyMaterialJSON(t *testing.T) {
	pub := fixtureKey(t, "hiu").Public()
	nonce := fixtureNonce("hiu")
	km := mustKeyMaterial(t, pub, RawKey, nonce)
	b, err := json.Marshal(km)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"2026-12-01T00:00:00.000Z","parameters":"Curve25519/32byte random key","keyValue":"` +
		pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
	x := mustKeyMaterial(t, pub, X509Key, nonce)
	if x.DHPublicKey.KeyValue != pub.X509Base64() {
		t.Errorf("X509Key keyValue = %s, want the X.509 form", x.DHPublicKey.KeyValue)
	}

	for name, c := range map[string]struct {
		json   string
		expiry time.Time
		err    string
	}{
		"zoneless expiry": {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"2026-12-01T05:06:07.123","parameters":"Curve25519/32byte random key","keyValue":"` + pub.X509Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`,
			expiry: time.Date(2026, 12, 1, 5, 6, 7, 123e6, time.UTC)},
		"offset expiry, lower case": {json: `{"cryptoAlg":"ecdh","curve":"curve25519","dhPublicKey":{"expiry":"2026-12-01T10:36:07+05:30","keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`,
			expiry: time.Date(2026, 12, 1, 5, 6, 7, 0, time.UTC)},
		"no expiry":     {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`},
		"other curve":   {json: `{"cryptoAlg":"ECDH","curve":"P-256","dhPublicKey":{"keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`, err: "curve"},
		"other alg":     {json: `{"cryptoAlg":"RSA","curve":"Curve25519","dhPublicKey":{"keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`, err: "cryptoAlg"},
		"bad key":       {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"keyValue":"a2V5"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`, err: "keyValue"},
		"bad nonce":     {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"keyValue":"` + pub.Base64() + `"},"nonce":"bm9uY2U="}`, err: "nonce"},
		"bad expiry":    {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"tomorrow","keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`, err: "expiry"},
		"expiry number": {json: `{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":5,"keyValue":"` + pub.Base64() + `"},"nonce":"` + base64.StdEncoding.EncodeToString(nonce) + `"}`, err: "expiry"},
	} {
		var m KeyMaterial
		err := json.Unmarshal([]byte(c.json), &m)
		var p *PublicKey
		var n []byte
		if err == nil {
			p, n, err = m.Parse()
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one mentioning %q", name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !p.Equal(pub) || !bytes.Equal(n, nonce) || !m.DHPublicKey.Expiry.Equal(c.expiry) {
			t.Errorf("%s: got key %v, nonce %x, expiry %v; want expiry %v", name, p.Equal(pub), n, m.DHPublicKey.Expiry, c.expiry)
		}
	}
	if _, err := NewKeyMaterial(pub, KeyEncoding(7), nonce, time.Time{}); err == nil {
		t.Errorf("NewKeyMaterial with an unknown encoding succeeded")
	}
	if _, err := NewKeyMaterial(pub, RawKey, nonce[:8], time.Time{}); !errors.Is(err, ErrInvalidNonce) {
		t.Errorf("NewKeyMaterial with an 8-byte nonce: %v, want ErrInvalidNonce", err)
	}
}

// TestGenerateKeyReaderError checks that a failing reader is reported.
func TestGenerateKeyReaderError(t *testing.T) {
	if _, err := GenerateKey(strings.NewReader("short")); err == nil {
		t.Errorf("GenerateKey from a 5-byte reader succeeded")
	}
	if _, err := NewNonce(strings.NewReader("short")); err == nil {
		t.Errorf("NewNonce from a 5-byte reader succeeded")
	}
}

// TestConcurrentPublic checks that Public is safe to call concurrently.
func TestConcurrentPublic(t *testing.T) {
	k, err := NewPrivateKey([]byte{42})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *PublicKey)
	for range 8 {
		go func() { done <- k.Public() }()
	}
	first := <-done
	for range 7 {
		if p := <-done; p != first {
			t.Errorf("Public returned different values")
		}
	}
}

func newRandReader(t *testing.T) randReader { return randReader{newRand(t)} }

// TestSession: a session's messages are Encrypt's and Decrypt's, byte for
// byte, and each page's own nonce gives it its own key and IV.
func TestSession(t *testing.T) {
	hip, hiu := fixtureKey(t, "hip"), fixtureKey(t, "hiu")
	hipNonce, hiuNonce := fixtureNonce("hip"), fixtureNonce("hiu")
	send, err := NewSession(hip, hiu.Public())
	if err != nil {
		t.Fatal(err)
	}
	recv, err := NewSession(hiu, hip.Public())
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	defer recv.Close()
	msg := []byte(`{"resourceType":"Bundle","type":"document"}`)
	var seen [][]byte
	for i := range 3 {
		nonce := bytes.Clone(hipNonce)
		nonce[31] ^= byte(i)
		got, err := send.Encrypt(nonce, hiuNonce, msg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Encrypt(hip, nonce, hiu.Public(), hiuNonce, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("page %d: the session's ciphertext differs from Encrypt's", i)
		}
		for _, s := range seen {
			if bytes.Equal(s[:16], got[:16]) {
				t.Fatalf("page %d: the same keystream as an earlier page", i)
			}
		}
		seen = append(seen, got)
		plain, err := recv.Decrypt(hiuNonce, nonce, got)
		if err != nil || !bytes.Equal(plain, msg) {
			t.Fatalf("page %d: Decrypt = %q, %v", i, plain, err)
		}
		if _, err := recv.Decrypt(hiuNonce, hipNonce, got[:len(got)-1]); err == nil {
			t.Fatalf("page %d: a cut ciphertext decrypted", i)
		}
	}
	if _, err := NewSession(nil, hiu.Public()); err == nil {
		t.Fatal("NewSession accepted a missing key")
	}
	if _, err := send.Encrypt(hipNonce[:31], hiuNonce, msg); err == nil {
		t.Fatal("Encrypt accepted a short nonce")
	}
}
