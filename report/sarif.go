package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// SARIFSchema is the JSON schema URI written into SARIF logs.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// pssDocs is the reference for the Pod Security Standards.
const pssDocs = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// The subset of SARIF 2.1.0 that pss-bot writes. Field names follow the
// specification (OASIS SARIF 2.1.0, section 3).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string            `json:"id"`
		Name                 string            `json:"name"`
		ShortDescription     sarifText         `json:"shortDescription"`
		FullDescription      sarifText         `json:"fullDescription"`
		Help                 sarifHelp         `json:"help"`
		HelpURI              string            `json:"helpUri"`
		DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
		Properties           sarifRuleProperty `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProperty struct {
		Tags             []string `json:"tags"`
		Precision        string   `json:"precision"`
		SecuritySeverity string   `json:"security-severity"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
	}
	sarifNotification struct {
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
)

// SARIF writes rep as a SARIF 2.1.0 log for GitHub code scanning: one rule
// per Pod Security Admission check (with help text), one result per check
// that still fails in a workload, at the line of the offending field (else of
// the workload), and the files that could not be read or parsed as error
// notifications. Paths are written relative, with forward slashes, as
// code scanning expects: run pss-bot from the repository's root.
// toolVersion should start with a number (SARIF2005); empty means
// "0.0.0-dev".
func SARIF(w io.Writer, rep *patcher.Report, toolVersion string) error {
	rules, index := sarifRules()
	if toolVersion == "" {
		toolVersion = "0.0.0-dev"
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "pss-bot",
			InformationURI: "https://github.com/pss-bot/pss-bot",
			Version:        toolVersion,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: len(rep.Errors) == 0, ToolExecutionNotifications: []sarifNotification{}}},
		Results:     []sarifResult{},
	}
	for _, f := range rep.Files {
		uri := sarifURI(f.Path)
		for _, wl := range f.Workloads {
			for _, r := range wl.Remaining {
				i, ok := index[r.Check]
				if !ok {
					i = len(rules)
					index[r.Check] = i
					rules = append(rules, sarifRuleFor(r.Check))
				}
				line := r.Line
				if line <= 0 {
					line = wl.Line
				}
				run.Results = append(run.Results, sarifResult{
					RuleID:    r.Check,
					RuleIndex: i,
					Level:     "error",
					Message:   sarifText{Text: sarifMessage(wl, r, rep.Level)},
					Locations: []sarifLocation{location(uri, line)},
				})
			}
		}
	}
	for _, e := range rep.Errors {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, sarifNotification{
			Level:     "error",
			Message:   sarifText{Text: e.Message},
			Locations: []sarifLocation{location(sarifURI(e.Path), e.Line)},
		})
	}
	run.Tool.Driver.Rules = rules
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

func sarifRules() ([]sarifRule, map[string]int) {
	var rules []sarifRule
	index := map[string]int{}
	for _, id := range checkIDs() {
		index[id] = len(rules)
		rules = append(rules, sarifRuleFor(id))
	}
	return rules, index
}

func sarifRuleFor(id string) sarifRule {
	doc := docFor(id)
	return sarifRule{
		ID:               id,
		Name:             ruleName(id),
		ShortDescription: sarifText{Text: doc.Title},
		FullDescription:  sarifText{Text: doc.Title + ". " + doc.Help},
		Help: sarifHelp{
			Text:     doc.Help + " See " + pssDocs,
			Markdown: "**" + doc.Title + "** (Pod Security Admission check `" + id + "`)\n\n" + doc.Help + "\n\nSee [Pod Security Standards](" + pssDocs + ").",
		},
		HelpURI:              pssDocs,
		DefaultConfiguration: sarifRuleConfig{Level: "error"},
		Properties: sarifRuleProperty{
			Tags:             []string{"security", "kubernetes", "pod-security"},
			Precision:        "very-high",
			SecuritySeverity: doc.Severity,
		},
	}
}

// ruleName turns a check ID into the name SARIF viewers show: PascalCase
// with a PodSecurity prefix ("PodSecurityRunAsNonRoot"); SARIF wants it to
// differ from the ID, case aside.
func ruleName(id string) string {
	var b strings.Builder
	b.WriteString("PodSecurity")
	for _, part := range strings.Split(id, "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func sarifMessage(w patcher.Workload, r patcher.Remaining, level string) string {
	why := oneLine(orDefault(r.Why, docFor(r.Check).Title))
	msg := fmt.Sprintf("%s %s fails the %s check %s: %s.", w.Kind, qualifiedName(w), orDefault(level, "restricted"), r.Check, strings.TrimSuffix(why, "."))
	if r.Fixable {
		msg += " `pss-bot fix` fixes it."
	}
	if p := r.Proposal; p != nil && needsExemption(r) {
		msg += fmt.Sprintf(" Proposed: label namespace %s with pod-security.kubernetes.io/enforce: %s.", p.Namespace, p.Level)
	}
	return msg
}

func location(uri string, line int) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}}}
	if !strings.HasPrefix(uri, "file:") {
		loc.PhysicalLocation.ArtifactLocation.URIBaseID = "%SRCROOT%"
	}
	if line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
	}
	return loc
}

// sarifURI is a relative URI reference with forward slashes (a file: URI for
// an absolute path); characters not allowed in a URI path are
// percent-encoded.
func sarifURI(path string) string {
	p := slashPath(filepath.Clean(path))
	var b strings.Builder
	if strings.HasPrefix(p, "/") {
		b.WriteString("file://")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || c == '-' || c == '.' || c == '_' || c == '~' ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
