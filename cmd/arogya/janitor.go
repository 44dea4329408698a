package main

import (
	"context"
	"time"
)

// janitorEvery is how often expired enrolment/login flows and old OTP send
// records are deleted.
const janitorEvery = 10 * time.Minute

// janitor deletes what nobody will ask for again: flows past their expiry
// (they hold KYC details, so they should not linger) and OTP send records
// older than the rate-limit window, and the consent manager's discovery and
// linking exchanges a day on (they name a person's HIPs). It runs until ctx
// ends.
func (n *node) janitor(ctx context.Context) {
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		n.sweep(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *node) sweep(ctx context.Context, now time.Time) {
	if k, err := n.db.DeleteExpiredTxns(ctx, now); err != nil {
		n.log.Warn("janitor: expired flows", "err", err.Error())
	} else if k > 0 {
		n.log.Info("janitor: deleted expired flows", "count", k)
	}
	if k, err := n.db.PruneOTPSends(ctx, now.Add(-time.Hour)); err != nil {
		n.log.Warn("janitor: OTP send log", "err", err.Error())
	} else if k > 0 {
		n.log.Debug("janitor: pruned OTP send log", "count", k)
	}
	if k, err := n.db.SweepLinkTxns(ctx, now.Add(-24*time.Hour)); err != nil {
		n.log.Warn("janitor: link transactions", "err", err.Error())
	} else if k > 0 {
		n.log.Debug("janitor: deleted link transactions", "count", k)
	}
}
