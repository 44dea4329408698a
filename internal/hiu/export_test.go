package hiu

import (
	"context"
	"time"
)

// Test hooks into the bridge's callback handling.

const NotifyPatience = notifyPatience

func (b *Bridge) ConsentNotify(ctx context.Context, facilityID, requestID string, body []byte, received time.Time) (*Effects, error) {
	return b.consentNotify(ctx, facilityID, requestID, body, received)
}

func (b *Bridge) OnInit(ctx context.Context, facilityID, inResponseTo string, body []byte) (*Effects, error) {
	return b.onInit(ctx, facilityID, inResponseTo, body)
}
