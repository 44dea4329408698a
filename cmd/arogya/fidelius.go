package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/arogya-health/arogya/internal/fidelius"
)

const fideliusUsage = `usage: arogya fidelius COMMAND ARGS...
       arogya fidelius -f FILE

ABDM health-data encryption ("Fidelius", abdm-protocol.md §5) with the
commands, arguments and JSON output of mgrmtech/fidelius-cli, to test an HIP
or HIU against. Keys and nonces are standard base64; a public key may be the
raw point (88 characters) or X.509 (412).

  generate-key-pair, gkp   (also fidelius-cli's generate-key-material, gkm)
      print a new key pair and nonce:
      {"privateKey", "publicKey", "x509PublicKey", "nonce"}
  encrypt, e  STRING SENDER-NONCE REQUESTER-NONCE SENDER-PRIVATE-KEY REQUESTER-PUBLIC-KEY
      encrypt STRING as the HIP: {"encryptedData"}
  sane-encrypt, se  BASE64-STRING SENDER-NONCE REQUESTER-NONCE SENDER-PRIVATE-KEY REQUESTER-PUBLIC-KEY
      the same, with STRING given in base64 (no shell quoting of JSON)
  decrypt, d  ENCRYPTED-DATA REQUESTER-NONCE SENDER-NONCE REQUESTER-PRIVATE-KEY SENDER-PUBLIC-KEY
      decrypt as the HIU: {"decryptedData"}
  -f, --filepath FILE
      read the command and its arguments from FILE, one per line
`

// The argument names of encrypt and decrypt, in order, for error messages.
var (
	encryptArgs = []string{"string-to-encrypt", "sender-nonce", "requester-nonce", "sender-private-key", "requester-public-key"}
	decryptArgs = []string{"encrypted-data", "requester-nonce", "sender-nonce", "requester-private-key", "sender-public-key"}
)

// cmdFidelius runs `arogya fidelius`.
func cmdFidelius(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "arogya fidelius: "+format+"\n\n%s", append(a, fideliusUsage)...)
		return errUsage
	}
	if len(args) > 0 && (args[0] == "-f" || args[0] == "--filepath" || args[0] == "-filepath") {
		if len(args) != 2 {
			return usage("%s takes one argument, the file", args[0])
		}
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		args = fileArgs(string(b))
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, fideliusUsage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, fideliusUsage)
		return nil
	case "generate-key-pair", "gkp", "generate-key-material", "gkm":
		if len(rest) != 0 {
			return usage("%s takes no arguments, got %d", cmd, len(rest))
		}
		return fideliusGenerate(stdout)
	case "encrypt", "e", "sane-encrypt", "se":
		if len(rest) != len(encryptArgs) {
			return usage("%s takes %d arguments (%s), got %d", cmd, len(encryptArgs), strings.Join(encryptArgs, " "), len(rest))
		}
		plain := []byte(rest[0])
		if cmd == "sane-encrypt" || cmd == "se" {
			var err error
			if plain, err = base64.StdEncoding.DecodeString(rest[0]); err != nil {
				return fmt.Errorf("%s: not standard base64", encryptArgs[0])
			}
		}
		return fideliusEncrypt(stdout, plain, rest[1:])
	case "decrypt", "d":
		if len(rest) != len(decryptArgs) {
			return usage("%s takes %d arguments (%s), got %d", cmd, len(decryptArgs), strings.Join(decryptArgs, " "), len(rest))
		}
		return fideliusDecrypt(stdout, rest)
	default:
		return usage("unknown command %q", cmd)
	}
}

// fileArgs splits a --filepath file into arguments: one per line, with
// Windows line ends accepted and trailing blank lines ignored.
func fileArgs(s string) []string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func fideliusGenerate(stdout io.Writer) error {
	key, err := fidelius.GenerateKey(nil)
	if err != nil {
		return err
	}
	nonce, err := fidelius.NewNonce(nil)
	if err != nil {
		return err
	}
	pub := key.Public()
	return writeFideliusJSON(stdout, struct {
		PrivateKey    string `json:"privateKey"`
		PublicKey     string `json:"publicKey"`
		X509PublicKey string `json:"x509PublicKey"`
		Nonce         string `json:"nonce"`
	}{key.Base64(), pub.Base64(), pub.X509Base64(), base64.StdEncoding.EncodeToString(nonce)})
}

// fideliusEncrypt encrypts with args: sender nonce, requester nonce, sender
// private key, requester public key.
func fideliusEncrypt(stdout io.Writer, plain []byte, args []string) error {
	senderNonce, err := fidelius.ParseNonce(args[0])
	if err != nil {
		return fmt.Errorf("%s: %w", encryptArgs[1], err)
	}
	requesterNonce, err := fidelius.ParseNonce(args[1])
	if err != nil {
		return fmt.Errorf("%s: %w", encryptArgs[2], err)
	}
	key, err := fidelius.ParsePrivateKey(args[2])
	if err != nil {
		return fmt.Errorf("%s: %w", encryptArgs[3], err)
	}
	peer, err := fidelius.ParsePublicKey(args[3])
	if err != nil {
		return fmt.Errorf("%s: %w", encryptArgs[4], err)
	}
	ct, err := fidelius.Encrypt(key, senderNonce, peer, requesterNonce, plain)
	if err != nil {
		return err
	}
	return writeFideliusJSON(stdout, struct {
		EncryptedData string `json:"encryptedData"`
	}{base64.StdEncoding.EncodeToString(ct)})
}

// fideliusDecrypt decrypts with args in fidelius-cli's order: encrypted
// data, requester nonce, sender nonce, requester private key, sender public
// key.
func fideliusDecrypt(stdout io.Writer, args []string) error {
	ct, err := base64.StdEncoding.DecodeString(args[0])
	if err != nil {
		return fmt.Errorf("%s: not standard base64", decryptArgs[0])
	}
	requesterNonce, err := fidelius.ParseNonce(args[1])
	if err != nil {
		return fmt.Errorf("%s: %w", decryptArgs[1], err)
	}
	senderNonce, err := fidelius.ParseNonce(args[2])
	if err != nil {
		return fmt.Errorf("%s: %w", decryptArgs[2], err)
	}
	key, err := fidelius.ParsePrivateKey(args[3])
	if err != nil {
		return fmt.Errorf("%s: %w", decryptArgs[3], err)
	}
	peer, err := fidelius.ParsePublicKey(args[4])
	if err != nil {
		return fmt.Errorf("%s: %w", decryptArgs[4], err)
	}
	plain, err := fidelius.Decrypt(key, requesterNonce, peer, senderNonce, ct)
	if err != nil {
		if errors.Is(err, fidelius.ErrDecrypt) {
			return fmt.Errorf("%w (check the argument order: %s)", err, strings.Join(decryptArgs, " "))
		}
		return err
	}
	return writeFideliusJSON(stdout, struct {
		DecryptedData string `json:"decryptedData"`
	}{string(plain)})
}

// writeFideliusJSON prints v as fidelius-cli's Gson does: two-space indent,
// no HTML escaping.
func writeFideliusJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
