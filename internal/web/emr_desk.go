package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/skip2/go-qrcode"
)

// The registration desk's Scan & Share QR code (abdm-protocol.md §3.4):
// the facility prints it at a counter; a person scans it with their phone
// and their PHR shares their profile with the facility, which answers a
// token number from the day's queue. The code holds a link to the PHR's
// share page with the facility's ID and the counter, in the query names
// ABDM's own facility codes use (hip-id, counter-code), so a PHR that
// reads those codes reads this one too.

// counterCode is a desk's name on the code: short, plain, printable.
var counterCode = regexp.MustCompile(`^[A-Za-z0-9-]{1,20}$`)

// emrDesk is the desk QR page.
type emrDesk struct {
	Counter string
	Link    string // what the code holds
	Image   string // the PNG's URL
}

// shareLink is what a desk's QR code holds: the PHR's share page for the
// facility and counter. The PHR is reached where opts.PHRURL says, else
// on this node, as the browser reached it.
func (e *EMR) shareLink(r *http.Request, facilityID, counter string) string {
	base := strings.TrimRight(e.phrURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	q := url.Values{"hip-id": {facilityID}, "counter-code": {counter}}
	return base + "/abha/share?" + q.Encode()
}

// deskCounter reads ?counter=, "1" when absent; "" when it is not a
// counter code.
func deskCounter(r *http.Request) string {
	c := strings.TrimSpace(r.URL.Query().Get("counter"))
	if c == "" {
		return "1"
	}
	if !counterCode.MatchString(c) {
		return ""
	}
	return c
}

// desk serves GET /emr/desk: the counter's QR code, to print.
func (e *EMR) desk(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	c := deskCounter(r)
	if c == "" {
		v.Error = e.catFor(r).text("emr.desk.bad")
		v.Desk = &emrDesk{Counter: r.URL.Query().Get("counter")}
		e.render(w, r, http.StatusBadRequest, "emr_desk", v)
		return
	}
	v.Desk = &emrDesk{Counter: c, Link: e.shareLink(r, v.Staff.FacilityID, c),
		Image: "/emr/desk/qr.png?" + url.Values{"counter": {c}}.Encode()}
	e.render(w, r, http.StatusOK, "emr_desk", v)
}

// deskQR serves GET /emr/desk/qr.png: the code itself.
func (e *EMR) deskQR(w http.ResponseWriter, r *http.Request) {
	s, ok := e.session(r)
	if !ok {
		http.Error(w, e.catFor(r).text("notice.emr.expired"), http.StatusUnauthorized)
		return
	}
	c := deskCounter(r)
	if c == "" {
		http.Error(w, e.catFor(r).text("emr.desk.bad"), http.StatusBadRequest)
		return
	}
	png, err := qrcode.Encode(e.shareLink(r, s.FacilityID, c), qrcode.Medium, 512)
	if err != nil {
		http.Error(w, e.catFor(r).text("emr.desk.bad"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(png)
}
