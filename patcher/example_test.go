package patcher

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// exampleDir is the example manifests of the README (the module root's
// testdata/example).
const exampleDir = "../testdata/example"

// TestCheckAndFixAgreeOnExample runs Check and Fix on every example file:
// every check that Check marks Fixable is changed by Fix, Fix's Remaining is
// exactly Check's non-fixable list, and Check on Fix's output finds exactly
// Fix's Remaining, none of it fixable.
func TestCheckAndFixAgreeOnExample(t *testing.T) {
	var files []string
	err := filepath.WalkDir(exampleDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("example %s: %v", exampleDir, err)
	}
	if len(files) == 0 {
		t.Fatalf("no example manifests in %s", exampleDir)
	}
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	remainingBy := map[string][]string{} // workload name -> Fix's remaining checks
	var workloads, fixable int
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(exampleDir, p)
		chk, err := e.Check(rel, src)
		if err != nil {
			t.Errorf("Check: %v", err)
			continue
		}
		fix, err := e.Fix(rel, src)
		if err != nil {
			t.Errorf("Fix: %v", err)
			continue
		}
		if chk.Skipped != fix.Skipped {
			t.Errorf("%s: Check skipped %q, Fix skipped %q", rel, chk.Skipped, fix.Skipped)
		}
		if len(chk.Workloads) != len(fix.Workloads) {
			t.Errorf("%s: Check found %d workloads, Fix %d", rel, len(chk.Workloads), len(fix.Workloads))
			continue
		}
		after, err := e.Check(rel, fix.Output)
		if err != nil {
			t.Errorf("Check(output of Fix): %v", err)
			continue
		}
		for i, cw := range chk.Workloads {
			fw := fix.Workloads[i]
			workloads++
			name := rel + ": " + cw.Kind + " " + cw.Name
			changed := map[string]bool{}
			for _, c := range fw.Changes {
				changed[c.Check] = true
			}
			var notFixable []string
			for _, r := range cw.Remaining {
				if !r.Fixable {
					notFixable = append(notFixable, r.Check)
					continue
				}
				fixable++
				if !changed[r.Check] {
					t.Errorf("%s: Check says %s is fixable, Fix did not change it", name, r.Check)
				}
			}
			got := checkList(fw.Remaining)
			if want := strings.Join(sorted(notFixable), ","); got != want {
				t.Errorf("%s: Fix leaves [%s], Check's non-fixable list is [%s]", name, got, want)
			}
			if a := checkList(after.Workloads[i].Remaining); a != got {
				t.Errorf("%s: Check of the fixed file finds [%s], Fix reported [%s]", name, a, got)
			}
			for _, r := range after.Workloads[i].Remaining {
				if r.Fixable {
					t.Errorf("%s: after Fix, Check still calls %s fixable", name, r.Check)
				}
			}
			remainingBy[cw.Name] = strings.Split(got, ",")
		}
	}
	if workloads == 0 || fixable == 0 {
		t.Fatalf("the example has %d workloads and %d fixable checks: it no longer exercises the engine", workloads, fixable)
	}
	// The ingress controller on the host network declares containerPorts 80
	// and 443: its pods get them as hostPorts, so both remain.
	if got := strings.Join(remainingBy["ingress-nginx-controller"], ","); got != "hostNamespaces,hostPorts" {
		t.Errorf("ingress-nginx-controller remains [%s], want [hostNamespaces,hostPorts]", got)
	}
	t.Logf("example: %d files, %d workloads, %d fixable checks", len(files), workloads, fixable)
}

func checkList(rs []Remaining) string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Check)
	}
	return strings.Join(sorted(ids), ",")
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
