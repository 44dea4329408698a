package fidelius

import (
	"encoding/hex"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// The curve is BouncyCastle's "curve25519": the short-Weierstrass form
// y² = x³ + a·x + b of Montgomery Curve25519 v² = u³ + A·u² + u
// (A = 486662) over p = 2^255 − 19, with x = u + A/3 and y = v. Public keys
// are Weierstrass points; the arithmetic runs on the Montgomery form, whose
// x-only ladder is the cheapest constant-time scalar multiplication.
var (
	// aThird is A/3 mod p: the shift between Weierstrass x and Montgomery u.
	aThird = mustElement("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad2451")
	curveA = mustElement("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a144")
	curveB = mustElement("7b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c864")

	// edToMont is the constant c with v = c·u/x_ed in the birational map
	// from Ed25519 to Curve25519 that takes the Ed25519 base point to
	// (9, Gy), the Montgomery form of BouncyCastle's generator. It is one of
	// the square roots of −(A+2); which one is fixed by the generator.
	edToMont = func() *field.Element {
		X, _, Z, _ := edwards25519.NewGeneratorPoint().ExtendedCoordinates()
		var bx, c, nine field.Element
		bx.Multiply(X, new(field.Element).Invert(Z))
		nine.Mult32(new(field.Element).One(), 9)
		gy := mustElement("20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9")
		c.Multiply(gy, &bx)
		return c.Multiply(&c, new(field.Element).Invert(&nine))
	}()

	// invCofactor is 8⁻¹ mod n, for BouncyCastle's cofactor handling in ECDH.
	invCofactor = func() *edwards25519.Scalar {
		var b [32]byte
		b[0] = 8
		s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
		if err != nil {
			panic(err)
		}
		return s.Invert(s)
	}()
)

// mustElement parses a constant written as big-endian hex.
func mustElement(h string) *field.Element {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	e, ok := elementFromBE(b)
	if !ok {
		panic("fidelius: bad field constant " + h)
	}
	return e
}

// elementFromBE decodes a 32-byte big-endian field element and reports
// whether it was canonical (less than p).
func elementFromBE(b []byte) (*field.Element, bool) {
	if len(b) != 32 {
		return nil, false
	}
	var le [32]byte
	for i := range le {
		le[i] = b[31-i]
	}
	e, err := new(field.Element).SetBytes(le[:])
	if err != nil {
		return nil, false
	}
	// SetBytes ignores bit 255 and reduces 2^255−19…2^255−1, so compare
	// the canonical encoding with the input.
	var back [32]byte
	copy(back[:], e.Bytes())
	return e, back == le
}

// putBE writes e as 32 big-endian bytes into dst.
func putBE(dst []byte, e *field.Element) {
	le := e.Bytes()
	for i := range 32 {
		dst[i] = le[31-i]
	}
}

// onCurve reports whether (x, y) satisfies y² = x³ + a·x + b.
func onCurve(x, y *field.Element) bool {
	var lhs, rhs field.Element
	lhs.Square(y)
	rhs.Square(x)
	rhs.Add(&rhs, curveA)
	rhs.Multiply(&rhs, x) // x³ + a·x
	rhs.Add(&rhs, curveB)
	return lhs.Equal(&rhs) == 1
}

// hasSmallOrder reports whether 8·P is the point at infinity, for P with
// Montgomery coordinate u: P is then one of the eight points of order 1, 2,
// 4 or 8, and an agreement with it would give an all-zero or predictable
// secret. It runs in variable time, so call it on public points only.
func hasSmallOrder(u *field.Element) bool {
	var x, z, s, t, e field.Element
	x.Set(u)
	z.One()
	for range 3 {
		// x-only doubling: x' = (x+z)²(x−z)², z' = 4xz·((x−z)² + (A+2)/4·4xz).
		t.Add(&x, &z)
		t.Square(&t)
		s.Subtract(&x, &z)
		s.Square(&s)
		e.Subtract(&t, &s)
		x.Multiply(&t, &s)
		z.Mult32(&e, 121666)
		z.Add(&z, &s)
		z.Multiply(&z, &e)
	}
	return z.Equal(new(field.Element).Zero()) == 1
}

// ladder sets (X:Z) to the projective Montgomery u-coordinate of k·P, where
// u is P's u-coordinate and k a 256-bit little-endian scalar, with the
// RFC 7748 Montgomery ladder: the same field operations and memory accesses
// whatever k is. Unlike X25519, k is used as given (no clamping). Z is zero
// when k·P is the point at infinity.
func ladder(X, Z *field.Element, k *[32]byte, u *field.Element) {
	// The operations are RFC 7748's, in the order of Go's crypto/ecdh
	// X25519, which measured 9% faster than the RFC's order; in RFC names,
	// with t0, t1 reused: D = x3−z3, B = x2−z2, A = x2+z2, C = x3+z3,
	// DA, CB, BB, AA, x3 = (DA+CB)², z3 = x1·(DA−CB)², x2 = AA·BB,
	// E = AA−BB, z2 = E·(BB + (A+2)/4·E).
	var x1, x2, z2, x3, z3, t0, t1 field.Element
	x1.Set(u)
	x2.One()
	z2.Zero()
	x3.Set(u)
	z3.One()
	swap := 0
	for i := 255; i >= 0; i-- {
		bit := int(k[i>>3]>>(i&7)) & 1
		swap ^= bit
		x2.Swap(&x3, swap)
		z2.Swap(&z3, swap)
		swap = bit

		t0.Subtract(&x3, &z3) // D
		t1.Subtract(&x2, &z2) // B
		x2.Add(&x2, &z2)      // A
		z2.Add(&x3, &z3)      // C
		z3.Multiply(&t0, &x2) // DA
		z2.Multiply(&z2, &t1) // CB
		t0.Square(&t1)        // BB
		t1.Square(&x2)        // AA
		x3.Add(&z3, &z2)      // DA+CB
		z2.Subtract(&z3, &z2) // DA−CB
		x2.Multiply(&t1, &t0) // AA·BB
		t1.Subtract(&t1, &t0) // E
		z2.Square(&z2)
		z3.Mult32(&t1, 121666) // (A+2)/4·E
		x3.Square(&x3)
		t0.Add(&t0, &z3)
		z3.Multiply(&x1, &z2)
		z2.Multiply(&t1, &t0)
	}
	x2.Swap(&x3, swap)
	z2.Swap(&z3, swap)
	X.Set(&x2)
	Z.Set(&z2)
}

// baseMult returns the Weierstrass coordinates of s·G, using the fixed-base
// tables of Ed25519, whose base point is G in Edwards form. It is constant
// time in s; s must not be zero.
func baseMult(s *edwards25519.Scalar) (x, y *field.Element) {
	p := new(edwards25519.Point).ScalarBaseMult(s)
	X, Y, Z, _ := p.ExtendedCoordinates()
	// u = (1+y_ed)/(1−y_ed) = (Z+Y)/(Z−Y) and v = c·u/x_ed = c·(Z+Y)·Z/((Z−Y)·X),
	// with one inversion of (Z−Y)·X.
	var zpy, zmy, inv field.Element
	zpy.Add(Z, Y)
	zmy.Subtract(Z, Y)
	inv.Multiply(&zmy, X)
	inv.Invert(&inv)
	x, y = new(field.Element), new(field.Element)
	x.Multiply(&zpy, X)
	x.Multiply(x, &inv)
	x.Add(x, aThird)
	y.Multiply(&zpy, Z)
	y.Multiply(y, &inv)
	y.Multiply(y, edToMont)
	return x, y
}
