package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	arogya "github.com/arogya-health/arogya"
	"github.com/golang-jwt/jwt/v5"
)

func TestRotate(t *testing.T) {
	ctx := context.Background()
	store := &memKeyStore{}
	clock := &testClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	ks, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	oldSign, oldCard := ks.ActiveKeyID(PurposeSign), ks.ActiveKeyID(PurposeCard)
	oldPEM := ks.EncryptionPublicKeyPEM()

	exp := clock.Now().Add(100 * 24 * time.Hour).Unix()
	oldJWT, err := ks.SignJWT(jwt.MapClaims{"sub": "a", "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	oldCT, err := EncryptOAEP(oldPEM, []byte("123456"))
	if err != nil {
		t.Fatal(err)
	}
	oldCard1, err := ks.SignCompact([]byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(time.Hour)
	for _, p := range []string{PurposeSign, PurposeEncrypt, PurposeCard} {
		if err := ks.Rotate(ctx, p); err != nil {
			t.Fatalf("Rotate(%s): %v", p, err)
		}
	}
	if err := ks.Rotate(ctx, "bogus"); err == nil {
		t.Error("Rotate accepted an unknown purpose")
	}
	if ks.ActiveKeyID(PurposeSign) == oldSign || ks.ActiveKeyID(PurposeCard) == oldCard {
		t.Fatal("Rotate did not change the active key")
	}
	if ks.EncryptionPublicKeyPEM() == oldPEM {
		t.Fatal("Rotate did not change the encryption key")
	}

	// Old artefacts still verify and decrypt.
	if _, err := ks.ParseJWT(oldJWT); err != nil {
		t.Errorf("JWT signed before rotation: %v", err)
	}
	if pt, err := ks.DecryptOAEP(oldCT); err != nil || string(pt) != "123456" {
		t.Errorf("ciphertext made before rotation: %q, %v", pt, err)
	}
	newJWT, _ := ks.SignJWT(jwt.MapClaims{"sub": "b", "exp": exp})
	if kid := headerKid(t, newJWT); kid != ks.ActiveKeyID(PurposeSign) {
		t.Errorf("new JWT kid = %q, want the new key", kid)
	}
	set := ks.JWKS()
	for _, kid := range []string{oldSign, oldCard, ks.ActiveKeyID(PurposeSign), ks.ActiveKeyID(PurposeCard)} {
		if _, ok := set.Key(kid); !ok {
			t.Errorf("JWKS lacks key %s", kid)
		}
	}
	if _, _, err := VerifyCompact(set, oldCard1); err != nil {
		t.Errorf("card signed before rotation: %v", err)
	}

	// The store agrees, and a reload sees the same active keys.
	reloaded, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.ActiveKeyID(PurposeSign) != ks.ActiveKeyID(PurposeSign) {
		t.Error("reload picked a different active sign key")
	}
	if n := len(must(store.Keys(ctx))); n != 7 {
		t.Errorf("store holds %d keys, want 7 (four purposes, three rotated)", n)
	}
	if _, err := reloaded.ParseJWT(oldJWT); err != nil {
		t.Errorf("reloaded keys reject the old JWT: %v", err)
	}

	// After 30 days retired keys leave the JWKS but still verify locally.
	clock.Advance(30 * 24 * time.Hour)
	set = ks.JWKS()
	if _, ok := set.Key(oldSign); ok {
		t.Error("JWKS still has a sign key retired 30 days ago")
	}
	if _, ok := set.Key(oldCard); ok {
		t.Error("JWKS still has a card key retired 30 days ago")
	}
	if len(set.Keys) != 3 {
		t.Errorf("JWKS has %d keys, want 3 (the active sign, card and user keys)", len(set.Keys))
	}
	if _, err := ks.ParseJWT(oldJWT); err != nil {
		t.Errorf("old JWT after 30 days: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	ks, err := NewKeys(ctx, &memKeyStore{}, testMaster, KeysOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	for range 3 {
		go func() {
			for range 10 {
				tok, err := ks.SignJWT(jwt.MapClaims{"exp": time.Now().Add(time.Minute).Unix()})
				if err == nil {
					_, err = ks.ParseJWT(tok)
				}
				if err == nil {
					_, err = ks.SignCompact([]byte("x"))
				}
				_ = ks.JWKSJSON()
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() { done <- ks.Rotate(ctx, PurposeCard) }()
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestParseJWT(t *testing.T) {
	ks := sharedKeys(t)
	now := time.Now()
	good, err := ks.SignJWT(jwt.MapClaims{"sub": "91-1111", "iss": "arogya", "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := ks.ParseJWT(good, jwt.WithIssuer("arogya"))
	if err != nil || claims["sub"] != "91-1111" {
		t.Fatalf("ParseJWT = %v, %v", claims, err)
	}
	if kid := headerKid(t, good); kid != ks.ActiveKeyID(PurposeSign) {
		t.Errorf("kid = %q, want %q", kid, ks.ActiveKeyID(PurposeSign))
	}

	expired, _ := ks.SignJWT(jwt.MapClaims{"sub": "x", "exp": now.Add(-time.Minute).Unix()})
	noExp, _ := ks.SignJWT(jwt.MapClaims{"sub": "x"})
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": now.Add(time.Hour).Unix()})
	hs.Header["kid"] = ks.ActiveKeyID(PurposeSign)
	hsTok, _ := hs.SignedString([]byte("secret"))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"exp": now.Add(time.Hour).Unix()})
	none.Header["kid"] = ks.ActiveKeyID(PurposeSign)
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	// A token signed by a key of another Keys with the same kid is refused.
	other, _ := NewKeys(t.Context(), &memKeyStore{}, testMaster, KeysOptions{})
	foreign, _ := other.SignJWT(jwt.MapClaims{"exp": now.Add(time.Hour).Unix()})
	// A card key must not verify JWTs even when its kid is named.
	card := ks.activeKey(PurposeCard)
	ed := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"exp": now.Add(time.Hour).Unix()})
	ed.Header["kid"] = card.id
	edTok, _ := ed.SignedString(card.priv)
	tampered := good[:len(good)-4] + flip(good[len(good)-4:])

	tests := map[string]struct {
		tok  string
		opts []jwt.ParserOption
	}{
		"expired":      {tok: expired},
		"no exp":       {tok: noExp},
		"HS256":        {tok: hsTok},
		"alg none":     {tok: noneTok},
		"foreign key":  {tok: foreign},
		"card key":     {tok: edTok},
		"tampered sig": {tok: tampered},
		"garbage":      {tok: "a.b.c"},
		"empty":        {tok: ""},
		"wrong issuer": {tok: good, opts: []jwt.ParserOption{jwt.WithIssuer("gateway")}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ks.ParseJWT(tt.tok, tt.opts...)
			if code := arogya.ErrorCode(err); code != arogya.EUNAUTHORIZED {
				t.Errorf("ParseJWT: %v (code %q), want EUNAUTHORIZED", err, code)
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func headerKid(t *testing.T, tok string) string {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := p.Header["kid"].(string)
	return kid
}

func TestUserJWT(t *testing.T) {
	ctx := context.Background()
	store := &memKeyStore{}
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ks, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	exp := clock.Now().Add(time.Hour).Unix()
	tok, err := ks.SignUserJWT(jwt.MapClaims{"sub": "91234567890123", "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ks.ParseUserJWT(tok); err != nil || c["sub"] != "91234567890123" {
		t.Fatalf("ParseUserJWT: %v %v", c, err)
	}
	// User tokens and RS256 tokens are not interchangeable.
	if _, err := ks.ParseJWT(tok); err == nil {
		t.Error("an EdDSA user token passed ParseJWT")
	}
	rs, _ := ks.SignJWT(jwt.MapClaims{"sub": "x", "exp": exp})
	if _, err := ks.ParseUserJWT(rs); err == nil {
		t.Error("an RS256 token passed ParseUserJWT")
	}
	// A card signature is not a user token, though both are EdDSA.
	card, _ := ks.SignCompact([]byte(`{"sub":"x","exp":` + fmt.Sprint(exp) + `}`))
	if _, err := ks.ParseUserJWT(card); err == nil {
		t.Error("a card JWS passed ParseUserJWT")
	}
	// Rotation keeps old user tokens valid.
	if err := ks.Rotate(ctx, PurposeUser); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.ParseUserJWT(tok); err != nil {
		t.Errorf("user token after rotation: %v", err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := ks.ParseUserJWT(tok); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Errorf("expired user token: %v", err)
	}
}

// TestTwoNodesShareKeys: two nodes on one database see each other's keys,
// so a token signed or a ciphertext made for one works on the other, even
// after one of them rotates.
func TestTwoNodesShareKeys(t *testing.T) {
	ctx := context.Background()
	store := &memKeyStore{}
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	a, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(ctx, PurposeUser); err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(ctx, PurposeEncrypt); err != nil {
		t.Fatal(err)
	}
	exp := clock.Now().Add(time.Hour).Unix()
	tok, err := a.SignUserJWT(jwt.MapClaims{"sub": "91234567890123", "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ParseUserJWT(tok); err != nil {
		t.Fatalf("node b rejects node a's new token: %v", err)
	}
	ct, err := EncryptOAEP(a.EncryptionPublicKeyPEM(), []byte("234123412346"))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(reloadInterval) // b reloaded for the token just now
	if pt, err := b.DecryptOAEP(ct); err != nil || string(pt) != "234123412346" {
		t.Fatalf("node b cannot open node a's ciphertext: %v", err)
	}
	// b now knows a's rotation: its active user key is a's new one.
	if a.ActiveKeyID(PurposeUser) != b.ActiveKeyID(PurposeUser) {
		t.Error("the nodes disagree on the active user key")
	}
	// Tokens with unknown kids do not hammer the store.
	stranger, err := NewKeys(ctx, &memKeyStore{}, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := stranger.SignUserJWT(jwt.MapClaims{"sub": "x", "exp": exp})
	clock.Advance(reloadInterval)
	before := store.reads()
	for range 10 {
		if _, err := b.ParseUserJWT(foreign); err == nil {
			t.Fatal("a foreign token verified")
		}
	}
	if store.reads()-before > 1 {
		t.Errorf("%d store reads for 10 bad tokens", store.reads()-before)
	}
}
