package fidelius

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"fmt"

	"filippo.io/edwards25519/field"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// x509Prefix is the DER SubjectPublicKeyInfo that BouncyCastle writes for a
// "curve25519" key, up to the point: id-ecPublicKey with explicit
// ECParameters (version 1, prime field p, a, b, uncompressed G, n, h = 8),
// then the BIT STRING header. The 65-byte point follows.
var x509Prefix = func() []byte {
	b, err := hex.DecodeString("308201313081ea06072a8648ce3d02013081de020101302b06072a8648ce3d010102207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed304404202aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a14404207b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c8640441042aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d902201000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed020108034200")
	if err != nil || len(b) != X509PublicKeySize-PublicKeySize {
		panic("fidelius: bad X.509 prefix")
	}
	return b
}()

// maxX509Size bounds the DER a peer may send: BouncyCastle's form with a
// 20-byte seed and some slack for other encoders.
const maxX509Size = 512

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPrimeField  = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}

	// The domain parameters, big-endian, as they appear in x509Prefix.
	paramP  = x509Prefix[35:67]
	paramA  = x509Prefix[71:103]
	paramB  = x509Prefix[105:137]
	paramGx = x509Prefix[140:172]
	paramGy = x509Prefix[172:204]
	paramN  = x509Prefix[206:238]
)

// parseX509 decodes a DER SubjectPublicKeyInfo for an EC key on this curve.
// The parameters must be explicit and equal to BouncyCastle's curve25519
// (any generator with G's x-coordinate, as some ports use −G); a named curve
// is rejected, since no OID names this curve.
func parseX509(der []byte) (*PublicKey, error) {
	if len(der) > maxX509Size {
		return nil, fmt.Errorf("%w: %d bytes is neither a %d-byte point nor an X.509 key", ErrInvalidPublicKey, len(der), PublicKeySize)
	}
	bad := func(what string) error {
		return fmt.Errorf("%w: not an X.509 SubjectPublicKeyInfo for curve25519: %s", ErrInvalidPublicKey, what)
	}
	input := cryptobyte.String(der)
	var spki, alg cryptobyte.String
	if !input.ReadASN1(&spki, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, fmt.Errorf("%w: %d bytes is neither a %d-byte point nor DER", ErrInvalidPublicKey, len(der), PublicKeySize)
	}
	var oid asn1.ObjectIdentifier
	if !spki.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, bad("bad algorithm identifier")
	}
	if !oid.Equal(oidECPublicKey) {
		return nil, bad("algorithm " + oid.String() + " is not id-ecPublicKey")
	}
	if alg.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		var named asn1.ObjectIdentifier
		if !alg.ReadASN1ObjectIdentifier(&named) {
			return nil, bad("bad curve name")
		}
		return nil, bad("named curve " + named.String() + ", want explicit curve25519 parameters")
	}
	var params cryptobyte.String
	if !alg.ReadASN1(&params, cbasn1.SEQUENCE) || !alg.Empty() {
		return nil, bad("bad EC parameters")
	}
	if err := checkParams(params); err != "" {
		return nil, bad(err)
	}
	var point asn1.BitString
	if !spki.ReadASN1BitString(&point) || !spki.Empty() || point.BitLength%8 != 0 {
		return nil, bad("bad subjectPublicKey")
	}
	return newRawPublicKey(point.Bytes)
}

// checkParams checks explicit ECParameters (SEC 1 §C.2) against the curve
// and returns what is wrong, or "".
func checkParams(s cryptobyte.String) string {
	var version int
	if !s.ReadASN1Integer(&version) || version != 1 {
		return "EC parameters version is not 1"
	}
	var fieldID, curve cryptobyte.String
	var fieldType asn1.ObjectIdentifier
	var p []byte
	if !s.ReadASN1(&fieldID, cbasn1.SEQUENCE) || !fieldID.ReadASN1ObjectIdentifier(&fieldType) ||
		!fieldType.Equal(oidPrimeField) || !fieldID.ReadASN1Integer(&p) || !fieldID.Empty() {
		return "field is not a prime field"
	}
	if !equalInt(p, paramP) {
		return "prime is not 2^255-19"
	}
	var a, b []byte
	if !s.ReadASN1(&curve, cbasn1.SEQUENCE) ||
		!curve.ReadASN1Bytes(&a, cbasn1.OCTET_STRING) || !curve.ReadASN1Bytes(&b, cbasn1.OCTET_STRING) ||
		!curve.SkipOptionalASN1(cbasn1.BIT_STRING) || !curve.Empty() {
		return "bad curve coefficients"
	}
	if !equalInt(a, paramA) || !equalInt(b, paramB) {
		return "coefficients a, b are not curve25519's"
	}
	var base, n []byte
	if !s.ReadASN1Bytes(&base, cbasn1.OCTET_STRING) || !s.ReadASN1Integer(&n) {
		return "bad generator or order"
	}
	if !isGenerator(base) {
		return "generator is not curve25519's"
	}
	if !equalInt(n, paramN) {
		return "order is not curve25519's"
	}
	if !s.Empty() {
		var h int
		if !s.ReadASN1Integer(&h) || h != 8 {
			return "cofactor is not 8"
		}
	}
	if !s.Empty() {
		return "trailing data in EC parameters"
	}
	return ""
}

// isGenerator reports whether b encodes G or −G, compressed or not.
func isGenerator(b []byte) bool {
	switch {
	case len(b) == 33 && (b[0] == 2 || b[0] == 3):
		return bytes.Equal(b[1:], paramGx)
	case len(b) == PublicKeySize && b[0] == 4:
		if !bytes.Equal(b[1:33], paramGx) {
			return false
		}
		if bytes.Equal(b[33:], paramGy) {
			return true
		}
		y, ok := elementFromBE(b[33:])
		gy, _ := elementFromBE(paramGy)
		return ok && y.Add(y, gy).Equal(new(field.Element).Zero()) == 1
	}
	return false
}

// equalInt reports whether two big-endian unsigned integers are equal,
// ignoring leading zero bytes.
func equalInt(x, y []byte) bool {
	return bytes.Equal(bytes.TrimLeft(x, "\x00"), bytes.TrimLeft(y, "\x00"))
}
