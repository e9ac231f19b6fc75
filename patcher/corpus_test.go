package patcher

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// corpusDir is the shared corpus of real public manifests, relative to this
// package (the module root's ../shared/corpus).
const corpusDir = "../../shared/corpus"

// corpusFiles lists the manifests of the corpus, or skips the test.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("corpus %s not available (%v): the corpus tests need the shared manifests", corpusDir, err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Skipf("corpus %s holds no manifests", corpusDir)
	}
	return files
}

// TestCorpus fixes every manifest of the corpus: every file parses or is
// skipped, every fixed file evaluates as reported, no document is lost or
// added, nothing changes outside security-relevant fields, and a second run
// is a no-op.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	var refused, workloads, partial, fixedW, remainingW, remainingChecks, changes, filesChanged, linesChanged, skipped int
	byCheck := map[string]int{}
	proposals := map[string]int{} // workloads by proposed namespace level
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(corpusDir, p)
		res, err := Fix(rel, src, Options{})
		if err != nil {
			// Refusing a file is right only for a manifest the API would
			// refuse too, checked here independently of the engine.
			var pe *Error
			if !errors.As(err, &pe) || pe.Line == 0 || !invalidIndependently(t, src) {
				t.Errorf("%v", err)
			} else {
				refused++
				t.Logf("refused (invalid manifest): %v", err)
			}
			continue
		}
		if res.Skipped != "" {
			skipped++
			continue
		}
		var evaluated []Workload
		for _, w := range res.Workloads {
			workloads++
			if w.Note != "" && len(w.Changes) == 0 && len(w.Remaining) == 0 {
				partial++
				continue
			}
			evaluated = append(evaluated, w)
			if len(w.Changes) > 0 {
				fixedW++
			}
			changes += len(w.Changes)
			if len(w.Remaining) > 0 {
				remainingW++
				if p := w.Remaining[0].Proposal; p != nil {
					proposals[p.Level]++
				}
			}
			remainingChecks += len(w.Remaining)
			for _, r := range w.Remaining {
				byCheck[r.Check]++
				if r.Strategy == StrategyFix {
					t.Errorf("%s: %s %q: %s left unfixed: %s", rel, w.Kind, w.Name, r.Check, r.Why)
				}
			}
		}
		if !res.Changed {
			if !bytes.Equal(res.Output, src) {
				t.Errorf("%s: unchanged file with different output", rel)
			}
			continue
		}
		filesChanged++
		linesChanged += changedLines(src, res.Output)

		// Evaluates as reported.
		got := independentEval(t, res.Output, "restricted", "latest")
		if len(got) != len(evaluated) {
			t.Errorf("%s: %d workloads in the output, %d reported", rel, len(got), len(evaluated))
		} else {
			for i, n := range got {
				if n != len(evaluated[i].Remaining) {
					t.Errorf("%s: workload %s %q fails %d checks, %d reported", rel, evaluated[i].Kind, evaluated[i].Name, n, len(evaluated[i].Remaining))
				}
			}
		}
		// Same documents, same content outside security fields.
		before, err1 := decodeAll(src)
		after, err2 := decodeAll(res.Output)
		if err1 != nil || err2 != nil {
			t.Errorf("%s: decode: %v %v", rel, err1, err2)
			continue
		}
		if len(before) != len(after) {
			t.Errorf("%s: %d documents became %d", rel, len(before), len(after))
			continue
		}
		for i := range before {
			a, b := insecure(t, rel, before[i]), insecure(t, rel, after[i])
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: document %d changed outside security-relevant fields", rel, i)
			}
		}
		// Idempotent.
		again, err := Fix(rel, res.Output, Options{})
		if err != nil {
			t.Errorf("%s: second run: %v", rel, err)
		} else if again.Changed || !bytes.Equal(again.Output, res.Output) {
			t.Errorf("%s: second run changed the file again", rel)
		}
	}
	t.Logf("corpus: %d files (%d skipped, %d refused as invalid), %d workloads (%d partial, not evaluated), %d fixed with %d changes, "+
		"%d with checks remaining (%d checks: %v; exemptions proposed: %v), %d files changed, %d lines changed",
		len(files), skipped, refused, workloads, partial, fixedW, changes, remainingW, remainingChecks, byCheck, proposals, filesChanged, linesChanged)
}

// invalidIndependently reports whether a file holds a document the YAML
// decoder refuses (duplicate keys) or a workload whose pod template does not
// decode into the API types (a value of the wrong type).
func invalidIndependently(t *testing.T, src []byte) bool {
	t.Helper()
	docs, err := decodeAll(src)
	if err != nil {
		return true
	}
	for _, d := range docs {
		var v any
		if err := d.Document().Decode(&v); err != nil {
			return true
		}
		path, ok := builtinKinds[d.GetKind()]
		if !ok {
			continue
		}
		tmpl := d
		if path != "" {
			if tmpl, err = d.Pipe(yaml.Lookup(strings.Split(path, ".")...)); err != nil || tmpl == nil {
				continue
			}
		}
		b, err := tmpl.MarshalJSON()
		if err != nil {
			return true
		}
		var pt podTemplate
		if err := json.Unmarshal(b, &pt); err != nil {
			return true
		}
	}
	return false
}

// insecure returns a document as plain data without the fields the engine may
// change: securityContext blocks, AppArmor and seccomp annotations, and the
// host of probe and lifecycle handlers.
func insecure(t *testing.T, rel string, doc *yaml.RNode) any {
	t.Helper()
	var v any
	if err := doc.Document().Decode(&v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var strip func(v any, parent string) any
	strip = func(v any, parent string) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				switch {
				case k == "securityContext":
					continue
				case parent == "annotations" && (strings.HasPrefix(k, "container.apparmor.security.beta.kubernetes.io/") ||
					strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/") || k == "seccomp.security.alpha.kubernetes.io/pod"):
					continue
				case k == "host" && (parent == "httpGet" || parent == "tcpSocket"):
					continue
				}
				out[k] = strip(e, k)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = strip(e, parent)
			}
			return out
		}
		return v
	}
	return strip(v, "")
}

// changedLines counts the lines removed plus the lines added between a and b
// (from their longest common subsequence of lines).
func changedLines(a, b []byte) int {
	x := strings.Split(string(a), "\n")
	y := strings.Split(string(b), "\n")
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			switch {
			case x[i-1] == y[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	lcs := prev[len(y)]
	return len(x) - lcs + len(y) - lcs
}
