package patcher

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// psaTestdata returns the pod-security-admission module's fixture folder, or
// skips the test.
func psaTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("k8s.io/pod-security-admission module not found (go list: %v); run go mod download", err)
	}
	td := filepath.Join(dir, "test", "testdata")
	if _, err := os.Stat(td); err != nil {
		t.Skipf("pod-security-admission fixtures not available: %v", err)
	}
	return td
}

// independentEval decodes a file with kyaml's kio reader (not the engine's
// parser) and evaluates every workload with a fresh official evaluator. It
// returns, per workload in file order, the number of failing checks.
func independentEval(t *testing.T, src []byte, level, version string) []int {
	t.Helper()
	j, err := newJudge(level, version)
	if err != nil {
		t.Fatal(err)
	}
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := decodeAll(src)
	if err != nil {
		t.Fatalf("output does not parse with kyaml: %v", err)
	}
	var out []int
	for _, n := range nodes {
		var objs []*yaml.RNode
		if k := n.GetKind(); k == "List" {
			items, _ := n.Pipe(yaml.Lookup("items"))
			if items != nil {
				objs, _ = items.Elements()
			}
		} else {
			objs = []*yaml.RNode{n}
		}
		for _, o := range objs {
			path, ok := builtinKinds[o.GetKind()]
			if !ok {
				continue
			}
			tmpl := o
			if path != "" {
				tmpl, err = o.Pipe(yaml.Lookup(strings.Split(path, ".")...))
				if err != nil || tmpl == nil {
					continue
				}
			}
			b, err := tmpl.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if partialReason(tmpl.YNode()) != "" {
				continue // the engine leaves partial templates alone
			}
			var full podTemplate
			if err := json.Unmarshal(b, &full); err != nil {
				t.Fatal(err)
			}
			defaultPod(&full.Spec)
			res := eval.EvaluatePod(j.lv, &full.Metadata, &full.Spec)
			agg := policy.AggregateCheckResults(res)
			out = append(out, len(agg.ForbiddenReasons))
		}
	}
	return out
}

// decodeAll splits a stream with kyaml's YAML decoder, independently of
// patcher/yamledit. Empty documents are dropped.
func decodeAll(src []byte) ([]*yaml.RNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []*yaml.RNode
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 0 || isNull(n.Content[0]) {
			continue
		}
		out = append(out, yaml.NewRNode(&n))
	}
}
