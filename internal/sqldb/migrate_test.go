package sqldb

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseMigrationName(t *testing.T) {
	tests := []struct {
		name    string
		want    int
		wantErr bool
	}{
		{"0001_abha.sql", 1, false},
		{"0042_audit_head.sql", 42, false},
		{"12_x.sql", 12, false},
		{"0000_zero.sql", 0, true},
		{"0001.sql", 0, true},
		{"0001_.sql", 0, true},
		{"_abha.sql", 0, true},
		{"00a1_abha.sql", 0, true},
		{"-001_abha.sql", 0, true},
		{"0001_abha.txt", 0, true},
		{"1234567890_big.sql", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMigrationName(tt.name)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMigrationName(%q) = %d, %v; want %d, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseMigrationName(f *testing.F) {
	for _, s := range []string{"0001_abha.sql", "1_x.sql", "x.sql", "", "0001_", "9999999999_a.sql", "+1_a.sql"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v, err := ParseMigrationName(name)
		if err != nil {
			if v != 0 {
				t.Fatalf("error with version %d", v)
			}
			return
		}
		if v <= 0 || !strings.HasSuffix(name, ".sql") || !strings.Contains(name, "_") {
			t.Fatalf("ParseMigrationName(%q) = %d, accepted a bad name", name, v)
		}
	})
}

func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"0010_later.sql": {Data: []byte("B")},
		"0002_first.sql": {Data: []byte("A")},
		"README.md":      {Data: []byte("ignored")},
	}
	ms, err := Migrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 2 || ms[1].Version != 10 || ms[0].SQL != "A" || ms[1].Name != "0010_later.sql" {
		t.Fatalf("Migrations = %+v", ms)
	}
	bad := []fstest.MapFS{
		{"0001_a.sql": {}, "001_b.sql": {}}, // one version twice
		{"abc.sql": {}},
	}
	for _, fsys := range bad {
		if _, err := Migrations(fsys); err == nil {
			t.Errorf("Migrations(%v) succeeded", fsys)
		}
	}
}
