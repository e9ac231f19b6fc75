package patcher

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/pod-security-admission/api"
)

// TestConformance runs the engine over the pod-security-admission library's
// own fixtures, at the latest version and at v1.25 (and, unless -short, at
// every other version), for both levels: a pass
// fixture comes out byte-identical; a fail fixture, once fixed, fails on
// exactly the checks reported as remaining, and those are only checks the
// engine proposes an exemption for.
func TestConformance(t *testing.T) {
	td := psaTestdata(t)
	latest, err := newJudge("restricted", "latest")
	if err != nil {
		t.Fatal(err)
	}
	versions := []string{"latest", "v1.25"}
	if !testing.Short() {
		for v := 0; v < latest.lv.Version.Minor(); v++ {
			if v != 25 {
				versions = append(versions, api.MajorMinorVersion(1, v).String())
			}
		}
	}
	var files, fixed, remaining int
	for _, level := range []string{"restricted", "baseline"} {
		for _, version := range versions {
			dirVersion := version
			if version == "latest" {
				dirVersion = latest.version
			}
			opts := Options{Level: level, Version: version}
			for _, verdict := range []string{"pass", "fail"} {
				dir := filepath.Join(td, level, dirVersion, verdict)
				paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
				if len(paths) == 0 {
					t.Errorf("no fixtures in %s", dir)
				}
				for _, p := range paths {
					name := level + "/" + dirVersion + "/" + verdict + "/" + filepath.Base(p)
					src, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					files++
					res, err := Fix(p, src, opts)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					if len(res.Workloads) != 1 {
						t.Errorf("%s: %d workloads, want 1", name, len(res.Workloads))
						continue
					}
					w := res.Workloads[0]
					if verdict == "pass" {
						if res.Changed || !bytes.Equal(res.Output, src) || len(w.Changes) > 0 || len(w.Remaining) > 0 {
							t.Errorf("%s: pass fixture changed (%d changes, %d remaining)", name, len(w.Changes), len(w.Remaining))
						}
						continue
					}
					for _, r := range w.Remaining {
						if !exemptByDefault[r.Check] {
							t.Errorf("%s: %s remains; only exemption checks may remain: %s", name, r.Check, r.Why)
						}
						if r.Proposal == nil {
							t.Errorf("%s: %s remains without a proposal", name, r.Check)
						}
					}
					if len(w.Remaining) == 0 && len(w.Changes) == 0 {
						t.Errorf("%s: fail fixture neither changed nor reported", name)
					}
					if len(w.Changes) > 0 {
						fixed++
					}
					remaining += len(w.Remaining)
					// An independent evaluation of the output agrees.
					if got := independentEval(t, res.Output, level, version); len(got) != 1 || got[0] != len(w.Remaining) {
						t.Errorf("%s: output fails %v checks, %d reported remaining", name, got, len(w.Remaining))
					}
					// Fixing the output again changes nothing.
					again, err := Fix(p, res.Output, opts)
					if err != nil {
						t.Errorf("%s: second run: %v", name, err)
					} else if again.Changed || !bytes.Equal(again.Output, res.Output) || len(again.Workloads[0].Changes) > 0 {
						t.Errorf("%s: second run is not a no-op: %+v", name, again.Workloads[0].Changes)
					}
				}
			}
		}
	}
	t.Logf("conformance (%d versions): %d fixtures, %d fail fixtures fixed, %d checks left for exemption", len(versions), files, fixed, remaining)
}
