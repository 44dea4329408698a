package phr

import "testing"

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"png", "\x89PNG\r\n\x1a\n....", "image/png"},
		{"jpeg", "\xff\xd8\xff\xe0..JFIF", "image/jpeg"},
		{"html", "<html><script>", ""},
		{"text", "hello", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	if got := CleanTitle("  Blood\ttest\n\x00 report  "); got != "Blood test report" {
		t.Errorf("CleanTitle = %q", got)
	}
	long := ""
	for range 200 {
		long += "अ"
	}
	if got := []rune(CleanTitle(long)); len(got) != maxTitle {
		t.Errorf("CleanTitle(long) has %d runes", len(got))
	}
}
