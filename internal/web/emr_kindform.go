package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// kindForm is one of emrKinds' forms as shown: its parts with the values
// as typed, so a refused form comes back as it was.
type kindForm struct {
	Heading   string // message id
	Lead      string // text, for the upload's limits
	Visit     visitFields
	Parts     []kindPart
	Multipart bool
}

// kindPart is a run of fields or of rows.
type kindPart struct {
	Legend string // message id; a row's takes its number
	Fields []kindField
	Rows   []kindRow
}

// kindRow is one numbered row of a part.
type kindRow struct {
	N      int
	Fields []kindField
}

// kindField is one input with its value.
type kindField struct {
	ID, Name, Label, Hint, Kind, Value string
	Max                                int
	Wide, Required                     bool
	Options                            []kindOption
}

// kindOption is one choice of a select.
type kindOption struct {
	Value, Label string
	Selected     bool
}

// kindView lays out k's form with the values get returns.
func (e *EMR) kindView(r *http.Request, k *kindSpec, vf visitFields, get func(string) string) *kindForm {
	kf := &kindForm{Heading: k.heading, Visit: vf, Multipart: k.multipart}
	switch {
	case k.multipart:
		kf.Lead = e.catFor(r).text("emr.document.lead", maxUploadMiB)
	case k.lead != "":
		kf.Lead = e.catFor(r).text(k.lead)
	}
	field := func(f fieldSpec, suffix string) kindField {
		name := f.name + suffix
		ff := kindField{ID: name, Name: name, Label: f.label, Hint: f.hint, Kind: f.kind, Value: get(name), Max: f.max,
			Wide: f.wide, Required: f.required}
		if f.kind == "file" {
			ff.Value = "" // a file is never sent back
		}
		for _, o := range f.options {
			ff.Options = append(ff.Options, kindOption{Value: o[0], Label: o[1], Selected: ff.Value == o[0]})
		}
		return ff
	}
	for _, p := range k.parts {
		fp := kindPart{Legend: p.legend}
		if p.rows == 0 {
			for _, f := range p.fields {
				fp.Fields = append(fp.Fields, field(f, ""))
			}
		}
		for n := 1; n <= p.rows; n++ {
			row := kindRow{N: n}
			for _, f := range p.fields {
				row.Fields = append(row.Fields, field(f, strconv.Itoa(n)))
			}
			fp.Rows = append(fp.Rows, row)
		}
		kf.Parts = append(kf.Parts, fp)
	}
	return kf
}

// kindGet shows k's empty form under a new visit.
func (e *EMR) kindGet(k *kindSpec) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := e.requireStaff(w, r)
		if !ok {
			return
		}
		vf, err := e.defaultVisit(r, v.Staff, k.prefix, k.display)
		if err != nil {
			e.failPage(w, r, v, err)
			return
		}
		vf.Action = vf.PatientURL + "/" + k.path
		v.Page, v.Form = k.page, e.kindView(r, k, vf, func(string) string { return "" })
		e.render(w, r, http.StatusOK, "emr_form", v)
	}
}

// kindPost checks k's form, builds its content and records it; a refused
// form comes back with its values and the reason in words.
func (e *EMR) kindPost(k *kindSpec, up *upload) func(http.ResponseWriter, *http.Request, *emrView) {
	return func(w http.ResponseWriter, r *http.Request, v *emrView) {
		if v.Staff == nil {
			e.toSignIn(w, r)
			return
		}
		get := trimmed(r.PostForm.Get)
		ref := r.PathValue("ref")
		vf := visitFields{PatientURL: patientURL(ref), Action: patientURL(ref) + "/" + k.path,
			VisitRef: get("visit_ref"), VisitDisplay: get("visit_display")}
		v.Page, v.Form = k.page, e.kindView(r, k, vf, get)
		c, p := k.build(&formInput{get: get, upload: up, now: time.Now()})
		if p != nil {
			cat := e.catFor(r)
			args := slices.Clone(p.args)
			for i, a := range args {
				if id, ok := a.(msgID); ok {
					args[i] = cat.text(string(id))
				}
			}
			v.Error = cat.text(p.id, args...)
			e.render(w, r, p.status, "emr_form", v)
			return
		}
		e.recordContent(w, r, v, "emr_form", vf, c)
	}
}

// The upload's limits. A file is kept base64 in its bundle, and the
// builder takes files of up to fhir.MaxAttachmentSize: the cap says so.
const (
	maxUpload      = fhir.MaxAttachmentSize
	maxUploadMiB   = maxUpload >> 20
	maxUploadField = 4 << 10  // bytes of any other field of the form
	maxUploadBody  = 64 << 10 // bytes of the form around the file
	maxUploadParts = 16
)

// upload is the file of a multipart form.
type upload struct {
	data   []byte // nil when tooBig
	tooBig bool   // the file is over maxUpload; the rest of it was not kept
}

// errUploadForm is a multipart body this form does not take.
var errUploadForm = errors.New("web: not a form this page sends")

// readUpload reads a multipart form of small fields and one file, named
// "file", of at most maxFile bytes. A larger file is marked tooBig and
// the fields after it may be missing: the reading stops when the body's
// limit is reached. Fields after the limit, or a body that is not
// multipart, are errUploadForm.
func readUpload(body io.Reader, boundary string, maxFile int) (url.Values, *upload, error) {
	mr := multipart.NewReader(body, boundary)
	vals := url.Values{}
	up := &upload{}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return vals, up, nil
		}
		if err != nil || parts >= maxUploadParts {
			if up.tooBig {
				return vals, up, nil
			}
			return nil, nil, errUploadForm
		}
		name := p.FormName()
		if name == "file" {
			data, err := io.ReadAll(io.LimitReader(p, int64(maxFile)+1))
			if len(data) > maxFile {
				up.data, up.tooBig = nil, true
				continue
			}
			if err != nil {
				return nil, nil, errUploadForm
			}
			up.data = data
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, maxUploadField+1))
		if err != nil || len(b) > maxUploadField || name == "" {
			if up.tooBig {
				return vals, up, nil
			}
			return nil, nil, errUploadForm
		}
		vals.Add(name, string(b))
	}
}

// uploadPost reads the upload form's multipart body with readUpload, then
// checks its CSRF token as post does and hands it to kindPost.
func (e *EMR) uploadPost(k *kindSpec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func() {
			v := &emrView{CSRF: e.csrfToken(w, r), Error: e.catFor(r).text("error.form")}
			v.Staff, _ = e.session(r)
			e.render(w, r, http.StatusBadRequest, "emr_error", v)
		}
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
			fail()
			return
		}
		body := http.MaxBytesReader(w, r.Body, maxUpload+maxUploadBody)
		vals, up, err := readUpload(body, params["boundary"], maxUpload)
		if err != nil {
			fail()
			return
		}
		r.PostForm, r.Form = vals, vals // post's ParseForm then leaves them be
		e.post(e.kindPost(k, up)).ServeHTTP(w, r)
	})
}

// sniffDocument returns the media type of a PDF, JPEG or PNG by its
// content, whatever the file was called; "" for anything else.
func sniffDocument(data []byte) string {
	switch t := http.DetectContentType(data); t {
	case "application/pdf", "image/jpeg", "image/png":
		return t
	}
	return ""
}
