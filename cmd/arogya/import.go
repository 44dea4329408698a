package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqlite"
)

const importUsage = `usage: arogya import facilities|professionals|drugs [flags] FILE.csv

Imports registry entries from CSV (columns: see docs/registry-csv.md). Good
rows are imported and bad ones reported by line, field and reason; with
--strict nothing is imported unless every row is good. Entries start
PENDING for their state's verifiers, unless --verified (the operator vouches
for a list a state has already verified).
`

const exportUsage = `usage: arogya export facilities|professionals|drugs [flags] [FILE.csv]

Writes registry entries as CSV, in the format import reads, to FILE.csv or
standard output. --status picks PENDING, VERIFIED or REJECTED entries (all
by default).
`

// cmdImport runs `arogya import`.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !isRegistryKind(args[0]) {
		fmt.Fprint(stderr, importUsage)
		return errUsage
	}
	kind := args[0]
	var cfg Config
	fs := newFlagSet("import "+kind, &cfg, getenv, stderr)
	strict := fs.Bool("strict", false, "import nothing unless every row is good")
	verified := fs.Bool("verified", false, "import as VERIFIED (the operator vouches for the list)")
	batch := fs.Int("batch", 2000, "rows per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() != 1 || *batch < 1 {
		fmt.Fprint(stderr, importUsage)
		return errUsage
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := ensureDataDir(cfg.Data); err != nil {
		return err
	}
	st, err := openStoresWith(ctx, cfg.DB, true, sqlite.Bulk)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer st.Close()
	log := audit.NewLog(st.audit, time.Now)
	svc := registry.NewService(st.db, log, registry.Config{})

	bar := newProgress(stderr, info.Size())
	opt := registry.ImportOptions{Strict: *strict, Verified: *verified, Batch: *batch, Progress: bar.update}
	ctx = arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	start := time.Now()
	var rep *registry.ImportReport
	switch kind {
	case "facilities":
		rep, err = svc.ImportFacilities(ctx, f, opt)
	case "professionals":
		rep, err = svc.ImportProfessionals(ctx, f, opt)
	case "drugs":
		rep, err = svc.ImportDrugs(ctx, f, opt)
	}
	bar.done()
	if rep != nil {
		printImportReport(stdout, rep, *strict, time.Since(start))
	}
	if err != nil {
		if arogya.ErrorCode(err) != arogya.EINTERNAL {
			return errors.New(arogya.ErrorMessage(err)) // e.g. a bad header: say it plainly
		}
		return err
	}
	if len(rep.Errors) > 0 {
		return errFailed
	}
	return nil
}

func isRegistryKind(s string) bool {
	return s == "facilities" || s == "professionals" || s == "drugs"
}

// printImportReport prints the summary and every bad row.
func printImportReport(w io.Writer, rep *registry.ImportReport, strict bool, took time.Duration) {
	bad := rep.Rows - rep.Imported
	if strict && len(rep.Errors) > 0 {
		bad = 0 // nothing was imported: count the rows with problems
		for i, e := range rep.Errors {
			if i == 0 || rep.Errors[i-1].Row != e.Row {
				bad++
			}
		}
	}
	rate := float64(rep.Imported) / max(took.Seconds(), 1e-3)
	fmt.Fprintf(w, "%d rows read, %d imported, %d bad, in %s (%.0f rows/s)\n", rep.Rows, rep.Imported, bad, took.Round(time.Millisecond), rate)
	if strict && len(rep.Errors) > 0 {
		fmt.Fprintln(w, "--strict: nothing was imported because of the rows below")
	}
	if len(rep.Errors) > 0 {
		fmt.Fprintln(w, "line\tfield\treason")
		for _, e := range rep.Errors {
			fmt.Fprintf(w, "%d\t%s\t%s\n", e.Row, e.Field, e.Reason)
		}
		if rep.Truncated {
			fmt.Fprintf(w, "… only the first %d bad rows are listed\n", registry.MaxReportedErrors)
		}
	}
}

// progress draws a progress bar on a terminal, or prints a line every 10 %
// when the output is a file or pipe.
type progress struct {
	w        io.Writer
	total    int64
	tty      bool
	start    time.Time
	lastDraw time.Time
	lastPct  int
}

func newProgress(w io.Writer, total int64) *progress {
	p := &progress{w: w, total: total, start: time.Now(), lastPct: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = os.Getenv("TERM") != "dumb"
		}
	}
	return p
}

func (p *progress) update(rows int, bytes int64) {
	pct := 100
	if p.total > 0 {
		pct = int(min(100, bytes*100/p.total))
	}
	rate := float64(rows) / max(time.Since(p.start).Seconds(), 1e-3)
	if p.tty {
		if time.Since(p.lastDraw) < 100*time.Millisecond && pct < 100 {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := pct * width / 100
		fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %d rows  %.0f rows/s ", strings.Repeat("#", fill), strings.Repeat(".", width-fill), pct, rows, rate)
		return
	}
	if pct/10 != p.lastPct/10 || p.lastPct < 0 {
		p.lastPct = pct
		fmt.Fprintf(p.w, "%3d%%  %d rows  %.0f rows/s\n", pct, rows, rate)
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// cmdExport runs `arogya export`.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !isRegistryKind(args[0]) {
		fmt.Fprint(stderr, exportUsage)
		return errUsage
	}
	kind := args[0]
	var cfg Config
	fs := newFlagSet("export "+kind, &cfg, getenv, stderr)
	status := fs.String("status", "", "only entries with this status: PENDING, VERIFIED or REJECTED")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	st := registry.Status(strings.ToUpper(*status))
	switch st {
	case "", registry.StatusPending, registry.StatusVerified, registry.StatusRejected:
	default:
		return fmt.Errorf("--status must be PENDING, VERIFIED or REJECTED")
	}
	if fs.NArg() > 1 {
		fmt.Fprint(stderr, exportUsage)
		return errUsage
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	stores, err := openStores(ctx, cfg.DB, false)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer stores.Close()
	out := stdout
	var file *os.File
	if fs.NArg() == 1 {
		// Write beside the target and rename, so a failed export leaves no
		// half-written file behind.
		if file, err = os.CreateTemp(filepath.Dir(fs.Arg(0)), ".export-*.csv"); err != nil {
			return err
		}
		defer os.Remove(file.Name())
		defer file.Close()
		out = file
	}
	n, err := exportRegistry(ctx, stores.db, kind, st, out)
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
		if err := os.Rename(file.Name(), fs.Arg(0)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d %s exported\n", n, kind)
	return nil
}

// exportRegistry writes every entry of the kind (with status st, if set)
// by following the store's change feed from the start.
func exportRegistry(ctx context.Context, store registry.Store, kind string, st registry.Status, w io.Writer) (int, error) {
	const batch = 5000
	n := 0
	var seq int64
	switch kind {
	case "facilities":
		cw := registry.NewFacilityWriter(w)
		for {
			fs, err := store.FacilitiesSince(ctx, seq, batch)
			if err != nil {
				return n, err
			}
			for _, f := range fs {
				if st == "" || f.Status == st {
					if err := cw.Write(f); err != nil {
						return n, err
					}
					n++
				}
				seq = f.Seq
			}
			if len(fs) < batch {
				return n, cw.Flush()
			}
		}
	case "professionals":
		cw := registry.NewProfessionalWriter(w)
		for {
			ps, err := store.ProfessionalsSince(ctx, seq, batch)
			if err != nil {
				return n, err
			}
			for _, p := range ps {
				if st == "" || p.Status == st {
					if err := cw.Write(p); err != nil {
						return n, err
					}
					n++
				}
				seq = p.Seq
			}
			if len(ps) < batch {
				return n, cw.Flush()
			}
		}
	default:
		cw := registry.NewDrugWriter(w)
		for {
			ds, err := store.DrugsSince(ctx, seq, batch)
			if err != nil {
				return n, err
			}
			for _, d := range ds {
				if err := cw.Write(d); err != nil {
					return n, err
				}
				n++
				seq = d.Seq
			}
			if len(ds) < batch {
				return n, cw.Flush()
			}
		}
	}
}
