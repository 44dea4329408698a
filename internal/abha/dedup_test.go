package abha

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mohammed Irfan Shaikh", "mohamad irfan sek"},
		{"Mohd. Irfan Sheikh", "mohamad irfan sek"},
		{"MUHAMMAD  irfan", "mohamad irfan"},
		{"Smt. Sunita Devi", "sunit devi"},
		{"Dr. (Mrs.) Lakshmi Iyer", "laxmi iyer"},
		{"Laxmi", "laxmi"},
		{"Shri Abhishek Kumar", "abisek kumar"},
		{"Bhupendra Singh", "bupendr sing"},
		{"Gautam", "gotam"},
		{"Goutam", "gotam"},
		{"Zaheer", "jahir"},
		{"Waseem", "vasim"},
		{"D'Souza", "dsoj"},
		{"राहुल शर्मा", "rahul sarm"},
		{"Rahul Sharma", "rahul sarm"},
		{"मोहम्मद इरफ़ान", "mohamad irfan"},
		{"गौरव कुमार", "gorav kumar"},
		{"सुनीता देवी", "sunit devi"},
		{"कमला", "kaml"},
		{"संजय", "sanjay"},
		{"Rehman", "rahman"},
		{"", ""},
		{"...", ""},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneticKey(t *testing.T) {
	same := [][]string{
		{"Mohammed Irfan Shaikh", "Mohd. Irfan Sheikh", "Irfan Muhammad Sheikh"},
		{"Rahul Sharma", "राहुल शर्मा", "Raahul Sharmaa"},
		{"Lakshmi Narayanan", "Laxmi Narayanan"},
	}
	for _, group := range same {
		want := PhoneticKey(group[0])
		for _, n := range group[1:] {
			if got := PhoneticKey(n); got != want {
				t.Errorf("PhoneticKey(%q) = %q, want %q as for %q", n, got, want, group[0])
			}
		}
	}
	if PhoneticKey("Rahul Sharma") == PhoneticKey("Rohit Sharma") {
		t.Error("Rahul and Rohit Sharma share a key")
	}
}

func TestScore(t *testing.T) {
	base := Demographics{Gender: "M", BirthDate: "1987-03-14"}
	with := func(name string, f func(*Demographics)) Demographics {
		d := base
		d.Name = name
		if f != nil {
			f(&d)
		}
		return d
	}
	female := func(d *Demographics) { d.Gender = "F" }
	sameHome := func(d *Demographics) { d.DistrictCode, d.Mobile = "162", "9876543210" }
	sameDistrict := func(d *Demographics) { d.DistrictCode = "162" }
	tests := []struct {
		name string
		a, b Demographics
		dup  bool
	}{
		// The same person, spelt differently.
		{"Mohammed/Mohd Sheikh", with("Mohammed Irfan Shaikh", nil), with("Mohd. Irfan Sheikh", nil), true},
		{"Devanagari", with("Rahul Sharma", nil), with("राहुल शर्मा", nil), true},
		{"Lakshmi/Laxmi", with("Lakshmi Narayanan", female), with("Laxmi Narayanan", female), true},
		{"Narayanan/Narayan", with("Lakshmi Narayanan", female), with("Laxmi Narayan", female), true},
		{"Gautam/Goutam", with("Gautam Kumar", nil), with("Goutam Kumar", nil), true},
		{"missing middle name", with("Priya Lakshmi Iyer", female), with("Priya Iyer", female), true},
		{"honorific", with("Smt. Sunita Devi", female), with("Sunita Devi", female), true},
		{"order", with("Venkatesh Rao", nil), with("Rao Venkatesh", nil), true},
		{"Abhishek/Abhisek", with("Abhishek Singh", nil), with("Abhisek Singh", nil), true},
		{"Rahman/Rehman", with("Shaikh Abdul Rahman", nil), with("Sheikh Abdul Rehman", nil), true},
		{"day-month swap", with("Anil Kumar Yadav", nil), with("Anil Kumar Yadav", func(d *Demographics) { d.BirthDate = "1987-14-03" }), false},
		{"swap in valid dates", with("Anil Kumar Yadav", func(d *Demographics) { d.BirthDate = "1985-03-07" }), with("Anil Yadav", func(d *Demographics) { d.BirthDate = "1985-07-03" }), true},
		{"initial", with("R. Venkatesh Rao", sameDistrict), with("Ramesh Venkatesh Rao", sameDistrict), true},
		{"joined words", with("Abdul Rahman Khan", nil), with("Abdulrahman Khan", nil), true},
		{"Devanagari Mohammed", with("मोहम्मद इरफ़ान शेख", nil), with("Mohammed Irfan Shaikh", nil), true},

		// Different people with the same birth date, gender and district.
		{"Rahul/Rohit", with("Rahul Sharma", sameDistrict), with("Rohit Sharma", sameDistrict), false},
		{"twins sharing a mobile", with("Ram Kumar", sameHome), with("Shyam Kumar", sameHome), false},
		{"Sunita/Anita", with("Sunita Devi", func(d *Demographics) { female(d); sameHome(d) }), with("Anita Devi", func(d *Demographics) { female(d); sameHome(d) }), false},
		{"Priya/Pooja Patel", with("Priya Patel", func(d *Demographics) { female(d); sameDistrict(d) }), with("Pooja Patel", func(d *Demographics) { female(d); sameDistrict(d) }), false},
		{"common surname", with("Amit Singh", sameDistrict), with("Ajay Singh", sameDistrict), false},
		{"Mohammed Irfan/Imran", with("Mohammed Irfan Shaikh", sameDistrict), with("Mohammed Imran Shaikh", sameDistrict), false},
		{"surname only", with("Kumar", sameDistrict), with("Ramesh Kumar", sameDistrict), false},
		{"different surnames", with("Suresh Reddy", sameDistrict), with("Suresh Naidu", sameDistrict), false},
		{"same name, other gender", with("Kiran Kumar", nil), with("Kiran Kumar", female), false},
		{"same name, other year", with("Rahul Sharma", nil), with("Rahul Sharma", func(d *Demographics) { d.BirthDate = "1988-03-14" }), false},
		{"same name, other day", with("Rahul Sharma", sameHome), with("Rahul Sharma", func(d *Demographics) { d.BirthDate = "1987-03-20"; sameHome(d) }), false},
	}
	for _, tt := range tests {
		s := Score(tt.a, tt.b)
		if s < 0 || s > 1 {
			t.Errorf("%s: Score = %v outside [0,1]", tt.name, s)
		}
		if rev := Score(tt.b, tt.a); rev != s {
			t.Errorf("%s: Score not symmetric: %v vs %v", tt.name, s, rev)
		}
		if got := s >= DuplicateThreshold; got != tt.dup {
			t.Errorf("%s: Score(%q, %q) = %.3f, duplicate %v, want %v", tt.name, tt.a.Name, tt.b.Name, s, got, tt.dup)
		}
		if testing.Verbose() {
			t.Logf("%-28s %.3f", tt.name, s)
		}
	}
}

func TestScoreIdentical(t *testing.T) {
	d := Demographics{Name: "Priya Iyer", Gender: "F", BirthDate: "1995-11-02", DistrictCode: "525", Mobile: "9876543210"}
	if s := Score(d, d); s != 1 {
		t.Errorf("Score(d, d) = %v, want 1", s)
	}
	if s := Score(Demographics{}, Demographics{}); s != 0 {
		t.Errorf("Score of empty records = %v, want 0", s)
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Mohd. Irfan Sheikh", "राहुल शर्मा", "क़़्ि", "Dr. D'Souza", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if !utf8.ValidString(n) || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("NormalizeName(%q) = %q", s, n)
		}
		for _, r := range n {
			if r != ' ' && (r < 'a' || r > 'z') {
				t.Fatalf("NormalizeName(%q) = %q has %q", s, n, r)
			}
		}
		if again := NormalizeName(n); again != n && NormalizeName(again) != again {
			t.Fatalf("NormalizeName does not settle on %q: %q", n, again)
		}
		PhoneticKey(s)
		Score(Demographics{Name: s, BirthDate: "2000-01-01"}, Demographics{Name: "Rahul", BirthDate: "2000-01-01"})
	})
}
