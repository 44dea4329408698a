package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/sqldb"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("migrate", &cfg, getenv, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	if err := ensureDataDir(cfg.Data); err != nil {
		return err
	}
	st, err := openStores(ctx, cfg.DB, false)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, d := range st.all() {
		before, err := sqldb.Status(ctx, d.db, st.migrations)
		if err != nil {
			return err
		}
		if err := sqldb.Migrate(ctx, d.db, st.migrations); err != nil {
			return err
		}
		after, err := sqldb.Status(ctx, d.db, st.migrations)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s%s: schema version %d → %d (latest %d)\n", dbKind(cfg.DB), d.label, before.Applied, after.Applied, after.Latest)
	}
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("audit verify", &cfg, getenv, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	st, err := openStores(ctx, cfg.DB, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := audit.Verify(ctx, st.audit)
	if err != nil {
		return err
	}
	if res.Intact() {
		fmt.Fprintf(stdout, "audit log intact: %d events checked\n", res.Checked)
		return nil
	}
	fmt.Fprintf(stdout, "audit log BROKEN at event %d: %s (%d events checked before it)\n", res.BrokenAt, res.Reason, res.Checked)
	return errFailed
}
