package arogya

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	for _, tc := range []struct {
		err        error
		code, msgs string
	}{
		{nil, "", ""},
		{Errorf(ENOTFOUND, "ABHA %s", "not found"), ENOTFOUND, "ABHA not found"},
		{fmt.Errorf("store: %w", Errorf(ECONFLICT, "taken")), ECONFLICT, "taken"},
		{ABDMError(EINVALID, "ABDM-1204", "Invalid transaction id"), EINVALID, "Invalid transaction id"},
		{errors.New("driver: connection reset by 10.0.0.1"), EINTERNAL, "Internal error."},
	} {
		if got := ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := ErrorMessage(tc.err); got != tc.msgs {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.msgs)
		}
	}
}

func TestActorContext(t *testing.T) {
	if a := ActorFrom(context.Background()); a.Kind != ActorAnonymous {
		t.Fatalf("empty context gives %v", a)
	}
	ctx := NewContext(context.Background(), Actor{Kind: ActorCitizen, ID: "91234567890123"})
	if a := ActorFrom(ctx); a.Kind != ActorCitizen || a.ID != "91234567890123" {
		t.Fatalf("got %v", a)
	}
}
