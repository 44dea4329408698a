package gateway

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/protocol"
)

// Subscriptions (abdm-protocol.md §3.7). An HIU asks
// (subscription-requests/cm/init, answered on-init with the request's ID);
// the person grants or denies it under /cm (ndhm-phr-app.yml), and the HIU
// is told (subscription-requests/hiu/notify) in the transaction that
// records the decision. While a grant is live, every newly linked care
// context (LINK) and every HIP's new-data notice (DATA) that it covers
// becomes a subscriptions/hiu/notify to the HIU, committed with the HIP's
// message that caused it, so an event is sent exactly when its cause is
// recorded. §3.8 has no v3 form of any of this: a v3 HIU gets the v0.5
// form (callback).

// SubscriptionStore keeps subscription requests and grants. New requests
// are written with the message that makes them (Effects.Subscriptions).
type SubscriptionStore interface {
	// Subscription returns the subscription request with the ID, or the
	// granted subscription with that subscription ID; ENOTFOUND when
	// neither exists.
	Subscription(ctx context.Context, id string) (*consent.Subscription, error)
	// SubscriptionsByPatient lists the person's requests, with the status
	// when status is not empty, newest first, skipping offset, at most
	// limit.
	SubscriptionsByPatient(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Subscription, error)
	// DecideSubscription writes s's status, subscription ID, grant and
	// UpdatedAt if the stored row still has status from and was last
	// updated at prev, and enqueues out, in one transaction. ENOTFOUND if
	// there is no such request, ECONFLICT if it changed meanwhile.
	DecideSubscription(ctx context.Context, s *consent.Subscription, from string, prev time.Time, out []*Outbound) error
	// LiveSubscriptions lists the person's GRANTED subscriptions whose
	// last source ends at or after at.
	LiveSubscriptions(ctx context.Context, patient string, at time.Time) ([]*consent.Subscription, error)
	// ConsentedCareContexts lists the care contexts at the HIP named by the
	// HIU's GRANTED consent artefacts for the person not erased by at.
	ConsentedCareContexts(ctx context.Context, patient, hiuID, hipID string, at time.Time) ([]consent.CareContextRef, error)
}

var errNoSubscriptions = arogya.Errorf(arogya.EUNAVAILABLE, "subscriptions are not served here")

// subscriptionInit takes subscription-requests/cm/init from an HIU: a new
// subscription request for a person, answered on-init with its ID.
func (s *Service) subscriptionInit(ctx context.Context, m *message) (Effects, error) {
	if s.subs == nil {
		return Effects{}, arogya.ABDMError(arogya.EUNAVAILABLE, "ABDM-1098", "subscriptions are not served by this consent manager")
	}
	sub, err := consent.ParseSubscriptionInit(m.Body, s.cfg.CMID, s.now())
	if err != nil {
		return Effects{}, err
	}
	if err := s.servesAs(ctx, m.Bridge, sub.HIU.ID, TypeHIU); err != nil {
		return Effects{}, err
	}
	sub.ID, sub.BridgeID = uuid.NewString(), m.Bridge.ID
	out, err := s.callback(m.Bridge, "subscription-requests/cm/on-init", sub.HIU.ID, m.Env.RequestID,
		map[string]any{"subscriptionRequest": map[string]string{"id": sub.ID}})
	if err != nil {
		return Effects{}, err
	}
	return Effects{Subscriptions: []*consent.Subscription{sub}, Outbound: []*Outbound{out}}, nil
}

// PersonSubscriptions lists the subscription requests made for the person,
// newest first.
func (s *Service) PersonSubscriptions(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Subscription, error) {
	if s.subs == nil {
		return nil, errNoSubscriptions
	}
	switch status {
	case "", consent.StatusRequested, consent.StatusGranted, consent.StatusDenied:
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "status must be REQUESTED, GRANTED or DENIED")
	}
	limit, err := personPage(limit, offset)
	if err != nil {
		return nil, err
	}
	return s.subs.SubscriptionsByPatient(ctx, patient, status, limit, offset)
}

// PersonSubscription returns one of the person's subscription requests,
// by its ID or, once granted, its subscription ID. Another person's does
// not exist for them.
func (s *Service) PersonSubscription(ctx context.Context, patient, id string) (*consent.Subscription, error) {
	if s.subs == nil {
		return nil, errNoSubscriptions
	}
	sub, err := s.subs.Subscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.Patient != patient {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such subscription request")
	}
	return sub, nil
}

// ApproveSubscription grants the person's subscription request as they
// chose, confirmed with their consent PIN (scope consentrequest.approve,
// as for consent requests), and tells the HIU in the same transaction.
func (s *Service) ApproveSubscription(ctx context.Context, patient, authToken, id string, a consent.SubscriptionApproval) (*consent.Subscription, error) {
	if err := s.checkPINToken(patient, authToken, consent.ScopeApprove, id); err != nil {
		return nil, err
	}
	sub, err := s.PersonSubscription(ctx, patient, id)
	if err != nil {
		return nil, err
	}
	if sub.Status != consent.StatusRequested {
		return nil, arogya.Errorf(arogya.ECONFLICT, "the subscription request is already %s", sub.Status)
	}
	if !sub.Period.To.After(s.now()) {
		return nil, arogya.Errorf(arogya.ECONFLICT, "the subscription request's period is over")
	}
	return s.grantSubscription(ctx, sub, a, "subscription.grant")
}

// EditSubscription replaces what a granted subscription covers (ndhm-phr-
// app.yml PUT /patients/subscription-requests/{subscription-id}); the HIU
// is told the new sources as a new GRANTED notice.
func (s *Service) EditSubscription(ctx context.Context, patient, authToken, id, hiuID string, a consent.SubscriptionApproval) (*consent.Subscription, error) {
	sub, err := s.PersonSubscription(ctx, patient, id)
	if err != nil {
		return nil, err
	}
	// The PIN token may name the request by either of its IDs.
	if err := s.checkPINToken(patient, authToken, consent.ScopeApprove, sub.ID); err != nil {
		if s.checkPINToken(patient, authToken, consent.ScopeApprove, sub.SubscriptionID) != nil {
			return nil, err
		}
	}
	if hiuID != "" && hiuID != sub.HIU.ID {
		return nil, arogya.Errorf(arogya.EINVALID, "hiuId is not the subscription's HIU")
	}
	if sub.Status != consent.StatusGranted {
		return nil, arogya.Errorf(arogya.ECONFLICT, "only a granted subscription can be changed; this one is %s", sub.Status)
	}
	return s.grantSubscription(ctx, sub, a, "subscription.edit")
}

// grantSubscription checks a's sources against sub and the person's links,
// then commits the grant with the HIU's notice.
func (s *Service) grantSubscription(ctx context.Context, sub *consent.Subscription, a consent.SubscriptionApproval, action string) (*consent.Subscription, error) {
	now := s.now()
	links, err := s.links.Links(ctx, sub.Patient)
	if err != nil {
		return nil, err
	}
	linked := make(map[string]bool, len(links))
	for _, l := range links {
		linked[l.HIPID] = true
	}
	srcs, excluded, err := sub.CheckApproval(a, linked, now)
	if err != nil {
		return nil, err
	}
	b, err := s.store.Bridge(ctx, sub.BridgeID)
	if err != nil {
		return nil, err
	}
	next := *sub
	next.Status, next.AllHIPs, next.Sources, next.Excluded, next.UpdatedAt = consent.StatusGranted, a.AllHIPs, srcs, excluded, now
	if !now.After(sub.UpdatedAt) {
		// The store's compare-and-swap is on the last update's time: a
		// change within the same millisecond must still move it.
		next.UpdatedAt = sub.UpdatedAt.Add(time.Millisecond)
	}
	if next.SubscriptionID == "" {
		next.SubscriptionID, next.GrantedAt = uuid.NewString(), now
	}
	out, err := s.callback(b, "subscription-requests/hiu/notify", sub.HIU.ID, "", map[string]any{"notification": map[string]any{
		"subscriptionRequestId": sub.ID, "status": consent.StatusGranted, "subscription": grantedJSON(&next),
	}})
	if err != nil {
		return nil, err
	}
	if err := s.subs.DecideSubscription(ctx, &next, sub.Status, sub.UpdatedAt, []*Outbound{out}); err != nil {
		return nil, err
	}
	return &next, s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(sub.Patient), Action: action,
		Subject: "subscription-request:" + sub.ID, Outcome: "ok", Detail: strconv.Itoa(len(srcs)) + " sources"})
}

// grantedJSON is ndhm-gateway.yml's HIUSubscription. A source for all HIPs
// has no hip, as the spec's HIUSubscriptionContext allows; hiTypes is
// added so the HIU knows which DATA events to expect.
func grantedJSON(sub *consent.Subscription) map[string]any {
	srcs := make([]map[string]any, len(sub.Sources))
	for i, src := range sub.Sources {
		srcs[i] = map[string]any{"categories": src.Categories, "hiTypes": src.HITypes,
			"period": map[string]string{"from": protocol.FormatTimestamp(src.From), "to": protocol.FormatTimestamp(src.To)}}
		if src.HIP != "" {
			srcs[i]["hip"] = map[string]string{"id": src.HIP}
		}
	}
	return map[string]any{"id": sub.SubscriptionID, "patient": map[string]string{"id": sub.Patient},
		"hiu": map[string]string{"id": sub.HIU.ID}, "sources": srcs}
}

// DenySubscription records the person's refusal and tells the HIU, in one
// transaction. Like denying a consent request, it needs no PIN: refusing
// shares nothing.
func (s *Service) DenySubscription(ctx context.Context, patient, id string) error {
	sub, err := s.PersonSubscription(ctx, patient, id)
	if err != nil {
		return err
	}
	if sub.Status != consent.StatusRequested {
		return arogya.Errorf(arogya.ECONFLICT, "the subscription request is already %s", sub.Status)
	}
	b, err := s.store.Bridge(ctx, sub.BridgeID)
	if err != nil {
		return err
	}
	out, err := s.callback(b, "subscription-requests/hiu/notify", sub.HIU.ID, "", map[string]any{"notification": map[string]any{
		"subscriptionRequestId": sub.ID, "status": consent.StatusDenied,
	}})
	if err != nil {
		return err
	}
	next := *sub
	next.Status, next.UpdatedAt = consent.StatusDenied, s.now()
	if err := s.subs.DecideSubscription(ctx, &next, consent.StatusRequested, sub.UpdatedAt, []*Outbound{out}); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "subscription.deny",
		Subject: "subscription-request:" + sub.ID, Outcome: "ok"})
}

// EventContext is one care context a subscription event is about.
type EventContext struct {
	PatientRef     string
	CareContextRef string
	HITypes        []string // DATA: the HI types with new data
}

// linkContexts are the event contexts of newly linked care contexts.
func linkContexts(links []*Link) []EventContext {
	out := make([]EventContext, len(links))
	for i, l := range links {
		out[i] = EventContext{PatientRef: l.PatientRef, CareContextRef: l.CareContextRef}
	}
	return out
}

// withLinkEvents adds to eff the LINK events of the care contexts it
// links (eff.Links, all of the person at the HIP), so that they commit
// with it.
func (s *Service) withLinkEvents(ctx context.Context, eff Effects, patient, hipID string) (Effects, error) {
	return s.withEvents(ctx, eff, patient, hipID, consent.CategoryLink, linkContexts(eff.Links))
}

// withDataEvent adds to eff the DATA events of a HIP's notice of new data
// in a care context, if it is linked to the person at that HIP.
func (s *Service) withDataEvent(ctx context.Context, eff Effects, linked bool, patient, hipID, patientRef, careContextRef string, hiTypes []string) (Effects, error) {
	if !linked {
		return eff, nil
	}
	return s.withEvents(ctx, eff, patient, hipID, consent.CategoryData,
		[]EventContext{{PatientRef: patientRef, CareContextRef: careContextRef, HITypes: hiTypes}})
}

// withEvents adds to eff the subscription events its message causes (see
// subscriptionEvents), so that they commit with it.
func (s *Service) withEvents(ctx context.Context, eff Effects, patient, hipID, category string, contexts []EventContext) (Effects, error) {
	evs, err := s.subscriptionEvents(ctx, patient, hipID, category, contexts)
	if err != nil {
		return Effects{}, err
	}
	eff.Outbound = append(eff.Outbound, evs...)
	return eff, nil
}

// subscriptionEvents returns a subscriptions/hiu/notify for every live
// subscription of the person that covers the HIP and category now.
//
// LINK events name only care contexts not linked before: a HIP linking
// the same visit again is not news. DATA events carry the HI types the
// subscription covers (none in common: no event) and, as the spec says,
// the care context only when the HIU holds a granted consent for it: a
// subscription tells the HIU that there is something to ask for, not
// which visit it was, unless the person already let it see that visit.
//
// An HIU that cannot be reached (its service or bridge gone, no callback
// URL) is passed over: the HIP's message must not fail for it. A database
// error fails the message, so the HIP retries and no event is lost.
func (s *Service) subscriptionEvents(ctx context.Context, patient, hipID, category string, contexts []EventContext) ([]*Outbound, error) {
	if s.subs == nil || len(contexts) == 0 || patient == "" {
		return nil, nil
	}
	now := s.now()
	subs, err := s.subs.LiveSubscriptions(ctx, patient, now)
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	subs = slices.DeleteFunc(subs, func(sub *consent.Subscription) bool {
		_, ok := sub.Source(hipID, category, now)
		return !ok
	})
	if len(subs) == 0 {
		return nil, nil
	}
	if category == consent.CategoryLink {
		have, err := s.links.Links(ctx, patient)
		if err != nil {
			return nil, err
		}
		contexts = slices.DeleteFunc(slices.Clone(contexts), func(c EventContext) bool {
			return slices.ContainsFunc(have, func(l *Link) bool { return l.HIPID == hipID && l.CareContextRef == c.CareContextRef })
		})
		if len(contexts) == 0 {
			return nil, nil
		}
	}
	hip := map[string]string{"id": hipID}
	if name := s.hipName(ctx, hipID); name != "" {
		hip["name"] = name
	}
	var outs []*Outbound
	for _, sub := range subs {
		src, _ := sub.Source(hipID, category, now)
		items, err := s.eventItems(ctx, sub, src, hipID, category, contexts, now)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			continue
		}
		b, err := s.hiuBridge(ctx, sub)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		published := protocol.FormatTimestamp(now)
		out, err := s.callback(b, "subscriptions/hiu/notify", sub.HIU.ID, "", map[string]any{"event": map[string]any{
			// "published" is the spec's name (HIUSubscriptionNotification);
			// "publishedAt" is also sent for HIUs that read that name.
			"id": uuid.NewString(), "published": published, "publishedAt": published, "subscriptionId": sub.SubscriptionID, "category": category,
			"content": map[string]any{"patient": map[string]string{"id": patient}, "hip": hip, "context": items},
		}})
		if arogya.ErrorCode(err) == arogya.EUNPROCESSABLE {
			continue // the bridge has no callback URL
		} else if err != nil {
			return nil, err
		}
		outs = append(outs, out)
		_ = s.audit.Record(ctx, audit.Event{Actor: "hip:" + hipID, Action: "subscription.event",
			Subject: "subscription:" + sub.SubscriptionID, Outcome: "ok", Detail: category + " " + strconv.Itoa(len(items)) + " care contexts"})
	}
	return outs, nil
}

// eventItems is an event's content.context for one subscription.
func (s *Service) eventItems(ctx context.Context, sub *consent.Subscription, src consent.SubscriptionSource, hipID, category string,
	contexts []EventContext, now time.Time) ([]map[string]any, error) {
	var consented []consent.CareContextRef
	if category == consent.CategoryData {
		var err error
		if consented, err = s.subs.ConsentedCareContexts(ctx, sub.Patient, sub.HIU.ID, hipID, now); err != nil {
			return nil, err
		}
	}
	items := []map[string]any{}
	for _, c := range contexts {
		ref := consent.CareContextRef{PatientReference: c.PatientRef, CareContextReference: c.CareContextRef}
		item := map[string]any{"hiTypes": []string{}}
		if category == consent.CategoryData {
			types := slices.DeleteFunc(slices.Clone(c.HITypes), func(t string) bool { return !slices.Contains(src.HITypes, t) })
			if len(types) == 0 {
				continue
			}
			item["hiTypes"] = types
			if !slices.Contains(consented, ref) {
				items = append(items, item)
				continue
			}
		}
		item["careContext"] = ref
		items = append(items, item)
	}
	return items, nil
}

// hiuBridge is the bridge of a subscription's HIU, or nil if the HIU is no
// longer an active HIU service of it or the bridge is disabled.
func (s *Service) hiuBridge(ctx context.Context, sub *consent.Subscription) (*Bridge, error) {
	svc, err := s.store.Service(ctx, sub.HIU.ID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !svc.Active || svc.BridgeID != sub.BridgeID || !slices.Contains(svc.Types, TypeHIU) {
		return nil, nil
	}
	b, err := s.store.Bridge(ctx, sub.BridgeID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && !b.Active) {
		return nil, nil
	}
	return b, err
}
