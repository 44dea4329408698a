package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/india"
	"github.com/arogya-health/arogya/internal/registry"
)

// registrySeed says what seedRegistry put in.
type registrySeed struct {
	Facilities, Professionals, Drugs, Pending int
	Verifiers                                 []demoVerifier
}

type demoVerifier struct {
	ID, Key, State string
}

// everyDistrictStates are the states whose every district gets facilities
// in the demo, so district filters have something to find everywhere.
var everyDistrictStates = []string{"28", "36", "32", "29"} // Andhra Pradesh, Telangana, Kerala, Karnataka

// seedRegistryBulk tops the store up to the given numbers of synthetic
// verified facilities and professionals, batch at a time through the
// store's bulk import, and adds the drug list. It is what `arogya load
// seed-registry` and the demo use; entries are generated valid.
func seedRegistryBulk(ctx context.Context, store registry.Store, facilities, professionals, batch int, withDistricts bool, progress io.Writer) (*registrySeed, error) {
	res := &registrySeed{}
	haveF, haveP, err := store.RegistryCounts(ctx)
	if err != nil {
		return nil, err
	}
	syn := registry.NewSynth(uint64(haveF)*7919 + uint64(haveP) + 1)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var (
		fs      []*registry.Facility
		hs      []registry.HistoryEntry
		workIDs []string // facilities professionals work at
		start   = time.Now()
	)
	hist := func(kind registry.Kind, id string) registry.HistoryEntry {
		return registry.HistoryEntry{Kind: kind, ID: id, At: now, Actor: "system", Action: "seeded as verified"}
	}
	flushF := func() error {
		if len(fs) == 0 {
			return nil
		}
		if err := store.ImportFacilities(ctx, fs, hs); err != nil {
			return err
		}
		res.Facilities += len(fs)
		if progress != nil && (res.Facilities%100_000 < len(fs) || res.Facilities < 100_000 && res.Facilities%5000 < len(fs)) {
			fmt.Fprintf(progress, "  %d facilities in %s\n", res.Facilities, time.Since(start).Round(time.Millisecond))
		}
		fs, hs = fs[:0], hs[:0]
		return nil
	}
	addF := func(f *registry.Facility) error {
		f.SubmittedAt, f.UpdatedAt, f.Version = now, now, 1
		fs, hs = append(fs, f), append(hs, hist(registry.KindFacility, f.ID))
		if len(workIDs) < 50_000 {
			workIDs = append(workIDs, f.ID)
		}
		if len(fs) >= batch {
			return flushF()
		}
		return nil
	}
	if withDistricts {
		for _, st := range everyDistrictStates {
			for _, d := range india.Districts(st) {
				for range 3 {
					if err := addF(syn.FacilityInDistrict(st, d.Code)); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	for haveF+res.Facilities+len(fs) < facilities {
		if err := addF(syn.Facility()); err != nil {
			return nil, err
		}
	}
	if err := flushF(); err != nil {
		return nil, err
	}
	if len(workIDs) == 0 {
		// Topping up professionals only: let them work at facilities the
		// store already has.
		fs, err := store.FacilitiesSince(ctx, 0, 50_000)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			workIDs = append(workIDs, f.ID)
		}
	}
	var ps []*registry.Professional
	start = time.Now()
	for haveP+res.Professionals < professionals {
		p := syn.Professional(workIDs)
		p.SubmittedAt, p.UpdatedAt, p.Version = now, now, 1
		ps, hs = append(ps, p), append(hs, hist(registry.KindProfessional, p.ID))
		if len(ps) >= batch || haveP+res.Professionals+len(ps) >= professionals {
			if err := store.ImportProfessionals(ctx, ps, hs); err != nil {
				return nil, err
			}
			res.Professionals += len(ps)
			if progress != nil && (res.Professionals%100_000 < len(ps) || res.Professionals < 100_000 && res.Professionals%5000 < len(ps)) {
				fmt.Fprintf(progress, "  %d professionals in %s\n", res.Professionals, time.Since(start).Round(time.Millisecond))
			}
			ps, hs = ps[:0], hs[:0]
		}
	}
	drugs := registry.Drugs()
	for _, d := range drugs {
		d.UpdatedAt = now
	}
	if err := store.PutDrugs(ctx, drugs); err != nil {
		return nil, err
	}
	res.Drugs = len(drugs)
	return res, nil
}

// seedRegistryDemo seeds the demo registry: bulk verified entries, then a
// few submissions through the service so verifiers have a queue, and one
// verifier for each of two states.
func seedRegistryDemo(ctx context.Context, n *node, progress io.Writer) (*registrySeed, error) {
	res, err := seedRegistryBulk(ctx, n.db, 5000, 10_000, 2500, true, progress)
	if err != nil {
		return nil, err
	}
	octx := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	syn := registry.NewSynth(42)
	for _, st := range []string{"28", "36"} {
		name, _ := india.StateByCode(st)
		v, key, err := n.registry.CreateVerifier(octx, "Demo verifier, "+name.Name, st)
		if err != nil {
			return nil, err
		}
		res.Verifiers = append(res.Verifiers, demoVerifier{ID: v.ID, Key: key, State: name.Name})
		for i := 0; i < 5; i++ {
			ds := india.Districts(st)
			f := syn.FacilityInDistrict(st, ds[i%len(ds)].Code)
			if _, err := n.registry.SubmitFacility(ctx, f); err != nil {
				return nil, err
			}
			res.Pending++
		}
	}
	return res, n.registry.Sync(ctx)
}
