package hip

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fidelius"
)

// page is one data push: the bundle of one record.
type page struct {
	contextRef string
	record     *Record
}

// transfer pushes, encrypted for the HIU, the records the artefact covers
// and the request asks for, one page per record, then tells the gateway
// how it went. Nothing outside the consent is read: only the artefact's
// care contexts, within the dates asked (and so the consent's), and only
// records of the consented HI types are opened.
func (b *Bridge) transfer(ctx context.Context, j *Job) (*Effects, error) {
	var t transferJob
	if err := json.Unmarshal(j.Body, &t); err != nil {
		return nil, permanentError{fmt.Errorf("a transfer job's body does not parse")}
	}
	facilityID := j.FacilityID
	notify := func(status string, responses []map[string]string) *Effects {
		return &Effects{Jobs: []*Job{b.message(facilityID, "health-information/notify", "", map[string]any{"notification": map[string]any{
			"consentId": t.ConsentID, "transactionId": t.TransactionID, "doneAt": b.svc.now().Format("2006-01-02T15:04:05.000Z"),
			"notifier":           map[string]string{"type": "HIP", "id": facilityID},
			"statusNotification": map[string]any{"sessionStatus": status, "hipId": facilityID, "statusResponses": responses},
		}})}}
	}
	c, err := b.svc.store.HIPConsent(ctx, t.ConsentID)
	if err != nil && arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	// Checked again: the artefact may have ended since the request.
	if c == nil || c.FacilityID != facilityID || c.Status != "GRANTED" || !b.svc.now().Before(c.ExpiresAt) {
		b.svc.auditEvent(ctx, "hip.transfer", facilityID, arogya.EFORBIDDEN, t.ConsentID)
		return notify("FAILED", []map[string]string{}), nil
	}
	f, err := b.svc.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	key, err := b.svc.dataKey(f)
	if err != nil {
		return nil, err
	}
	// The records: per care context of the artefact, those of the
	// patient it names, dated in the range asked, of a consented HI type.
	var pages []page
	responses := make([]map[string]string, 0, len(c.Contexts))
	status := map[string]string{}
	for _, cc := range c.Contexts {
		if _, seen := status[cc.ContextRef]; seen {
			continue
		}
		stored, err := b.svc.store.HIPCareContext(ctx, facilityID, cc.ContextRef)
		if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && stored.PatientRef != cc.PatientRef) {
			status[cc.ContextRef] = "ERRORED"
			continue
		} else if err != nil {
			return nil, err
		}
		rs, err := b.svc.store.HIPRecords(ctx, facilityID, cc.ContextRef, t.From, t.To.Add(time.Millisecond))
		if err != nil {
			return nil, err
		}
		status[cc.ContextRef] = "DELIVERED"
		for _, r := range rs {
			if slices.Contains(c.HITypes, r.HIType) {
				pages = append(pages, page{contextRef: cc.ContextRef, record: r})
			}
		}
	}
	hiuKey, hiuNonce, err := t.KeyMaterial.Parse()
	if err != nil {
		return nil, permanentError{err}
	}
	priv, err := fidelius.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	sess, err := fidelius.NewSession(priv, hiuKey)
	if err != nil {
		return nil, permanentError{err}
	}
	defer sess.Close()
	for i, pg := range pages {
		if status[pg.contextRef] != "DELIVERED" {
			continue
		}
		plain, err := auth.OpenAD(key, pg.record.Sealed, recordAD(facilityID, pg.record.ID))
		if err != nil {
			return nil, arogya.Errorf(arogya.EINTERNAL, "a stored record does not open")
		}
		// A fresh nonce per page: one key and IV never encrypt two bundles.
		nonce, err := fidelius.NewNonce(rand.Reader)
		if err != nil {
			return nil, err
		}
		ct, err := sess.Encrypt(nonce, hiuNonce, plain)
		if err != nil {
			return nil, err
		}
		km, err := fidelius.NewKeyMaterial(priv.Public(), fidelius.X509Key, nonce, b.svc.now().Add(24*time.Hour))
		if err != nil {
			return nil, err
		}
		sum := md5.Sum(plain)
		body, _ := json.Marshal(map[string]any{
			"pageNumber": i + 1, "pageCount": len(pages), "transactionId": t.TransactionID,
			"entries": []map[string]string{{"content": base64.StdEncoding.EncodeToString(ct), "media": "application/fhir+json",
				"checksum": hex.EncodeToString(sum[:]), "careContextReference": pg.contextRef}},
			"keyMaterial": km,
		})
		clear(plain)
		if err := b.pushPage(ctx, t.DataPushURL, body); err != nil {
			b.log.Warn("hip: data push failed", "transaction", t.TransactionID, "page", i+1, "err", err)
			status[pg.contextRef] = "ERRORED"
		}
	}
	if len(pages) == 0 {
		b.pushEmpty(ctx, t, priv)
	}
	overall := "TRANSFERRED"
	for _, cc := range c.Contexts {
		st, ok := status[cc.ContextRef]
		if !ok {
			continue
		}
		delete(status, cc.ContextRef)
		desc := "delivered"
		if st == "ERRORED" {
			desc, overall = "not delivered", "FAILED"
		}
		responses = append(responses, map[string]string{"careContextReference": cc.ContextRef, "hiStatus": st, "description": desc})
	}
	b.svc.auditEvent(ctx, "hip.transfer", facilityID, overall, fmt.Sprintf("consent %s transaction %s pages %d", t.ConsentID, t.TransactionID, len(pages)))
	return notify(overall, responses), nil
}

// pushEmpty tells the HIU there is nothing to send, with one page of no
// entries: the HIU learns that a transfer is complete only from its last
// page, and without one would wait until its key expired (a day). A
// failure is logged; the notify to the gateway says what was delivered.
func (b *Bridge) pushEmpty(ctx context.Context, t transferJob, priv *fidelius.PrivateKey) {
	nonce, err := fidelius.NewNonce(rand.Reader)
	if err != nil {
		b.log.Warn("hip: an empty data push", "transaction", t.TransactionID, "err", err)
		return
	}
	km, err := fidelius.NewKeyMaterial(priv.Public(), fidelius.X509Key, nonce, b.svc.now().Add(24*time.Hour))
	if err != nil {
		b.log.Warn("hip: an empty data push", "transaction", t.TransactionID, "err", err)
		return
	}
	body, _ := json.Marshal(map[string]any{"pageNumber": 1, "pageCount": 1, "transactionId": t.TransactionID,
		"entries": []map[string]string{}, "keyMaterial": km})
	if err := b.pushPage(ctx, t.DataPushURL, body); err != nil {
		b.log.Warn("hip: an empty data push failed", "transaction", t.TransactionID, "err", err)
	}
}

// pushAttempts is how many times a page is pushed before it is given up
// (over 3.5 s): the HIU completes a transfer only when every page has
// come, so a page lost to a moment's network trouble would leave it
// waiting for a day; and an empty page that comes before the consent
// manager told the HIU of the transaction is answered 503 until it has.
const pushAttempts = 4

// pushRetryDelay is the wait before the second attempt, doubled after it.
var pushRetryDelay = 500 * time.Millisecond

// pushPage POSTs one page to the HIU's dataPushUrl, again after a network
// error or a 5xx (not after a 4xx: the HIU refused the page itself).
func (b *Bridge) pushPage(ctx context.Context, url string, body []byte) error {
	delay := pushRetryDelay
	for attempt := 1; ; attempt++ {
		retry, err := b.pushOnce(ctx, url, body)
		if err == nil || !retry || attempt == pushAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// pushOnce POSTs one page; retry says whether another attempt may do
// better. It carries no credential of the HIP's: the spec names none, and
// the gateway access token some HIPs send (ProjectEKA's) would let every
// HIU act as this HIP's bridge until it expires. The page is encrypted for
// the HIU alone and names a transaction only the HIU and the CM know.
func (b *Bridge) pushOnce(ctx context.Context, url string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.push.Do(req)
	if err != nil {
		return !errors.Is(err, errPrivatePush), err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode >= 500, fmt.Errorf("the HIU answered HTTP %d", resp.StatusCode)
	}
	return false, nil
}
