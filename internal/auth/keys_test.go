package auth

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memKeyStore is an in-memory KeyStore: a test fixture for the storage
// interface, whose real implementations are tested by internal/storetest.
type memKeyStore struct {
	mu    sync.Mutex
	keys  []StoredKey
	nread int // Keys calls
}

func (s *memKeyStore) reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nread
}

func (s *memKeyStore) PutKey(_ context.Context, k StoredKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return nil
}

func (s *memKeyStore) RetireKey(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys[i].RetiredAt = at
		}
	}
	return nil
}

func (s *memKeyStore) Keys(context.Context) ([]StoredKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nread++
	return slices.Clone(s.keys), nil
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var testMaster = bytes.Repeat([]byte{0x42}, 32)

var shared struct {
	once sync.Once
	keys *Keys
	err  error
}

// sharedKeys returns one Keys for tests that do not rotate: RSA key
// generation is slow, so it is done once.
func sharedKeys(tb testing.TB) *Keys {
	tb.Helper()
	shared.once.Do(func() {
		shared.keys, shared.err = NewKeys(context.Background(), &memKeyStore{}, testMaster, KeysOptions{})
	})
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.keys
}

func TestNewKeysCreatesAndReloads(t *testing.T) {
	ctx := context.Background()
	store := &memKeyStore{}
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ks, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Keys(ctx)
	want := map[string]string{PurposeSign: AlgRS256, PurposeEncrypt: AlgRSAOAEP, PurposeCard: AlgEdDSA, PurposeUser: AlgEdDSA}
	if len(stored) != len(want) {
		t.Fatalf("stored %d keys, want %d", len(stored), len(want))
	}
	for _, sk := range stored {
		if want[sk.Purpose] != sk.Alg {
			t.Errorf("key %s: purpose %s alg %s, want alg %s", sk.ID, sk.Purpose, sk.Alg, want[sk.Purpose])
		}
		if !sk.CreatedAt.Equal(clock.Now()) || !sk.RetiredAt.IsZero() {
			t.Errorf("key %s: created %v retired %v", sk.ID, sk.CreatedAt, sk.RetiredAt)
		}
		if strings.ContainsAny(sk.ID, "+/=") || len(sk.ID) < 16 {
			t.Errorf("key id %q is not a long URL-safe string", sk.ID)
		}
		if bytes.Contains(sk.Sealed, []byte("PRIVATE")) || len(sk.Sealed) < 40 {
			t.Errorf("key %s does not look sealed", sk.ID)
		}
	}

	again, err := NewKeys(ctx, store, testMaster, KeysOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(must(store.Keys(ctx))); n != len(want) {
		t.Errorf("reload created keys: store has %d, want %d", n, len(want))
	}
	for p := range want {
		if a, b := ks.ActiveKeyID(p), again.ActiveKeyID(p); a != b || a == "" {
			t.Errorf("active %s key: %q before reload, %q after", p, a, b)
		}
	}
	if again.EncryptionPublicKeyPEM() != ks.EncryptionPublicKeyPEM() {
		t.Error("encryption key changed on reload")
	}

	wrong := bytes.Repeat([]byte{0x43}, 32)
	if _, err := NewKeys(ctx, store, wrong, KeysOptions{}); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("NewKeys with the wrong master key: err = %v, want an unseal error", err)
	}
	if _, err := NewKeys(ctx, store, testMaster[:16], KeysOptions{}); err == nil {
		t.Error("NewKeys accepted a 16-byte master key")
	}
	if _, err := NewKeys(ctx, &memKeyStore{}, testMaster, KeysOptions{RSABits: 1024}); err == nil {
		t.Error("NewKeys accepted 1024-bit RSA")
	}
}

func TestNewKeysRejectsMismatchedKey(t *testing.T) {
	ctx := context.Background()
	src := &memKeyStore{}
	if _, err := NewKeys(ctx, src, testMaster, KeysOptions{}); err != nil {
		t.Fatal(err)
	}
	keys, _ := src.Keys(ctx)
	for i := range keys {
		if keys[i].Purpose == PurposeCard {
			keys[i].Purpose = PurposeSign // an Ed25519 key claiming to sign RS256
		}
	}
	if _, err := NewKeys(ctx, &memKeyStore{keys: keys}, testMaster, KeysOptions{}); err == nil {
		t.Error("NewKeys accepted an Ed25519 key stored as a sign key")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
