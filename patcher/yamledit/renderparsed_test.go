package yamledit

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestRenderParsed checks that the documents RenderParsed hands out are the
// parse of its output: the same trees a fresh Parse of the output gives, with
// positions into the output, for edited and unedited files alike.
func TestRenderParsed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		mutate func(t *testing.T, docs []*yaml.RNode)
	}{{
		name: "edited",
		in:   "# head\na: 1\nb: [x]\n---\n---\nc:\n  d: e\n",
		mutate: func(t *testing.T, docs []*yaml.RNode) {
			setYAML(t, docs[0], "z", "new: block\nmore: [1, 2]\n")
			set(t, lookup(t, docs[2], "c"), "d", "f")
		},
	}, {
		name:   "unedited",
		in:     "a: 1\n---\nb: 2\n",
		mutate: func(t *testing.T, docs []*yaml.RNode) {},
	}, {
		name: "a change that writes the same bytes",
		in:   "a: 1\n",
		mutate: func(t *testing.T, docs []*yaml.RNode) {
			set(t, docs[0], "a", "1")
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(t, f.Docs())
			out, docs, err := f.RenderParsed()
			if err != nil {
				t.Fatal(err)
			}
			plain, err := f.Render()
			if err != nil || !bytes.Equal(out, plain) {
				t.Fatalf("Render gives %q (%v), RenderParsed %q", plain, err, out)
			}
			fresh, err := Parse(out)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			want := fresh.Docs()
			if len(docs) != len(want) {
				t.Fatalf("%d documents, a fresh parse has %d", len(docs), len(want))
			}
			for i := range docs {
				if err := sameTree(docs[i].YNode(), want[i].YNode(), "$"); err != nil {
					t.Errorf("document %d: %v", i, err)
				}
				if !samePositions(docs[i].YNode(), want[i].YNode()) {
					t.Errorf("document %d: positions differ from a fresh parse of the output", i)
				}
				// The caller's trees (f.Docs) are what the output holds too.
				if err := sameTree(docs[i].YNode(), f.Docs()[i].YNode(), "$"); err != nil {
					t.Errorf("document %d differs from the caller's tree: %v", i, err)
				}
			}
		})
	}
}

func samePositions(a, b *yaml.Node) bool {
	if a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !samePositions(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// TestVerifyRefuses checks the safety net itself: output bytes that do not
// parse back to the caller's trees are refused.
func TestVerifyRefuses(t *testing.T) {
	f, err := Parse([]byte("a: 1\nb: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	set(t, f.Docs()[0], "b", "y")
	out, _, err := f.RenderParsed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.verify(out); err != nil {
		t.Fatalf("verify(output) = %v", err)
	}
	for _, bad := range []string{"a: 1\nb: x\n", "a: 1\nb: y\nc: 2\n", "a: 1\nb: 'true'\n", "a: 1\n---\nb: y\n", "a: [1\n"} {
		if _, err := f.verify([]byte(bad)); err == nil {
			t.Errorf("verify(%q) accepted bytes that do not hold the changed tree", bad)
		}
	}
}
