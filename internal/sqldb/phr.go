package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// The person's own documents in the PHR (migration 0032), sealed by the
// phr package.

var _ phr.DocumentStore = (*DB)(nil)

var errPHRDocumentNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such document.")

// AddPHRDocument keeps a sealed document.
func (db *DB) AddPHRDocument(ctx context.Context, d *phr.Document) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO phr_documents (id, owner, content_type, size, sealed_title, sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		d.ID, d.Owner, d.ContentType, d.Size, d.SealedTitle, d.Sealed, millis(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqldb: add phr document: %w", err)
	}
	return nil
}

// PHRDocuments lists owner's documents, newest first, without content.
func (db *DB) PHRDocuments(ctx context.Context, owner string) ([]*phr.Document, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, owner, content_type, size, sealed_title, created_at FROM phr_documents WHERE owner = $1 ORDER BY created_at DESC, id", owner)
	if err != nil {
		return nil, fmt.Errorf("sqldb: phr documents: %w", err)
	}
	defer rows.Close()
	var out []*phr.Document
	for rows.Next() {
		var d phr.Document
		var at int64
		if err := rows.Scan(&d.ID, &d.Owner, &d.ContentType, &d.Size, &d.SealedTitle, &at); err != nil {
			return nil, fmt.Errorf("sqldb: phr documents: %w", err)
		}
		d.CreatedAt = fromMillis(at)
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: phr documents: %w", err)
	}
	return out, nil
}

// PHRDocument returns one of owner's documents with its content;
// ENOTFOUND if owner has no such document.
func (db *DB) PHRDocument(ctx context.Context, owner, id string) (*phr.Document, error) {
	var d phr.Document
	var at int64
	err := db.queryRow(ctx, "SELECT id, owner, content_type, size, sealed_title, sealed, created_at FROM phr_documents WHERE owner = $1 AND id = $2",
		owner, id).Scan(&d.ID, &d.Owner, &d.ContentType, &d.Size, &d.SealedTitle, &d.Sealed, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errPHRDocumentNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: phr document: %w", err)
	}
	d.CreatedAt = fromMillis(at)
	return &d, nil
}

// DeletePHRDocument removes one of owner's documents; ENOTFOUND if owner
// has no such document.
func (db *DB) DeletePHRDocument(ctx context.Context, owner, id string) error {
	res, err := db.write.ExecContext(ctx, "DELETE FROM phr_documents WHERE owner = $1 AND id = $2", owner, id)
	if err != nil {
		return fmt.Errorf("sqldb: delete phr document: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: delete phr document: %w", err)
	} else if n == 0 {
		return errPHRDocumentNotFound
	}
	return nil
}
