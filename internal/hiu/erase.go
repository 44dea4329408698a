package hiu

import (
	"context"
	"strconv"
	"time"
)

// Erasure: what was received under an artefact goes at its dataEraseAt,
// and at once when the consent is revoked or expires; a transfer's key
// goes when the transfer ends or its key expires. Each erasure is
// audited with counts and IDs only.

// eraseConsent deletes what was received under an artefact and its
// transfers' keys, and marks the artefact's copy ended (status).
func (s *Service) eraseConsent(ctx context.Context, a *Artefact, status string) error {
	n, err := s.store.EraseHIUConsent(ctx, a.ID, status, s.now())
	if err != nil {
		return err
	}
	if b := s.bridge; b != nil {
		b.pushMu.Lock()
		for id, ss := range b.sessions {
			if ss.consentID == a.ID {
				b.dropSession(id)
			}
		}
		b.pushMu.Unlock()
	}
	s.auditEvent(ctx, "gateway", "hiu.erase.consent", a.FacilityID, "ok",
		"consent "+a.ID+" "+status+" records "+strconv.FormatInt(n.Records, 10)+" keys "+strconv.FormatInt(n.Keys, 10))
	return nil
}

// EraseDue erases every record and artefact copy whose dataEraseAt has
// passed at now and every transfer key no longer needed, and audits it.
// The bridge runs it every minute; a janitor or a test may run it too.
func (b *Bridge) EraseDue(ctx context.Context, now time.Time) (Erased, error) {
	now = now.UTC().Truncate(time.Millisecond)
	n, err := b.svc.store.EraseHIUDue(ctx, now)
	if err != nil {
		return n, err
	}
	b.pushMu.Lock()
	for id, ss := range b.sessions {
		if !now.Before(ss.expires) {
			b.dropSession(id)
		}
	}
	b.pushMu.Unlock()
	if n != (Erased{}) {
		b.svc.auditEvent(ctx, "system", "hiu.erase.due", "*", "ok", "records "+strconv.FormatInt(n.Records, 10)+
			" artefacts "+strconv.FormatInt(n.Artefacts, 10)+" keys "+strconv.FormatInt(n.Keys, 10))
	}
	return n, nil
}

// eraseLoop runs EraseDue every cfg.EraseEvery until ctx ends.
func (b *Bridge) eraseLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.EraseEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := b.EraseDue(ctx, b.svc.now()); err != nil && ctx.Err() == nil {
				b.log.Warn("hiu: erasing what is due", "err", err)
			}
		}
	}
}
