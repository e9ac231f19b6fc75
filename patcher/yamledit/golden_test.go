package yamledit

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Helpers that change trees the way the fixers do, with kyaml.

func lookup(t *testing.T, rn *yaml.RNode, path ...string) *yaml.RNode {
	t.Helper()
	n, err := rn.Pipe(yaml.Lookup(path...))
	if err != nil || n == nil {
		t.Fatalf("lookup %v: %v (found %v)", path, err, n != nil)
	}
	return n
}

func create(t *testing.T, rn *yaml.RNode, kind yaml.Kind, path ...string) *yaml.RNode {
	t.Helper()
	n, err := rn.Pipe(yaml.LookupCreate(kind, path...))
	if err != nil || n == nil {
		t.Fatalf("lookup-create %v: %v", path, err)
	}
	return n
}

func set(t *testing.T, rn *yaml.RNode, field, value string) {
	t.Helper()
	if err := rn.PipeE(yaml.SetField(field, yaml.NewScalarRNode(value))); err != nil {
		t.Fatalf("set %s: %v", field, err)
	}
}

func setYAML(t *testing.T, rn *yaml.RNode, field, value string) {
	t.Helper()
	if err := rn.PipeE(yaml.SetField(field, yaml.MustParse(value))); err != nil {
		t.Fatalf("set %s: %v", field, err)
	}
}

func clear(t *testing.T, rn *yaml.RNode, field string) {
	t.Helper()
	if err := rn.PipeE(yaml.Clear(field)); err != nil {
		t.Fatalf("clear %s: %v", field, err)
	}
}

func appendItem(t *testing.T, seq *yaml.RNode, value string) {
	t.Helper()
	if err := seq.PipeE(yaml.Append(yaml.NewScalarRNode(value).YNode())); err != nil {
		t.Fatalf("append %s: %v", value, err)
	}
}

// removeItem removes the scalar item with the given value.
func removeItem(t *testing.T, seq *yaml.RNode, value string) {
	t.Helper()
	if err := seq.PipeE(yaml.ElementSetter{Values: []string{value}}); err != nil {
		t.Fatalf("remove %s: %v", value, err)
	}
}

type goldenCase struct {
	name   string // testdata/<name>.in.<ext> is the input, <name>.golden the expected output
	ext    string
	mutate func(t *testing.T, docs []*yaml.RNode)
}

var goldenCases = []goldenCase{
	{name: "comments", mutate: func(t *testing.T, d []*yaml.RNode) {
		c := lookup(t, d[0], "spec", "containers", "[name=web]")
		sc := lookup(t, c, "securityContext")
		set(t, sc, "runAsUser", "65532")
		set(t, sc, "allowPrivilegeEscalation", "false")
		set(t, c, "imagePullPolicy", "Always")
	}},
	{name: "commented_out", mutate: func(t *testing.T, d []*yaml.RNode) {
		// Commented-out fields of the container, even across a blank line,
		// stay with the container: the pod's new key goes after them.
		spec := lookup(t, d[0], "spec")
		setYAML(t, spec, "securityContext", "runAsNonRoot: true\n")
	}},
	{name: "key_order", mutate: func(t *testing.T, d []*yaml.RNode) {
		// Insert securityContext right after image, as a person would.
		c := lookup(t, d[0], "spec", "containers", "[name=web]")
		sc := yaml.MustParse("allowPrivilegeEscalation: false\n")
		key := yaml.NewScalarRNode("securityContext").YNode()
		content := c.YNode().Content
		var out []*yaml.Node
		for i := 0; i < len(content); i += 2 {
			out = append(out, content[i], content[i+1])
			if content[i].Value == "image" {
				out = append(out, key, sc.YNode())
			}
		}
		c.YNode().Content = out
		// And one at the front of metadata.
		md := lookup(t, d[0], "metadata")
		md.YNode().Content = append([]*yaml.Node{yaml.NewScalarRNode("namespace").YNode(), yaml.NewScalarRNode("prod").YNode()}, md.YNode().Content...)
	}},
	{name: "indent4", mutate: func(t *testing.T, d []*yaml.RNode) {
		c := lookup(t, d[0], "spec", "template", "spec", "containers", "[name=api]")
		setYAML(t, c, "securityContext", "allowPrivilegeEscalation: false\ncapabilities:\n  drop:\n  - ALL\n")
		sc := lookup(t, d[0], "spec", "template", "spec", "containers", "[name=sidecar]", "securityContext")
		drop := create(t, sc, yaml.SequenceNode, "capabilities", "drop")
		appendItem(t, drop, "ALL")
		pod := lookup(t, d[0], "spec", "template", "spec")
		setYAML(t, pod, "securityContext", "seccompProfile:\n  type: RuntimeDefault\n")
		// A new item follows the "-   name:" layout of the others.
		if err := lookup(t, pod, "containers").PipeE(yaml.Append(yaml.MustParse("name: new\nimage: example/new:1\n").YNode())); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "seq_indented", mutate: func(t *testing.T, d []*yaml.RNode) {
		c := lookup(t, d[0], "spec", "containers", "[name=a]")
		drop := create(t, c, yaml.SequenceNode, "securityContext", "capabilities", "drop")
		appendItem(t, drop, "ALL")
		appendItem(t, lookup(t, c, "args"), "--other")
		vols := lookup(t, d[0], "spec", "volumes")
		if err := vols.PipeE(yaml.Append(yaml.MustParse("name: tmp\nemptyDir: {}\n").YNode())); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "seq_flush", mutate: func(t *testing.T, d []*yaml.RNode) {
		c := lookup(t, d[0], "spec", "containers", "[name=a]")
		drop := create(t, c, yaml.SequenceNode, "securityContext", "capabilities", "drop")
		appendItem(t, drop, "ALL")
		appendItem(t, lookup(t, c, "args"), "--other")
		vols := lookup(t, d[0], "spec", "volumes")
		if err := vols.PipeE(yaml.Append(yaml.MustParse("name: tmp\nemptyDir: {}\n").YNode())); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "quoting", mutate: func(t *testing.T, d []*yaml.RNode) {
		a := lookup(t, d[0], "metadata", "annotations")
		set(t, a, "single", "uno")
		set(t, a, "double", "dos")
		set(t, a, "plain", "tres")
		// A string that reads as a number stays a string when the caller
		// says so with a !!str node (NewStringRNode).
		if err := a.PipeE(yaml.SetField("port", yaml.NewStringRNode("9090"))); err != nil {
			t.Fatal(err)
		}
		set(t, lookup(t, d[0], "spec", "seccompProfile"), "type", "RuntimeDefault")
		set(t, lookup(t, d[0], "spec"), "user", "65532")
		if err := a.PipeE(yaml.SetField("new", yaml.NewStringRNode("true"))); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "flow", mutate: func(t *testing.T, d []*yaml.RNode) {
		sc := lookup(t, d[0], "spec", "securityContext")
		set(t, sc, "runAsNonRoot", "true")
		setYAML(t, sc, "seccompProfile", "{type: RuntimeDefault}")
		caps := lookup(t, d[0], "spec", "capabilities")
		removeItem(t, lookup(t, caps, "add"), "SYS_TIME")
		appendItem(t, lookup(t, caps, "add"), "CHOWN")
		appendItem(t, lookup(t, caps, "drop"), "ALL")
		tol := lookup(t, d[0], "spec", "tolerations", "[key=a]")
		set(t, tol, "effect", "NoSchedule")
	}},
	{name: "block_scalars", mutate: func(t *testing.T, d []*yaml.RNode) {
		data := lookup(t, d[0], "data")
		set(t, data, "value", "new")
		set(t, data, "added", "yes-it-is")
	}},
	{name: "anchors", mutate: func(t *testing.T, d []*yaml.RNode) {
		sc := lookup(t, d[0], "defaults", "securityContext")
		set(t, sc, "runAsUser", "65532")
		set(t, sc, "runAsNonRoot", "true")
		set(t, lookup(t, d[0], "web"), "name", "web2")
	}},
	{name: "markers", mutate: func(t *testing.T, d []*yaml.RNode) {
		set(t, d[0], "a", "10")
		set(t, d[1], "extra", "x")
		set(t, d[2], "c", "30")
	}},
	{name: "pem", mutate: func(t *testing.T, d []*yaml.RNode) {
		set(t, lookup(t, d[0], "metadata"), "namespace", "prod")
		setYAML(t, lookup(t, d[1], "spec", "containers", "[name=c]"), "securityContext", "allowPrivilegeEscalation: false\n")
	}},
	{name: "blank_lines", mutate: func(t *testing.T, d []*yaml.RNode) {
		spec := lookup(t, d[0], "spec")
		setYAML(t, spec, "securityContext", "runAsNonRoot: true\n")
		set(t, lookup(t, d[0], "spec", "containers", "[name=c]"), "imagePullPolicy", "Always")
	}},
	{name: "crlf", mutate: func(t *testing.T, d []*yaml.RNode) {
		set(t, lookup(t, d[0], "metadata"), "name", "crlf2")
		setYAML(t, lookup(t, d[0], "spec", "containers", "[name=c]"), "securityContext", "allowPrivilegeEscalation: false\ncapabilities:\n  drop: [ALL]\n")
	}},
	{name: "no_final_newline", mutate: func(t *testing.T, d []*yaml.RNode) {
		set(t, lookup(t, d[0], "spec", "containers", "[name=c]"), "imagePullPolicy", "Always")
	}},
	{name: "json", ext: "json", mutate: func(t *testing.T, d []*yaml.RNode) {
		a := lookup(t, d[0], "spec", "containers", "[name=a]", "securityContext")
		set(t, a, "runAsUser", "65532")
		set(t, a, "allowPrivilegeEscalation", "false")
		setYAML(t, lookup(t, d[0], "spec", "containers", "[name=b]"), "securityContext", "allowPrivilegeEscalation: false\ncapabilities:\n  drop: [ALL]\n")
	}},
	{name: "multidoc", mutate: func(t *testing.T, d []*yaml.RNode) {
		if len(d) != 4 {
			t.Fatalf("got %d documents, want 4 (config, pod, empty, comment only)", len(d))
		}
		if !yaml.IsMissingOrNull(d[2]) || !yaml.IsMissingOrNull(d[3]) {
			t.Fatalf("an empty document is not a null node")
		}
		set(t, lookup(t, d[1], "spec", "containers", "[name=c]"), "image", "c:2")
	}},
	{name: "nested_new", mutate: func(t *testing.T, d []*yaml.RNode) {
		for _, name := range []string{"app", "proxy"} {
			c := lookup(t, d[0], "spec", "template", "spec", "containers", "[name="+name+"]")
			sc := create(t, c, yaml.MappingNode, "securityContext")
			set(t, sc, "allowPrivilegeEscalation", "false")
			drop := create(t, sc, yaml.SequenceNode, "capabilities", "drop")
			appendItem(t, drop, "ALL")
		}
		pod := lookup(t, d[0], "spec", "template", "spec")
		psc := create(t, pod, yaml.MappingNode, "securityContext")
		set(t, psc, "runAsNonRoot", "true")
		setYAML(t, psc, "seccompProfile", "type: RuntimeDefault\n")
	}},
	{name: "seq_append", mutate: func(t *testing.T, d []*yaml.RNode) {
		caps := lookup(t, d[0], "spec", "containers", "[name=a]", "securityContext", "capabilities")
		appendItem(t, lookup(t, caps, "drop"), "ALL")
		appendItem(t, lookup(t, caps, "add"), "CHOWN")
	}},
	{name: "remove", mutate: func(t *testing.T, d []*yaml.RNode) {
		sc := lookup(t, d[0], "spec", "containers", "[name=a]", "securityContext")
		clear(t, sc, "privileged")
		clear(t, sc, "procMount")
		add := lookup(t, sc, "capabilities", "add")
		removeItem(t, add, "SYS_ADMIN")
		removeItem(t, add, "ALL")
		clear(t, lookup(t, d[0], "spec", "containers", "[name=only]", "securityContext"), "privileged")
	}},
	{name: "scalars", mutate: func(t *testing.T, d []*yaml.RNode) {
		psc := lookup(t, d[0], "spec", "securityContext")
		lookup(t, psc, "runAsUser").YNode().Value = "65532"
		sc := lookup(t, d[0], "spec", "containers", "[name=c]", "securityContext")
		set(t, sc, "allowPrivilegeEscalation", "false")
		lookup(t, sc, "privileged").YNode().Value = "false"
		set(t, sc, "runAsUser", "65532")
	}},
	{name: "unicode", mutate: func(t *testing.T, d []*yaml.RNode) {
		set(t, lookup(t, d[0], "metadata", "annotations"), "emoji", "🚀 fusée")
		set(t, lookup(t, d[0], "spec"), "ünïcode", "✗ wert")
		set(t, lookup(t, d[0], "spec"), "runAsUser", "65532")
	}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			ext := tc.ext
			if ext == "" {
				ext = "yaml"
			}
			in, err := os.ReadFile(filepath.Join("testdata", tc.name+".in."+ext))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.mutate(t, f.Docs())
			got, err := f.Render()
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Render output differs from %s:\n%s", golden, lineDiff(string(want), string(got)))
			}
			assertOnlyChangedLines(t, in, got)
			// A second parse and render of the output changes nothing.
			g, err := Parse(got)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			again, err := g.Render()
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("re-rendering the output changed it (err %v)", err)
			}
		})
	}
}

// assertOnlyChangedLines checks the zero-noise promise loosely: every line of
// the input that is not a changed line still appears, in order, in the
// output, and line endings did not change style.
func assertOnlyChangedLines(t *testing.T, in, out []byte) {
	t.Helper()
	if bytes.Contains(in, []byte("\r\n")) != bytes.Contains(out, []byte("\r\n")) {
		t.Errorf("line ending style changed")
	}
	if bytes.Contains(in, []byte("\r\n")) && bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
		t.Errorf("a CRLF file got LF-only lines")
	}
	if (len(in) > 0 && in[len(in)-1] == '\n') != (len(out) > 0 && out[len(out)-1] == '\n') {
		t.Errorf("final newline presence changed")
	}
}

// lineDiff is a small line-based diff for failure messages.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(w), len(g))
	for i := 0; i < n; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + quoteLine(wl) + "\n  got:  " + quoteLine(gl) + "\n")
		}
	}
	return b.String()
}

func quoteLine(s string) string { return "`" + s + "`" }
