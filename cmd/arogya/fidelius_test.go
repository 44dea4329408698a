package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fideliusKeys struct {
	PrivateKey    string `json:"privateKey"`
	PublicKey     string `json:"publicKey"`
	X509PublicKey string `json:"x509PublicKey"`
	Nonce         string `json:"nonce"`
}

// runFidelius runs `arogya fidelius args...`, wants exit status 0 and
// decodes the JSON it prints into out.
func runFidelius(t *testing.T, out any, args ...string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, nil, append([]string{"fidelius"}, args...)...)
	if code != 0 {
		t.Fatalf("arogya fidelius %s: exit %d: %s", args[0], code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("arogya fidelius %s printed %q: %v", args[0], stdout, err)
	}
}

// TestFideliusCLIRoundTrip generates an HIU and an HIP key pair, encrypts as
// the HIP (to the HIU's raw and X.509 keys) and decrypts as the HIU.
func TestFideliusCLIRoundTrip(t *testing.T) {
	var hiu, hip fideliusKeys
	runFidelius(t, &hiu, "generate-key-pair")
	runFidelius(t, &hip, "gkm")
	for _, k := range []fideliusKeys{hiu, hip} {
		if k.PrivateKey == "" || len(k.PublicKey) != 88 || len(k.X509PublicKey) != 412 || len(k.Nonce) != 44 {
			t.Fatalf("generate-key-pair printed %+v", k)
		}
	}
	plain := `{"resourceType":"Bundle","entry":[{"note":"<b> & ü"}]}`
	for _, c := range []struct{ cmd, arg, senderPub string }{
		{"encrypt", plain, hip.PublicKey},
		{"e", plain, hip.X509PublicKey},
		{"sane-encrypt", base64.StdEncoding.EncodeToString([]byte(plain)), hip.X509PublicKey},
	} {
		var enc struct {
			EncryptedData string `json:"encryptedData"`
		}
		requesterPub := hiu.PublicKey
		if c.cmd == "e" {
			requesterPub = hiu.X509PublicKey
		}
		runFidelius(t, &enc, c.cmd, c.arg, hip.Nonce, hiu.Nonce, hip.PrivateKey, requesterPub)
		var dec struct {
			DecryptedData string `json:"decryptedData"`
		}
		runFidelius(t, &dec, "decrypt", enc.EncryptedData, hiu.Nonce, hip.Nonce, hiu.PrivateKey, c.senderPub)
		if dec.DecryptedData != plain {
			t.Errorf("%s then decrypt = %q, want %q", c.cmd, dec.DecryptedData, plain)
		}
	}
}

// fideliusVectors is the shared reference tree's vector file, relative to
// this package; it is not copied into the repository.
const fideliusVectors = "../../../shared/reference/crypto-vectors/fidelius-vectors.json"

// TestFideliusCLIReadmeVector replays fidelius-cli's README example (the
// vector "fidelius-cli-readme"): encrypt prints its ciphertext exactly, and
// decrypt, with the arguments in a --filepath file as the README shows,
// prints its plaintext.
func TestFideliusCLIReadmeVector(t *testing.T) {
	b, err := os.ReadFile(fideliusVectors)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("Fidelius test vectors missing at %s (CI is set, so they are required)", fideliusVectors)
		}
		t.Skipf("Fidelius test vectors not found at %s (the shared reference tree beside the module); skipping", fideliusVectors)
	}
	if err != nil {
		t.Fatal(err)
	}
	type party struct{ PrivateKey, PublicKey, X509PublicKey, Nonce string }
	var vf struct {
		Vectors []struct {
			Name              string
			Requester, Sender party
			Plaintext         string
			EncryptedData     string
		}
	}
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range vf.Vectors {
		if v.Name != "fidelius-cli-readme" {
			continue
		}
		found = true
		hiu, hip := v.Requester, v.Sender
		code, stdout, stderr := runCmd(t, nil, "fidelius", "e", v.Plaintext, hip.Nonce, hiu.Nonce, hip.PrivateKey, hiu.PublicKey)
		if want := "{\n  \"encryptedData\": \"" + v.EncryptedData + "\"\n}\n"; code != 0 || stdout != want {
			t.Errorf("encrypt: exit %d, printed %q (stderr %q), want %q", code, stdout, stderr, want)
		}
		file := filepath.Join(t.TempDir(), "params.txt")
		params := strings.Join([]string{"d", v.EncryptedData, hiu.Nonce, hip.Nonce, hiu.PrivateKey, hip.PublicKey}, "\r\n") + "\r\n"
		if err := os.WriteFile(file, []byte(params), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr = runCmd(t, nil, "fidelius", "--filepath", file)
		if want := "{\n  \"decryptedData\": \"" + v.Plaintext + "\"\n}\n"; code != 0 || stdout != want {
			t.Errorf("decrypt --filepath: exit %d, printed %q (stderr %q), want %q", code, stdout, stderr, want)
		}
	}
	if !found {
		t.Fatalf("%s has no vector fidelius-cli-readme", fideliusVectors)
	}
}

// TestFideliusCLIErrors checks usage errors (exit 2, with the usage) and
// bad input (exit 1, naming the argument, never echoing a key).
func TestFideliusCLIErrors(t *testing.T) {
	var k fideliusKeys
	runFidelius(t, &k, "gkp")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: arogya fidelius"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"encrypt", "only", "three", "args"}, 2, "encrypt takes 5 arguments"},
		{[]string{"d"}, 2, "d takes 5 arguments"},
		{[]string{"gkp", "extra"}, 2, "takes no arguments"},
		{[]string{"-f"}, 2, "takes one argument"},
		{[]string{"-f", filepath.Join(t.TempDir(), "missing.txt")}, 1, "missing.txt"},
		{[]string{"e", "x", "bad", k.Nonce, k.PrivateKey, k.PublicKey}, 1, "sender-nonce: fidelius: invalid nonce"},
		{[]string{"e", "x", k.Nonce, k.Nonce, "AA==", k.PublicKey}, 1, "sender-private-key: fidelius: invalid private key"},
		{[]string{"e", "x", k.Nonce, k.Nonce, k.PrivateKey, k.PublicKey[:80]}, 1, "requester-public-key: fidelius: invalid public key"},
		{[]string{"se", "not base64!", k.Nonce, k.Nonce, k.PrivateKey, k.PublicKey}, 1, "string-to-encrypt: not standard base64"},
		{[]string{"d", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", k.Nonce, k.Nonce, k.PrivateKey, k.PublicKey}, 1, "decryption failed"},
	} {
		code, stdout, stderr := runCmd(t, nil, append([]string{"fidelius"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("fidelius %q: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if stdout != "" {
			t.Errorf("fidelius %q printed %q on stdout", c.args, stdout)
		}
		if strings.Contains(stderr, k.PrivateKey) {
			t.Errorf("fidelius %q: the error repeats the private key", c.args)
		}
	}
	if code, stdout, _ := runCmd(t, nil, "fidelius", "--help"); code != 0 || !strings.Contains(stdout, "generate-key-pair") {
		t.Errorf("fidelius --help: exit %d, printed %q", code, stdout)
	}
}
