// Package patcher is the remediation engine of pss-bot: it takes the bytes of a
// manifest file and returns the same bytes, changed only where the Pod Security
// Standards require it, together with a report of every change and of every
// check that still fails. It does no I/O and knows nothing of GitHub.
//
// The judge is the official policy, k8s.io/pod-security-admission: every pod
// template is decoded into the API types as the API server would (including
// its defaulting of a volume with no source to emptyDir and, on the host
// network, of hostPort to containerPort in the pods it creates) and evaluated with
// policy.DefaultChecks() at the chosen level and version. Failures carry the
// library's check IDs.
//
// Fix applies, for each failing check whose strategy is fix, that check's
// fixer (one per check ID, in fix_<checkID>.go): the least change that makes
// the check pass. Checks that would take away what a workload is for (host
// namespaces, hostPath and other restricted volumes, host ports, sysctls,
// Windows HostProcess, and privileged in a node agent, a DaemonSet with host
// access) are not changed: they remain, with a proposed namespace exemption.
// Fix then renders the file through patcher/yamledit, which keeps every
// untouched byte, parses and evaluates the result again, and refuses to hand
// out output that does not fail on exactly the reported remaining checks.
//
// What is not a workload is left alone: Helm templates and kustomization
// files are skipped; a workload whose pod template is partial (no spec, no
// containers, or a container without an image: a kustomize patch or overlay)
// is reported with a Note and neither evaluated nor changed, because its base
// is where the settings belong and is fixed on its own. Templates that use
// YAML anchors or aliases are evaluated but not edited (an edit through an
// alias would change every place the anchor is used).
package patcher

import "strconv"

// Strategy says what the engine does with a failing check.
type Strategy string

const (
	// StrategyFix rewrites the manifest so that the check passes.
	StrategyFix Strategy = "fix"
	// StrategyExempt leaves the manifest alone and proposes a namespace exemption.
	StrategyExempt Strategy = "exempt"
	// StrategyReport only reports the failure.
	StrategyReport Strategy = "report"
)

// DefaultRunAsUser is the non-root UID given to containers that ran as UID 0.
// 65532 is the "nonroot" user of distroless images.
const DefaultRunAsUser int64 = 65532

// DefaultMaxFileSize is the largest file the engine accepts.
const DefaultMaxFileSize = 5 << 20

// Options configure an evaluation or a fix. The zero value means: restricted,
// latest, the built-in strategies, UID 65532.
type Options struct {
	// Level is "restricted" (default) or "baseline".
	Level string
	// Version is "latest" (default) or "v1.N".
	Version string
	// RunAsUser replaces runAsUser: 0. Zero means DefaultRunAsUser.
	RunAsUser int64
	// Strategies overrides the strategy of a check, by PSA check ID.
	Strategies map[string]Strategy
	// Kinds maps extra workload kinds to the dotted path of their pod
	// template, e.g. "Rollout" -> "spec.template". Rollout is built in.
	Kinds map[string]string
	// ReadOnlyRootFilesystem opts in to setting readOnlyRootFilesystem: true
	// (not required by any PSS level) with writable emptyDir mounts.
	ReadOnlyRootFilesystem bool
	// MaxFileSize is the largest file accepted, in bytes. Zero means
	// DefaultMaxFileSize.
	MaxFileSize int
}

// FileResult is what the engine found and did in one file.
type FileResult struct {
	Path    string `json:"path"`
	Changed bool   `json:"changed"`
	// Skipped, when set, says why the file was not evaluated (a Helm
	// template, a kustomization file, ...). It is not an error.
	Skipped   string     `json:"skipped,omitempty"`
	Workloads []Workload `json:"workloads"`
	// Output holds the rewritten file; it equals the input when nothing changed.
	Output []byte `json:"-"`
}

// Workload is one pod template in one YAML document.
type Workload struct {
	Doc       int    `json:"doc"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Item is the index of the workload in the items of a List document.
	Item *int `json:"item,omitempty"`
	// Line is the line of the document's kind (1-based, in the original file).
	Line int `json:"line"`
	// Note, when set, says why the workload was not evaluated or not edited
	// (a partial pod template such as a kustomize patch).
	Note string `json:"note,omitempty"`
	// Changes made by fix (empty for check).
	Changes []Change `json:"changes"`
	// Remaining lists, by PSA check ID, every check that still fails.
	Remaining []Remaining `json:"remaining"`
}

// Change is one edit made to a workload.
type Change struct {
	Check     string `json:"check"`
	Container string `json:"container,omitempty"`
	Field     string `json:"field"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	// Risk is "low", "medium" or "high".
	Risk string `json:"risk"`
	Why  string `json:"why"`
	// Test says what to test after the change.
	Test string `json:"test,omitempty"`
	// Line of the changed field in the output file (1-based).
	Line int `json:"line,omitempty"`
}

// Remaining is a check that still fails after the fix.
type Remaining struct {
	Check string `json:"check"`
	Why   string `json:"why"`
	// Field and Line point at the offending field in the file that was
	// evaluated (the output of fix, the input of check).
	Field string `json:"field,omitempty"`
	Line  int    `json:"line,omitempty"`
	// Fixable is true when pss-bot fix would fix this check (set by check).
	Fixable bool `json:"fixable,omitempty"`
	// Strategy is what the engine does with this check for this workload:
	// exempt and fix (when a fix was not possible) carry a Proposal.
	Strategy Strategy  `json:"strategy,omitempty"`
	Proposal *Proposal `json:"proposal,omitempty"`
}

// Proposal is a namespace exemption that would let a workload run unchanged.
type Proposal struct {
	Namespace string `json:"namespace"`
	// Level is the pod-security.kubernetes.io/enforce level proposed for the
	// namespace: "baseline" or "privileged".
	Level string `json:"level"`
}

// Error is a file that could not be read or parsed. Line is 1-based, 0 if unknown.
type Error struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return e.Path + ":" + strconv.Itoa(e.Line) + ": " + e.Message
	}
	return e.Path + ": " + e.Message
}

// Report is the result of a run over many files; its JSON form is the
// machine report of `pss-bot fix --output json`.
type Report struct {
	Level   string       `json:"level"`
	Version string       `json:"version"`
	Files   []FileResult `json:"files"`
	Errors  []Error      `json:"errors"`
}

// NewReport returns an empty report for the engine's level and version.
func (e *Engine) NewReport() *Report {
	return &Report{Level: e.Level(), Version: e.Version(), Files: []FileResult{}, Errors: []Error{}}
}
