package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/sqldb"
)

func testKeys(t *testing.T, db *sqldb.DB) {
	keys, err := db.Keys(ctx(t))
	must(t, "Keys(empty)", err)
	if len(keys) != 0 {
		t.Fatalf("Keys(empty) = %d keys", len(keys))
	}
	want := []auth.StoredKey{
		{ID: "k1", Purpose: auth.PurposeSign, Alg: "RS256", Sealed: []byte{0, 1, 2, 250}, CreatedAt: ms(0)},
		{ID: "k2", Purpose: auth.PurposeEncrypt, Alg: "RSA-OAEP", Sealed: []byte("sealed2"), CreatedAt: ms(time.Hour)},
		{ID: "k0", Purpose: auth.PurposeCard, Alg: "EdDSA", Sealed: []byte("sealed0"), CreatedAt: ms(2 * time.Hour), RetiredAt: ms(3 * time.Hour)},
	}
	for _, k := range want {
		must(t, "PutKey", db.PutKey(ctx(t), k))
	}
	wantCode(t, "PutKey(duplicate)", db.PutKey(ctx(t), auth.StoredKey{ID: "k1", Purpose: auth.PurposeSign, Alg: "RS256", Sealed: []byte("x"), CreatedAt: ms(0)}), arogya.ECONFLICT)

	must(t, "RetireKey", db.RetireKey(ctx(t), "k1", ms(time.Minute)))
	want[0].RetiredAt = ms(time.Minute)
	wantCode(t, "RetireKey(missing)", db.RetireKey(ctx(t), "nope", ms(0)), arogya.ENOTFOUND)

	keys, err = db.Keys(ctx(t))
	must(t, "Keys", err)
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("Keys:\n got  %+v\n want %+v", keys, want)
	}
}
