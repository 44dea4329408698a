package web

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// seenCookie keeps when the person last looked at the timeline (Unix
// milliseconds), in their browser only: visits the facilities told of since are
// marked new.
const seenCookie = "phr_seen"

// recordsView is the timeline page.
type recordsView struct {
	Items      []timelineItem
	Total      int // visits before filtering
	Types      []option
	Facilities []option
	Type       string // the filters as given
	Facility   string
	From, To   string
	Filtered   bool
	NewRecords int
	Requests   []requestView // pending consent requests: the notifications
	CanOpen    bool          // the PHR has an HIU: a visit's records can be opened
}

// timelineItem is one visit on the timeline.
type timelineItem struct {
	Facility   string
	FacilityID string
	Visit      string
	Ref        string   // the care context's reference, for "Open records" (a form field, never a URL)
	Types      []string // labels
	Date       string   // DD-MM-YYYY; "" when the facility did not say
	New        bool
	at         time.Time
	notified   time.Time
	typeCodes  []string
}

// dayLayout is how dates are shown: day first, digits only, so no month
// names need translating.
const dayLayout = "02-01-2006"

// day formats t for the page, "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ist).Format(dayLayout)
}

// hiTypeLabel is the catalogue's name of an HI type, or the code itself
// for one the catalogue does not know.
func (p *PHR) hiTypeLabel(code string) string { return hiTypeLabelIn(p.cat, code) }

// hiTypeLabelFor is hiTypeLabel in the language of r's page.
func (p *PHR) hiTypeLabelFor(r *http.Request, code string) string {
	return hiTypeLabelIn(p.catFor(r), code)
}

func hiTypeLabelIn(cat catalogue, code string) string {
	if id := "phr.hitype." + code; cat[id] != "" {
		return cat.text(id)
	}
	return code
}

// records shows every linked visit from every facility, newest first,
// filtered by the query's type, facility and dates, with notifications of
// new records and pending consent requests.
func (p *PHR) records(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	links, err := p.cm.Links(who.ctx, who.token)
	if err != nil {
		p.fail(w, r, "phr_records", v, err, nil)
		return
	}
	var seen time.Time
	haveSeen := false
	if c, err := r.Cookie(seenCookie); err == nil {
		if ms, err := strconv.ParseInt(c.Value, 10, 64); err == nil && ms > 0 {
			seen, haveSeen = time.UnixMilli(ms), true
		}
	}
	rv := &recordsView{CanOpen: p.hiu != nil && p.hiu.ID() != ""}
	q := r.URL.Query()
	rv.Type, rv.Facility, rv.From, rv.To = q.Get("type"), q.Get("facility"), q.Get("from"), q.Get("to")
	from, fromOK := parseDay(rv.From)
	to, toOK := parseDay(rv.To)
	if !fromOK {
		rv.From = ""
	}
	if !toOK {
		rv.To = ""
	}
	types, facilities := map[string]bool{}, map[string]string{}
	var all []timelineItem
	for _, f := range links {
		name := cmp.Or(f.HIP.Name, f.HIP.ID)
		facilities[f.HIP.ID] = name
		for _, cc := range f.CareContexts {
			it := timelineItem{Facility: name, FacilityID: f.HIP.ID, Visit: cmp.Or(cc.Display, cc.ReferenceNumber), Ref: cc.ReferenceNumber,
				Date: day(cc.Date.Time), at: cc.Date.Time, notified: cc.NotifiedAt.Time, typeCodes: cc.HITypes}
			for _, t := range cc.HITypes {
				types[t] = true
				it.Types = append(it.Types, p.hiTypeLabelFor(r, t))
			}
			it.New = !cc.NotifiedAt.IsZero() && (!haveSeen || cc.NotifiedAt.After(seen))
			if it.New {
				rv.NewRecords++
			}
			all = append(all, it)
		}
	}
	rv.Total = len(all)
	slices.SortStableFunc(all, func(a, b timelineItem) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return b.notified.Compare(a.notified)
	})
	for _, it := range all {
		if rv.Type != "" && !slices.Contains(it.typeCodes, rv.Type) {
			continue
		}
		if rv.Facility != "" && it.FacilityID != rv.Facility {
			continue
		}
		if (!from.IsZero() || !to.IsZero()) && it.at.IsZero() {
			continue
		}
		d := it.at.In(ist)
		if !from.IsZero() && d.Before(from) || !to.IsZero() && !d.Before(to.AddDate(0, 0, 1)) {
			continue
		}
		rv.Items = append(rv.Items, it)
	}
	rv.Filtered = rv.Type != "" || rv.Facility != "" || rv.From != "" || rv.To != ""
	for _, t := range slices.Sorted(maps.Keys(types)) {
		rv.Types = append(rv.Types, option{Value: t, Label: p.hiTypeLabelFor(r, t), Selected: t == rv.Type})
	}
	for _, id := range slices.Sorted(maps.Keys(facilities)) {
		rv.Facilities = append(rv.Facilities, option{Value: id, Label: facilities[id], Selected: id == rv.Facility})
	}
	// Notifications: new consent requests. A failure here leaves the
	// timeline standing.
	if reqs, err := p.cm.Requests(who.ctx, who.token, "REQUESTED"); err == nil {
		nm := p.names(who.ctx)
		for _, q := range reqs {
			rv.Requests = append(rv.Requests, p.requestView(r, q, nm))
		}
	}
	http.SetCookie(w, p.cookie(r, seenCookie, strconv.FormatInt(p.now().UnixMilli(), 10), 365*24*3600))
	v.Records = rv
	p.render(w, r, http.StatusOK, "phr_records", v)
}

// parseDay parses a YYYY-MM-DD date field (an <input type=date>) as a day
// in India; "" is the zero time. ok is false for anything else.
func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, ist)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}
