package phr

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// Document limits.
const (
	MaxDocumentSize = 7 << 20 // bytes of one document
	MaxDocuments    = 200     // documents one person may keep
	maxTitle        = 120     // characters of a document's title
)

// Document is a file the person uploaded to their own app: a PDF or an
// image of a report from outside ABDM. Its title and content are sealed
// (AES-256-GCM) under the app's key and bound to the owner and the
// document's id, so a row moved to another owner does not open.
type Document struct {
	ID          string
	Owner       string // the person's ABHA number
	ContentType string // application/pdf, image/jpeg or image/png
	Size        int    // bytes of the plain content
	SealedTitle []byte
	Sealed      []byte // nil in listings
	CreatedAt   time.Time
}

// DocumentStore keeps documents. Each method takes the owner, and finds
// nothing of anyone else's.
type DocumentStore interface {
	AddPHRDocument(ctx context.Context, d *Document) error
	PHRDocuments(ctx context.Context, owner string) ([]*Document, error) // newest first, without content
	PHRDocument(ctx context.Context, owner, id string) (*Document, error)
	DeletePHRDocument(ctx context.Context, owner, id string) error
}

// Documents is the rules of the person's own documents.
type Documents struct {
	store DocumentStore
	key   []byte
	now   func() time.Time
}

// NewDocuments returns the documents over store, sealing with key (32
// bytes, derived from the node's master key for the PHR alone).
func NewDocuments(store DocumentStore, key []byte, now func() time.Time) *Documents {
	return &Documents{store: store, key: key, now: now}
}

// Sniff returns the content type of b if it is a PDF, JPEG or PNG, by its
// content (not by what the browser claimed), else "".
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	}
	// http.DetectContentType agrees for these three; anything else is
	// refused.
	if t := http.DetectContentType(b); t == "application/pdf" || t == "image/png" || t == "image/jpeg" {
		return t
	}
	return ""
}

// CleanTitle trims a title to a safe, bounded, printable line.
func CleanTitle(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	for utf8.RuneCountInString(s) > maxTitle {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

func documentAD(owner, id, part string) []byte {
	return []byte("arogya/phr/document/v1\x00" + owner + "\x00" + id + "\x00" + part)
}

// Add seals and keeps content under title for owner.
func (d *Documents) Add(ctx context.Context, owner, title string, content []byte) (*Document, error) {
	if len(content) == 0 {
		return nil, arogya.Errorf(arogya.EINVALID, "choose a file to upload")
	}
	if len(content) > MaxDocumentSize {
		return nil, arogya.Errorf(arogya.EINVALID, "the file is larger than %d MiB", MaxDocumentSize>>20)
	}
	ct := Sniff(content)
	if ct == "" {
		return nil, arogya.Errorf(arogya.EINVALID, "only PDF, JPEG and PNG files can be kept")
	}
	if title = CleanTitle(title); title == "" {
		return nil, arogya.Errorf(arogya.EINVALID, "give the document a title")
	}
	have, err := d.store.PHRDocuments(ctx, owner)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxDocuments {
		return nil, arogya.Errorf(arogya.ECONFLICT, "you keep %d documents already; delete one first", MaxDocuments)
	}
	doc := &Document{ID: uuid.NewString(), Owner: owner, ContentType: ct, Size: len(content), CreatedAt: d.now().UTC().Truncate(time.Millisecond)}
	if doc.SealedTitle, err = auth.SealAD(d.key, []byte(title), documentAD(owner, doc.ID, "title")); err != nil {
		return nil, fmt.Errorf("phr: seal: %w", err)
	}
	if doc.Sealed, err = auth.SealAD(d.key, content, documentAD(owner, doc.ID, "content")); err != nil {
		return nil, fmt.Errorf("phr: seal: %w", err)
	}
	if err := d.store.AddPHRDocument(ctx, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// Listed is a document as the list shows it.
type Listed struct {
	ID          string
	Title       string
	ContentType string
	Size        int
	CreatedAt   time.Time
}

// List returns owner's documents, newest first.
func (d *Documents) List(ctx context.Context, owner string) ([]Listed, error) {
	docs, err := d.store.PHRDocuments(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(docs))
	for _, doc := range docs {
		title, err := auth.OpenAD(d.key, doc.SealedTitle, documentAD(owner, doc.ID, "title"))
		if err != nil {
			return nil, fmt.Errorf("phr: open a document's title: %w", err)
		}
		out = append(out, Listed{ID: doc.ID, Title: string(title), ContentType: doc.ContentType, Size: doc.Size, CreatedAt: doc.CreatedAt})
	}
	return out, nil
}

// Open returns one of owner's documents and its content.
func (d *Documents) Open(ctx context.Context, owner, id string) (*Listed, []byte, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, arogya.Errorf(arogya.ENOTFOUND, "no such document")
	}
	doc, err := d.store.PHRDocument(ctx, owner, id)
	if err != nil {
		return nil, nil, err
	}
	title, err := auth.OpenAD(d.key, doc.SealedTitle, documentAD(owner, doc.ID, "title"))
	if err != nil {
		return nil, nil, fmt.Errorf("phr: open a document's title: %w", err)
	}
	body, err := auth.OpenAD(d.key, doc.Sealed, documentAD(owner, doc.ID, "content"))
	if err != nil {
		return nil, nil, fmt.Errorf("phr: open a document: %w", err)
	}
	return &Listed{ID: doc.ID, Title: string(title), ContentType: doc.ContentType, Size: doc.Size, CreatedAt: doc.CreatedAt}, body, nil
}

// Delete removes one of owner's documents.
func (d *Documents) Delete(ctx context.Context, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return arogya.Errorf(arogya.ENOTFOUND, "no such document")
	}
	return d.store.DeletePHRDocument(ctx, owner, id)
}
