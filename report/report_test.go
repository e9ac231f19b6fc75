package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/patcher"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./report -update rewrites it):\n--- got\n%s", name, got)
	}
}

// sampleFix is a hand-built fix report over the kinds of workloads of
// testdata/example: fixed, exempt, passing, a skipped file and a bad file.
func sampleFix() *patcher.Report {
	return &patcher.Report{
		Level:   "restricted",
		Version: "v1.37",
		Files: []patcher.FileResult{
			{
				Path: "testdata/example/shop.yaml", Changed: true,
				Workloads: []patcher.Workload{
					{
						Doc: 0, Kind: "Deployment", Namespace: "shop", Name: "web", Line: 2,
						Changes: []patcher.Change{
							{Check: "allowPrivilegeEscalation", Container: "web", Field: "spec.template.spec.containers[name=web].securityContext.allowPrivilegeEscalation",
								Before: nil, After: false, Risk: "low", Why: "Stops set-user-ID binaries from gaining privileges.", Test: "The app starts.", Line: 30},
							{Check: "capabilities_restricted", Container: "web", Field: "spec.template.spec.containers[name=web].securityContext.capabilities.add",
								Before: []any{"ALL"}, After: []any{"NET_BIND_SERVICE"}, Risk: "medium",
								Why: "add: [ALL] became [NET_BIND_SERVICE]: the container declares containerPort 80,\n which needs it as non-root.", Line: 33},
						},
					},
					{Doc: 1, Kind: "Job", Namespace: "shop", Name: "migrate", Line: 40},
				},
			},
			{
				Path: "testdata/example/node-exporter.yaml", Changed: true,
				Workloads: []patcher.Workload{{
					Doc: 0, Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter", Line: 3,
					Changes: []patcher.Change{{Check: "privileged", Container: "node-exporter", Field: "spec.template.spec.containers[name=node-exporter].securityContext.privileged",
						Before: true, After: false, Risk: "high", Why: "A privileged container has full access to the node."}},
					Remaining: []patcher.Remaining{
						{Check: "hostPathVolumes", Why: "hostPath volumes \"proc\", \"sys\"", Field: "spec.template.spec.volumes[name=proc].hostPath", Line: 40,
							Proposal: &patcher.Proposal{Namespace: "monitoring", Level: "privileged"}},
						{Check: "hostNamespaces", Why: "hostPID=true", Line: 12,
							Proposal: &patcher.Proposal{Namespace: "monitoring", Level: "privileged"}},
					},
				}},
			},
			{Path: "testdata/example/chart/templates/deploy.yaml", Skipped: "Helm template ({{ }}); render it first"},
			{Path: "testdata/example/ok.yaml"},
		},
		Errors: []patcher.Error{{Path: "testdata/example/broken.yaml", Line: 7, Message: "mapping values are not allowed in this context"}},
	}
}

// sampleCheck is a check report: Remaining with Fixable and proposals.
func sampleCheck() *patcher.Report {
	item1 := 1
	return &patcher.Report{
		Level: "restricted", Version: "v1.25",
		Files: []patcher.FileResult{{
			Path: `./deploy/app one.yaml`,
			Workloads: []patcher.Workload{
				{Kind: "Pod", Name: "root", Line: 1, Remaining: []patcher.Remaining{
					{Check: "runAsNonRoot", Why: "pod or container \"app\" must set securityContext.runAsNonRoot=true", Line: 9, Fixable: true,
						Strategy: patcher.StrategyFix, Proposal: &patcher.Proposal{Namespace: "default", Level: "baseline"}},
					{Check: "seLinuxOptions", Why: "pod uses type \"spc_t\"", Line: 12, Fixable: true},
				}},
				{Kind: "Deployment", Namespace: "ingress", Name: "controller", Line: 20, Remaining: []patcher.Remaining{
					{Check: "hostNamespaces", Why: "hostNetwork=true", Proposal: &patcher.Proposal{Namespace: "ingress", Level: "privileged"}},
				}},
				{Kind: "Job", Namespace: "x", Name: "clean", Line: 40},
				{Kind: "Pod", Name: "custom", Line: 60, Remaining: []patcher.Remaining{{Check: "someFutureCheck", Why: "new"}}},
				{Kind: "Deployment", Namespace: "x", Name: "in-a-list", Line: 70, Item: &item1},
				{Kind: "Deployment", Name: "patch", Line: 80, Note: "a partial pod template (a kustomize patch): not evaluated"},
			},
		}},
	}
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sampleFix()); err != nil {
		t.Fatal(err)
	}
	golden(t, "fix.json", b.Bytes())
}

func TestJSONShape(t *testing.T) {
	// Nil slices must come out as [], and the field names exactly.
	rep := &patcher.Report{Level: "restricted", Version: "v1.37", Files: []patcher.FileResult{{Path: "a.yaml", Workloads: []patcher.Workload{{Kind: "Pod"}}}, {Path: "b.yaml"}}}
	var b bytes.Buffer
	if err := JSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["errors"] == nil || got["level"] != "restricted" || got["version"] != "v1.37" {
		t.Fatalf("top level: %s", b.String())
	}
	files := got["files"].([]any)
	w := files[0].(map[string]any)["workloads"].([]any)[0].(map[string]any)
	for _, key := range []string{"changes", "remaining"} {
		if _, ok := w[key].([]any); !ok {
			t.Errorf("%s is %v, want []", key, w[key])
		}
	}
	for _, key := range []string{"doc", "kind", "namespace", "name"} {
		if _, ok := w[key]; !ok {
			t.Errorf("workload has no %q", key)
		}
	}
	if _, ok := files[1].(map[string]any)["workloads"].([]any); !ok {
		t.Errorf("workloads of an empty file: %v", files[1])
	}
	if rep.Errors != nil || rep.Files[1].Workloads != nil {
		t.Error("JSON must not modify its argument")
	}
	// The same for a report with no file at all.
	b.Reset()
	if err := JSON(&b, &patcher.Report{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"files": []`) || !strings.Contains(b.String(), `"errors": []`) {
		t.Errorf("empty report: %s", b.String())
	}
}

func TestTextGolden(t *testing.T) {
	tests := []struct {
		name string
		rep  *patcher.Report
		mode Mode
	}{
		{"fix.txt", sampleFix(), ModeFix},
		{"dry-run.txt", sampleFix(), ModeDryRun},
		{"check.txt", sampleCheck(), ModeCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Text(&b, tt.rep, tt.mode); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		s    Summary
		mode Mode
		want string
	}{
		{Summary{Files: 7, Workloads: 12, Fixed: 9, Exempt: 3, Errors: 1}, ModeFix,
			"12 workloads in 7 files: 9 fixed, 3 need an exemption, 1 error"},
		{Summary{Files: 1, Workloads: 1, Exempt: 1, Passing: 0}, ModeFix,
			"1 workload in 1 file: 0 fixed, 1 needs an exemption, 0 errors"},
		{Summary{Files: 2, Workloads: 4, Fixed: 1, Passing: 2, Failing: 1, Skipped: 1, Errors: 2}, ModeDryRun,
			"4 workloads in 2 files: 1 to fix, 0 need an exemption, 1 still fails, 2 already pass, 2 errors, 1 file skipped"},
		{Summary{Files: 3, Workloads: 5, Passing: 2, Fixable: 2, Exempt: 1}, ModeCheck,
			"5 workloads in 3 files: 2 pass, 3 fail (2 fixable by pss-bot fix, 1 needs an exemption), 0 errors"},
		{Summary{Files: 1, Workloads: 1, Passing: 1}, ModeCheck,
			"1 workload in 1 file: 1 pass, 0 fail, 0 errors"},
		{Summary{Files: 1, Workloads: 2, Passing: 1, NotEvaluated: 1}, ModeCheck,
			"2 workloads in 1 file: 1 pass, 0 fail, 1 not evaluated, 0 errors"},
	}
	for _, tt := range tests {
		if got := tt.s.Line(tt.mode); got != tt.want {
			t.Errorf("Line = %q\n  want %q", got, tt.want)
		}
	}
	if got, want := Summarize(sampleFix()), (Summary{Files: 3, Skipped: 1, Workloads: 3, Passing: 1, Fixed: 1, Exempt: 1, Errors: 1}); got != want {
		t.Errorf("Summarize(fix) = %+v, want %+v", got, want)
	}
	if got, want := Summarize(sampleCheck()), (Summary{Files: 1, Workloads: 6, Passing: 2, NotEvaluated: 1, Fixable: 1, Exempt: 1, Failing: 1}); got != want {
		t.Errorf("Summarize(check) = %+v, want %+v", got, want)
	}
}

func TestExemptions(t *testing.T) {
	rep := sampleCheck()
	rep.Files[0].Workloads = append(rep.Files[0].Workloads, patcher.Workload{Kind: "Pod", Namespace: "ingress", Name: "p", Remaining: []patcher.Remaining{
		{Check: "hostPorts", Proposal: &patcher.Proposal{Namespace: "ingress", Level: "baseline"}}}},
		patcher.Workload{Kind: "Pod", Namespace: "apps", Name: "v", Remaining: []patcher.Remaining{
			{Check: "restrictedVolumes", Proposal: &patcher.Proposal{Namespace: "apps", Level: "baseline"}}}})
	got := Exemptions(rep)
	if len(got) != 2 || got[0].Namespace != "apps" || got[0].Level != "baseline" || got[1].Namespace != "ingress" || got[1].Level != "privileged" || len(got[1].Workloads) != 2 {
		t.Fatalf("Exemptions = %+v", got)
	}
}

func TestSARIFGolden(t *testing.T) {
	var b bytes.Buffer
	if err := SARIF(&b, sampleCheck(), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	golden(t, "check.sarif", b.Bytes())
}

// TestSARIFStructure checks what SARIF 2.1.0 and GitHub code scanning
// require of the log: schema and version, a driver named pss-bot whose rules
// are the PSA checks with help, and results whose ruleId/ruleIndex agree and
// whose location is a relative URI with a start line.
func TestSARIFStructure(t *testing.T) {
	var b bytes.Buffer
	if err := SARIF(&b, sampleFix(), ""); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct{ Text string }
						Help             struct{ Text, Markdown string }
						HelpURI          string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful        *bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Schema != SARIFSchema || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("header: %q %q %d runs", log.Schema, log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "pss-bot" {
		t.Errorf("driver name %q", run.Tool.Driver.Name)
	}
	ids := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		ids[r.ID] = true
		if r.ShortDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" || r.HelpURI == "" {
			t.Errorf("rule %s lacks help: %+v", r.ID, r)
		}
		if strings.HasPrefix(r.ShortDescription.Text, "Pod Security Standards check") {
			t.Errorf("rule %s has no written documentation", r.ID)
		}
	}
	for _, id := range []string{"allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "runAsUser", "seccompProfile_restricted", "hostNamespaces", "hostPathVolumes", "privileged", "seLinuxOptions"} {
		if !ids[id] {
			t.Errorf("no rule %s", id)
		}
	}
	if len(run.Results) != 2 {
		t.Fatalf("%d results, want 2 (the remaining checks of the node exporter)", len(run.Results))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.Level != "error" || r.Message.Text == "" || len(r.Locations) != 1 {
			t.Errorf("result %+v", r)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "testdata/example/node-exporter.yaml" || loc.Region.StartLine < 1 {
			t.Errorf("location %+v", loc)
		}
	}
	if run.Results[0].Locations[0].PhysicalLocation.Region.StartLine != 40 {
		t.Errorf("the result must point at the offending field's line: %+v", run.Results[0].Locations[0])
	}
	inv := run.Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 1 ||
		inv[0].ToolExecutionNotifications[0].Level != "error" {
		t.Errorf("invocations: %+v", inv)
	}
}

func TestSARIFURI(t *testing.T) {
	tests := map[string]string{
		"./deploy/app one.yaml": "deploy/app%20one.yaml",
		`deploy\win.yaml`:       "deploy/win.yaml",
		"/abs/x.yaml":           "file:///abs/x.yaml",
		"a/../b/c#1.yaml":       "b/c%231.yaml",
	}
	for in, want := range tests {
		if got := sarifURI(in); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSARIFMultitool validates the SARIF log with Microsoft's SARIF Multitool
// (schema and rules, GitHub's included) when SARIF_MULTITOOL names its
// executable (npm package @microsoft/sarif-multitool-linux).
func TestSARIFMultitool(t *testing.T) {
	tool := os.Getenv("SARIF_MULTITOOL")
	if tool == "" {
		t.Skip("SARIF_MULTITOOL is not set: not validating with the SARIF Multitool (npm i @microsoft/sarif-multitool-linux)")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.sarif"), filepath.Join(dir, "out.sarif")
	var b bytes.Buffer
	if err := SARIF(&b, sampleFix(), "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "validate", in, "-o", out, "--rule-kind", "Sarif;Gh")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text      string   `json:"text"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	for _, r := range log.Runs[0].Results {
		t.Errorf("%s %s: %s %v", r.Level, r.RuleID, r.Message.Text, r.Message.Arguments)
	}
}
