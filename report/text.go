package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// Text writes the report for people: per file and workload, what changed and
// why, with the risk and what to test; what still fails and the namespace
// exemption proposed for it; the exemptions with their staged rollout
// (audit → warn → enforce); the errors; and a one-line summary.
func Text(w io.Writer, rep *patcher.Report, mode Mode) error {
	tw := &textWriter{w: w}
	header := fmt.Sprintf("Pod Security Standards: %s, %s", orDefault(rep.Level, "restricted"), orDefault(rep.Version, "latest"))
	if mode == ModeDryRun {
		header += " (dry run: nothing written)"
	}
	tw.printf("%s\n", header)

	changed := 0
	for _, f := range rep.Files {
		if f.Changed {
			changed++
		}
		tw.file(f, mode)
	}

	if len(rep.Errors) > 0 {
		if mode == ModeFix {
			tw.printf("\nErrors (these files were left untouched):\n")
		} else {
			tw.printf("\nErrors:\n")
		}
		for _, e := range rep.Errors {
			e.Path = slashPath(e.Path)
			tw.printf("  %s\n", e.Error())
		}
	}

	if ex := Exemptions(rep); len(ex) > 0 {
		level := orDefault(rep.Level, "restricted")
		tw.printf("\nProposed namespace exemptions, rolled out in stages (audit → warn → enforce):\n")
		for _, e := range ex {
			tw.printf("  namespace %s: pod-security.kubernetes.io/enforce: %s\n", e.Namespace, e.Level)
			for _, wl := range e.Workloads {
				tw.printf("    needed by %s\n", wl)
			}
			tw.printf("    1. audit:   kubectl label --overwrite namespace %s pod-security.kubernetes.io/audit=%s\n", e.Namespace, level)
			tw.printf("    2. warn:    kubectl label --overwrite namespace %s pod-security.kubernetes.io/warn=%s\n", e.Namespace, level)
			tw.printf("    3. enforce: kubectl label --overwrite namespace %s pod-security.kubernetes.io/enforce=%s\n", e.Namespace, e.Level)
		}
		tw.printf("  Audit and warn stay at %s so what still fails remains visible; every other namespace follows the same stages with enforce=%s.\n", level, level)
	}

	tw.printf("\n")
	switch mode {
	case ModeFix:
		tw.printf("Wrote %s.\n", count(changed, "file", "files"))
	case ModeDryRun:
		tw.printf("Would change %s.\n", count(changed, "file", "files"))
	}
	tw.printf("%s\n", Summarize(rep).Line(mode))
	return tw.err
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) file(f patcher.FileResult, mode Mode) {
	path := slashPath(f.Path)
	if f.Skipped != "" {
		t.printf("\n%s: skipped: %s\n", path, f.Skipped)
		return
	}
	if len(f.Workloads) == 0 {
		t.printf("\n%s: no workloads\n", path)
		return
	}
	t.printf("\n%s\n", path)
	for _, w := range f.Workloads {
		t.workload(w, mode)
	}
}

func (t *textWriter) workload(w patcher.Workload, mode Mode) {
	item := ""
	if w.Item != nil {
		item = fmt.Sprintf(", List item %d", *w.Item)
	}
	t.printf("  %s %s (line %d%s): %s\n", w.Kind, qualifiedName(w), w.Line, item, workloadStatus(w, mode))
	if w.Note != "" {
		t.printf("    note: %s\n", oneLine(w.Note))
	}
	verb := "fixed"
	if mode == ModeDryRun {
		verb = "would fix"
	}
	for _, c := range w.Changes {
		where := ""
		if c.Container != "" {
			where = " in container " + c.Container
		}
		at := ""
		if c.Line > 0 {
			at = fmt.Sprintf("line %d, ", c.Line)
		}
		t.printf("    %s %s%s (%srisk: %s)\n", verb, c.Check, where, at, orDefault(c.Risk, "unknown"))
		t.printf("      %s: %s → %s\n", c.Field, value(c.Before), value(c.After))
		if c.Why != "" {
			t.printf("      why: %s\n", oneLine(c.Why))
		}
		if c.Test != "" {
			t.printf("      test: %s\n", oneLine(c.Test))
		}
	}
	label := "remains"
	if mode == ModeCheck {
		label = "fails"
	}
	for _, r := range w.Remaining {
		at := ""
		if r.Line > 0 {
			at = fmt.Sprintf(" (line %d)", r.Line)
		}
		t.printf("    %s %s%s: %s\n", label, r.Check, at, oneLine(orDefault(r.Why, docFor(r.Check).Title)))
		if r.Fixable && mode == ModeCheck {
			t.printf("      pss-bot fix fixes this\n")
		}
		if p := r.Proposal; p != nil && needsExemption(r) {
			t.printf("      proposal: namespace %s, pod-security.kubernetes.io/enforce: %s\n", p.Namespace, p.Level)
		}
	}
}

func workloadStatus(w patcher.Workload, mode Mode) string {
	switch {
	case notEvaluated(w):
		return "not evaluated"
	case len(w.Remaining) == 0 && len(w.Changes) == 0:
		return "passes"
	case len(w.Remaining) == 0 && mode == ModeDryRun:
		return "would pass after the changes below"
	case len(w.Remaining) == 0:
		return "passes now"
	case hasProposal(w):
		return "needs a namespace exemption"
	case mode == ModeCheck && allFixable(w):
		return "fails; pss-bot fix can fix it"
	default:
		return "still fails"
	}
}

// qualifiedName is "namespace/name", with "default" for no namespace.
func qualifiedName(w patcher.Workload) string {
	ns := orDefault(w.Namespace, "default")
	return ns + "/" + orDefault(w.Name, "(unnamed)")
}

// value renders a Before/After value: unset for nil, else its JSON.
func value(v any) string {
	if v == nil {
		return "unset"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
