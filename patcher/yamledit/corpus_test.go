package yamledit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// corpusDir holds real public manifests, shared by the team and never copied
// into the project.
const corpusDir = "../../../shared/corpus"

func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("corpus %s not present (%v): skipping the tests over real manifests", corpusDir, err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Skipf("corpus %s holds no YAML files", corpusDir)
	}
	return files
}

// isHelmTemplate: Helm templates are not YAML until rendered; the engine skips
// them before parsing.
func isHelmTemplate(src []byte) bool { return bytes.Contains(src, []byte("{{")) }

// TestCorpusRoundTrip: every real manifest parses, and rendering it unchanged
// gives back its exact bytes.
func TestCorpusRoundTrip(t *testing.T) {
	files := corpusFiles(t)
	var ok, helm, refused int
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(src)
		if err != nil {
			if isHelmTemplate(src) {
				helm++
				continue
			}
			if strings.Contains(err.Error(), "duplicate key") {
				// Invalid YAML that kubectl rejects too: refusing it is right.
				t.Logf("%s: refused as expected: %v", path, err)
				refused++
				continue
			}
			t.Errorf("%s: %v", path, err)
			continue
		}
		out, err := f.Render()
		if err != nil {
			t.Errorf("%s: Render of an unchanged file: %v", path, err)
			continue
		}
		if !bytes.Equal(out, src) {
			t.Errorf("%s: Render of an unchanged file changed it", path)
			continue
		}
		ok++
	}
	t.Logf("corpus: %d files, %d round-tripped byte for byte, %d refused (duplicate keys), %d Helm templates not parsed", len(files), ok, refused, helm)
}

// TestCorpusEdits changes every document of every real manifest everywhere
// at once (a key added to every mapping, the last scalar entry of every
// mapping removed, every bool flipped and every small int changed, an item
// appended to every list of scalars) and checks that Render succeeds (its
// safety net re-parses the result and compares it with the changed trees),
// that the result renders to itself, and that every line of the input not
// touched by a change survives.
func TestCorpusEdits(t *testing.T) {
	files := corpusFiles(t)
	var docs, changed, files2, linesIn, linesOut int
	var st mutStats
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(src)
		if err != nil {
			continue // reported by TestCorpusRoundTrip
		}
		before := st
		for _, d := range f.Docs() {
			docs++
			mutateTree(d.YNode(), &st, 0)
		}
		out, err := f.Render()
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if st == before {
			if !bytes.Equal(out, src) {
				t.Errorf("%s: no change made but the output differs", path)
			}
			continue
		}
		files2++
		g, err := Parse(out)
		if err != nil {
			t.Errorf("%s: output does not parse: %v", path, err)
			continue
		}
		again, err := g.Render()
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("%s: re-render of the output is not identical (%v)", path, err)
		}
		lost := lostLines(src, out)
		// Lines legitimately gone: removed entries and changed scalars.
		if lost > (st.removedLines-before.removedLines)+(st.scalars-before.scalars)+(st.removed-before.removed)+(st.flowLines-before.flowLines) {
			t.Errorf("%s: %d input lines are missing from the output, more than the changes explain", path, lost)
		}
		changed++
		linesIn += bytes.Count(src, []byte("\n"))
		linesOut += bytes.Count(out, []byte("\n"))
	}
	t.Logf("corpus edits: %d documents in %d files changed; %d keys added, %d entries removed, %d scalars changed, %d items appended; %d lines in, %d lines out",
		docs, files2, st.added, st.removed, st.scalars, st.items, linesIn, linesOut)
}

type mutStats struct {
	added, removed, removedLines, scalars, items, flowLines int
}

func mutateTree(n *yaml.Node, st *mutStats, depth int) {
	if n == nil || depth > 50 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			mutateTree(n.Content[i], st, depth+1)
		}
		for i := 1; i < len(n.Content); i += 2 {
			v := n.Content[i]
			if v.Kind != yaml.ScalarNode {
				continue
			}
			switch v.Tag {
			case tagBool:
				if v.Value == "true" {
					v.Value = "false"
				} else if v.Value == "false" {
					v.Value = "true"
				} else {
					continue
				}
				st.scalars++
			case tagInt:
				if i, err := strconv.Atoi(v.Value); err == nil && i >= 0 && i < 100000 && v.Value == strconv.Itoa(i) {
					v.Value = strconv.Itoa(i + 1)
					st.scalars++
				}
			}
		}
		if len(n.Content) >= 4 {
			last := n.Content[len(n.Content)-1]
			if last.Kind == yaml.ScalarNode && last.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 &&
				!strings.ContainsAny(last.Value, " \n") && n.Content[len(n.Content)-2].Value != "<<" {
				n.Content = n.Content[:len(n.Content)-2]
				st.removed++
				st.removedLines++
			}
		}
		if n.Style&yaml.FlowStyle != 0 {
			st.flowLines += 2
		}
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: "pssBotTest"},
			&yaml.Node{Kind: yaml.ScalarNode, Value: "true"})
		st.added++
	case yaml.SequenceNode:
		allScalars := len(n.Content) > 0
		for _, c := range n.Content {
			mutateTree(c, st, depth+1)
			if c.Kind != yaml.ScalarNode {
				allScalars = false
			}
		}
		if allScalars {
			if n.Style&yaml.FlowStyle != 0 {
				st.flowLines += 2
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "pss-bot-item"})
			st.items++
		}
	}
}

// lostLines counts the input lines that do not appear, in order, in the
// output (the input length minus the longest common subsequence of lines).
func lostLines(in, out []byte) int {
	a := strings.Split(string(in), "\n")
	b := strings.Split(string(out), "\n")
	// Trim the common prefix and suffix so the quadratic part stays small.
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a)*len(b) > 25_000_000 {
		return 0 // too big to compare here; Render's own check still ran
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return len(a) - prev[len(b)]
}
