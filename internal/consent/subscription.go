package consent

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// Subscriptions (abdm-protocol.md §3.7): an HIU asks to be told when the
// person's care contexts are linked (LINK) or a HIP has new data in one
// (DATA). The person grants it for chosen HIPs, categories, HI types and a
// period, or refuses; while granted and within its period, each such
// event is sent to the HIU. A subscription tells the HIU that something
// happened, never the data itself: that still needs a consent.

// Subscription categories.
const (
	CategoryLink = "LINK"
	CategoryData = "DATA"
)

// Categories are the subscription categories, in the spec's order.
var Categories = []string{CategoryLink, CategoryData}

// Subscription limits, so one request cannot grow without bound.
const (
	MaxSubscriptionHIPs    = 50
	MaxSubscriptionSources = 50
)

// Subscription is an HIU's subscription request and, once the person
// grants it, the subscription itself: one row, whose status moves
// REQUESTED → GRANTED or DENIED. The HIU is told ID (on-init) and, on
// grant, SubscriptionID, as the spec keeps the two apart.
type Subscription struct {
	ID             string    // the subscription request's ID (UUID), chosen by the CM
	SubscriptionID string    // the granted subscription's ID (UUID); empty until granted
	Status         string    // StatusRequested, StatusGranted, StatusDenied
	Patient        string    // ABHA address
	Purpose        Purpose   //
	HIU            OrgRef    //
	HIPs           []OrgRef  // the HIPs the HIU asked about; none means any
	Categories     []string  // CategoryLink, CategoryData
	Period         DateRange // what the HIU asked for
	BridgeID       string    // the HIU's bridge, which receives the notices

	// What the person granted.
	AllHIPs   bool                 // isApplicableForAllHIPs: a source without a HIP covers every HIP
	Sources   []SubscriptionSource // includedSources
	Excluded  []string             // HIPs taken out of an all-HIPs grant (excludedSources)
	GrantedAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// SubscriptionSource is one granted source: a HIP (none: every HIP of an
// all-HIPs grant), the categories and HI types, and the period within
// which events are sent.
type SubscriptionSource struct {
	HIP        string    `json:"hip,omitempty"`
	Categories []string  `json:"categories"`
	HITypes    []string  `json:"hiTypes"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// subscriptionInitBody is the "subscription" object of
// subscription-requests/cm/init (ndhm-gateway.yml SubscriptionRequest).
type subscriptionInitBody struct {
	Subscription *struct {
		Purpose    *Purpose   `json:"purpose"`
		Patient    *OrgRef    `json:"patient"`
		HIU        *OrgRef    `json:"hiu"`
		HIPs       []OrgRef   `json:"hips"`
		Categories []string   `json:"categories"`
		Period     *DateRange `json:"period"`
	} `json:"subscription"`
}

// ParseSubscriptionInit reads and checks the body of
// subscription-requests/cm/init. cmID is this consent manager's ID: the
// patient's address must end in @cmID. A period already over is refused:
// it could never send anything. Errors name the field at fault and never
// echo values.
func ParseSubscriptionInit(body []byte, cmID string, now time.Time) (*Subscription, error) {
	var b subscriptionInitBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, invalid("the body is not a subscription request: " + jsonProblem(err))
	}
	s := b.Subscription
	switch {
	case s == nil:
		return nil, invalid("subscription is required")
	case s.Purpose == nil || s.Purpose.Code == "":
		return nil, invalid("subscription.purpose.code is required")
	case s.Patient == nil || s.Patient.ID == "":
		return nil, invalid("subscription.patient.id is required")
	case s.HIU == nil || strings.TrimSpace(s.HIU.ID) == "":
		return nil, invalid("subscription.hiu.id is required")
	case len(s.Categories) == 0:
		return nil, invalid("subscription.categories must list LINK, DATA or both")
	case s.Period == nil || s.Period.From.IsZero() || s.Period.To.IsZero():
		return nil, invalid("subscription.period needs from and to")
	case s.Period.To.Before(s.Period.From):
		return nil, invalid("subscription.period.to is before from")
	case !s.Period.To.After(now):
		return nil, invalid("subscription.period.to must be in the future")
	case len(s.HIPs) > MaxSubscriptionHIPs:
		return nil, invalid("subscription.hips may list at most 50 HIPs")
	}
	text, ok := Purposes[s.Purpose.Code]
	if !ok {
		return nil, invalid("subscription.purpose.code must be one of CAREMGT, BTG, PUBHLTH, HPAYMT, DSRCH, PATRQT")
	}
	purpose := *s.Purpose
	if strings.TrimSpace(purpose.Text) == "" {
		purpose.Text = text
	}
	patient := strings.ToLower(strings.TrimSpace(s.Patient.ID))
	if at := strings.LastIndexByte(patient, '@'); at < 1 || patient[at+1:] != cmID || len(patient) > 100 {
		return nil, invalid("subscription.patient.id must be an ABHA address of this consent manager (…@" + cmID + ")")
	}
	hiu := strings.ToUpper(strings.TrimSpace(s.HIU.ID))
	if len(hiu) > 64 {
		return nil, invalid("subscription.hiu.id is at most 64 characters")
	}
	var hips []OrgRef
	for _, h := range s.HIPs {
		id := strings.ToUpper(strings.TrimSpace(h.ID))
		if id == "" || len(id) > 64 {
			return nil, invalid("subscription.hips entries need an id of at most 64 characters")
		}
		if !slices.ContainsFunc(hips, func(o OrgRef) bool { return o.ID == id }) {
			hips = append(hips, OrgRef{ID: id, Name: clipName(h.Name)})
		}
	}
	cats, err := categories(s.Categories, "subscription.categories")
	if err != nil {
		return nil, err
	}
	return &Subscription{
		Status: StatusRequested, Patient: patient, Purpose: purpose, HIU: OrgRef{ID: hiu, Name: clipName(s.HIU.Name)},
		HIPs: hips, Categories: cats, Period: DateRange{From: s.Period.From.UTC(), To: s.Period.To.UTC()},
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// clipName bounds a display name a bridge sends.
func clipName(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		return string(r[:200])
	}
	return s
}

// categories checks and de-duplicates a list of categories, keeping the
// spec's order.
func categories(in []string, field string) ([]string, error) {
	for _, c := range in {
		if !slices.Contains(Categories, c) {
			return nil, invalid(field + " must hold only LINK and DATA")
		}
	}
	var out []string
	for _, c := range Categories {
		if slices.Contains(in, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// SubscriptionApproval is what the person grants (ndhm-phr-app.yml
// SubscriptionEditAndApprovalRequestRepresentation). Excluded names HIPs
// taken out of an all-HIPs grant: the spec gives excludedSources no
// finer meaning, and a HIP half-excluded would be hard for the person to
// reason about.
type SubscriptionApproval struct {
	AllHIPs  bool
	Included []SubscriptionSource
	Excluded []string
	Purposes []string // the purpose codes the sources named, if any: each must be the request's
}

// CheckApproval checks the person's choices against the request and
// returns the sources to store: categories among those asked for, known HI
// types, a period inside the one asked for and not over, each HIP once
// and among the HIPs asked for, a HIP for every source unless the grant is
// for all HIPs (then exactly one source has none), and every named HIP
// one where the person has linked care contexts (linked) — they cannot
// vouch for a HIP that holds nothing of theirs.
func (s *Subscription) CheckApproval(a SubscriptionApproval, linked map[string]bool, now time.Time) ([]SubscriptionSource, []string, error) {
	bad := func(format string, args ...any) ([]SubscriptionSource, []string, error) {
		return nil, nil, arogya.Errorf(arogya.EINVALID, format, args...)
	}
	if len(a.Included) == 0 || len(a.Included) > MaxSubscriptionSources || len(a.Excluded) > MaxSubscriptionSources {
		return bad("includedSources must hold 1 to 50 sources, excludedSources at most 50")
	}
	for _, p := range a.Purposes {
		if p != "" && p != s.Purpose.Code {
			return bad("a source's purpose must be the request's (%s)", s.Purpose.Code)
		}
	}
	askedHIP := func(id string) bool {
		return len(s.HIPs) == 0 || slices.ContainsFunc(s.HIPs, func(o OrgRef) bool { return o.ID == id })
	}
	out := make([]SubscriptionSource, 0, len(a.Included))
	seen := map[string]bool{}
	for i, src := range a.Included {
		src.HIP = strings.ToUpper(strings.TrimSpace(src.HIP))
		switch {
		case src.HIP == "" && !a.AllHIPs:
			return bad("includedSources[%d].hip is required unless isApplicableForAllHIPs", i)
		case seen[src.HIP] && src.HIP == "":
			return bad("includedSources: only one source may be without a hip")
		case seen[src.HIP]:
			return bad("includedSources[%d].hip is repeated", i)
		case src.HIP != "" && !askedHIP(src.HIP):
			return bad("includedSources[%d].hip: the request did not ask about that HIP", i)
		case src.HIP != "" && !linked[src.HIP]:
			return nil, nil, arogya.Errorf(arogya.EUNPROCESSABLE, "includedSources[%d].hip: you have no care contexts linked at that HIP", i)
		}
		seen[src.HIP] = true
		if len(src.Categories) == 0 {
			src.Categories = s.Categories
		}
		cats, err := categories(src.Categories, "includedSources.categories")
		if err != nil {
			return nil, nil, arogya.Errorf(arogya.EINVALID, "includedSources[%d].categories must hold only LINK and DATA", i)
		}
		for _, c := range cats {
			if !slices.Contains(s.Categories, c) {
				return bad("includedSources[%d].categories: the request did not ask for %s", i, c)
			}
		}
		src.Categories = cats
		if len(src.HITypes) == 0 {
			src.HITypes = HITypes
		}
		var types []string
		for _, t := range src.HITypes {
			if !slices.Contains(HITypes, t) {
				return bad("includedSources[%d].hiTypes has an unknown HI type", i)
			}
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		src.HITypes = types
		if src.From.IsZero() && src.To.IsZero() {
			src.From, src.To = s.Period.From, s.Period.To
		}
		src.From, src.To = src.From.UTC(), src.To.UTC()
		switch {
		case src.From.IsZero() || src.To.IsZero() || src.To.Before(src.From):
			return bad("includedSources[%d].period needs from and to, in order", i)
		case src.From.Before(s.Period.From) || src.To.After(s.Period.To):
			return bad("includedSources[%d].period must lie inside the one asked for", i)
		case !src.To.After(now):
			return bad("includedSources[%d].period is already over", i)
		}
		out = append(out, src)
	}
	if a.AllHIPs && !seen[""] {
		return bad("includedSources needs one source without a hip when isApplicableForAllHIPs")
	}
	var excluded []string
	for i, h := range a.Excluded {
		h = strings.ToUpper(strings.TrimSpace(h))
		if h == "" || len(h) > 64 {
			return bad("excludedSources[%d].hip.id is required", i)
		}
		if seen[h] {
			return bad("excludedSources[%d].hip is also an included source", i)
		}
		if !slices.Contains(excluded, h) {
			excluded = append(excluded, h)
		}
	}
	return out, excluded, nil
}

// Source returns the granted source that covers events of the category
// from the HIP at the time, if any: the HIP's own source, or else, for an
// all-HIPs grant, the source without a HIP unless the HIP is excluded or
// not among the HIPs the HIU asked about.
func (s *Subscription) Source(hip, category string, at time.Time) (SubscriptionSource, bool) {
	if s.Status != StatusGranted {
		return SubscriptionSource{}, false
	}
	i := slices.IndexFunc(s.Sources, func(src SubscriptionSource) bool { return src.HIP == hip })
	if i < 0 && s.AllHIPs && !slices.Contains(s.Excluded, hip) &&
		(len(s.HIPs) == 0 || slices.ContainsFunc(s.HIPs, func(o OrgRef) bool { return o.ID == hip })) {
		i = slices.IndexFunc(s.Sources, func(src SubscriptionSource) bool { return src.HIP == "" })
	}
	if i < 0 {
		return SubscriptionSource{}, false
	}
	src := s.Sources[i]
	if !slices.Contains(src.Categories, category) || at.Before(src.From) || at.After(src.To) {
		return SubscriptionSource{}, false
	}
	return src, true
}

// Expires is when the last of the granted sources ends: no event is sent
// after it.
func (s *Subscription) Expires() time.Time {
	var t time.Time
	for _, src := range s.Sources {
		if src.To.After(t) {
			t = src.To
		}
	}
	return t
}
