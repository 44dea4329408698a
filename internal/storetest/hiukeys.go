package storetest

import (
	"bytes"
	"testing"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// testHIUAPIKeys: a key is stored and read back by its ID.
func testHIUAPIKeys(t *testing.T, db *sqldb.DB) {
	c := ctx(t)
	k := &hiu.APIKey{ID: "0123456789abcdef", FacilityID: "IN2810000009", Hash: bytes.Repeat([]byte{7}, 32), Name: "PHR", CreatedAt: ms(0)}
	must(t, "AddHIUAPIKey", db.AddHIUAPIKey(c, k))
	got, err := db.HIUAPIKey(c, k.ID)
	must(t, "HIUAPIKey", err)
	if got.FacilityID != k.FacilityID || !bytes.Equal(got.Hash, k.Hash) || got.Name != "PHR" || !got.CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("HIUAPIKey = %+v", got)
	}
	_, err = db.HIUAPIKey(c, "ffffffffffffffff")
	wantCode(t, "HIUAPIKey(missing)", err, arogya.ENOTFOUND)
}
