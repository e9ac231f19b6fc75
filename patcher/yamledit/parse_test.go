package yamledit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < levels; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantLine int
		wantMsg  string
	}{
		{"unclosed flow sequence (reported where it opens)", "a: 1\nb: [1, 2\nc: 3\n", 2, ""},
		{"bad indentation", "a:\n  b: 1\n c: 2\n", 3, ""},
		{"mapping value in a scalar", "a: 1\nb: c: d\n", 2, ""},
		{"error on the first line", "[\n", 1, ""},
		{"duplicate key", "a: 1\nb:\n  c: 1\n  c: 2\n", 4, "duplicate key \"c\""},
		{"duplicate key in a later document", "a: 1\n---\nx: 1\nx: 2\n", 4, "duplicate key \"x\""},
		{"alias bomb", billionLaughs(9), 0, "alias bomb"},
		{"alias cycle", "a: &a [*a]\n", 1, "contains it"},
		{"deep nesting", strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", 1, "nesting deeper"},
		{"deep block nesting", deepBlock(250), 0, "nesting deeper"},
		{"NUL byte", "a: 1\nb: \x00\n", 2, "binary"},
		{"invalid UTF-8", "a: 1\nb: \xff\xfe\n", 2, "UTF-8"},
		{"tab indentation", "a:\n\tb: 1\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse accepted it (%d documents)", len(f.Docs()))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse took %v", d)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if tt.wantLine > 0 && se.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", se.Line, tt.wantLine, err)
			}
			if se.Line <= 0 && tt.wantLine >= 0 && tt.name != "alias bomb" && tt.name != "deep block nesting" {
				t.Errorf("no line in %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "v: 1\n")
	return b.String()
}

func TestAcceptsWhatIsValid(t *testing.T) {
	for _, in := range []string{
		"a: &x 1\nb: *x\nc: *x\n",                   // aliases, far below the limit
		"base: &b {x: 1}\nd:\n  <<: *b\n  <<: *b\n", // repeated merge keys are not duplicates
		"1: a\n\"1\": b\n",                          // an int key and a string key differ
		billionLaughs(3),
	} {
		if _, err := Parse([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}
