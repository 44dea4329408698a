package web

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestErrText(t *testing.T) {
	tests := []struct {
		name string
		cat  catalogue
		err  error
		want string
	}{
		{"nil", messagesHI, nil, ""},
		{"English unchanged", messagesEN, arogya.Errorf(arogya.EINVALID, "page_size must be at most %d", 50), "page_size must be at most 50"},
		{"English, not an application error", messagesEN, errors.New("disk on fire"), messagesEN["err.code.internal"]},
		{"exact", messagesHI, arogya.Errorf(arogya.ENOTFOUND, "ABHA not found"), "ABHA नहीं मिला"},
		{"ABDM error", messagesHI, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "Invalid mobile number"), "मोबाइल नंबर मान्य नहीं है"},
		{"wrapped", messagesHI, fmt.Errorf("enrol: %w", arogya.Errorf(arogya.EGONE, "OTP has expired; request a new OTP")), "OTP की समय-सीमा समाप्त हो गई है; नया OTP मँगवाएँ"},
		{"%d", messagesHI, arogya.Errorf(arogya.EINVALID, "the file is larger than %d MiB", 10), "फ़ाइल 10 MiB से बड़ी है"},
		{"%s and %d", messagesHI, arogya.Errorf(arogya.EINVALID, "%s is longer than %d characters", "name", 200), "name में 200 से अधिक अक्षर हैं"},
		{"%s[%d]", messagesHI, arogya.Errorf(arogya.EINVALID, "%s[%d].hip is required", "includedSources", 2), "includedSources[2].hip आवश्यक है"},
		{"%q and %s", messagesHI, arogya.Errorf(arogya.EINVALID, "unknown parameter %q; known: %s", "colour", "q, page"), `अज्ञात पैरामीटर "colour"; मान्य पैरामीटर: q, page`},
		{"no entry", messagesHI, arogya.Errorf(arogya.ECONFLICT, "a message no one translated"), messagesHI["err.code.conflict"]},
		{"no entry, rate limit", messagesHI, arogya.Errorf(arogya.ETOOMANYREQUESTS, "slow down"), messagesHI["err.code.too_many_requests"]},
		{"unknown code", messagesHI, arogya.Errorf("teapot", "I am a teapot"), messagesHI["err.code.internal"]},
		{"not an application error", messagesHI, errors.New("disk on fire"), messagesHI["err.code.internal"]},
		{"empty message", messagesHI, &arogya.Error{Code: arogya.EFORBIDDEN}, messagesHI["err.code.forbidden"]},
		{"empty English message", messagesEN, &arogya.Error{Code: arogya.EFORBIDDEN}, messagesEN["err.code.forbidden"]},
	}
	for _, tt := range tests {
		if got := errText(tt.cat, tt.err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestErrCodesInCatalogues: every code has its sentence in every catalogue.
func TestErrCodesInCatalogues(t *testing.T) {
	for tag, cat := range catalogues {
		for _, code := range errCodes {
			if strings.TrimSpace(cat["err.code."+code]) == "" {
				t.Errorf("%s: no sentence for code %s", tag, code)
			}
		}
	}
}

// errPackages are the packages whose error messages reach people's pages.
// internal/gateway's go to machines only.
var errPackages = []string{"abha", "registry", "hip", "hiu", "staff", "phr", "consent"}

// errWrappers are the packages' helpers that pass their first argument to
// arogya.Errorf or arogya.ABDMError as the message, by package and name.
var errWrappers = map[string][]string{
	"registry": {"fail"},           // params.fail(format, args…)
	"consent":  {"invalid", "bad"}, // invalid(msg); CheckApproval's bad(format, args…)
}

// errExcluded are formats that never reach a person's page, with why.
// Keep it short: a message that might be shown needs its translation.
var errExcluded = map[string]string{}

// errFormatsInSource returns every constant message format passed to
// arogya.Errorf, arogya.ABDMError or a wrapper in the non-test Go files of
// errPackages, with where each is.
func errFormatsInSource(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, pkg := range errPackages {
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", pkg, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if i := messageArg(pkg, call); i >= 0 && i < len(call.Args) {
					if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, err := strconv.Unquote(lit.Value)
						if err != nil {
							t.Fatal(err)
						}
						found[s] = fset.Position(lit.Pos()).String()
					}
				}
				return true
			})
		}
	}
	return found
}

// messageArg returns the index of call's message argument when call makes
// an application error in package pkg, or -1.
func messageArg(pkg string, call *ast.CallExpr) int {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "arogya" {
			switch fn.Sel.Name {
			case "Errorf":
				return 1
			case "ABDMError":
				return 2
			}
			return -1
		}
		if slices.Contains(errWrappers[pkg], fn.Sel.Name) {
			return 0
		}
	case *ast.Ident:
		if slices.Contains(errWrappers[pkg], fn.Name) {
			return 0
		}
	}
	return -1
}

// TestErrFormatsTranslated: every message format of the packages whose
// errors reach pages has a translation in every language's error
// catalogue, with the same verbs, so a new message without one fails here.
func TestErrFormatsTranslated(t *testing.T) {
	found := errFormatsInSource(t)
	if len(found) < 100 {
		t.Fatalf("only %d formats found: is the parse right?", len(found))
	}
	if len(errFormats) != len(catalogues)-1 {
		t.Errorf("%d error catalogues for %d languages besides English", len(errFormats), len(catalogues)-1)
	}
	var missing []string
	for tag, c := range errFormats {
		for format, at := range found {
			if _, ok := errExcluded[format]; ok {
				continue
			}
			tr, ok := c[format]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s: %q (%s)", tag, format, at))
				continue
			}
			want, got := fmtVerbRE.FindAllString(format, -1), fmtVerbRE.FindAllString(tr, -1)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s: %q has verbs %q, English %q", tag, tr, got, want)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d error formats have no translation; add them to messages_err_<lang>.go:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	t.Logf("%d formats, %d excluded", len(found), len(errExcluded))
}

// TestErrFormatsRoundTrip: a message made from each translated format with
// sample values is shown as that format's translation with the same
// values, not another format's.
func TestErrFormatsRoundTrip(t *testing.T) {
	sample := map[byte]any{'d': 7, 's': "x", 'v': "x", 'q': "x"}
	for tag, c := range errFormats {
		m := matcherFor(tag)
		for format, tr := range c {
			var args, shown []any
			for _, v := range fmtVerb.FindAllStringSubmatch(format, -1) {
				if v[2] == "%" {
					continue
				}
				a := sample[v[2][0]]
				args = append(args, a)
				shown = append(shown, fmt.Sprintf("%"+v[2], a))
			}
			msg := fmt.Sprintf(format, args...)
			target, ok := indexedTarget(tr, len(args))
			if !ok {
				t.Errorf("%s: %q names an argument %q does not have", tag, tr, format)
				continue
			}
			want := fmt.Sprintf(target, shown...)
			if len(args) == 0 {
				want = tr
			}
			if got, ok := m.translate(msg); !ok || got != want {
				t.Errorf("%s: %q is shown as %q, want %q", tag, msg, got, want)
			}
		}
	}
}

// FuzzErrText: errText never panics and never returns "" for an error.
func FuzzErrText(f *testing.F) {
	for _, s := range []string{"ABHA not found", "the file is larger than 10 MiB", "%s[%d].hip is required", "unknown parameter \"x\"; known: q",
		"", "%", "%!d(string=x)", "includedSources[-1].hip is repeated", "\xff\xfe"} {
		f.Add(arogya.EINVALID, s)
	}
	f.Add("", "")
	f.Fuzz(func(t *testing.T, code, msg string) {
		err := &arogya.Error{Code: code, Message: msg}
		for tag, cat := range catalogues {
			got := errText(cat, err)
			if strings.TrimSpace(got) == "" {
				t.Fatalf("%s: %q (code %q) shown as %q", tag, msg, code, got)
			}
		}
	})
}
