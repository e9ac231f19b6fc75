package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/pss-bot/pss-bot/patcher"
)

// A pod that passes restricted.
const cleanPod = `apiVersion: v1
kind: Pod
metadata:
  name: clean
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: example.com/app:1
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
`

// A pod that fails restricted, every failure of which fix fixes.
const fixablePod = `# a pod written without security in mind
apiVersion: v1
kind: Pod
metadata:
  name: fixable
spec:
  containers:
    - name: app # the only container
      image: example.com/app:1
`

// Invalid YAML: the error is on line 5.
const brokenYAML = `apiVersion: v1
kind: Pod
metadata:
  name: broken
  labels: app: web
spec: {}
`

// cli runs pss-bot with args and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// requireEngine skips a test that needs the real engine while patcher.Fix
// and patcher.Check are stubs.
func requireEngine(t *testing.T) {
	t.Helper()
	stub := func(err error) bool { return err != nil && strings.Contains(err.Error(), "not implemented") }
	_, errFix := patcher.Fix("probe.yaml", []byte(fixablePod), patcher.Options{})
	_, errCheck := patcher.Check("probe.yaml", []byte(fixablePod), patcher.Options{})
	if stub(errFix) || stub(errCheck) {
		t.Skip("the engine (patcher.Fix/Check) is not implemented yet; this end-to-end test runs once it is")
	}
}

// write creates files (slash path -> content) below dir with mode 0644.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot reads every file below dir (slash path -> content).
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// copyExample copies testdata/example into a temporary folder.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "example")
	src := filepath.Join("..", "..", "testdata", "example")
	files := readTree(t, src)
	if len(files) == 0 {
		t.Fatalf("no files in %s", src)
	}
	writeFiles(t, dir, files)
	return dir
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pod.yaml": cleanPod})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no path", []string{"fix"}, "no PATH given"},
		{"no path check", []string{"check", "--output", "json"}, "no PATH given"},
		{"unknown flag", []string{"fix", "--frobnicate", dir}, "unknown flag: --frobnicate"},
		{"bad level", []string{"fix", "--level", "privileged", dir}, "--level must be restricted or baseline"},
		{"bad version", []string{"check", "--version", "1.30", dir}, `must be "latest" or "v1.x"`},
		{"sarif is for check", []string{"fix", "--output", "sarif", dir}, "--output must be one of text, json"},
		{"bad output", []string{"check", "-o", "yaml", dir}, "--output must be one of text, json, sarif"},
		{"unknown check", []string{"fix", "--strategy", "hostNetwork=exempt", dir}, `--strategy "hostNetwork=exempt"`},
		{"bad strategy", []string{"fix", "--strategy", "hostNamespaces=ignore", dir}, "must be fix, exempt or report"},
		{"bad kind", []string{"fix", "--kind", "Rollout", dir}, "want Kind=dotted.path"},
		{"root uid", []string{"fix", "--run-as-user", "0", dir}, "--run-as-user must be a non-root UID"},
		{"bad glob", []string{"check", "--exclude", "[x", dir}, "syntax error in pattern"},
		{"dry-run is for fix", []string{"check", "--dry-run", dir}, "unknown flag: --dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not say %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
	if got := readTree(t, dir)["pod.yaml"]; got != cleanPod {
		t.Error("a usage error must not touch any file")
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"fix", "check"} {
		for _, flag := range []string{"--help", "-h"} {
			code, out, errOut := runCLI(t, cmd, flag)
			if code != 0 || strings.Count(out, "Usage: pss-bot "+cmd) != 1 || !strings.Contains(out, "--strategy") || !strings.Contains(out, "Exit status") || errOut != "" {
				t.Errorf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", cmd, flag, code, out, errOut)
			}
		}
	}
}

func TestFlagsReachTheEngine(t *testing.T) {
	fl, code := parseLocalFlags(fixCommand(), []string{"a", "--dry-run", "--level", "baseline", "--version", "v1.25", "--run-as-user", "1000",
		"--strategy", "hostNamespaces=report,privileged=exempt", "--strategy", "runAsNonRoot=fix",
		"--kind", "Rollout=spec.template", "--kind", "Workflow=spec.podSpecPatch.template", "--read-only-root-filesystem", "-o", "json", "b",
		"--exclude", "vendor/**"}, &bytes.Buffer{}, &bytes.Buffer{})
	if fl == nil {
		t.Fatalf("exit %d", code)
	}
	o := fl.opts
	if !fl.dryRun || fl.output != "json" || o.Level != "baseline" || o.Version != "v1.25" || o.RunAsUser != 1000 || !o.ReadOnlyRootFilesystem {
		t.Errorf("flags: %+v", fl)
	}
	if o.Strategies["hostNamespaces"] != patcher.StrategyReport || o.Strategies["privileged"] != patcher.StrategyExempt || o.Strategies["runAsNonRoot"] != patcher.StrategyFix || len(o.Strategies) != 3 {
		t.Errorf("strategies: %v", o.Strategies)
	}
	if o.Kinds["Rollout"] != "spec.template" || o.Kinds["Workflow"] != "spec.podSpecPatch.template" {
		t.Errorf("kinds: %v", o.Kinds)
	}
	if strings.Join(fl.paths, ",") != "a,b" || strings.Join(fl.exclude, ",") != "vendor/**" {
		t.Errorf("paths %v exclude %v", fl.paths, fl.exclude)
	}
	// Defaults.
	fl, _ = parseLocalFlags(checkCommand(), []string{"x"}, &bytes.Buffer{}, &bytes.Buffer{})
	if fl.opts.Level != "restricted" || fl.opts.Version != "latest" || fl.opts.RunAsUser != patcher.DefaultRunAsUser || fl.output != "text" {
		t.Errorf("defaults: %+v", fl.opts)
	}
}

func TestWriteAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o755} {
		p := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(p, []byte("old\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
		if err := writeAtomic(p, []byte("new\n"), mode); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("mode %v, want %v", info.Mode().Perm(), mode)
		}
		if b, _ := os.ReadFile(p); string(b) != "new\n" {
			t.Errorf("content %q", b)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// A failed write leaves nothing behind and names the problem.
	if err := writeAtomic(filepath.Join(dir, "missing", "x.yaml"), []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "file left unchanged") {
		t.Errorf("write into a missing folder: %v", err)
	}
}

func TestExitCode(t *testing.T) {
	failing := patcher.Workload{Remaining: []patcher.Remaining{{Check: "hostNamespaces"}}}
	tests := []struct {
		name string
		rep  patcher.Report
		want int
	}{
		{"empty", patcher.Report{}, 0},
		{"passing", patcher.Report{Files: []patcher.FileResult{{Workloads: []patcher.Workload{{Changes: []patcher.Change{{}}}}}}}, 0},
		{"remaining", patcher.Report{Files: []patcher.FileResult{{}, {Workloads: []patcher.Workload{{}, failing}}}}, 1},
		{"error wins", patcher.Report{Files: []patcher.FileResult{{Workloads: []patcher.Workload{failing}}}, Errors: []patcher.Error{{}}}, 2},
		{"skipped only", patcher.Report{Files: []patcher.FileResult{{Skipped: "Helm template"}}}, 0},
	}
	for _, tt := range tests {
		if got := exitCode(&tt.rep); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestMissingPathIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	for _, cmd := range []string{"fix", "check"} {
		code, out, errOut := runCLI(t, cmd, missing)
		if code != 2 || !strings.Contains(out+errOut, missing) || !strings.Contains(out+errOut, "no such file") {
			t.Errorf("%s: exit %d\n%s%s", cmd, code, out, errOut)
		}
	}
}

// TestOverSizeFile: a file over 5 MiB is an error naming it; nothing is
// written; other files are still processed.
func TestOverSizeFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	content := "# padding\n" + strings.Repeat("#", 5<<20) + "\n"
	if err := os.WriteFile(big, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "fix", dir)
	if code != 2 || !strings.Contains(out, "big.yaml") || !strings.Contains(out, "over the 5242880-byte limit") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(big); string(b) != content {
		t.Error("the big file was changed")
	}

	requireEngine(t)
	writeFiles(t, dir, map[string]string{"pod.yaml": fixablePod})
	code, out, _ = runCLI(t, "fix", dir)
	if code != 2 || !strings.Contains(out, "big.yaml") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "pod.yaml")); string(b) == fixablePod {
		t.Error("the other file was not fixed")
	}
}

// TestSymlinkOutsideRoot: a symlink leaving the folder is skipped with a
// message and its target never touched.
func TestSymlinkOutsideRoot(t *testing.T) {
	outside := t.TempDir()
	target := filepath.Join(outside, "other-team.yaml")
	writeFiles(t, outside, map[string]string{"other-team.yaml": fixablePod})
	dir := t.TempDir()
	if err := os.Symlink(target, filepath.Join(dir, "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "fix", dir)
	if code != 0 || !strings.Contains(out, "linked.yaml: skipped: symlink points outside") || !strings.Contains(out, "not followed") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "check", "--output", "json", dir)
	var rep patcher.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Files) != 1 || rep.Files[0].Skipped == "" {
		t.Errorf("check --output json: exit %d, %v\n%s", code, err, out)
	}

	requireEngine(t)
	writeFiles(t, dir, map[string]string{"own.yaml": fixablePod})
	code, out, _ = runCLI(t, "fix", dir)
	if code != 0 {
		t.Errorf("exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(target); string(b) != fixablePod {
		t.Error("the file outside the folder was changed through the symlink")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "own.yaml")); string(b) == fixablePod {
		t.Error("the file inside the folder was not fixed")
	}
}

func TestCheckExitCodes(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"clean.yaml": cleanPod, "fixable.yaml": fixablePod, "broken.yaml": brokenYAML})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name  string
		paths []string
		want  int
	}{
		{"clean", []string{p("clean.yaml")}, 0},
		{"violations", []string{p("clean.yaml"), p("fixable.yaml")}, 1},
		{"parse error", []string{p("broken.yaml")}, 2},
		{"parse error wins", []string{dir}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, output := range []string{"text", "json", "sarif"} {
				code, out, errOut := runCLI(t, append([]string{"check", "--output", output}, tt.paths...)...)
				if code != tt.want {
					t.Errorf("--output %s: exit %d, want %d\n%s%s", output, code, tt.want, out, errOut)
				}
			}
		})
	}
	if got := readTree(t, dir); got["fixable.yaml"] != fixablePod || got["broken.yaml"] != brokenYAML {
		t.Error("check wrote a file")
	}
}

func TestFixExitCodes(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"clean.yaml": cleanPod, "fixable.yaml": fixablePod})
	clean := filepath.Join(dir, "clean.yaml")
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(clean, past, past); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "fix", dir)
	if code != 0 {
		t.Fatalf("fix of fixable workloads: exit %d, want 0\n%s%s", code, out, errOut)
	}
	got := readTree(t, dir)
	if info, err := os.Stat(clean); err != nil || !info.ModTime().Equal(past) || got["clean.yaml"] != cleanPod {
		t.Error("a file with no violation was rewritten")
	}
	if got["fixable.yaml"] == fixablePod || !strings.Contains(got["fixable.yaml"], "# the only container") {
		t.Errorf("fixable.yaml not fixed, or its comments lost:\n%s", got["fixable.yaml"])
	}
	if code, out, _ := runCLI(t, "check", dir); code != 0 {
		t.Errorf("check after fix: exit %d\n%s", code, out)
	}
	// Something that fix does not fix: exit 1.
	writeFiles(t, dir, map[string]string{"host.yaml": strings.Replace(fixablePod, "spec:\n", "spec:\n  hostNetwork: true\n", 1)})
	if code, out, _ := runCLI(t, "fix", dir); code != 1 || !strings.Contains(out, "hostNamespaces") {
		t.Errorf("fix of a hostNetwork pod: exit %d, want 1\n%s", code, out)
	}
}

// TestBadFileAmongGood: the unparsable file is named with its line and left
// untouched; the others are still fixed.
func TestBadFileAmongGood(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": fixablePod, "b-broken.yaml": brokenYAML, "c.yaml": fixablePod})
	if err := os.Chmod(filepath.Join(dir, "b-broken.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(filepath.Join(dir, "b-broken.yaml"))
	code, out, errOut := runCLI(t, "fix", dir)
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, filepath.ToSlash(filepath.Join(dir, "b-broken.yaml"))+":5:") {
		t.Errorf("the report does not name b-broken.yaml:5:\n%s", out)
	}
	got := readTree(t, dir)
	if got["b-broken.yaml"] != brokenYAML {
		t.Error("the broken file was changed")
	}
	after, _ := os.Stat(filepath.Join(dir, "b-broken.yaml"))
	if !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
		t.Error("the broken file was rewritten")
	}
	if got["a.yaml"] == fixablePod || got["c.yaml"] == fixablePod {
		t.Error("the good files around the broken one were not fixed")
	}
	// JSON: the error entry carries path and line.
	_, out, errOut = runCLI(t, "check", "--output", "json", dir)
	var rep patcher.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 5 || !strings.HasSuffix(rep.Errors[0].Path, "b-broken.yaml") {
		t.Errorf("errors: %+v", rep.Errors)
	}
	if !strings.Contains(errOut, "b-broken.yaml:5:") {
		t.Errorf("stderr does not name the broken file: %q", errOut)
	}
}

func TestFixKeepsModeEndToEnd(t *testing.T) {
	requireEngine(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "pod.yaml")
	writeFiles(t, dir, map[string]string{"pod.yaml": fixablePod})
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "fix", dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	info, _ := os.Stat(p)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestExample runs the README's first command over a copy of
// testdata/example, then fix, a second fix, and check.
func TestExample(t *testing.T) {
	requireEngine(t)
	dir := copyExample(t)
	original := readTree(t, dir)

	// fix --dry-run: writes nothing, prints a diff that git apply accepts.
	code, diff, report := runCLI(t, "fix", "--dry-run", dir)
	if code != 1 {
		t.Errorf("fix --dry-run: exit %d, want 1 (the node exporter and the ingress controller need an exemption)\n%s", code, report)
	}
	if got := readTree(t, dir); !sameFiles(got, original) {
		t.Fatal("fix --dry-run wrote files")
	}
	if !strings.HasPrefix(diff, "--- a/") || !strings.Contains(diff, "\n@@ -") {
		t.Fatalf("fix --dry-run did not print a diff:\n%s", diff)
	}
	for _, want := range []string{"pod-security.kubernetes.io/enforce: privileged", "namespace monitoring", "namespace ingress-nginx", "audit", "warn", "enforce", "nothing written"} {
		if !strings.Contains(report, want) {
			t.Errorf("the dry-run report does not say %q:\n%s", want, report)
		}
	}

	// fix: the files change as the diff said.
	code, out, errOut := runCLI(t, "fix", dir)
	if code != 1 {
		t.Errorf("fix: exit %d, want 1\n%s%s", code, out, errOut)
	}
	fixed := readTree(t, dir)
	if fixed["kustomization.yaml"] != original["kustomization.yaml"] {
		t.Error("kustomization.yaml was changed")
	}
	for name, content := range original {
		for _, line := range strings.Split(content, "\n") {
			if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(fixed[name], line[i:]) {
				t.Errorf("%s lost the comment %q", name, line[i:])
			}
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		checkDiffApplies(t, dir, original, fixed, diff)
	} else {
		t.Log("git is not installed: not checking that the dry-run diff applies")
	}

	// A second fix changes nothing.
	code, out, _ = runCLI(t, "fix", dir)
	if code != 1 || !strings.Contains(out, "Wrote 0 files.") {
		t.Errorf("second fix: exit %d\n%s", code, out)
	}
	if got := readTree(t, dir); !sameFiles(got, fixed) {
		t.Error("a second fix changed files")
	}
	code, diff, _ = runCLI(t, "fix", "--dry-run", dir)
	if code != 1 || diff != "" {
		t.Errorf("a dry run after fix still has a diff:\n%s", diff)
	}

	// check: only the exempt workloads still fail, with their proposals.
	code, out, _ = runCLI(t, "check", "--output", "json", dir)
	if code != 1 {
		t.Errorf("check after fix: exit %d, want 1", code)
	}
	var rep patcher.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		for _, w := range f.Workloads {
			for _, r := range w.Remaining {
				if r.Proposal == nil {
					t.Errorf("%s %s: %s remains without a proposal after fix", w.Kind, w.Name, r.Check)
				}
			}
			if len(w.Remaining) > 0 && w.Name != "node-exporter" && w.Name != "ingress-nginx-controller" {
				t.Errorf("%s %s still fails after fix: %+v", w.Kind, w.Name, w.Remaining)
			}
		}
	}
}

// TestExampleCheck: check finds the six violations of the example, by check
// ID, and SARIF points at relative paths and lines.
func TestExampleCheck(t *testing.T) {
	requireEngine(t)
	src := filepath.Join("..", "..", "testdata", "example")
	code, out, errOut := runCLI(t, "check", "--output", "json", src)
	if code != 1 {
		t.Fatalf("check: exit %d, want 1\n%s", code, errOut)
	}
	var rep patcher.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	failed := map[string]map[string]bool{}
	for _, f := range rep.Files {
		for _, w := range f.Workloads {
			failed[w.Name] = map[string]bool{}
			for _, r := range w.Remaining {
				failed[w.Name][r.Check] = true
			}
		}
	}
	for _, want := range []struct{ workload, check string }{
		{"api", "runAsUser"},
		{"orders", "allowPrivilegeEscalation"},
		{"node-exporter", "privileged"},
		{"node-exporter", "restrictedVolumes"}, // hostPath; at restricted the library reports it as restrictedVolumes
		{"ingress-nginx-controller", "hostNamespaces"},
		{"web", "capabilities_restricted"},
		{"sales-report", "seLinuxOptions"},
	} {
		if !failed[want.workload][want.check] {
			t.Errorf("check does not report %s on %s; got %v", want.check, want.workload, failed[want.workload])
		}
	}

	code, out, _ = runCLI(t, "check", "--output", "sarif", src)
	if code != 1 {
		t.Errorf("check --output sarif: exit %d", code)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("sarif: %v\n%s", err, out)
	}
	for _, r := range log.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if !strings.HasPrefix(loc.ArtifactLocation.URI, "../../testdata/example/") || loc.Region.StartLine < 1 {
			t.Errorf("%s at %+v", r.RuleID, loc)
		}
	}
}

// checkDiffApplies applies the dry-run diff to a copy of the original files
// with git apply and compares the result with what fix wrote.
func checkDiffApplies(t *testing.T, dir string, original, fixed map[string]string, diff string) {
	t.Helper()
	work := t.TempDir()
	writeFiles(t, work, original)
	// The diff names files by the path given (dir/...); strip dir's
	// components so that git apply finds them below work.
	strip := len(strings.Split(strings.Trim(filepath.ToSlash(dir), "/"), "/")) + 1
	cmd := exec.Command("git", "apply", "-p"+strconv.Itoa(strip), "-")
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply of the dry-run diff: %v\n%s", err, out)
	}
	if got := readTree(t, work); !sameFiles(got, fixed) {
		t.Error("the dry-run diff applied to the original files differs from what fix wrote")
	}
}

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestExampleFileLoggingAppKeepsWorking: the order service writes its log to
// /var/log/orders. After fix, with and without --read-only-root-filesystem,
// that folder is still a writable emptyDir mount of the container, and the
// log shipper still reads it.
func TestExampleFileLoggingAppKeepsWorking(t *testing.T) {
	requireEngine(t)
	for _, args := range [][]string{{"fix"}, {"fix", "--read-only-root-filesystem"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := copyExample(t)
			file := filepath.Join(dir, "shop", "orders.yaml")
			if code, out, errOut := runCLI(t, append(args, file)...); code != 0 {
				t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := yaml.Parse(string(b))
			if err != nil {
				t.Fatalf("fixed orders.yaml does not parse: %v", err)
			}
			spec := doc.Field("spec").Value.Field("template").Value.Field("spec").Value
			volumes := map[string]*yaml.RNode{}
			if err := spec.Field("volumes").Value.VisitElements(func(v *yaml.RNode) error {
				volumes[yaml.GetValue(v.Field("name").Value)] = v
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if volumes["logs"] == nil || volumes["logs"].Field("emptyDir") == nil {
				t.Fatalf("the logs emptyDir volume is gone:\n%s", b)
			}
			mounts := func(container string) (writable, readOnly bool, rootReadOnly string) {
				c, err := spec.Pipe(yaml.Lookup("containers", "[name="+container+"]"))
				if err != nil || c == nil {
					t.Fatalf("container %s is gone: %v", container, err)
				}
				if f, _ := c.Pipe(yaml.Lookup("securityContext", "readOnlyRootFilesystem")); f != nil {
					rootReadOnly = yaml.GetValue(f)
				}
				_ = c.Field("volumeMounts").Value.VisitElements(func(m *yaml.RNode) error {
					if yaml.GetValue(m.Field("mountPath").Value) != "/var/log/orders" || yaml.GetValue(m.Field("name").Value) != "logs" {
						return nil
					}
					if ro := m.Field("readOnly"); ro != nil && yaml.GetValue(ro.Value) == "true" {
						readOnly = true
					} else {
						writable = true
					}
					return nil
				})
				return writable, readOnly, rootReadOnly
			}
			writable, _, rootRO := mounts("orders")
			if !writable {
				t.Errorf("the log folder of orders is no longer a writable mount:\n%s", b)
			}
			if _, readOnly, _ := mounts("log-shipper"); !readOnly {
				t.Errorf("the log shipper no longer reads the log folder:\n%s", b)
			}
			if len(args) > 1 && rootRO != "true" {
				t.Skip("the engine does not set readOnlyRootFilesystem yet (patcher.Options.ReadOnlyRootFilesystem); the log folder is still checked above")
			}
		})
	}
}

func TestRelativePaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rep := &patcher.Report{
		Files:  []patcher.FileResult{{Path: filepath.Join(wd, "deploy", "a.yaml")}, {Path: "rel/b.yaml"}, {Path: filepath.Join(filepath.Dir(wd), "up.yaml")}},
		Errors: []patcher.Error{{Path: filepath.Join(wd, "c.yaml")}},
	}
	got := relativePaths(rep)
	want := []string{filepath.Join("deploy", "a.yaml"), "rel/b.yaml", filepath.Join(filepath.Dir(wd), "up.yaml")}
	for i, f := range got.Files {
		if f.Path != want[i] {
			t.Errorf("file %d: %q, want %q", i, f.Path, want[i])
		}
	}
	if got.Errors[0].Path != "c.yaml" {
		t.Errorf("error path %q", got.Errors[0].Path)
	}
	if rep.Files[0].Path != filepath.Join(wd, "deploy", "a.yaml") {
		t.Error("relativePaths modified its argument")
	}
}

// TestCorpusDryRunMatchesFix runs the CLI over a copy of the shared corpus
// of real manifests: the dry-run diff, applied with git apply, gives exactly
// the files fix writes; a second fix writes nothing; files fix did not
// change keep their bytes.
func TestCorpusDryRunMatchesFix(t *testing.T) {
	requireEngine(t)
	corpus := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("the shared corpus of real manifests is absent (%v)", err)
	}
	if testing.Short() {
		t.Skip("-short: skipping the corpus run")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot apply the dry-run diff")
	}
	original := readTree(t, corpus)
	dir := filepath.Join(t.TempDir(), "corpus")
	writeFiles(t, dir, original)

	code, diff, report := runCLI(t, "fix", "--dry-run", dir)
	if code == 0 || code > 2 {
		t.Fatalf("fix --dry-run: exit %d\n%s", code, report)
	}
	if !sameFiles(readTree(t, dir), original) {
		t.Fatal("fix --dry-run wrote files")
	}
	runCLI(t, "fix", dir)
	fixed := readTree(t, dir)
	checkDiffApplies(t, dir, original, fixed, diff)

	changed := 0
	for name := range original {
		if fixed[name] != original[name] {
			changed++
		}
	}
	if changed == 0 || changed != strings.Count(diff, "\n+++ b/") {
		t.Errorf("%d files changed, the diff names %d", changed, strings.Count(diff, "\n+++ b/"))
	}
	_, out, _ := runCLI(t, "fix", dir)
	if !strings.Contains(out, "Wrote 0 files.") || !sameFiles(readTree(t, dir), fixed) {
		t.Errorf("a second fix changed files:\n%s", lastLines(out, 2))
	}
	t.Logf("%d of %d files changed; first run: %s", changed, len(original), lastLines(report, 1))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestReportVersion checks the version the report names: "latest" is the
// version of k8s.io/pod-security-admission in go.mod (v0.N.x is Kubernetes
// v1.N); an explicit version is reported as given.
func TestReportVersion(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var minor int
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "k8s.io/pod-security-admission" {
			var patch int
			if _, err := fmt.Sscanf(f[1], "v0.%d.%d", &minor, &patch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if minor == 0 {
		t.Fatal("k8s.io/pod-security-admission not found in go.mod")
	}
	for _, tc := range []struct{ flag, want string }{
		{"latest", fmt.Sprintf("v1.%d", minor)},
		{"v1.25", "v1.25"},
	} {
		var stdout, stderr bytes.Buffer
		run([]string{"check", "--output", "json", "--version", tc.flag, filepath.Join("..", "..", "testdata", "example")}, &stdout, &stderr)
		var rep struct{ Version string }
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("--version %s: %v\n%s", tc.flag, err, stderr.String())
		}
		if rep.Version != tc.want {
			t.Errorf("--version %s: report names %q, want %q", tc.flag, rep.Version, tc.want)
		}
	}
}

// TestCheckIncludeExclude checks that --include and --exclude are the globs
// of .github/pss-bot.yaml (config.Paths): "*.yaml" is only PATH's own files,
// "**" crosses folders, "dir/" is everything under dir, and an excluded file
// is not even read (a broken one is not an error).
func TestCheckIncludeExclude(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"root.yaml":              cleanPod,
		"deploy/app.yaml":        cleanPod,
		"deploy/legacy/old.yaml": cleanPod,
		"vendor/broken.yaml":     brokenYAML,
	})
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--include", "*.yaml", "--exclude", "vendor/"}, []string{"root.yaml"}},
		{[]string{"--include", "**/*.yaml", "--exclude", "vendor/**,deploy/legacy/"}, []string{"deploy/app.yaml", "root.yaml"}},
		{[]string{"--include", "deploy/", "--exclude", "**/legacy/**"}, []string{"deploy/app.yaml"}},
		{[]string{"--include", "./deploy/**/*.yaml"}, []string{"deploy/app.yaml", "deploy/legacy/old.yaml"}},
	}
	for _, tt := range tests {
		args := append([]string{"check", "-o", "json"}, tt.args...)
		code, out, errOut := runCLI(t, append(args, dir)...)
		var rep struct {
			Files []struct {
				Path string `json:"path"`
			} `json:"files"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%q: %v\n%s", tt.args, err, out)
		}
		got := []string{}
		for _, f := range rep.Files {
			rel, _ := filepath.Rel(dir, f.Path)
			got = append(got, filepath.ToSlash(rel))
		}
		if code != exitOK || strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%q: exit %d, files %q, want 0 and %q\nstderr: %s", tt.args, code, got, tt.want, errOut)
		}
	}
}
