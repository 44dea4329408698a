package auth

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateMasterKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	path := filepath.Join(dir, "master.key")
	key, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(key) != 32 {
		t.Fatalf("len(key) = %d, want 32", len(key))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %#o, want 0600", got)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode = %#o, want 0700", got)
	}
	b, _ := os.ReadFile(path)
	if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err != nil || !bytes.Equal(dec, key) {
		t.Errorf("file holds %q, want base64 of the key", b)
	}
	again, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !bytes.Equal(again, key) {
		t.Error("reload returned a different key")
	}
}

func TestLoadOrCreateMasterKeyRefuses(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"group readable", good, 0o640, "chmod 600"},
		{"world readable", good, 0o604, "chmod 600"},
		{"short key", base64.StdEncoding.EncodeToString(make([]byte, 16)), 0o600, "16 bytes"},
		{"long key", base64.StdEncoding.EncodeToString(make([]byte, 64)), 0o600, "64 bytes"},
		{"empty", "", 0o600, "0 bytes"},
		{"not base64", "not base64 at all!", 0o600, "base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tt.mode) // WriteFile's mode is filtered by umask
			_, err := LoadOrCreateMasterKey(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), good) {
				t.Error("error reveals the key")
			}
		})
	}
}

func TestDeriveKey(t *testing.T) {
	master := bytes.Repeat([]byte{1}, 32)
	a, b := DeriveKey(master, "otp-hmac"), DeriveKey(master, "aadhaar")
	if len(a) != 32 || len(b) != 32 {
		t.Fatalf("lengths %d, %d, want 32", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Error("different labels gave the same key")
	}
	if !bytes.Equal(a, DeriveKey(master, "otp-hmac")) {
		t.Error("DeriveKey is not deterministic")
	}
	if bytes.Equal(a, DeriveKey(bytes.Repeat([]byte{2}, 32), "otp-hmac")) {
		t.Error("different masters gave the same key")
	}
}

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	msg := []byte("private key bytes")
	s1, err := Seal(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Seal(key, msg)
	if bytes.Equal(s1, s2) {
		t.Error("two seals of the same plaintext are equal: nonce reused")
	}
	got, err := Open(key, s1)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v; want %q", got, err, msg)
	}
	for i := range s1 {
		bad := bytes.Clone(s1)
		bad[i] ^= 1
		if _, err := Open(key, bad); err == nil {
			t.Fatalf("Open accepted a flip of byte %d", i)
		}
	}
	if _, err := Open(bytes.Repeat([]byte{8}, 32), s1); err == nil {
		t.Error("Open accepted the wrong key")
	}
	if _, err := Open(key, s1[:10]); err == nil {
		t.Error("Open accepted truncated data")
	}
	if _, err := Seal(key[:16], msg); err == nil {
		t.Error("Seal accepted a 16-byte key")
	}

	// With additional data: opens only with the same.
	s3, err := SealAD(key, msg, []byte("row 1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenAD(key, s3, []byte("row 1")); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("OpenAD = %q, %v; want %q", got, err, msg)
	}
	for _, ad := range [][]byte{[]byte("row 2"), nil} {
		if _, err := OpenAD(key, s3, ad); err == nil {
			t.Errorf("OpenAD accepted additional data %q for data sealed with %q", ad, "row 1")
		}
	}
	if _, err := Open(key, s3); err == nil {
		t.Error("Open accepted data sealed with additional data")
	}
}
