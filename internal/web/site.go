package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pageSet is a site's templates, each page parsed with the site's layout
// and parts once per language, and the English catalogue the handlers make
// their messages from.
type pageSet struct {
	cat   catalogue
	pages map[string]map[string]*template.Template // language → page → template
}

// newPageSet parses every page in names with frame.html and the site's
// files in common, and clones it for every catalogue, whose words its t
// takes. It panics if one does not parse: the templates are embedded, so
// that is a build defect caught by any test.
func newPageSet(names []string, common ...string) pageSet {
	en := catalogues[defaultLang]
	pages := make(map[string]map[string]*template.Template, len(catalogues))
	for tag := range catalogues {
		pages[tag] = make(map[string]*template.Template, len(names))
	}
	for _, name := range names {
		files := slices.Concat([]string{"templates/frame.html"}, common, []string{"templates/" + name + ".html"})
		t, err := template.New(name).Funcs(langFuncs(defaultLang)).ParseFS(assets, files...)
		if err != nil {
			panic(fmt.Errorf("web: parse %s: %w", name, err))
		}
		for tag := range catalogues {
			c, err := t.Clone()
			if err != nil {
				panic(fmt.Errorf("web: clone %s: %w", name, err))
			}
			pages[tag][name] = c.Funcs(langFuncs(tag))
		}
	}
	return pageSet{cat: en, pages: pages}
}

// catFor returns the catalogue of the language r's page is written in, the
// one a handler makes its words from.
func (s pageSet) catFor(r *http.Request) catalogue { return catalogues[requestLang(r)] }

// langFuncs are the template functions of pages written in tag: t looks a
// message up by id, and langs lists the other languages for the switch.
func langFuncs(tag string) template.FuncMap {
	links := langLinks(tag)
	return template.FuncMap{
		"t":     catalogues[tag].text,
		"langs": func() []langLink { return links },
	}
}

// write renders page name's layout with v and status, in the language r
// asks for, whose catalogue the handler made its words from (catFor). It
// renders into a buffer first so a template
// failure becomes a clean 500.
func (s pageSet) write(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	tag := requestLang(r)
	var buf bytes.Buffer
	if err := s.pages[tag][name].ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.ErrorContext(r.Context(), "web: render", "page", name, "err", err.Error())
		http.Error(w, catalogues[tag].text("title.error"), http.StatusInternalServerError)
		return
	}
	page := keepQuery(buf.Bytes(), r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(page)
}

// serveStatic serves the embedded CSS and icon under prefix.
func serveStatic(mux *http.ServeMux, prefix string) {
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET "+prefix, secure(staticCache(http.StripPrefix(prefix, http.FileServerFS(static)))))
}

const (
	csrfField = "csrf" // form field that must equal the CSRF cookie
	csrfLen   = 43     // base64url of 32 random bytes
)

// cookieScope is where a site keeps its cookies: under its path, HttpOnly,
// Secure over TLS, with a double-submit CSRF token every POST is checked
// against, which another site can neither read nor set.
type cookieScope struct {
	path     string
	sameSite http.SameSite
	csrf     string // the CSRF cookie's name
	maxForm  int64  // bytes of the largest POST body the site takes
}

// cookie returns a cookie with the attributes every cookie of the site has.
func (c cookieScope) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: c.path, MaxAge: maxAge,
		HttpOnly: true, SameSite: c.sameSite, Secure: r.TLS != nil,
	}
}

// csrfToken returns the browser's CSRF token, setting a new one if it has
// none (or a malformed one).
func (c cookieScope) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if k, err := r.Cookie(c.csrf); err == nil && validCSRF(k.Value) {
		return k.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, c.cookie(r, c.csrf, tok, 0))
	return tok
}

// validCSRF reports whether s looks like a token csrfToken makes.
func validCSRF(s string) bool {
	if len(s) != csrfLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// form limits and parses a POST body and checks its CSRF token against the
// cookie's, returning the token. When either fails it returns the status
// and message id to answer with instead, and for a bad token a fresh one,
// so the page's next form can post.
func (c cookieScope) form(w http.ResponseWriter, r *http.Request) (tok string, status int, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, c.maxForm)
	if err := r.ParseForm(); err != nil {
		return "", http.StatusBadRequest, "error.form"
	}
	k, err := r.Cookie(c.csrf)
	if err != nil || !validCSRF(k.Value) ||
		subtle.ConstantTimeCompare([]byte(k.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		return c.csrfToken(w, r), http.StatusForbidden, "error.csrf"
	}
	return k.Value, 0, ""
}

// signedSessions are the sessions of staff who sign in to a site: the
// registry's verifiers and the consent manager's operator. The cookie is
// stateless, so any node with the same key accepts it:
// base64url(payload) "." base64url(HMAC), the payload being the site's
// fields a line each with the expiry and a nonce among them. Signing out
// is remembered by the node that served it until the cookie would have
// expired.
type signedSessions struct {
	cookieScope
	name     string        // the session cookie's
	life     time.Duration // how long a session lasts
	maxLen   int           // bytes of the longest cookie worth checking
	fields   int           // how many fields the site puts in a session
	expiryAt int           // where among them the expiry and nonce go: each site keeps its cookies' layout
	login    string        // the sign-in page
	expired  string        // the notice of a session that has run out

	key   []byte           // signs the cookies
	now   func() time.Time // the clock of session expiry
	ended endedSessions    // sessions signed out on this node
}

// sessionKey makes the key of a site's session cookies from the node's
// secret and the site's label, so the session MAC cannot be confused with
// anything else the secret signs. Without a secret it makes a random one:
// sessions then end with the process and hold on this node only.
func sessionKey(secret []byte, label ...[]byte) []byte {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	m := hmac.New(sha256.New, secret)
	for _, l := range label {
		m.Write(l)
	}
	return m.Sum(nil)
}

// signedSession is a session cookie whose MAC and expiry have been checked.
type signedSession struct {
	fields  []string // as start was given them
	expires time.Time
	mac     string
}

// start gives the browser a session with fields.
func (s *signedSessions) start(w http.ResponseWriter, r *http.Request, fields ...string) {
	exp := s.now().Add(s.life).Unix()
	var nonce [12]byte // every sign-in is a session of its own, to end on its own
	_, _ = rand.Read(nonce[:])
	payload := strings.Join(slices.Concat(fields[:s.expiryAt],
		[]string{strconv.FormatInt(exp, 10), base64.RawURLEncoding.EncodeToString(nonce[:])}, fields[s.expiryAt:]), "\n")
	body := base64.RawURLEncoding.EncodeToString([]byte(payload))
	http.SetCookie(w, s.cookie(r, s.name, body+"."+s.sign(body), int(s.life/time.Second)))
}

func (s *signedSessions) sign(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// read checks the browser's session cookie: its MAC, its layout, and that
// it has neither expired nor been signed out here.
func (s *signedSessions) read(r *http.Request) (*signedSession, bool) {
	c, err := r.Cookie(s.name)
	if err != nil || c.Value == "" || len(c.Value) > s.maxLen {
		return nil, false
	}
	body, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.sign(body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	f := strings.SplitN(string(raw), "\n", s.fields+2)
	if len(f) != s.fields+2 {
		return nil, false
	}
	exp, err := strconv.ParseInt(f[s.expiryAt], 10, 64)
	if err != nil {
		return nil, false
	}
	ss := &signedSession{fields: slices.Concat(f[:s.expiryAt], f[s.expiryAt+2:]), expires: time.Unix(exp, 0), mac: mac}
	if !s.now().Before(ss.expires) || s.ended.has(mac) {
		return nil, false
	}
	return ss, true
}

// toSignIn sends a browser without a live session to the sign-in page,
// saying its session has run out if it had a cookie.
func (s *signedSessions) toSignIn(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(s.name); err == nil {
		s.expire(w, r)
		return
	}
	redirect(w, r, s.login, "")
}

// expire clears the session cookie and sends the browser to sign in again.
func (s *signedSessions) expire(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, s.name, "", -1))
	redirect(w, r, s.login, s.expired)
}

// end signs the browser out: its cookie is cleared, and the session is
// dead on this node for any copy of the cookie too.
func (s *signedSessions) end(w http.ResponseWriter, r *http.Request) {
	if ss, ok := s.read(r); ok {
		s.ended.add(ss.mac, ss.expires, s.now())
	}
	http.SetCookie(w, s.cookie(r, s.name, "", -1))
}

// endedSessions remembers signed-out sessions until they would expire, so
// a copy of the cookie is dead on this node too.
type endedSessions struct {
	mu sync.Mutex
	m  map[string]time.Time // MAC → expiry
}

func (e *endedSessions) add(mac string, exp, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, t := range e.m {
		if !now.Before(t) {
			delete(e.m, k)
		}
	}
	if e.m == nil {
		e.m = map[string]time.Time{}
	}
	e.m[mac] = exp
}

func (e *endedSessions) has(mac string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.m[mac]
	return ok
}
