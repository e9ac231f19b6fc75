package bot

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/patcher"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func sampleProposal() *Proposal {
	results := []*patcher.FileResult{
		{
			Path: "apps/api.yaml", Changed: true, Output: []byte("api fixed\n"),
			Workloads: []patcher.Workload{{
				Kind: "Deployment", Namespace: "prod", Name: "api", Line: 3,
				Changes: []patcher.Change{
					{Check: "allowPrivilegeEscalation", Container: "api", Field: "spec.template.spec.containers[name=api].securityContext.allowPrivilegeEscalation",
						Before: nil, After: false, Risk: "low", Why: "A process must not gain more privileges than its parent.", Test: "Nothing: the app does not use setuid binaries."},
					{Check: "runAsUser", Container: "api", Field: "spec.template.spec.securityContext.runAsUser",
						Before: 0, After: 65532, Risk: "high", Why: "Root in the container\nis root on the node if it escapes.", Test: "Check the image's USER; add `USER 65532` to its Dockerfile."},
				},
			}},
		},
		{Path: "apps/clean.yaml", Workloads: []patcher.Workload{{Kind: "Deployment", Name: "clean"}}},
		{
			Path: "infra/ingress.yaml", Changed: true, Output: []byte("ingress fixed\n"),
			Workloads: []patcher.Workload{{
				Kind: "DaemonSet", Namespace: "ingress-nginx", Name: "controller", Line: 1,
				Changes: []patcher.Change{{Check: "seccompProfile_restricted", Field: "spec.template.spec.securityContext.seccompProfile.type", After: "RuntimeDefault", Risk: "low", Why: "Filter system calls."}},
				Remaining: []patcher.Remaining{
					{Check: "hostNamespaces", Why: "hostNetwork=true", Proposal: &patcher.Proposal{Namespace: "ingress-nginx", Level: "privileged"}},
					{Check: "hostPorts", Why: "hostPort 80", Proposal: &patcher.Proposal{Namespace: "ingress-nginx", Level: "baseline"}},
				},
			}},
		},
		{
			Path: "infra/monitoring.yaml",
			Workloads: []patcher.Workload{{
				Kind: "DaemonSet", Name: "node-exporter", Line: 12,
				Remaining: []patcher.Remaining{{Check: "hostPathVolumes", Why: "volume proc uses hostPath /proc", Proposal: &patcher.Proposal{Namespace: "default", Level: "baseline"}}},
			}},
		},
	}
	return NewProposal(results, map[string]string{"infra/ingress.yaml": "100755"}, []patcher.Error{{Path: "broken.yaml", Line: 4, Message: "mapping values are not allowed here"}})
}

func TestPRBodyGolden(t *testing.T) {
	p := sampleProposal()
	found, fixed, remaining := p.Counts()
	meta := Meta{V: 1, Hash: p.Hash, Base: "0123456789abcdef0123456789abcdef01234567", Head: "89abcdef0123456789abcdef0123456789abcdef",
		Found: found, Fixed: fixed, Remaining: remaining}
	body := PRBody(BodyInput{Level: "restricted", Version: "latest", Proposal: p, Meta: meta})
	golden(t, "prbody.md", body)

	got, ok, err := ParseMeta(body)
	if err != nil || !ok || got.Hash != p.Hash || got.Base != meta.Base || got.Head != meta.Head {
		t.Errorf("the body's metadata does not read back: %+v ok=%v err=%v", got, ok, err)
	}
	for _, want := range []string{"apps/api.yaml", "infra/ingress.yaml", "infra/monitoring.yaml", "broken.yaml", "`runAsUser`", "unset → `false`", "`0` → `65532`",
		"pod-security.kubernetes.io/enforce: privileged", "audit: restricted", "warn: restricted"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.Contains(body, "apps/clean.yaml") {
		t.Error("body lists a file with nothing to say")
	}
}

func TestPRBodyDeclinedGolden(t *testing.T) {
	p := proposal("fixed")
	body := PRBody(BodyInput{Level: "baseline", Version: "v1.25", Proposal: p, Meta: Meta{Hash: p.Hash, Base: "abc", Refused: []string{"oldhash"}}, Declined: []int{12, 4}})
	golden(t, "prbody-declined.md", body)
	if !strings.Contains(body, "(#12, #4) was declined") {
		t.Error("body does not say the earlier PRs were declined")
	}
}

func TestMessagesGolden(t *testing.T) {
	var b strings.Builder
	for _, s := range []string{
		PRTitle("restricted"), CommitMessage("restricted", sampleProposal()), EditedComment("alice"), EditedComment(""),
		CloseComment("0123456789abcdef"), ConfigIssueBody(".github/pss-bot.yaml", "checks.runAsNonRot", 7, "unknown check (did you mean runAsNonRoot?)", "0123456789"),
		ConfigIssueBody(".github/pss-bot.yaml", "", 2, "did not find expected key", "0123456789"), ConfigFixedComment(".github/pss-bot.yaml", "abcdef0123"), HelpReply(),
	} {
		b.WriteString(s)
		b.WriteString("\n=====\n")
	}
	golden(t, "messages.txt", b.String())
}
