package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/arogya-health/arogya/internal/postgres"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// openDB opens the database named by dsn; with migrate it also applies
// pending migrations.
func openDB(ctx context.Context, dsn string, migrate bool) (*sqldb.DB, fs.FS, error) {
	return openDBWith(ctx, dsn, migrate, sqlite.Options{})
}

// openBulkDB opens the database for a bulk load (seeding), applying
// pending migrations: on SQLite with a write cache large enough for
// transactions of thousands of rows (sqlite.Bulk).
func openBulkDB(ctx context.Context, dsn string) (*sqldb.DB, fs.FS, error) {
	return openDBWith(ctx, dsn, true, sqlite.Bulk)
}

// openDBWith is openDB with SQLite's options.
func openDBWith(ctx context.Context, dsn string, migrate bool, o sqlite.Options) (*sqldb.DB, fs.FS, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, nil, err
			}
		}
		if migrate {
			db, err := sqlite.OpenWith(ctx, path, o)
			return db, sqlite.Migrations(), err
		}
		db, err := sqlite.ConnectWith(ctx, path, o)
		return db, sqlite.Migrations(), err
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if migrate {
			db, err := postgres.Open(ctx, dsn)
			return db, postgres.Migrations(), err
		}
		db, err := postgres.Connect(ctx, dsn)
		return db, postgres.Migrations(), err
	}
	return nil, nil, errors.New("--db must be sqlite:PATH or postgres://…")
}

// openAuditDB opens the database that holds the audit log. On PostgreSQL it
// is main itself. On SQLite it is a second file beside the main one
// (arogya.db → arogya-audit.db): the audit log is appended to on every read
// of personal data, and in one file each append would make every reader
// connection discard its page cache (SQLite resets a reader's cache when
// the WAL has changed), turning point lookups into disk reads.
func openAuditDB(ctx context.Context, dsn string, main *sqldb.DB, migrate bool) (*sqldb.DB, error) {
	if !strings.HasPrefix(dsn, "sqlite:") {
		return main, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == ":memory:" {
		return main, nil
	}
	path = strings.TrimSuffix(path, ".db") + "-audit.db"
	if migrate {
		return sqlite.Open(ctx, path)
	}
	return sqlite.Connect(ctx, path)
}

// stores are a node's databases: the main one and the audit log's, which is
// the main one itself on PostgreSQL (see openAuditDB).
type stores struct {
	db, audit  *sqldb.DB
	migrations fs.FS
}

// openStores opens both databases; with migrate it applies pending
// migrations to each.
func openStores(ctx context.Context, dsn string, migrate bool) (*stores, error) {
	return openStoresWith(ctx, dsn, migrate, sqlite.Options{})
}

// openStoresWith is openStores with SQLite's options for the main
// database (sqlite.Bulk for imports).
func openStoresWith(ctx context.Context, dsn string, migrate bool, o sqlite.Options) (*stores, error) {
	db, migrations, err := openDBWith(ctx, dsn, migrate, o)
	if err != nil {
		return nil, err
	}
	auditDB, err := openAuditDB(ctx, dsn, db, migrate)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &stores{db: db, audit: auditDB, migrations: migrations}, nil
}

// all returns each distinct database with a label for messages.
func (s *stores) all() []labelledDB {
	out := []labelledDB{{"", s.db}}
	if s.audit != s.db {
		out = append(out, labelledDB{" (audit log)", s.audit})
	}
	return out
}

type labelledDB struct {
	label string
	db    *sqldb.DB
}

// Close closes both databases.
func (s *stores) Close() error {
	var err error
	for _, d := range s.all() {
		err = errors.Join(err, d.db.Close())
	}
	return err
}

// newLogger returns the JSON logger at the configured level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// adminToken returns the operator token: the configured one, or the one in
// DATA/admin-token, generating it (mode 0600) on first start.
func adminToken(cfg *Config) (token, path string, err error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, "", nil
	}
	path = filepath.Join(cfg.Data, "admin-token")
	if b, err := os.ReadFile(path); err == nil {
		t := strings.TrimSpace(string(b))
		if len(t) < 16 {
			return "", "", fmt.Errorf("%s holds a token shorter than 16 characters", path)
		}
		return t, path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	t := base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", "", err
	}
	return t, path, nil
}
