package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
	"github.com/arogya-health/arogya/internal/sqldb"
)

// RunPHR runs the PHR's storage tests, each on a database of its own.
func RunPHR(t *testing.T, open Opener) {
	t.Run("PHRDocuments", func(t *testing.T) { testPHRDocuments(t, open(t)) })
}

// testPHRDocuments: documents are kept, listed newest first without
// content, read and deleted only by their owner; the sealing rules of
// phr.Documents hold over the real store.
func testPHRDocuments(t *testing.T, db *sqldb.DB) {
	c := context.Background()
	a, b := "91000000000001", "91000000000002"
	d1 := &phr.Document{ID: "0b9c6c1e-8a43-4a57-9d8e-1b0b3b1f0001", Owner: a, ContentType: "application/pdf", Size: 3,
		SealedTitle: []byte{1}, Sealed: []byte{0, 1, 2}, CreatedAt: ms(0)}
	d2 := &phr.Document{ID: "0b9c6c1e-8a43-4a57-9d8e-1b0b3b1f0002", Owner: a, ContentType: "image/png", Size: 1,
		SealedTitle: []byte{2}, Sealed: []byte{9}, CreatedAt: ms(time.Minute)}
	must(t, "AddPHRDocument", db.AddPHRDocument(c, d1))
	must(t, "AddPHRDocument", db.AddPHRDocument(c, d2))
	list, err := db.PHRDocuments(c, a)
	must(t, "PHRDocuments", err)
	if len(list) != 2 || list[0].ID != d2.ID || list[1].ID != d1.ID || list[0].Sealed != nil || string(list[1].SealedTitle) != "\x01" ||
		list[0].Size != 1 || !list[1].CreatedAt.Equal(ms(0)) {
		t.Fatalf("PHRDocuments = %+v", list)
	}
	if other, err := db.PHRDocuments(c, b); err != nil || len(other) != 0 {
		t.Fatalf("PHRDocuments(other) = %v, %v", other, err)
	}
	got, err := db.PHRDocument(c, a, d1.ID)
	must(t, "PHRDocument", err)
	if string(got.Sealed) != "\x00\x01\x02" || got.ContentType != "application/pdf" || got.Owner != a {
		t.Fatalf("PHRDocument = %+v", got)
	}
	_, err = db.PHRDocument(c, b, d1.ID)
	wantCode(t, "PHRDocument(other owner)", err, arogya.ENOTFOUND)
	wantCode(t, "DeletePHRDocument(other owner)", db.DeletePHRDocument(c, b, d1.ID), arogya.ENOTFOUND)
	must(t, "DeletePHRDocument", db.DeletePHRDocument(c, a, d1.ID))
	wantCode(t, "DeletePHRDocument(again)", db.DeletePHRDocument(c, a, d1.ID), arogya.ENOTFOUND)

	// Through the rules: sealed, sniffed, bound to the owner.
	docs := phr.NewDocuments(db, make([]byte, 32), func() time.Time { return ms(time.Hour) })
	pdf := []byte("%PDF-1.4\n% a report\n")
	doc, err := docs.Add(c, b, "Blood test", pdf)
	must(t, "Documents.Add", err)
	raw, err := db.PHRDocument(c, b, doc.ID)
	must(t, "PHRDocument(sealed)", err)
	if string(raw.Sealed) == string(pdf) || string(raw.SealedTitle) == "Blood test" {
		t.Fatal("the document is kept in the clear")
	}
	l, body, err := docs.Open(c, b, doc.ID)
	if err != nil || string(body) != string(pdf) || l.Title != "Blood test" || l.ContentType != "application/pdf" {
		t.Fatalf("Documents.Open = %+v, %q, %v", l, body, err)
	}
	_, _, err = docs.Open(c, a, doc.ID)
	wantCode(t, "Documents.Open(other owner)", err, arogya.ENOTFOUND)
	_, err = docs.Add(c, b, "notes", []byte("just text"))
	wantCode(t, "Documents.Add(text)", err, arogya.EINVALID)
}
