package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// TestImportFacilitiesCSV is the check: importing 100,000
// facilities from CSV shows progress, reports the deliberately broken rows
// by line number, and loses nothing else. Then export writes back exactly
// the imported entries. With -short it uses 5,000 rows.
func TestImportFacilitiesCSV(t *testing.T) {
	rows := 100_000
	if testing.Short() {
		rows = 5_000
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "facilities.csv")
	var buf bytes.Buffer
	w := registry.NewFacilityWriter(&buf)
	syn := registry.NewSynth(7)
	for range rows {
		f := syn.Facility()
		f.ID = "" // new entries: the importer draws their IDs
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// Break rows spread through the file, each in a different way. Line 1
	// is the header, so data row i is on line i+2.
	lines := strings.SplitAfter(buf.String(), "\n")
	header := strings.Split(strings.TrimSpace(lines[0]), ",")
	col := func(name string) int { return slices.Index(header, name) }
	breakAt := map[int]func([]string) []string{
		2:            func(c []string) []string { c[col("pin")] = "12345"; return c },
		rows / 3:     func(c []string) []string { c[col("type")] = "castle"; return c },
		rows / 2:     func(c []string) []string { return c[:5] }, // too few fields
		rows/2 + 1:   func(c []string) []string { c[col("state_code")] = "99"; return c },
		rows - 1:     func(c []string) []string { c[col("lat")] = "north"; return c },
		rows + 1:     func(c []string) []string { c[col("name")] = ""; return c }, // the last row
		rows/4*3 + 7: func(c []string) []string { c[col("beds")] = "-4"; return c },
	}
	var want []int
	for line, fn := range breakAt {
		cells := splitSimpleCSV(strings.TrimRight(lines[line-1], "\n"))
		lines[line-1] = strings.Join(fn(cells), ",") + "\n"
		want = append(want, line)
	}
	slices.Sort(want)
	if err := os.WriteFile(file, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}

	data := filepath.Join(dir, "data")
	env := map[string]string{"AROGYA_DATA": data}
	// --strict: reports the same rows and imports nothing.
	code, out, _ := runCmd(t, env, "import", "facilities", "--strict", file)
	if code != 1 || !strings.Contains(out, "--strict: nothing was imported") {
		t.Fatalf("strict import: exit %d\n%s", code, tail(out))
	}
	if got := reportedLines(out); !slices.Equal(got, want) {
		t.Fatalf("strict import reported lines %v, want %v", got, want)
	}
	if n := countFacilities(t, data); n != 0 {
		t.Fatalf("strict import stored %d facilities", n)
	}

	code, out, errOut := runCmd(t, env, "import", "facilities", file)
	if code != 1 {
		t.Fatalf("import with bad rows: exit %d, want 1\n%s", code, tail(out))
	}
	if got := reportedLines(out); !slices.Equal(got, want) {
		t.Fatalf("reported lines %v, want %v", got, want)
	}
	good := rows - len(want)
	if !strings.Contains(out, fmt.Sprintf("%d rows read, %d imported, %d bad", rows, good, len(want))) {
		t.Fatalf("summary wrong:\n%s", tail(out))
	}
	// Progress: not a terminal here, so plain lines, the last at 100 %.
	if !strings.Contains(errOut, "100%") || strings.Count(errOut, "rows/s\n") < 2 {
		t.Fatalf("no progress shown:\n%s", errOut)
	}
	if n := countFacilities(t, data); n != good {
		t.Fatalf("stored %d facilities, want %d", n, good)
	}

	// Export writes back every imported entry, and the export imports
	// cleanly elsewhere (as a state's list would move between nodes).
	exported := filepath.Join(dir, "export.csv")
	if code, out, errOut := runCmd(t, env, "export", "facilities", "--status", "PENDING", exported); code != 0 {
		t.Fatalf("export: exit %d %s %s", code, out, errOut)
	}
	if n := countLines(t, exported) - 1; n != good {
		t.Fatalf("exported %d rows, want %d", n, good)
	}
	other := map[string]string{"AROGYA_DATA": filepath.Join(dir, "other")}
	if code, out, _ := runCmd(t, other, "import", "facilities", "--strict", "--verified", exported); code != 0 {
		t.Fatalf("re-import of the export: exit %d\n%s", code, tail(out))
	}
	if n := countFacilities(t, filepath.Join(dir, "other")); n != good {
		t.Fatalf("re-imported %d, want %d", n, good)
	}
}

// splitSimpleCSV splits a line whose cells hold no commas in quotes well
// enough for the test: quoted cells are kept whole.
func splitSimpleCSV(line string) []string {
	var cells []string
	var cur strings.Builder
	inQ := false
	for _, r := range line {
		switch {
		case r == '"':
			inQ = !inQ
			cur.WriteRune(r)
		case r == ',' && !inQ:
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(cells, cur.String())
}

var reportLine = regexp.MustCompile(`(?m)^(\d+)\t`)

func reportedLines(out string) []int {
	var got []int
	for _, m := range reportLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		if len(got) == 0 || got[len(got)-1] != n {
			got = append(got, n)
		}
	}
	return got
}

func countFacilities(t *testing.T, dataDir string) int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "arogya.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, _, err := db.RegistryCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
