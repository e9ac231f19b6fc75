package yamledit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRoundTrip: for any input Parse accepts, an unchanged Render gives the
// input back, and a Render after changes everywhere (see mutateTree) gives
// bytes that parse back to the changed trees, or a refusal; never a panic
// and never wrong bytes. Parse returns only *SyntaxError errors.
func FuzzRoundTrip(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.in.*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"a: 1\n", "- a\n- b\n", "{a: [1, 2]}", "a: |\n  x\n---\nb: >-\n  y\n", "a: &x {b: 1}\nc: *x\n",
		"? complex\n: key\n", "a: 'it''s'\nb: \"\\t\"\n", "# c\n---\n...\n", "a:\n- - x\n  - y\n",
		"[a, {b: c}, [d]]", "a: b\n  c\n\n  d\n", "k: !t v\nl: !!str 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			return
		}
		file, err := Parse(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse returned %T (%v), want *SyntaxError", err, err)
			}
			return
		}
		out, err := file.Render()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("unchanged Render: %v\n got %q\nwant %q", err, out, data)
		}
		var st mutStats
		for _, d := range file.Docs() {
			mutateTree(d.YNode(), &st, 0)
		}
		out, err = file.Render()
		if err != nil {
			// A refusal is safe (no wrong bytes) but is a gap worth knowing.
			t.Skipf("Render refused the change: %v", err)
		}
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
		if len(g.Docs()) != len(file.Docs()) {
			t.Fatalf("%d documents, want %d", len(g.Docs()), len(file.Docs()))
		}
		for i := range g.docs {
			if err := sameTree(g.docs[i].pristine.Content[0], file.docs[i].root, "$"); err != nil {
				t.Fatalf("document %d: %v\n%q", i, err, out)
			}
		}
	})
}
