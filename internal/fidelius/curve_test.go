package fidelius

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519/field"
)

// A math/big reference for the curve: plain affine short-Weierstrass
// arithmetic, slow and variable time, written from the equations alone, to
// check the constant-time code against.

func bigHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

var (
	refP  = bigHex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed")
	refA  = bigHex("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a144")
	refB  = bigHex("7b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c864")
	refGx = bigHex("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a")
	refGy = bigHex("20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9")
	refN  = bigHex("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed")
	refG  = refPoint{x: refGx, y: refGy}
)

// refPoint is an affine point; inf marks the point at infinity.
type refPoint struct {
	x, y *big.Int
	inf  bool
}

func mod(x *big.Int) *big.Int { return x.Mod(x, refP) }

func refOnCurve(p refPoint) bool {
	if p.inf {
		return true
	}
	lhs := mod(new(big.Int).Mul(p.y, p.y))
	rhs := new(big.Int).Mul(p.x, p.x)
	rhs.Add(rhs, refA).Mul(rhs, p.x).Add(rhs, refB)
	return lhs.Cmp(mod(rhs)) == 0
}

func refAdd(p, q refPoint) refPoint {
	switch {
	case p.inf:
		return q
	case q.inf:
		return p
	}
	var l *big.Int
	if p.x.Cmp(q.x) == 0 {
		if mod(new(big.Int).Add(p.y, q.y)).Sign() == 0 {
			return refPoint{inf: true}
		}
		// λ = (3x² + a) / 2y
		num := new(big.Int).Mul(p.x, p.x)
		num.Mul(num, big.NewInt(3)).Add(num, refA)
		den := new(big.Int).Lsh(p.y, 1)
		l = mod(num.Mul(num, new(big.Int).ModInverse(mod(den), refP)))
	} else {
		num := new(big.Int).Sub(q.y, p.y)
		den := mod(new(big.Int).Sub(q.x, p.x))
		l = mod(num.Mul(num, new(big.Int).ModInverse(den, refP)))
	}
	x := new(big.Int).Mul(l, l)
	x = mod(x.Sub(x, p.x).Sub(x, q.x))
	y := new(big.Int).Sub(p.x, x)
	y = mod(y.Mul(y, l).Sub(y, p.y))
	return refPoint{x: x, y: y}
}

func refMul(k *big.Int, p refPoint) refPoint {
	r := refPoint{inf: true}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = refAdd(r, r)
		if k.Bit(i) == 1 {
			r = refAdd(r, p)
		}
	}
	return r
}

// refBytes is the 65-byte encoding of p.
func refBytes(p refPoint) []byte {
	b := make([]byte, 65)
	b[0] = 4
	p.x.FillBytes(b[1:33])
	p.y.FillBytes(b[33:])
	return b
}

// refRandomPoint returns a random point of the whole group (order 1, 2, 4 or
// 8 times n): a random x with x³ + ax + b a square.
func refRandomPoint(r *rand.Rand) refPoint {
	for {
		x := randBig(r, refP)
		rhs := new(big.Int).Mul(x, x)
		rhs.Add(rhs, refA).Mul(rhs, x).Add(rhs, refB)
		y := new(big.Int).ModSqrt(mod(rhs), refP)
		if y != nil {
			return refPoint{x: x, y: y}
		}
	}
}

// refTorsion returns a point of exact order 8 (and its multiples give the
// points of order 4 and 2).
func refTorsion(r *rand.Rand) refPoint {
	for {
		t := refMul(refN, refRandomPoint(r))
		if !refMul(big.NewInt(4), t).inf {
			return t
		}
	}
}

// randBig returns a random integer in [0, max), with a negligible bias.
func randBig(r *rand.Rand, max *big.Int) *big.Int {
	b := make([]byte, (max.BitLen()+7)/8+16)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b), max)
}

// randReader is a deterministic io.Reader for tests.
type randReader struct{ r *rand.Rand }

func (rr randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(rr.r.Uint32())
	}
	return len(p), nil
}

func newRand(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(1, uint64(len(t.Name()))))
}

func elementToBig(e *field.Element) *big.Int {
	le := e.Bytes()
	be := make([]byte, 32)
	for i := range be {
		be[i] = le[31-i]
	}
	return new(big.Int).SetBytes(be)
}

func TestConstants(t *testing.T) {
	A := big.NewInt(486662)
	three := big.NewInt(3)
	aThirdRef := mod(new(big.Int).Mul(A, new(big.Int).ModInverse(three, refP)))
	if got := elementToBig(aThird); got.Cmp(aThirdRef) != 0 {
		t.Errorf("aThird = %x, want %x", got, aThirdRef)
	}
	if want := mod(new(big.Int).Add(aThirdRef, big.NewInt(9))); refGx.Cmp(want) != 0 {
		t.Errorf("Gx ≠ 9 + A/3")
	}
	// a = (3 − A²)/3, b = (2A³ − 9A)/27 for the Montgomery curve with B = 1.
	a := new(big.Int).Sub(three, new(big.Int).Mul(A, A))
	a = mod(a.Mul(a, new(big.Int).ModInverse(three, refP)))
	b := new(big.Int).Exp(A, three, nil)
	b.Lsh(b, 1).Sub(b, new(big.Int).Mul(big.NewInt(9), A))
	b = mod(b.Mul(b, new(big.Int).ModInverse(big.NewInt(27), refP)))
	if a.Cmp(refA) != 0 || elementToBig(curveA).Cmp(refA) != 0 {
		t.Errorf("a does not follow from A = 486662")
	}
	if b.Cmp(refB) != 0 || elementToBig(curveB).Cmp(refB) != 0 {
		t.Errorf("b does not follow from A = 486662")
	}
	// edToMont² = −(A+2).
	c := elementToBig(edToMont)
	if got, want := mod(c.Mul(c, c)), mod(big.NewInt(-486664)); got.Cmp(want) != 0 {
		t.Errorf("edToMont² = %x, want −486664", got)
	}
	if !refOnCurve(refG) || !refMul(refN, refG).inf {
		t.Errorf("G is not a point of order n")
	}
	for _, c := range []struct {
		name string
		got  []byte
		want *big.Int
	}{{"p", paramP, refP}, {"a", paramA, refA}, {"b", paramB, refB}, {"Gx", paramGx, refGx}, {"Gy", paramGy, refGy}, {"n", paramN, refN}} {
		if new(big.Int).SetBytes(c.got).Cmp(c.want) != 0 {
			t.Errorf("X.509 parameter %s = %x, want %x", c.name, c.got, c.want)
		}
	}
	// 8·(8⁻¹ mod n) ≡ 1.
	inv := new(big.Int).SetBytes(reverse(invCofactor.Bytes()))
	if got := new(big.Int).Mod(inv.Mul(inv, big.NewInt(8)), refN); got.Cmp(big.NewInt(1)) != 0 {
		t.Errorf("invCofactor·8 mod n = %v, want 1", got)
	}
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

// edgeScalars are 256-bit ladder scalars that stress the first and last
// steps: zero, tiny values, values around n and 8n, and high bits set.
func edgeScalars() []*big.Int {
	one := big.NewInt(1)
	two255 := new(big.Int).Lsh(one, 255)
	two256 := new(big.Int).Lsh(one, 256)
	eightN := new(big.Int).Lsh(refN, 3)
	return []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(3), big.NewInt(7), big.NewInt(8), big.NewInt(9),
		new(big.Int).Sub(refN, one), new(big.Int).Set(refN), new(big.Int).Add(refN, one),
		new(big.Int).Sub(eightN, one), eightN, new(big.Int).Add(eightN, one),
		new(big.Int).Lsh(one, 252), new(big.Int).Sub(two255, one), two255, new(big.Int).Add(two255, one),
		new(big.Int).Sub(two256, one), new(big.Int).Sub(two256, big.NewInt(8)),
	}
}

func leScalar(k *big.Int) *[32]byte {
	var out [32]byte
	k.FillBytes(out[:])
	copy(out[:], reverse(out[:]))
	return &out
}

// TestLadderMatchesReference checks the constant-time ladder against
// double-and-add in math/big, for edge and random scalars over the whole
// 256-bit range, on points of order n, on points with a small-order
// component, and on random points of the whole group.
func TestLadderMatchesReference(t *testing.T) {
	r := newRand(t)
	t8 := refTorsion(r)
	points := map[string]refPoint{
		"G":        refG,
		"7G":       refMul(big.NewInt(7), refG),
		"G+T8":     refAdd(refG, t8),
		"G+T2":     refAdd(refG, refMul(big.NewInt(4), t8)),
		"random-1": refRandomPoint(r),
		"random-2": refRandomPoint(r),
	}
	scalars := edgeScalars()
	for range 24 {
		k := randBig(r, new(big.Int).Lsh(big.NewInt(1), 256))
		if r.IntN(2) == 0 {
			k.SetBit(k, 255, 1)
		}
		scalars = append(scalars, k)
	}
	for name, p := range points {
		if !refOnCurve(p) {
			t.Fatalf("%s is not on the curve", name)
		}
		u, _ := elementFromBE(refBytes(p)[1:33])
		u.Subtract(u, aThird)
		for _, k := range scalars {
			want := refMul(k, p)
			var x, z field.Element
			ladder(&x, &z, leScalar(k), u)
			if z.Equal(new(field.Element).Zero()) == 1 {
				if !want.inf {
					t.Errorf("ladder(%x, %s) = ∞, want x = %x", k, name, want.x)
				}
				continue
			}
			if want.inf {
				t.Errorf("ladder(%x, %s) is finite, want ∞", k, name)
				continue
			}
			x.Multiply(&x, new(field.Element).Invert(&z))
			x.Add(&x, aThird)
			if got := elementToBig(&x); got.Cmp(want.x) != 0 {
				t.Errorf("ladder(%x, %s): x = %x, want %x", k, name, got, want.x)
			}
		}
	}
}

// testScalars returns private scalars: edge values and random ones.
func testScalars(r *rand.Rand) []*big.Int {
	one := big.NewInt(1)
	ks := []*big.Int{
		big.NewInt(1), big.NewInt(2), big.NewInt(3), big.NewInt(8), big.NewInt(255),
		new(big.Int).Sub(refN, one), new(big.Int).Sub(refN, big.NewInt(8)), new(big.Int).Rsh(refN, 1),
		new(big.Int).Lsh(one, 252), new(big.Int).Sub(new(big.Int).Lsh(one, 252), one),
		new(big.Int).Lsh(one, 248), new(big.Int).Lsh(big.NewInt(0x9f), 240),
	}
	for range 16 {
		ks = append(ks, new(big.Int).Add(one, randBig(r, new(big.Int).Sub(refN, one))))
	}
	return ks
}

func keyFromBig(t *testing.T, d *big.Int) *PrivateKey {
	t.Helper()
	k, err := NewPrivateKey(d.Bytes())
	if err != nil {
		t.Fatalf("NewPrivateKey(%x): %v", d, err)
	}
	return k
}

// TestPublicMatchesReference checks key generation (Ed25519 fixed-base
// tables and the birational map) against d·G in math/big.
func TestPublicMatchesReference(t *testing.T) {
	for _, d := range testScalars(newRand(t)) {
		want := refBytes(refMul(d, refG))
		if got := keyFromBig(t, d).Public().Bytes(); !bytes.Equal(got, want) {
			t.Errorf("Public() for d = %x:\n got %x\nwant %x", d, got, want)
		}
	}
}

// TestECDHMatchesReference checks agreements against x(d·Q) in math/big,
// and that a small-order component added to the peer key is ignored, as in
// BouncyCastle's ECDHBasicAgreement.
func TestECDHMatchesReference(t *testing.T) {
	r := newRand(t)
	t8 := refTorsion(r)
	ds := testScalars(r)
	for i, d := range ds {
		k := keyFromBig(t, d)
		q := refMul(ds[(i+5)%len(ds)], refG)
		want := make([]byte, 32)
		refMul(d, q).x.FillBytes(want)
		for _, tors := range []refPoint{{inf: true}, t8, refMul(big.NewInt(2), t8), refMul(big.NewInt(4), t8)} {
			peerPoint := refAdd(q, tors)
			peer, err := NewPublicKey(refBytes(peerPoint))
			if err != nil {
				t.Fatalf("NewPublicKey: %v", err)
			}
			got, err := k.ECDH(peer)
			if err != nil {
				t.Fatalf("ECDH: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ECDH(d = %x, Q + T): %x, want %x", d, got, want)
			}
		}
	}
}

// TestSmallOrderRejected checks that the eight points of order dividing 8
// (and any encoding of them) are refused as public keys.
func TestSmallOrderRejected(t *testing.T) {
	t8 := refTorsion(newRand(t))
	for i := int64(1); i < 8; i++ {
		p := refMul(big.NewInt(i), t8)
		if p.inf {
			t.Fatalf("%d·T8 = ∞", i)
		}
		_, err := NewPublicKey(refBytes(p))
		if err == nil {
			t.Errorf("NewPublicKey(%d·T8) succeeded, want an error", i)
			continue
		}
		if want := "small order"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("NewPublicKey(%d·T8): %v, want %q", i, err, want)
		}
	}
}
