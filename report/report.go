// Package report renders the engine's patcher.Report for people and machines:
// a text report that explains every change and proposal, the JSON machine
// report, SARIF 2.1.0 for GitHub code scanning, and unified diffs.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// Mode says which command produced a report: it changes the wording.
type Mode int

const (
	// ModeFix: changes were written.
	ModeFix Mode = iota
	// ModeDryRun: changes were computed, nothing written.
	ModeDryRun
	// ModeCheck: nothing was changed; Remaining lists the failures.
	ModeCheck
)

// Normalize returns a copy of rep whose slices are all non-nil, so that its
// JSON has [] rather than null for files, workloads, changes, remaining and
// errors.
func Normalize(rep *patcher.Report) *patcher.Report {
	out := *rep
	out.Files = make([]patcher.FileResult, len(rep.Files))
	for i, f := range rep.Files {
		f.Workloads = append([]patcher.Workload{}, f.Workloads...)
		for j, w := range f.Workloads {
			w.Changes = append([]patcher.Change{}, w.Changes...)
			w.Remaining = append([]patcher.Remaining{}, w.Remaining...)
			f.Workloads[j] = w
		}
		out.Files[i] = f
	}
	out.Errors = append([]patcher.Error{}, rep.Errors...)
	return &out
}

// JSON writes the machine report: patcher.Report, indented, with [] for
// empty lists and without HTML escaping.
func JSON(w io.Writer, rep *patcher.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Normalize(rep))
}

// Summary counts the outcome of a run.
type Summary struct {
	Files     int // files evaluated (not skipped, not in error)
	Skipped   int // files skipped (Helm templates, kustomizations, ...)
	Workloads int
	// Passing workloads had nothing to change and nothing remains.
	Passing int
	// NotEvaluated workloads carry a Note saying why they were not
	// evaluated (a partial pod template such as a kustomize patch).
	NotEvaluated int
	// Fixed workloads were changed and now pass (fix, dry run).
	Fixed int
	// Fixable workloads fail only checks that fix would fix (check).
	Fixable int
	// Exempt workloads still fail and have a proposed namespace exemption.
	Exempt int
	// Failing workloads still fail without a proposal (strategy "report").
	Failing int
	Errors  int
}

// Summarize counts rep.
func Summarize(rep *patcher.Report) Summary {
	var s Summary
	for _, f := range rep.Files {
		if f.Skipped != "" {
			s.Skipped++
			continue
		}
		s.Files++
		for _, w := range f.Workloads {
			s.Workloads++
			switch {
			case notEvaluated(w):
				s.NotEvaluated++
			case len(w.Remaining) == 0 && len(w.Changes) == 0:
				s.Passing++
			case len(w.Remaining) == 0:
				s.Fixed++
			case hasProposal(w):
				s.Exempt++
			case allFixable(w):
				s.Fixable++
			default:
				s.Failing++
			}
		}
	}
	s.Errors = len(rep.Errors)
	return s
}

// notEvaluated reports whether the engine left w alone and said why.
func notEvaluated(w patcher.Workload) bool {
	return w.Note != "" && len(w.Remaining) == 0 && len(w.Changes) == 0
}

func hasProposal(w patcher.Workload) bool {
	for _, r := range w.Remaining {
		if needsExemption(r) {
			return true
		}
	}
	return false
}

// needsExemption reports whether a remaining check is to be solved by a
// namespace exemption. Check sets a Proposal on fixable failures too (the
// level the namespace would need if they were left as they are); those are
// solved by pss-bot fix instead.
func needsExemption(r patcher.Remaining) bool { return r.Proposal != nil && !r.Fixable }

func allFixable(w patcher.Workload) bool {
	for _, r := range w.Remaining {
		if !r.Fixable {
			return false
		}
	}
	return len(w.Remaining) > 0
}

// Line renders the summary as one line, e.g.
// "12 workloads in 7 files: 9 fixed, 3 need an exemption, 1 error".
func (s Summary) Line(mode Mode) string {
	var parts []string
	switch mode {
	case ModeCheck:
		parts = append(parts, fmt.Sprintf("%d pass", s.Passing))
		fail := s.Fixable + s.Exempt + s.Failing
		detail := []string{}
		if s.Fixable > 0 {
			detail = append(detail, fmt.Sprintf("%d fixable by pss-bot fix", s.Fixable))
		}
		if s.Exempt > 0 {
			detail = append(detail, fmt.Sprintf("%d %s an exemption", s.Exempt, plural(s.Exempt, "needs", "need")))
		}
		if s.Failing > 0 {
			detail = append(detail, fmt.Sprintf("%d with no automatic fix", s.Failing))
		}
		p := fmt.Sprintf("%d fail", fail)
		if fail > 0 {
			p += " (" + strings.Join(detail, ", ") + ")"
		}
		parts = append(parts, p)
	default:
		verb := "fixed"
		if mode == ModeDryRun {
			verb = "to fix"
		}
		parts = append(parts, fmt.Sprintf("%d %s", s.Fixed, verb),
			fmt.Sprintf("%d %s an exemption", s.Exempt, plural(s.Exempt, "needs", "need")))
		if s.Failing+s.Fixable > 0 {
			parts = append(parts, fmt.Sprintf("%d still %s", s.Failing+s.Fixable, plural(s.Failing+s.Fixable, "fails", "fail")))
		}
		if s.Passing > 0 {
			parts = append(parts, fmt.Sprintf("%d already %s", s.Passing, plural(s.Passing, "passes", "pass")))
		}
	}
	if s.NotEvaluated > 0 {
		parts = append(parts, fmt.Sprintf("%d not evaluated", s.NotEvaluated))
	}
	parts = append(parts, count(s.Errors, "error", "errors"))
	if s.Skipped > 0 {
		parts = append(parts, count(s.Skipped, "file skipped", "files skipped"))
	}
	return fmt.Sprintf("%s in %s: %s", count(s.Workloads, "workload", "workloads"),
		count(s.Files, "file", "files"), strings.Join(parts, ", "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func count(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural(n, one, many)) }

// Exemption is a namespace that needs a Pod Security level below the one
// evaluated for some of its workloads to keep running.
type Exemption struct {
	Namespace string
	// Level is the enforce level to give the namespace: "baseline" or
	// "privileged" (the least that admits every workload listed).
	Level string
	// Workloads names the workloads ("Kind name (path)") and their checks.
	Workloads []string
}

// Exemptions collects the proposals of rep by namespace, sorted by namespace.
func Exemptions(rep *patcher.Report) []Exemption {
	byNS := map[string]*Exemption{}
	for _, f := range rep.Files {
		for _, w := range f.Workloads {
			var checks []string
			var level string
			ns := ""
			for _, r := range w.Remaining {
				if !needsExemption(r) {
					continue
				}
				checks = append(checks, r.Check)
				ns = r.Proposal.Namespace
				if r.Proposal.Level == "privileged" || level == "" {
					level = r.Proposal.Level
				}
			}
			if len(checks) == 0 {
				continue
			}
			e := byNS[ns]
			if e == nil {
				e = &Exemption{Namespace: ns, Level: level}
				byNS[ns] = e
			}
			if level == "privileged" {
				e.Level = level
			}
			e.Workloads = append(e.Workloads, fmt.Sprintf("%s %s (%s): %s", w.Kind, w.Name, slashPath(f.Path), strings.Join(checks, ", ")))
		}
	}
	out := make([]Exemption, 0, len(byNS))
	for _, e := range byNS {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}
