package patcher

import (
	"os"
	"testing"

	"k8s.io/pod-security-admission/policy"
)

// Every check of the policy library is either fixed or proposed for an
// exemption, and every fixer lives in fix_<checkID>.go next to its test.
func TestFixerTable(t *testing.T) {
	known := map[string]bool{}
	for _, c := range policy.DefaultChecks() {
		id := string(c.ID)
		known[id] = true
		if hasFixer(id) == exemptByDefault[id] {
			t.Errorf("check %s: has fixer %v, exempt by default %v; want exactly one", id, hasFixer(id), exemptByDefault[id])
		}
	}
	seen := map[string]bool{}
	for _, f := range fixers {
		if !known[f.check] {
			t.Errorf("fixer for unknown check %s", f.check)
		}
		if seen[f.check] {
			t.Errorf("two fixers for %s", f.check)
		}
		seen[f.check] = true
		for _, file := range []string{"fix_" + f.check + ".go", "fix_" + f.check + "_test.go"} {
			if _, err := os.Stat(file); err != nil {
				t.Errorf("fixer %s: %v", f.check, err)
			}
		}
	}
}
