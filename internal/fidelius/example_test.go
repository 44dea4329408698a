package fidelius_test

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/arogya-health/arogya/internal/fidelius"
)

// An HIU asks for data with its key material; the HIP encrypts for it with
// key material of its own; the HIU decrypts.
func Example() {
	// HIU: a key pair and nonce for this request, sent as keyMaterial.
	hiuKey, _ := fidelius.GenerateKey(nil)
	hiuNonce, _ := fidelius.NewNonce(nil)
	request, _ := fidelius.NewKeyMaterial(hiuKey.Public(), fidelius.RawKey, hiuNonce, time.Now().Add(time.Hour))

	// HIP: its own pair and nonce; encrypts each entry for the HIU.
	hipKey, _ := fidelius.GenerateKey(nil)
	hipNonce, _ := fidelius.NewNonce(nil)
	hiuPub, hiuNonce2, err := request.Parse()
	if err != nil {
		panic(err)
	}
	ct, _ := fidelius.Encrypt(hipKey, hipNonce, hiuPub, hiuNonce2, []byte(`{"resourceType":"Bundle"}`))
	push, _ := fidelius.NewKeyMaterial(hipKey.Public(), fidelius.X509Key, hipNonce, time.Now().Add(time.Hour))
	content := base64.StdEncoding.EncodeToString(ct)

	// HIU: decrypts with its own key and nonce and the HIP's.
	hipPub, hipNonce2, _ := push.Parse()
	raw, _ := base64.StdEncoding.DecodeString(content)
	plain, err := fidelius.Decrypt(hiuKey, hiuNonce, hipPub, hipNonce2, raw)
	fmt.Println(string(plain), err)
	// Output: {"resourceType":"Bundle"} <nil>
}
