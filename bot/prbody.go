package bot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// This file renders everything the bot writes into GitHub: the pull request's
// title and body, its comments and the configuration issue. Keeping it in one
// place keeps the bot's voice consistent and its golden tests in one file.

// BodyInput is what the PR body is rendered from.
type BodyInput struct {
	Level, Version string
	Proposal       *Proposal
	Meta           Meta
	// Declined lists earlier PRs whose proposal was declined.
	Declined []int
}

// PRTitle is the title of the bot's pull request.
func PRTitle(level string) string {
	if level == "" {
		level = "restricted"
	}
	return "Pod Security: move workloads to the " + level + " level"
}

// PRBody renders the pull request body, ending with the hidden metadata block.
func PRBody(in BodyInput) string {
	level, version := in.Level, in.Version
	if level == "" {
		level = "restricted"
	}
	if version == "" {
		version = "latest"
	}
	var b strings.Builder
	p := in.Proposal
	changedWorkloads, exempt := 0, 0
	for _, r := range p.Results {
		for _, w := range r.Workloads {
			if len(w.Changes) > 0 {
				changedWorkloads++
			}
			if len(w.Remaining) > 0 {
				exempt++
			}
		}
	}
	fmt.Fprintf(&b, "pss-bot rewrote %s in %s so that they pass the Pod Security Standards **%s** level (Kubernetes %s). ",
		plural(changedWorkloads, "workload"), plural(len(p.Files), "file"), level, version)
	b.WriteString("Only the fields listed below changed; comments, order and formatting are kept.\n")
	if exempt > 0 {
		fmt.Fprintf(&b, "\n%s still fail%s checks the bot does not change on its own; see *Remaining checks* and *Namespace exemptions*.\n",
			plural(exempt, "workload"), verbS(exempt))
	}
	if len(in.Declined) > 0 {
		refs := make([]string, len(in.Declined))
		for i, n := range in.Declined {
			refs[i] = fmt.Sprintf("#%d", n)
		}
		fmt.Fprintf(&b, "\n> [!NOTE]\n> An earlier proposal (%s) was declined. This one differs from it; close this one too to decline it.\n", strings.Join(refs, ", "))
	}

	for _, r := range p.Results {
		if !r.Changed && !hasRemaining(r) {
			continue
		}
		fmt.Fprintf(&b, "\n### `%s`\n", r.Path)
		for _, w := range r.Workloads {
			if len(w.Changes) == 0 && len(w.Remaining) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n**%s `%s`**", w.Kind, workloadName(w))
			if w.Line > 0 {
				fmt.Fprintf(&b, " (line %d)", w.Line)
			}
			b.WriteString("\n")
			if len(w.Changes) > 0 {
				b.WriteString("\n")
			}
			for _, c := range w.Changes {
				fmt.Fprintf(&b, "- `%s`", c.Check)
				if c.Container != "" {
					fmt.Fprintf(&b, " on container `%s`", c.Container)
				}
				fmt.Fprintf(&b, ": `%s` %s → %s, risk **%s**\n", c.Field, value(c.Before), value(c.After), orDash(c.Risk))
				if c.Why != "" {
					fmt.Fprintf(&b, "  - Why: %s\n", oneLine(c.Why))
				}
				if c.Test != "" {
					fmt.Fprintf(&b, "  - Test: %s\n", oneLine(c.Test))
				}
			}
			if len(w.Remaining) > 0 {
				b.WriteString("\nRemaining checks:\n\n")
				for _, rc := range w.Remaining {
					fmt.Fprintf(&b, "- `%s`", rc.Check)
					if rc.Why != "" {
						fmt.Fprintf(&b, ": %s", strings.TrimSuffix(oneLine(rc.Why), "."))
					}
					if rc.Proposal != nil {
						fmt.Fprintf(&b, "; proposed: namespace `%s` at level `%s`", rc.Proposal.Namespace, rc.Proposal.Level)
					}
					b.WriteString("\n")
				}
			}
		}
	}

	if ex := exemptions(p); len(ex) > 0 {
		b.WriteString("\n### Namespace exemptions\n\n")
		b.WriteString("These workloads need the host (or another check the bot does not change on its own). Rather than break them, exempt their namespace:\n\n```yaml\n")
		for i, e := range ex {
			if i > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    pod-security.kubernetes.io/enforce: %s\n", e.Namespace, e.Level)
		}
		b.WriteString("```\n")
	}
	fmt.Fprintf(&b, "\n### Rolling out\n\nFor the other namespaces, turn the %s level on in stages, watching for warnings before enforcing:\n\n", level)
	fmt.Fprintf(&b, "1. `pod-security.kubernetes.io/audit: %s` — violations are recorded in the audit log only.\n", level)
	fmt.Fprintf(&b, "2. `pod-security.kubernetes.io/warn: %s` — `kubectl apply` shows a warning for each violating workload.\n", level)
	fmt.Fprintf(&b, "3. `pod-security.kubernetes.io/enforce: %s` — violating pods are rejected.\n", level)

	if len(p.Errors) > 0 {
		b.WriteString("\n### Files not changed\n\n")
		for _, e := range p.Errors {
			fmt.Fprintf(&b, "- `%s`", e.Path)
			if e.Line > 0 {
				fmt.Fprintf(&b, " line %d", e.Line)
			}
			fmt.Fprintf(&b, ": %s\n", oneLine(e.Message))
		}
	}

	b.WriteString("\n---\n\n")
	fmt.Fprintf(&b, "<sub>Made by pss-bot from %s. The bot keeps this PR in step with the default branch. Closing it without merging declines this proposal; pushing a commit to `%s` makes the bot stand back. Comment `/pss help` for commands.</sub>\n\n",
		shortSHA(in.Meta.Base), Branch)
	b.WriteString(EncodeMeta(in.Meta))
	b.WriteString("\n")
	return b.String()
}

// CommitMessage is the message of the bot's single commit.
func CommitMessage(level string, p *Proposal) string {
	if level == "" {
		level = "restricted"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Move workloads to the Pod Security %s level\n\n", level)
	for _, f := range p.Files {
		fmt.Fprintf(&b, "- %s\n", f.Path)
	}
	return b.String()
}

const (
	editedMarker = "<!-- pss-bot:edited -->"
	configMarker = "<!-- pss-bot:config-error -->"
)

// EditedComment is the one comment the bot leaves when someone else pushed to
// its branch. author names who pushed ("" if unknown).
func EditedComment(author string) string {
	who := "Someone else"
	if author != "" {
		who = "@" + author
	}
	return editedMarker + "\n" + who + " pushed to `" + Branch + "`, so pss-bot no longer updates this pull request and will not overwrite that work. " +
		"To let the bot take it over again, close this PR and delete the branch; the next sweep proposes a fresh one.\n"
}

// CloseComment explains why the bot closes its own PR.
func CloseComment(base string) string {
	return "The default branch is compliant without this pull request (as of " + shortSHA(base) +
		"): the files it changed were fixed or removed. Closing it and deleting `" + Branch + "`.\n"
}

// ConfigIssueTitle is the title of the issue the bot opens for an invalid
// .github/pss-bot.yaml.
const ConfigIssueTitle = "pss-bot: configuration error"

// ConfigIssueBody explains a configuration error: which file, key and line.
func ConfigIssueBody(path, key string, line int, msg, sha string) string {
	var b strings.Builder
	b.WriteString(configMarker + "\n")
	fmt.Fprintf(&b, "pss-bot cannot read `%s` on the default branch (%s)", path, shortSHA(sha))
	b.WriteString(":\n\n")
	loc := path
	if line > 0 {
		loc = fmt.Sprintf("%s line %d", path, line)
	}
	if key != "" {
		fmt.Fprintf(&b, "- %s, key `%s`: %s\n", loc, key, oneLine(msg))
	} else {
		fmt.Fprintf(&b, "- %s: %s\n", loc, oneLine(msg))
	}
	b.WriteString("\nUntil it is fixed the bot opens no pull request in this repository. This issue closes itself once the file is valid.\n")
	return b.String()
}

// ConfigFixedComment is left on the configuration issue when it is closed.
func ConfigFixedComment(path, sha string) string {
	return "`" + path + "` is valid again as of " + shortSHA(sha) + ". Closing.\n"
}

func hasRemaining(r *patcher.FileResult) bool {
	for _, w := range r.Workloads {
		if len(w.Remaining) > 0 {
			return true
		}
	}
	return false
}

func exemptions(p *Proposal) []patcher.Proposal {
	levels := map[string]string{}
	for _, r := range p.Results {
		for _, w := range r.Workloads {
			for _, rc := range w.Remaining {
				if rc.Proposal == nil {
					continue
				}
				// privileged wins over baseline for a namespace.
				if cur := levels[rc.Proposal.Namespace]; cur != "privileged" {
					levels[rc.Proposal.Namespace] = rc.Proposal.Level
				}
			}
		}
	}
	out := make([]patcher.Proposal, 0, len(levels))
	for ns, l := range levels {
		out = append(out, patcher.Proposal{Namespace: ns, Level: l})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}

func workloadName(w patcher.Workload) string {
	ns := w.Namespace
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + w.Name
}

func value(v any) string {
	if v == nil {
		return "unset"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("`%v`", v)
	}
	return "`" + strings.ReplaceAll(string(b), "`", "'") + "`"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	if s == "" {
		return "an unknown commit"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
