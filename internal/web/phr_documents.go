package web

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// docView is one of the person's own documents.
type docView struct {
	ID, Title, Kind, Size, Added string
}

// documents lists the person's own documents and offers an upload.
func (p *PHR) documents(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	p.showDocuments(w, r, who, v, http.StatusOK)
}

func (p *PHR) showDocuments(w http.ResponseWriter, r *http.Request, who *person, v *phrView, status int) {
	docs, err := p.docs.List(who.ctx, who.number)
	if err != nil {
		p.fail(w, r, "phr_documents", v, err, nil)
		return
	}
	v.Docs = []docView{}
	for _, d := range docs {
		v.Docs = append(v.Docs, docView{ID: d.ID, Title: d.Title, Kind: p.catFor(r).text(kindID(d.ContentType)),
			Size: p.catFor(r).text("phr.doc.size", (d.Size+1023)/1024), Added: day(d.CreatedAt)})
	}
	p.render(w, r, status, "phr_documents", v)
}

// kindOf names a content type for the catalogue.
func kindOf(ct string) string {
	switch ct {
	case "application/pdf":
		return "pdf"
	case "image/png":
		return "png"
	}
	return "jpeg"
}

// kindID is the message id naming a content type.
func kindID(ct string) string { return "phr.doc.kind." + kindOf(ct) }

// documentsPost takes an upload: a multipart form, limited to the
// largest document and a little more, its CSRF token checked like every
// other form's.
func (p *PHR) documentsPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, phr.MaxDocumentSize+64<<10)
	err := r.ParseMultipartForm(1 << 20) // bytes held in memory; the rest spills to a temporary file
	k, cerr := r.Cookie(p.csrf)
	if err != nil {
		tok := p.csrfToken(w, r)
		var tooBig *http.MaxBytesError
		who, ok := p.login(r)
		if errors.As(err, &tooBig) && ok && cerr == nil {
			v := &phrView{CSRF: tok, LoggedIn: true, Error: p.catFor(r).text("phr.doc.toobig", phr.MaxDocumentSize>>20)}
			p.showDocuments(w, r, who, v, http.StatusRequestEntityTooLarge)
			return
		}
		p.render(w, r, http.StatusBadRequest, "phr_error", &phrView{CSRF: tok, LoggedIn: ok, Error: p.catFor(r).text("error.form")})
		return
	}
	defer r.MultipartForm.RemoveAll()
	if cerr != nil || !validCSRF(k.Value) || subtle.ConstantTimeCompare([]byte(k.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		_, ok := p.login(r)
		p.render(w, r, http.StatusForbidden, "phr_error", &phrView{CSRF: p.csrfToken(w, r), LoggedIn: ok, Error: p.catFor(r).text("error.csrf")})
		return
	}
	who, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	v := &phrView{CSRF: k.Value, LoggedIn: true}
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Error = p.catFor(r).text("phr.doc.nofile")
		p.showDocuments(w, r, who, v, http.StatusBadRequest)
		return
	}
	defer file.Close()
	body, err := io.ReadAll(io.LimitReader(file, phr.MaxDocumentSize+1))
	if err != nil {
		v.Error = p.catFor(r).text("error.form")
		p.showDocuments(w, r, who, v, http.StatusBadRequest)
		return
	}
	if len(body) > phr.MaxDocumentSize {
		v.Error = p.catFor(r).text("phr.doc.toobig", phr.MaxDocumentSize>>20)
		p.showDocuments(w, r, who, v, http.StatusRequestEntityTooLarge)
		return
	}
	if len(body) > 0 && phr.Sniff(body) == "" {
		v.Error = p.catFor(r).text("phr.doc.kind")
		p.showDocuments(w, r, who, v, http.StatusUnsupportedMediaType)
		return
	}
	if _, err := p.docs.Add(who.ctx, who.number, r.PostFormValue("title"), body); err != nil {
		v.Error = p.errText(r, err, map[string]string{arogya.EINVALID: "phr.doc.invalid", arogya.ECONFLICT: "phr.doc.full"})
		p.showDocuments(w, r, who, v, errStatus(r, err))
		return
	}
	redirect(w, r, "/abha/documents", "phr.uploaded")
}

// documentFile downloads or deletes one of the person's documents, named
// in the form rather than the URL.
func (p *PHR) documentFile(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	id := r.PostForm.Get("id")
	if r.PostForm.Get("action") == "delete" {
		if err := p.docs.Delete(who.ctx, who.number, id); err != nil {
			v.Error = p.errText(r, err, map[string]string{arogya.ENOTFOUND: "phr.doc.notfound"})
			p.showDocuments(w, r, who, v, errStatus(r, err))
			return
		}
		redirect(w, r, "/abha/documents", "phr.docdeleted")
		return
	}
	d, body, err := p.docs.Open(who.ctx, who.number, id)
	if err != nil {
		v.Error = p.errText(r, err, map[string]string{arogya.ENOTFOUND: "phr.doc.notfound"})
		p.showDocuments(w, r, who, v, errStatus(r, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	// The title is the person's; the file name is not, so no personal
	// words travel in a header.
	h.Set("Content-Disposition", `attachment; filename="document.`+kindOf(d.ContentType)+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
