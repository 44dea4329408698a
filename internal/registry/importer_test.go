package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// facilityCSV returns n facility rows, with the rows at the given 0-based
// indexes broken in different ways, and the file line numbers of those.
func facilityCSV(n int, broken map[int]string) (string, []int) {
	var b strings.Builder
	b.WriteString("name,type,ownership,systems,address_line,city,state_code,district_code,pin,lat,lon,beds\n")
	var lines []int
	for i := range n {
		row := fmt.Sprintf("Imported Clinic %d,clinic,private,modern,Main Road,Visakhapatnam,28,520,530002,17.71,83.31,%d\n", i, i%50)
		switch broken[i] {
		case "pin":
			row = strings.Replace(row, "530002", "5300", 1)
		case "type":
			row = strings.Replace(row, ",clinic,", ",castle,", 1)
		case "fields":
			row = "Short Row,clinic\n"
		case "district":
			row = strings.Replace(row, ",28,520,", ",28,603,", 1)
		}
		if broken[i] != "" {
			lines = append(lines, i+2) // the header is line 1
		}
		b.WriteString(row)
	}
	return b.String(), lines
}

func TestImportFacilities(t *testing.T) {
	e := newEnv(t)
	broken := map[int]string{3: "pin", 40: "type", 41: "fields", 299: "district"}
	data, badLines := facilityCSV(300, broken)

	// Only the operator imports.
	if _, err := e.svc.ImportFacilities(context.Background(), strings.NewReader(data), registry.ImportOptions{}); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("anonymous import: %v", err)
	}

	// --strict: nothing changes, every bad row is reported.
	rep, err := e.svc.ImportFacilities(e.op, strings.NewReader(data), registry.ImportOptions{Strict: true, Batch: 64})
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := e.db.RegistryCounts(context.Background()); n != 0 || rep.Imported != 0 {
		t.Fatalf("strict import with bad rows stored %d (reported %d)", n, rep.Imported)
	}
	if got := errorLines(rep); fmt.Sprint(got) != fmt.Sprint(badLines) {
		t.Fatalf("strict: bad lines %v, want %v", got, badLines)
	}

	// Default: good rows in, bad rows reported by line.
	var calls int
	rep, err = e.svc.ImportFacilities(e.op, strings.NewReader(data), registry.ImportOptions{Batch: 64, Verified: true,
		Progress: func(rows int, bytes int64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 300 || rep.Imported != 296 || calls < 4 {
		t.Fatalf("report %+v, progress calls %d", rep, calls)
	}
	if got := errorLines(rep); fmt.Sprint(got) != fmt.Sprint(badLines) {
		t.Fatalf("bad lines %v, want %v", got, badLines)
	}
	if n, _, _ := e.db.RegistryCounts(context.Background()); n != 296 {
		t.Fatalf("stored %d, want 296", n)
	}
	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, err := e.svc.SearchFacilities(context.Background(), registry.FacilityQuery{Q: "imported clinic", PageSize: 1})
	if err != nil || page.Total != 296 {
		t.Fatalf("search after verified import: %+v %v", page, err)
	}
}

// TestImportRepeatedIDs: rows naming an ID the registry has, or one an
// earlier row used, are reported; the rest go in.
func TestImportRepeatedIDs(t *testing.T) {
	e := newEnv(t)
	existing, err := e.svc.SubmitFacility(context.Background(), facility("Existing Hospital"))
	if err != nil {
		t.Fatal(err)
	}
	data := "id,name,type,ownership,systems,state_code,district_code,pin\n" +
		existing.ID + ",Clash Hospital,hospital,private,modern,28,520,530002\n" +
		"IN2899999999,Fresh Hospital,hospital,private,modern,28,520,530002\n" +
		"IN2899999999,Fresh Again Hospital,hospital,private,modern,28,520,530002\n" +
		",New Hospital,hospital,private,modern,28,520,530002\n"
	rep, err := e.svc.ImportFacilities(e.op, strings.NewReader(data), registry.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || fmt.Sprint(errorLines(rep)) != "[2 4]" {
		t.Fatalf("report %+v", rep)
	}
	f, err := e.db.Facility(context.Background(), existing.ID)
	if err != nil || f.Name != "Existing Hospital" {
		t.Fatalf("the existing entry was changed: %v %v", f, err)
	}
}

func errorLines(rep *registry.ImportReport) []int {
	var out []int
	for _, e := range rep.Errors {
		if len(out) == 0 || out[len(out)-1] != e.Row {
			out = append(out, e.Row)
		}
	}
	return out
}
