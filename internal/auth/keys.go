package auth

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Algorithms recorded in StoredKey.Alg for each purpose.
const (
	AlgRS256   = "RS256"
	AlgRSAOAEP = "RSA-OAEP"
	AlgEdDSA   = "EdDSA"
)

// retiredKeyGrace is how long a retired signing key stays in the JWKS, so
// that tokens and cards signed shortly before a rotation still verify.
const retiredKeyGrace = 30 * 24 * time.Hour

// KeysOptions tunes NewKeys. The zero value is valid.
type KeysOptions struct {
	Now     func() time.Time // clock; time.Now if nil
	RSABits int              // RSA modulus size for new keys; 2048 if zero
}

// Keys holds the node's signing, encryption and card keys, loaded from a
// KeyStore and unsealed with the master key. It is safe for concurrent use.
type Keys struct {
	store   KeyStore
	master  []byte
	now     func() time.Time
	rsaBits int

	rotateMu sync.Mutex // serialises Rotate and key creation

	reloadMu   sync.Mutex
	lastReload time.Time

	mu   sync.RWMutex
	keys []*key // oldest first
}

// key is one unsealed key pair.
type key struct {
	id      string
	purpose string
	alg     string
	priv    crypto.Signer // *rsa.PrivateKey or ed25519.PrivateKey
	created time.Time
	retired time.Time
}

func (k *key) active() bool { return k.retired.IsZero() }

// NewKeys loads every stored key, unsealing it with master, and generates and
// stores a key for each purpose that has no active one: an RSA key for
// PurposeSign (RS256) and PurposeEncrypt (RSA-OAEP), an Ed25519 key for
// PurposeCard and PurposeUser (EdDSA). A wrong master key makes it fail.
func NewKeys(ctx context.Context, store KeyStore, master []byte, opts KeysOptions) (*Keys, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("auth: master key is %d bytes, want %d", len(master), MasterKeySize)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RSABits == 0 {
		opts.RSABits = 2048
	}
	if opts.RSABits < 2048 {
		return nil, fmt.Errorf("auth: RSA keys of %d bits are too small, want at least 2048", opts.RSABits)
	}
	ks := &Keys{store: store, master: master, now: opts.Now, rsaBits: opts.RSABits}
	stored, err := store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: load keys: %w", err)
	}
	for _, sk := range stored {
		k, err := ks.unseal(sk)
		if err != nil {
			return nil, err
		}
		ks.keys = append(ks.keys, k)
	}
	ks.rotateMu.Lock()
	defer ks.rotateMu.Unlock()
	for _, p := range []string{PurposeSign, PurposeEncrypt, PurposeCard, PurposeUser} {
		if ks.activeKey(p) != nil {
			continue
		}
		if _, err := ks.create(ctx, p); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// Rotate makes a new active key for purpose and retires the previous one.
// Retired keys still verify signatures and decrypt, and retired signing keys
// stay in the JWKS for 30 days.
func (ks *Keys) Rotate(ctx context.Context, purpose string) error {
	ks.rotateMu.Lock()
	defer ks.rotateMu.Unlock()
	ks.mu.RLock()
	var old []*key
	for _, k := range ks.keys {
		if k.purpose == purpose && k.active() {
			old = append(old, k)
		}
	}
	ks.mu.RUnlock()
	// Store the new key before retiring the old one, so that a crash in
	// between leaves two active keys (the newest wins), never none.
	if _, err := ks.create(ctx, purpose); err != nil {
		return err
	}
	at := ks.now().UTC()
	for _, k := range old {
		if err := ks.store.RetireKey(ctx, k.id, at); err != nil {
			return fmt.Errorf("auth: retire key %s: %w", k.id, err)
		}
		ks.mu.Lock()
		k.retired = at
		ks.mu.Unlock()
	}
	return nil
}

// create generates, seals, stores and adds a key. The caller holds rotateMu.
func (ks *Keys) create(ctx context.Context, purpose string) (*key, error) {
	k := &key{id: newKeyID(), purpose: purpose, created: ks.now().UTC()}
	var err error
	switch purpose {
	case PurposeSign, PurposeEncrypt:
		k.alg = AlgRS256
		if purpose == PurposeEncrypt {
			k.alg = AlgRSAOAEP
		}
		k.priv, err = rsa.GenerateKey(rand.Reader, ks.rsaBits)
	case PurposeCard, PurposeUser:
		k.alg = AlgEdDSA
		_, k.priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("auth: unknown key purpose %q", purpose)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: generate %s key: %w", purpose, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, fmt.Errorf("auth: marshal %s key: %w", purpose, err)
	}
	sealed, err := Seal(ks.master, der)
	if err != nil {
		return nil, err
	}
	sk := StoredKey{ID: k.id, Purpose: purpose, Alg: k.alg, Sealed: sealed, CreatedAt: k.created}
	if err := ks.store.PutKey(ctx, sk); err != nil {
		return nil, fmt.Errorf("auth: store %s key: %w", purpose, err)
	}
	ks.mu.Lock()
	ks.keys = append(ks.keys, k)
	ks.mu.Unlock()
	return k, nil
}

// unseal turns a stored key back into a key, checking that its type fits
// its purpose.
func (ks *Keys) unseal(sk StoredKey) (*key, error) {
	der, err := Open(ks.master, sk.Sealed)
	if err != nil {
		return nil, fmt.Errorf("auth: unseal key %s (is this the right master key?): %w", sk.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("auth: parse key %s: %w", sk.ID, err)
	}
	k := &key{id: sk.ID, purpose: sk.Purpose, alg: sk.Alg, created: sk.CreatedAt, retired: sk.RetiredAt}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		if sk.Purpose == PurposeCard || sk.Purpose == PurposeUser {
			return nil, fmt.Errorf("auth: key %s: %s key is RSA, want Ed25519", sk.ID, sk.Purpose)
		}
		k.priv = p
	case ed25519.PrivateKey:
		if sk.Purpose != PurposeCard && sk.Purpose != PurposeUser {
			return nil, fmt.Errorf("auth: key %s: %s key is Ed25519, want RSA", sk.ID, sk.Purpose)
		}
		k.priv = p
	default:
		return nil, fmt.Errorf("auth: key %s has unsupported type %T", sk.ID, priv)
	}
	if sk.Purpose != PurposeSign && sk.Purpose != PurposeEncrypt && sk.Purpose != PurposeCard && sk.Purpose != PurposeUser {
		return nil, fmt.Errorf("auth: key %s has unknown purpose %q", sk.ID, sk.Purpose)
	}
	return k, nil
}

// reloadInterval bounds how often a miss (an unknown key id, a ciphertext
// no key opens) makes Keys re-read the store.
const reloadInterval = 5 * time.Second

// Reload re-reads the store: keys created by other nodes sharing the
// database are added, and keys they retired are marked retired. Several
// nodes on one PostgreSQL database thus converge on the same key set; the
// newest active key of each purpose is the one used.
func (ks *Keys) Reload(ctx context.Context) error {
	stored, err := ks.store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("auth: reload keys: %w", err)
	}
	ks.mu.RLock()
	known := make(map[string]*key, len(ks.keys))
	for _, k := range ks.keys {
		known[k.id] = k
	}
	ks.mu.RUnlock()
	var added []*key
	for _, sk := range stored {
		if k, ok := known[sk.ID]; ok {
			if !sk.RetiredAt.IsZero() && k.active() {
				ks.mu.Lock()
				k.retired = sk.RetiredAt
				ks.mu.Unlock()
			}
			continue
		}
		k, err := ks.unseal(sk)
		if err != nil {
			return err
		}
		added = append(added, k)
	}
	if len(added) > 0 {
		ks.mu.Lock()
		ks.keys = append(ks.keys, added...)
		slices.SortStableFunc(ks.keys, func(a, b *key) int { return a.created.Compare(b.created) })
		ks.mu.Unlock()
	}
	return nil
}

// reloadSoon reloads the store unless that was done within reloadInterval,
// and reports whether it reloaded.
func (ks *Keys) reloadSoon() bool {
	ks.reloadMu.Lock()
	if now := ks.now(); now.Sub(ks.lastReload) >= reloadInterval || now.Before(ks.lastReload) {
		ks.lastReload = now
	} else {
		ks.reloadMu.Unlock()
		return false
	}
	ks.reloadMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ks.Reload(ctx) == nil
}

// byKidReloading is byKid, reloading the store once on a miss.
func (ks *Keys) byKidReloading(purpose, kid string) *key {
	if k := ks.byKid(purpose, kid); k != nil || kid == "" {
		return k
	}
	if ks.reloadSoon() {
		return ks.byKid(purpose, kid)
	}
	return nil
}

// activeKey returns the newest active key of purpose, or nil.
func (ks *Keys) activeKey(purpose string) *key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for i := len(ks.keys) - 1; i >= 0; i-- {
		if k := ks.keys[i]; k.purpose == purpose && k.active() {
			return k
		}
	}
	return nil
}

// byKid returns the key of purpose with that id, active or retired, or nil.
func (ks *Keys) byKid(purpose, kid string) *key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.id == kid && k.purpose == purpose {
			return k
		}
	}
	return nil
}

// ofPurpose returns the keys of purpose, active ones first, newest first.
func (ks *Keys) ofPurpose(purpose string) []*key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	var active, retired []*key
	for i := len(ks.keys) - 1; i >= 0; i-- {
		k := ks.keys[i]
		switch {
		case k.purpose != purpose:
		case k.active():
			active = append(active, k)
		default:
			retired = append(retired, k)
		}
	}
	return append(active, retired...)
}

// ActiveKeyID returns the id of the active key of purpose, or "".
func (ks *Keys) ActiveKeyID(purpose string) string {
	if k := ks.activeKey(purpose); k != nil {
		return k.id
	}
	return ""
}

// newKeyID returns a random, URL-safe key id.
func newKeyID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
