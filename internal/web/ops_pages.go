package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/registry"
)

// opsHome is the overview: how many bridges, how many dead letters.
type opsHome struct {
	Bridges, Active, Dead int
}

// home is the overview with links to the four views.
func (o *Ops) home(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	bs, err := o.ops.Bridges(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	dead, err := o.ops.DeadCount(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	h := &opsHome{Bridges: len(bs), Dead: dead}
	for _, b := range bs {
		if b.Active {
			h.Active++
		}
	}
	v.Home = h
	o.render(w, r, http.StatusOK, "ops_home", v)
}

// opsBridge is a bridge as the operator sees it. Its client secret's hash
// is not shown.
type opsBridge struct {
	ID, Name, URL, Version string
	Active                 bool
	Created, Updated       string
	Services               []opsService
}

type opsService struct {
	ID, Name string
	Types    []string
	Active   bool
	Updated  string
}

// bridges lists every bridge with its services.
func (o *Ops) bridges(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	bs, err := o.ops.Bridges(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	v.Bridges = make([]opsBridge, len(bs))
	for i, b := range bs {
		ob := opsBridge{ID: b.ID, Name: b.Name, URL: b.URL, Version: b.Version, Active: b.Active,
			Created: when(o.catFor(r), b.CreatedAt), Updated: when(o.catFor(r), b.UpdatedAt)}
		for _, s := range b.Services {
			ob.Services = append(ob.Services, opsService{ID: s.ID, Name: s.Name, Types: s.Types, Active: s.Active,
				Updated: when(o.catFor(r), s.UpdatedAt)})
		}
		v.Bridges[i] = ob
	}
	o.render(w, r, http.StatusOK, "ops_bridges", v)
}

// opsTraffic is the traffic view: a window for the last hour and one for
// the last day.
type opsTraffic struct {
	At      string
	Sample  int
	Windows []opsWindow
}

type opsWindow struct {
	ID, Title      string
	Total          opsKind
	Kinds          []opsKind
	Inbound        []gateway.TrafficCount
	InboundTotal   int
	InboundSkipped bool
}

// opsKind is one kind's outbound traffic with its latencies shown.
type opsKind struct {
	Kind                     string
	Delivered, Pending, Dead int
	Sampled                  int
	Partial                  bool // the percentiles are of a sample, not every delivered message
	P50, P95, P99            string
}

// traffic shows outbound messages by kind and status with delivery
// latency, and inbound messages by kind, for the last hour and day.
func (o *Ops) traffic(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	t, err := o.ops.Traffic(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	tv := &opsTraffic{At: when(o.catFor(r), t.At), Sample: t.Sample}
	for _, win := range t.Windows {
		ow := opsWindow{ID: "w" + strconv.Itoa(int(win.Span.Hours())) + "h", Total: o.kind(r, win.Total),
			Inbound: win.Inbound, InboundTotal: win.InboundTotal, InboundSkipped: win.InboundSkipped}
		ow.Title = o.catFor(r).text("ops.traffic.day")
		if win.Span == time.Hour {
			ow.Title = o.catFor(r).text("ops.traffic.hour")
		}
		for _, k := range win.Outbound {
			ow.Kinds = append(ow.Kinds, o.kind(r, k))
		}
		tv.Windows = append(tv.Windows, ow)
	}
	v.Traffic = tv
	o.render(w, r, http.StatusOK, "ops_traffic", v)
}

func (o *Ops) kind(r *http.Request, k gateway.KindTraffic) opsKind {
	ok := opsKind{Kind: k.Kind, Delivered: k.Delivered, Pending: k.Pending, Dead: k.Dead, Sampled: k.Sampled,
		Partial: k.Sampled < k.Delivered, P50: "–", P95: "–", P99: "–"}
	if k.Sampled > 0 {
		ok.P50, ok.P95, ok.P99 = o.latency(r, k.P50), o.latency(r, k.P95), o.latency(r, k.P99)
	}
	return ok
}

// latency shows a delivery latency at a precision a person reads.
func (o *Ops) latency(r *http.Request, d time.Duration) string {
	switch {
	case d < time.Second:
		return o.catFor(r).text("ops.ms", d.Milliseconds())
	case d < time.Minute:
		return o.catFor(r).text("ops.s", strconv.FormatFloat(d.Seconds(), 'f', 1, 64))
	case d < time.Hour:
		return o.catFor(r).text("ops.min", strconv.FormatFloat(d.Minutes(), 'f', 1, 64))
	default:
		return o.catFor(r).text("ops.h", strconv.FormatFloat(d.Hours(), 'f', 1, 64))
	}
}

// opsDead is a page of dead letters.
type opsDead struct {
	Total int
	Items []opsLetter
	Older string // link to the next (older) page, when there is one
}

// opsLetter is a dead outbound message. Its body is not shown: it may
// hold personal data.
type opsLetter struct {
	ID                         int64
	Kind, Bridge, Target       string
	Attempts                   int
	LastError, Created, Action string
}

// deadPage is how many dead letters are listed at once.
const deadPage = 50

// dead lists the dead letters, newest first, each with a replay button.
func (o *Ops) dead(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	o.deadList(w, r, ctx, o.view(w, r), http.StatusOK)
}

func (o *Ops) deadList(w http.ResponseWriter, r *http.Request, ctx context.Context, v *opsView, status int) {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			o.failPage(w, r, v, arogya.Errorf(arogya.ENOTFOUND, "no such page"))
			return
		}
		before = n
	}
	total, err := o.ops.DeadCount(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	ms, err := o.ops.DeadLetters(ctx, before, deadPage)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	d := &opsDead{Total: total}
	for _, m := range ms {
		d.Items = append(d.Items, opsLetter{ID: m.ID, Kind: m.Kind, Bridge: m.BridgeID, Target: m.TargetID,
			Attempts: m.Attempts, LastError: m.LastError, Created: when(o.catFor(r), m.CreatedAt),
			Action: "/cm/ops/dead/" + strconv.FormatInt(m.ID, 10) + "/replay"})
	}
	if len(ms) == deadPage {
		d.Older = "/cm/ops/dead?" + url.Values{"before": {strconv.FormatInt(ms[len(ms)-1].ID, 10)}}.Encode()
	}
	v.Dead = d
	o.render(w, r, status, "ops_dead", v)
}

// replay makes a dead letter due again and goes back to the list.
func (o *Ops) replay(w http.ResponseWriter, r *http.Request, v *opsView) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		o.failPage(w, r, v, arogya.Errorf(arogya.ENOTFOUND, "no such message"))
		return
	}
	switch err := o.ops.Replay(ctx, id); arogya.ErrorCode(err) {
	case "":
		redirect(w, r, "/cm/ops/dead", "ops.replayed")
	case arogya.ECONFLICT:
		v.Error = o.catFor(r).text("ops.dead.notdead")
		o.deadList(w, r, ctx, v, http.StatusConflict)
	default:
		o.failPage(w, r, v, err)
	}
}

// opsConsents is the consent view: counts by status, for India or one
// state, and every state's totals.
type opsConsents struct {
	State, StateName string
	States           []opsOption
	Groups           []opsGroup
	ByState          []opsStateRow
}

type opsOption struct {
	Value, Label string
	Selected     bool
}

// opsGroup counts requests, artefacts or transfers by status.
type opsGroup struct {
	ID, Title string
	Rows      []opsStatusCount
	Total     int
}

type opsStatusCount struct {
	Status, Label string
	N             int
}

// opsStateRow is one state's totals.
type opsStateRow struct {
	Code, Name, URL            string
	Requests, Artefacts, Flows int
}

// The statuses each group always lists, zero or not, in the order of their
// life.
var (
	requestStatuses  = []string{consent.StatusRequested, consent.StatusGranted, consent.StatusDenied, consent.StatusExpired, consent.StatusRevoked}
	artefactStatuses = []string{consent.StatusGranted, consent.StatusRevoked, consent.StatusExpired}
	flowStatuses     = []string{consent.FlowRequested, consent.FlowAcknowledged, consent.FlowTransferred, consent.FlowFailed}
)

// noState is the state key of facilities whose ID names no state.
const noState = "none"

// consents counts consent requests, artefacts and transfers by status, for
// India or the state in ?state=, with each state's totals.
func (o *Ops) consents(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	state := r.URL.Query().Get("state")
	if state != noState {
		state = strings.TrimLeft(state, "0") // "07" is Delhi, as "7"
	}
	if state != "" && state != noState && registry.StateName(state) == "" {
		o.failPage(w, r, v, arogya.Errorf(arogya.ENOTFOUND, "no such state"))
		return
	}
	cs, err := o.ops.ConsentCounts(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	cv := &opsConsents{State: state, StateName: o.stateName(r, state)}
	groups := []struct {
		of, id, title string
		statuses      []string
	}{
		{gateway.CountRequests, "requests", "ops.consents.requests", requestStatuses},
		{gateway.CountArtefacts, "artefacts", "ops.consents.artefacts", artefactStatuses},
		{gateway.CountFlows, "flows", "ops.consents.flows", flowStatuses},
	}
	byState := map[string]*opsStateRow{}
	for _, g := range groups {
		n := map[string]int{}
		for _, c := range cs {
			if c.Of != g.of {
				continue
			}
			key := c.State
			if registry.StateName(key) == "" { // not a facility ID, or no state of ours
				key = noState
			}
			if state == "" || key == state {
				n[c.Status] += c.N
			}
			row, ok := byState[key]
			if !ok {
				row = &opsStateRow{Code: key, Name: o.stateName(r, key), URL: "/cm/ops/consents?" + url.Values{"state": {key}}.Encode()}
				byState[key] = row
			}
			switch g.of {
			case gateway.CountRequests:
				row.Requests += c.N
			case gateway.CountArtefacts:
				row.Artefacts += c.N
			default:
				row.Flows += c.N
			}
		}
		og := opsGroup{ID: g.id, Title: o.catFor(r).text(g.title)}
		statuses := slices.Clone(g.statuses)
		for s := range n { // a status newer than this page still shows
			if !slices.Contains(statuses, s) {
				statuses = append(statuses, s)
			}
		}
		for _, s := range statuses {
			og.Rows = append(og.Rows, opsStatusCount{Status: s, Label: o.statusLabel(r, s), N: n[s]})
			og.Total += n[s]
		}
		cv.Groups = append(cv.Groups, og)
	}
	for _, row := range byState {
		cv.ByState = append(cv.ByState, *row)
	}
	slices.SortFunc(cv.ByState, func(a, b opsStateRow) int {
		if (a.Code == noState) != (b.Code == noState) { // facilities of no state last
			if a.Code == noState {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	cv.States = append(cv.States, opsOption{Value: "", Label: o.catFor(r).text("ops.consents.india"), Selected: state == ""})
	for _, row := range cv.ByState {
		cv.States = append(cv.States, opsOption{Value: row.Code, Label: row.Name, Selected: row.Code == state})
	}
	if state != "" && byState[state] == nil { // a state with nothing yet
		cv.States = append(cv.States, opsOption{Value: state, Label: cv.StateName, Selected: true})
	}
	v.Consents = cv
	o.render(w, r, http.StatusOK, "ops_consents", v)
}

// stateName names a state code of a facility ID, or all of India for "".
func (o *Ops) stateName(r *http.Request, code string) string {
	switch code {
	case "":
		return o.catFor(r).text("ops.consents.india")
	case noState:
		return o.catFor(r).text("ops.consents.nostate")
	}
	if n := stateName(o.catFor(r), code); n != "" {
		return n
	}
	return code
}

// statusLabel names a status of a request, artefact or transfer.
func (o *Ops) statusLabel(r *http.Request, s string) string {
	if l, ok := o.catFor(r)["ops.status."+s]; ok {
		return l
	}
	return s
}
