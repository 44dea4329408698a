package registry

import (
	"context"
	"io"
	"slices"
	"strconv"

	"github.com/arogya-health/arogya"
)

// ImportOptions controls a bulk import.
type ImportOptions struct {
	// Strict imports nothing if any row is bad. The input is read twice
	// (check, then import), so it must be an io.ReadSeeker.
	Strict bool
	// Verified imports the entries as VERIFIED: the operator vouches for a
	// list a state already verified. Otherwise they start PENDING.
	Verified bool
	// Batch is how many rows one transaction holds; 0 means 2,000.
	Batch int
	// Progress, if set, is called after each batch with the rows read and
	// the bytes of input consumed so far.
	Progress func(rows int, bytes int64)
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows     int        // data rows read
	Imported int        // rows stored
	Errors   []RowError // bad rows, in file order
	// Truncated is set when more than MaxReportedErrors rows were bad; the
	// count of bad rows is still Rows - Imported.
	Truncated bool
}

// MaxReportedErrors bounds the errors an ImportReport lists.
const MaxReportedErrors = 10_000

func (r *ImportReport) addErrors(errs []RowError) {
	for _, e := range errs {
		if len(r.Errors) >= MaxReportedErrors {
			r.Truncated = true
			return
		}
		r.Errors = append(r.Errors, e)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// rowSource yields parsed rows of one kind.
type rowSource[T any] interface {
	Next() (T, int, []RowError, error)
}

// importer is the shared loop of the three kinds of import.
type importer[T any] struct {
	open   func(io.Reader) (rowSource[T], error)
	id     func(T) string // "" when the row asks for a new ID
	key    func(T) string // a second unique key (professional handle), or ""
	exists func(ctx context.Context, batch []T) ([]bool, error)
	store  func(ctx context.Context, batch []T) error
	prep   func(T, int) // assigns a new ID when the row has none, status, times
	regen  func(T)      // draws a new ID; nil when IDs derive from the row
	// takenField names the field at fault when exists reports a row
	// (the ID, or the professional's handle).
	takenField func(T) string
}

func (im *importer[T]) run(ctx context.Context, in io.Reader, opt ImportOptions) (*ImportReport, error) {
	if opt.Batch <= 0 {
		opt.Batch = 2000
	}
	if opt.Strict {
		rs, ok := in.(io.ReadSeeker)
		if !ok {
			return nil, arogya.Errorf(arogya.EINVALID, "a strict import needs a file it can read twice")
		}
		check, err := im.pass(ctx, rs, opt, false)
		if err != nil || len(check.Errors) > 0 || check.Truncated {
			return check, err
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return im.pass(ctx, in, opt, true)
}

// pass reads every row; with write it stores the good ones batch by batch.
func (im *importer[T]) pass(ctx context.Context, in io.Reader, opt ImportOptions, write bool) (*ImportReport, error) {
	cr := &countingReader{r: in}
	src, err := im.open(cr)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{}
	seen := map[string]int{} // ID or key → row that used it first
	var (
		batch []T
		rows  []int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch, rows = batch[:0], rows[:0] }()
		generated := make([]bool, len(batch))
		for i, t := range batch {
			generated[i] = im.id(t) == ""
			im.prep(t, rows[i])
		}
		// Rows naming an ID (or handle) the store already holds are
		// reported, not imported; a generated ID that is taken, by the
		// store or by another row, is drawn again.
		drop := make([]bool, len(batch))
		for attempt := 0; ; attempt++ {
			taken, err := im.exists(ctx, batch)
			if err != nil {
				return err
			}
			again := false
			for i, t := range batch {
				if drop[i] {
					continue
				}
				if generated[i] && im.regen == nil {
					// A derived ID (drugs): a repeat is the same entry twice.
					if first, dup := seen["id:"+im.id(t)]; dup && first != rows[i] {
						rep.addErrors([]RowError{{Row: rows[i], Field: "id", Reason: "repeats row " + strconv.Itoa(first)}})
						drop[i] = true
						continue
					}
					seen["id:"+im.id(t)] = rows[i]
				} else if generated[i] {
					if first, dup := seen["id:"+im.id(t)]; taken[i] || (dup && first != rows[i]) {
						if attempt >= idAttempts {
							return arogya.Errorf(arogya.ECONFLICT, "could not draw a free ID for row %d", rows[i])
						}
						im.regen(t)
						again = true
						continue
					}
					seen["id:"+im.id(t)] = rows[i]
				} else if taken[i] {
					rep.addErrors([]RowError{{Row: rows[i], Field: im.takenField(t), Reason: "already in the registry"}})
					drop[i] = true
				}
			}
			if !again {
				break
			}
		}
		keep := batch[:0:0]
		for i, t := range batch {
			if !drop[i] {
				keep = append(keep, t)
			}
		}
		if write && len(keep) > 0 {
			if err := im.store(ctx, keep); err != nil {
				return err
			}
		}
		rep.Imported += len(keep)
		if opt.Progress != nil {
			opt.Progress(rep.Rows, cr.n)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		t, row, errs, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		rep.Rows++
		if errs != nil {
			rep.addErrors(errs)
			continue
		}
		dup := false
		for _, k := range []struct{ field, v string }{{"id", im.id(t)}, {"handle", im.key(t)}} {
			if k.v == "" {
				continue
			}
			if first, ok := seen[k.field+":"+k.v]; ok {
				rep.addErrors([]RowError{{Row: row, Field: k.field, Reason: "repeats row " + strconv.Itoa(first)}})
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		for _, k := range []struct{ field, v string }{{"id", im.id(t)}, {"handle", im.key(t)}} {
			if k.v != "" {
				seen[k.field+":"+k.v] = row
			}
		}
		batch, rows = append(batch, t), append(rows, row)
		if len(batch) >= opt.Batch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if !write {
		rep.Imported = 0 // a check pass stores nothing
	}
	slices.SortStableFunc(rep.Errors, func(a, b RowError) int { return a.Row - b.Row })
	return rep, nil
}

func (s *Service) importStatus(ctx context.Context, opt ImportOptions) (Status, string, error) {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return "", "", arogya.Errorf(arogya.EFORBIDDEN, "only the operator imports")
	}
	if opt.Verified {
		return StatusVerified, "imported as verified", nil
	}
	return StatusPending, "imported", nil
}

// ImportFacilities imports facilities from CSV (see csv.go for the
// columns). Rows with an id keep it; others get a new one. Bad rows are
// reported by line number and field; good rows are imported, or, with
// Strict, nothing is imported unless every row is good.
func (s *Service) ImportFacilities(ctx context.Context, in io.Reader, opt ImportOptions) (*ImportReport, error) {
	status, action, err := s.importStatus(ctx, opt)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var hs []HistoryEntry
	im := &importer[*Facility]{
		open: func(r io.Reader) (rowSource[*Facility], error) { return NewFacilityReader(r) },
		id:   func(f *Facility) string { return f.ID },
		key:  func(*Facility) string { return "" },
		exists: func(ctx context.Context, batch []*Facility) ([]bool, error) {
			return existing(batch, func(f *Facility) string { return f.ID }, func(ids []string) ([]string, error) {
				fs, err := s.store.FacilitiesByID(ctx, ids)
				out := make([]string, len(fs))
				for i, f := range fs {
					out[i] = f.ID
				}
				return out, err
			})
		},
		regen:      func(f *Facility) { f.ID = NewFacilityID(f.StateCode()) },
		takenField: func(*Facility) string { return "id" },
		prep: func(f *Facility, _ int) {
			if f.ID == "" {
				f.ID = NewFacilityID(f.StateCode())
			}
			f.Status, f.Reason, f.Version, f.SubmittedAt, f.UpdatedAt = status, "", 1, now, now
		},
		store: func(ctx context.Context, batch []*Facility) error {
			hs = hs[:0]
			for _, f := range batch {
				hs = append(hs, HistoryEntry{Kind: KindFacility, ID: f.ID, At: now, Actor: "operator", Action: action})
			}
			return s.store.ImportFacilities(ctx, batch, hs)
		},
	}
	rep, err := im.run(ctx, in, opt)
	if rep != nil && rep.Imported > 0 {
		_ = s.audit.Record(ctx, auditEvent(ctx, "registry.facility.import", "facilities", strconv.Itoa(rep.Imported)+" "+string(status)))
	}
	return rep, err
}

// ImportProfessionals imports professionals from CSV, like
// ImportFacilities. A handle already taken is a bad row.
func (s *Service) ImportProfessionals(ctx context.Context, in io.Reader, opt ImportOptions) (*ImportReport, error) {
	status, action, err := s.importStatus(ctx, opt)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var hs []HistoryEntry
	im := &importer[*Professional]{
		open: func(r io.Reader) (rowSource[*Professional], error) { return NewProfessionalReader(r) },
		id:   func(p *Professional) string { return p.ID },
		key:  func(p *Professional) string { return p.Handle },
		exists: func(ctx context.Context, batch []*Professional) ([]bool, error) {
			taken, err := existing(batch, func(p *Professional) string { return p.ID }, func(ids []string) ([]string, error) {
				ps, err := s.store.ProfessionalsByID(ctx, ids)
				out := make([]string, len(ps))
				for i, p := range ps {
					out[i] = p.ID
				}
				return out, err
			})
			if err != nil {
				return nil, err
			}
			for i, p := range batch {
				if taken[i] {
					continue
				}
				_, err := s.store.ProfessionalByHandle(ctx, p.Handle)
				switch arogya.ErrorCode(err) {
				case "":
					taken[i] = true
				case arogya.ENOTFOUND:
				default:
					return nil, err
				}
			}
			return taken, nil
		},
		regen: func(p *Professional) { p.ID = NewHPRID() },
		takenField: func(p *Professional) string {
			return "id or handle"
		},
		prep: func(p *Professional, _ int) {
			if p.ID == "" {
				p.ID = NewHPRID()
			}
			p.Status, p.Reason, p.Version, p.SubmittedAt, p.UpdatedAt = status, "", 1, now, now
		},
		store: func(ctx context.Context, batch []*Professional) error {
			hs = hs[:0]
			for _, p := range batch {
				hs = append(hs, HistoryEntry{Kind: KindProfessional, ID: p.ID, At: now, Actor: "operator", Action: action})
			}
			return s.store.ImportProfessionals(ctx, batch, hs)
		},
	}
	rep, err := im.run(ctx, in, opt)
	if rep != nil && rep.Imported > 0 {
		_ = s.audit.Record(ctx, auditEvent(ctx, "registry.professional.import", "professionals", strconv.Itoa(rep.Imported)+" "+string(status)))
	}
	return rep, err
}

// ImportDrugs imports drugs from CSV; a row whose ID exists replaces it.
func (s *Service) ImportDrugs(ctx context.Context, in io.Reader, opt ImportOptions) (*ImportReport, error) {
	if _, _, err := s.importStatus(ctx, opt); err != nil {
		return nil, err
	}
	now := s.now()
	im := &importer[*Drug]{
		open:       func(r io.Reader) (rowSource[*Drug], error) { return NewDrugReader(r) },
		id:         func(d *Drug) string { return d.ID },
		key:        func(*Drug) string { return "" },
		exists:     func(_ context.Context, batch []*Drug) ([]bool, error) { return make([]bool, len(batch)), nil },
		regen:      nil, // drug IDs derive from the drug
		takenField: func(*Drug) string { return "id" },
		prep: func(d *Drug, _ int) {
			if d.ID == "" {
				d.ID = DrugID(d)
			}
			d.UpdatedAt = now
		},
		store: func(ctx context.Context, batch []*Drug) error { return s.store.PutDrugs(ctx, batch) },
	}
	rep, err := im.run(ctx, in, opt)
	if rep != nil && rep.Imported > 0 {
		_ = s.audit.Record(ctx, auditEvent(ctx, "registry.drug.import", "drugs", strconv.Itoa(rep.Imported)))
	}
	return rep, err
}

// existing marks the entries of batch whose ID the store already has.
func existing[T any](batch []T, id func(T) string, lookup func([]string) ([]string, error)) ([]bool, error) {
	var ids []string
	for _, t := range batch {
		if v := id(t); v != "" {
			ids = append(ids, v)
		}
	}
	taken := make([]bool, len(batch))
	if len(ids) == 0 {
		return taken, nil
	}
	found, err := lookup(ids)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(found))
	for _, v := range found {
		have[v] = true
	}
	for i, t := range batch {
		taken[i] = have[id(t)]
	}
	return taken, nil
}
