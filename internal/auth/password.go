package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ArgonParams are the Argon2id cost parameters.
type ArgonParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// DefaultArgon is the production cost: one pass over 64 MiB with two lanes
// (about 170 ms on the reference machine).
var DefaultArgon = ArgonParams{Time: 1, MemoryKiB: 64 * 1024, Threads: 2}

// Bounds on parameters, so a crafted hash cannot make CheckPassword spend
// unbounded memory or time.
const (
	maxArgonTime   = 16
	maxArgonMemory = 1 << 20 // KiB, i.e. 1 GiB
	argonSaltLen   = 16
	argonKeyLen    = 32
)

func (p ArgonParams) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxArgonTime:
		return fmt.Errorf("argon2id time %d out of range 1..%d", p.Time, maxArgonTime)
	case p.Threads < 1:
		return errors.New("argon2id needs at least one thread")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgonMemory:
		return fmt.Errorf("argon2id memory %d KiB out of range %d..%d", p.MemoryKiB, 8*uint32(p.Threads), maxArgonMemory)
	}
	return nil
}

// HashPassword hashes pw with Argon2id and a random salt, in PHC string
// format: $argon2id$v=19$m=<KiB>,t=<time>,p=<threads>$<salt>$<hash>, with
// salt and hash in unpadded standard base64.
func HashPassword(pw string, p ArgonParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	h := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(h)), nil
}

// CheckPassword reports whether pw matches the hash made by HashPassword,
// comparing in constant time. It returns an error only if encoded is not a
// well-formed Argon2id hash within the accepted cost bounds.
func CheckPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parsePHC parses $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func parsePHC(encoded string) (p ArgonParams, salt, hash []byte, err error) {
	bad := func(what string) (ArgonParams, []byte, []byte, error) {
		return ArgonParams{}, nil, nil, fmt.Errorf("auth: password hash: %s", what)
	}
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if f[2] != "v=19" {
		return bad("unsupported argon2 version")
	}
	params := strings.Split(f[3], ",")
	if len(params) != 3 {
		return bad("want parameters m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return bad("want parameters m, t and p in that order")
		}
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return bad("parameter is not a number")
		}
		vals[i] = n
	}
	if vals[2] > 255 {
		return bad("too many threads")
	}
	p = ArgonParams{MemoryKiB: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	if verr := p.validate(); verr != nil {
		return bad(verr.Error())
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(f[4])
	hash, err2 := base64.RawStdEncoding.Strict().DecodeString(f[5])
	if err1 != nil || err2 != nil {
		return bad("salt or hash is not base64")
	}
	if len(salt) < 8 || len(salt) > 64 || len(hash) < 16 || len(hash) > 64 {
		return bad("salt or hash has a bad length")
	}
	return p, salt, hash, nil
}
