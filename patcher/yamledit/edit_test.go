package yamledit

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Edge cases of the edit engine, each with its exact expected output.
func TestEdits(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		mutate func(t *testing.T, d *yaml.RNode)
		want   string
	}{
		{
			name: "unchanged returns the input itself",
			in:   "a:   1 # c\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "a", "1")
			},
			want: "a:   1 # c\n",
		},
		{
			name: "empty value becomes a mapping",
			in:   "c:\n  name: x\n  securityContext:\n  image: y\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				setYAML(t, lookup(t, d, "c"), "securityContext", "runAsNonRoot: true\n")
			},
			want: "c:\n  name: x\n  securityContext:\n    runAsNonRoot: true\n  image: y\n",
		},
		{
			name: "kyaml SetField on a null value (the node stays a scalar with content)",
			in:   "c:\n  securityContext: # set below\n  image: y\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				sc := lookup(t, d, "c", "securityContext")
				set(t, sc, "runAsNonRoot", "true")
			},
			want: "c:\n  securityContext: # set below\n    runAsNonRoot: true\n  image: y\n",
		},
		{
			name: "all keys removed gives an empty flow mapping",
			in:   "sc:\n  privileged: true\n  procMount: Unmasked\nx: 1\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				sc := lookup(t, d, "sc")
				clear(t, sc, "privileged")
				clear(t, sc, "procMount")
			},
			want: "sc: {}\nx: 1\n",
		},
		{
			name: "all items removed gives an empty flow sequence",
			in:   "add:\n- SYS_ADMIN\n- NET_ADMIN\ndrop: [ALL]\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				add := lookup(t, d, "add")
				add.YNode().Content = nil
			},
			want: "add: []\ndrop: [ALL]\n",
		},
		{
			name: "list replaced by kyaml SetField keeps equal items and their comments",
			in:   "drop:\n- NET_RAW # raw\n- MKNOD\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				setYAML(t, d, "drop", "- NET_RAW\n- MKNOD\n- ALL\n")
			},
			want: "drop:\n- NET_RAW # raw\n- MKNOD\n- ALL\n",
		},
		{
			name: "flow list item replaced",
			in:   "add: [ALL]  # everything\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				setYAML(t, d, "add", "[NET_BIND_SERVICE]")
			},
			want: "add: [NET_BIND_SERVICE]  # everything\n",
		},
		{
			name: "first key of a sequence item removed",
			in:   "- name: a\n  image: b\n- name: c\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				clear(t, yaml.NewRNode(d.YNode().Content[0]), "name")
			},
			want: "- image: b\n- name: c\n",
		},
		{
			name: "key inserted before the first key of a sequence item",
			in:   "- name: a\n  image: b\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				item := d.YNode().Content[0]
				item.Content = append([]*yaml.Node{yaml.NewScalarRNode("id").YNode(), yaml.NewScalarRNode("7").YNode()}, item.Content...)
			},
			want: "- id: 7\n  name: a\n  image: b\n",
		},
		{
			name: "key inserted at the front goes above the head comment of the first key",
			in:   "sc:\n  # root for now\n  runAsUser: 0\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				sc := lookup(t, d, "sc").YNode()
				sc.Content = append([]*yaml.Node{yaml.NewScalarRNode("runAsNonRoot").YNode(), yaml.NewScalarRNode("true").YNode()}, sc.Content...)
			},
			want: "sc:\n  runAsNonRoot: true\n  # root for now\n  runAsUser: 0\n",
		},
		{
			name: "reordered keys re-render only that mapping",
			in:   "top: 1\nm:\n  b: 2 # two\n  a: 1\nz: 0\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				m := lookup(t, d, "m").YNode()
				m.Content = []*yaml.Node{m.Content[2], m.Content[3], m.Content[0], m.Content[1]}
			},
			want: "top: 1\nm:\n  a: 1\n  b: 2 # two\nz: 0\n",
		},
		{
			name: "reordered keys keep every comment",
			in:   "top: 1\nm:\n  # head b\n  b: 2 # two\n  # foot b\n  a: 1\n  # foot a\nz: 0\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				m := lookup(t, d, "m").YNode()
				m.Content = []*yaml.Node{m.Content[2], m.Content[3], m.Content[0], m.Content[1]}
			},
			want: "top: 1\nm:\n  # foot b\n  a: 1\n  # head b\n  b: 2 # two\n  # foot a\nz: 0\n",
		},
		{
			name: "reordered items keep the indented sequence style and comments",
			in:   "l:\n  # head x\n  - x\n  # head y\n  - y # line y\n  # foot\nz: 0\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				l := lookup(t, d, "l").YNode()
				l.Content = []*yaml.Node{l.Content[1], l.Content[0]}
			},
			want: "l:\n  # head y\n  - y # line y\n  # head x\n  - x\n  # foot\nz: 0\n",
		},
		{
			name: "block scalar value changed",
			in:   "script: |\n  echo one\n  echo two\nnext: x\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				lookup(t, d, "script").YNode().Value = "echo three\n"
			},
			want: "script: |\n  echo three\nnext: x\n",
		},
		{
			name: "plain scalar turned into a block",
			in:   "a: 1\nb: x # c\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				setYAML(t, d, "b", "k: v\n")
			},
			want: "a: 1\nb: # c\n  k: v\n",
		},
		{
			name: "multi-line plain scalar changed",
			in:   "a: one\n  two\nb: 1\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "a", "three")
			},
			want: "a: three\nb: 1\n",
		},
		{
			name: "string that needs quotes",
			in:   "a: x\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "a", "x: y # z")
			},
			want: "a: \"x: y # z\"\n",
		},
		{
			name: "anchored value changed keeps the anchor and aliases",
			in:   "a: &v 1\nb: *v\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				lookup(t, d, "a").YNode().Value = "2"
			},
			want: "a: &v 2\nb: *v\n",
		},
		{
			name: "tab before a line comment is kept",
			in:   "a: 1\t# tab\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "a", "2")
			},
			want: "a: 2\t# tab\n",
		},
		{
			name: "document end marker and no final newline",
			in:   "a: 1\n...",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "b", "2")
			},
			want: "a: 1\nb: 2\n...",
		},
		{
			name: "byte order mark",
			in:   "\ufeffa: 1\nb: 2\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "b", "3")
			},
			want: "\ufeffa: 1\nb: 3\n",
		},
		{
			name: "JSON one-line object",
			in:   `{"a": {"b": 1}, "c": [1, 2]}`,
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, lookup(t, d, "a"), "d", "false")
				appendItem(t, lookup(t, d, "c"), "x y")
				set(t, d, "e", "null")
			},
			want: `{"a": {"b": 1, "d": false}, "c": [1, 2, "x y"], "e": null}`,
		},
		{
			name: "minified JSON",
			in:   `{"a":{"b":1},"c":[1,2]}`,
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, lookup(t, d, "a"), "d", "false")
				appendItem(t, lookup(t, d, "c"), "x")
				setYAML(t, d, "e", "f: 1\ng: [true]\n")
			},
			want: `{"a":{"b":1,"d":false},"c":[1,2,"x"],"e":{"f":1,"g":[true]}}`,
		},
		{
			name: "JSON key removed",
			in:   "{\n  \"a\": 1,\n  \"b\": 2\n}\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				clear(t, d, "b")
			},
			want: "{\n  \"a\": 1\n}\n",
		},
		{
			name: "JSON empty object filled",
			in:   "{\n    \"sc\": {}\n}\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, lookup(t, d, "sc"), "runAsNonRoot", "true")
			},
			want: "{\n    \"sc\": {\n        \"runAsNonRoot\": true\n    }\n}\n",
		},
		{
			name: "empty document content filled",
			in:   "---\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				d.SetYNode(yaml.MustParse("a: 1\n").YNode())
			},
			want: "---\na: 1\n",
		},
		{
			name: "an empty flow placeholder that gets content becomes a block",
			in:   "spec:\n  securityContext: {}\n  resources: {} # none\n  args: []\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, lookup(t, d, "spec", "securityContext"), "runAsNonRoot", "true")
				set(t, lookup(t, d, "spec", "resources"), "limits", "null")
				appendItem(t, lookup(t, d, "spec", "args"), "--x")
			},
			want: "spec:\n  securityContext:\n    runAsNonRoot: true\n  resources: # none\n    limits: null\n  args:\n  - --x\n",
		},
		{
			name: "multi-line flow sequence",
			in:   "args: [\n  a,\n  b\n]\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				appendItem(t, lookup(t, d, "args"), "c")
			},
			want: "args: [\n  a,\n  b,\n  c\n]\n",
		},
		{
			name: "nested sequence item removed re-renders the inner list",
			in:   "m:\n- - a\n  - b\n- - c\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				inner := lookup(t, d, "m").YNode().Content[0]
				inner.Content = inner.Content[1:]
			},
			want: "m:\n- - b\n- - c\n",
		},
		{
			name: "old Mac line breaks (lone CR)",
			in:   "a: 1\rb: 2\r",
			mutate: func(t *testing.T, d *yaml.RNode) {
				set(t, d, "b", "3")
				set(t, d, "c", "4")
			},
			want: "a: 1\rb: 3\rc: 4\r",
		},
		{
			name: "anchor on the key line, value below",
			in:   "a: &x\n  1\nb: *x\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				lookup(t, d, "a").YNode().Value = "5"
			},
			want: "a: &x\n  5\nb: *x\n",
		},
		{
			name: "sequence item below a dash with a comment",
			in:   "l:\n- # first\n  a: 1\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				appendItem(t, lookup(t, d, "l"), "b")
			},
			want: "l:\n- # first\n  a: 1\n- b\n",
		},
		{
			name: "CRLF deletion and insertion",
			in:   "a: 1\r\nb: 2\r\nc: 3\r\n",
			mutate: func(t *testing.T, d *yaml.RNode) {
				clear(t, d, "b")
				setYAML(t, d, "d", "e: [1]\n")
			},
			want: "a: 1\r\nc: 3\r\nd:\r\n  e: [1]\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.mutate(t, f.Docs()[0])
			got, err := f.Render()
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestRenderUnchangedIsTheSameSlice(t *testing.T) {
	src := []byte("a: 1\n")
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Render()
	if err != nil {
		t.Fatal(err)
	}
	if &out[0] != &src[0] {
		t.Errorf("an unchanged file must come back as the input bytes")
	}
}

func TestEmptyAndCommentOnlyFiles(t *testing.T) {
	for _, in := range []string{"", "\n\n", "# only a comment\n", "# a\n\n# b"} {
		f, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if n := len(f.Docs()); n != 0 {
			t.Errorf("%q: %d documents, want 0", in, n)
		}
		out, err := f.Render()
		if err != nil || !bytes.Equal(out, []byte(in)) {
			t.Errorf("%q: rendered %q, %v", in, out, err)
		}
	}
}

// TestRenderRefusesWrongBytes: a change Render cannot write faithfully is an
// error, never a file that means something else.
func TestRenderRefusesWrongBytes(t *testing.T) {
	f, err := Parse([]byte("a: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	// An int tag on a value that is not an int cannot be written.
	n := lookup(t, f.Docs()[0], "a").YNode()
	n.Value = "not a number"
	n.Tag = "!!int"
	if out, err := f.Render(); err == nil {
		t.Errorf("Render wrote %q for an impossible value", out)
	}
}

// TestRenderTwice: Render does not consume the changes; later changes add up
// against the original bytes.
func TestRenderTwice(t *testing.T) {
	f, err := Parse([]byte("a: 1 # one\nb: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Docs()[0] != f.Docs()[0] {
		t.Fatalf("Docs returns new nodes on every call")
	}
	set(t, f.Docs()[0], "a", "10")
	first, err := f.Render()
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.Render()
	if err != nil || string(again) != string(first) {
		t.Fatalf("second Render: %q, %v; want %q", again, err, first)
	}
	set(t, f.Docs()[0], "c", "3")
	third, err := f.Render()
	if err != nil {
		t.Fatal(err)
	}
	if want := "a: 10 # one\nb: 2\nc: 3\n"; string(third) != want {
		t.Errorf("got %q, want %q", third, want)
	}
}
