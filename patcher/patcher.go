package patcher

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pss-bot/pss-bot/patcher/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Engine evaluates and fixes files with one set of options. It is safe for
// concurrent use: every call works on its own parse of the file.
type Engine struct {
	j          *judge
	baseline   *judge // the same version at baseline, for proposals
	kinds      map[string]string
	strategies map[string]Strategy
	runAsUser  int64
	maxSize    int
	readOnly   bool
}

// NewEngine checks opts and returns an engine. Errors name the bad option.
func NewEngine(opts Options) (*Engine, error) {
	j, err := newJudge(opts.Level, opts.Version)
	if err != nil {
		return nil, err
	}
	b, err := newJudge("baseline", j.version)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		j:          j,
		baseline:   b,
		kinds:      kindsFor(opts.Kinds),
		strategies: map[string]Strategy{},
		runAsUser:  opts.RunAsUser,
		maxSize:    DefaultMaxFileSize,
		readOnly:   opts.ReadOnlyRootFilesystem,
	}
	if opts.MaxFileSize > 0 {
		e.maxSize = opts.MaxFileSize
	}
	if e.runAsUser == 0 {
		e.runAsUser = DefaultRunAsUser
	}
	if e.runAsUser < 0 {
		return nil, fmt.Errorf("invalid runAsUser %d: want a non-root UID > 0", opts.RunAsUser)
	}
	for _, id := range sortedKeys(opts.Strategies) {
		s := opts.Strategies[id]
		if !j.knownCheck(id) {
			return nil, fmt.Errorf("strategy for unknown check %q", id)
		}
		switch s {
		case StrategyFix, StrategyExempt, StrategyReport:
		default:
			return nil, fmt.Errorf("invalid strategy %q for check %q: want fix, exempt or report", s, id)
		}
		if s == StrategyFix && !hasFixer(id) {
			return nil, fmt.Errorf("check %q cannot be fixed without taking away what the workload needs: use exempt or report", id)
		}
		e.strategies[id] = s
	}
	for k, p := range opts.Kinds {
		if k == "" || strings.Contains(p, "..") {
			return nil, fmt.Errorf("invalid kind %q with pod template path %q", k, p)
		}
	}
	return e, nil
}

// Level is the level the engine evaluates at.
func (e *Engine) Level() string { return string(e.j.lv.Level) }

// Version is the policy version the engine evaluates at, "latest" resolved.
func (e *Engine) Version() string { return e.j.version }

// Fix evaluates every workload in src and returns the file rewritten toward
// the configured level. An error is an *Error naming the file and line; on
// error nothing is to be written.
func Fix(path string, src []byte, opts Options) (*FileResult, error) {
	e, err := NewEngine(opts)
	if err != nil {
		return nil, &Error{Path: path, Message: err.Error()}
	}
	return e.Fix(path, src)
}

// Check evaluates every workload in src without changing it. Remaining lists
// every failing check, with Fixable set where Fix would fix it.
func Check(path string, src []byte, opts Options) (*FileResult, error) {
	e, err := NewEngine(opts)
	if err != nil {
		return nil, &Error{Path: path, Message: err.Error()}
	}
	return e.Check(path, src)
}

// parsed is a file after parsing and discovery.
type parsed struct {
	file    *yamledit.File
	roots   []*yaml.Node
	targets []*target
	skipped string
	// values holds, by document, the document as checkDecodes decoded it
	// (nil when not decoded): the first evaluation of each target starts
	// from it instead of decoding the template again.
	values []any
}

// load screens, parses and discovers. A skipped file has skipped set and no
// targets.
func (e *Engine) load(path string, src []byte) (*parsed, error) {
	if reason, err := e.screen(path, src); err != nil {
		return nil, err
	} else if reason != "" {
		return &parsed{skipped: reason}, nil
	}
	f, err := yamledit.Parse(src)
	if err != nil {
		if looksTemplated(src) {
			return &parsed{skipped: "template: contains {{ }} and is not valid YAML"}, nil
		}
		var se *yamledit.SyntaxError
		if errors.As(err, &se) {
			return nil, &Error{Path: path, Line: se.Line, Message: "invalid YAML: " + se.Msg}
		}
		return nil, &Error{Path: path, Message: "invalid YAML: " + err.Error()}
	}
	return e.discoverAll(path, &parsed{file: f}, f.Docs(), true)
}

// discoverAll finds the workloads of the documents of a file, into p. It
// skips kustomization files and kustomize JSON patches. With decodes set,
// every document must also decode as the API client would (checkDecodes).
func (e *Engine) discoverAll(path string, p *parsed, docs []*yaml.RNode, decodes bool) (*parsed, error) {
	for _, d := range docs {
		p.roots = append(p.roots, docRoot(d))
	}
	if isKustomization(path, p.roots) {
		return &parsed{skipped: "kustomization file: lists resources and patches, holds no workload"}, nil
	}
	patches, nonEmpty := 0, 0
	for _, r := range p.roots {
		if r != nil {
			nonEmpty++
		}
		if isJSONPatch(r) {
			patches++
		}
	}
	if patches > 0 && patches == nonEmpty {
		return &parsed{skipped: "kustomize JSON patch: holds no workload"}, nil
	}
	p.values = make([]any, len(p.roots))
	for i, r := range p.roots {
		if decodes {
			v, err := checkDecodes(r)
			if err != nil {
				return nil, toError(path, err)
			}
			p.values[i] = v
		}
		ts, err := discover(i, r, e.kinds)
		if err != nil {
			return nil, toError(path, err)
		}
		p.targets = append(p.targets, ts...)
	}
	return p, nil
}

// screen refuses what is not a text manifest and skips templates.
func (e *Engine) screen(path string, src []byte) (skip string, err error) {
	if len(src) > e.maxSize {
		return "", &Error{Path: path, Message: fmt.Sprintf("file is %d bytes, over the %d-byte limit", len(src), e.maxSize)}
	}
	if bytes.IndexByte(src, 0) >= 0 {
		return "", &Error{Path: path, Message: "binary file (contains NUL bytes)"}
	}
	if line := helmLine(src); line > 0 {
		return fmt.Sprintf("Helm template ({{ }} on line %d): not YAML until rendered", line), nil
	}
	return "", nil
}

// toError turns an internal error into an *Error for path.
func toError(path string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		msg := fe.Msg
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		return &Error{Path: path, Line: fe.Line, Message: msg}
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Path: path, Message: err.Error()}
}

// state is the evaluation of one target.
type state struct {
	t         *target
	w         Workload
	fails     []failure
	nodeAgent bool
	noEdit    string // why the template is not edited, if it is not
	notes     map[string][]string
	fixable   map[string]bool // for Check: the checks Fix would make pass
	pod       *podTemplate    // the decoded template as last evaluated
}

// evaluate converts and judges every target.
func (e *Engine) evaluate(path string, p *parsed) ([]*state, error) {
	var out []*state
	for _, t := range p.targets {
		s := &state{t: t, w: Workload{
			Doc: t.doc, Kind: t.kind, Namespace: t.namespace, Name: t.name, Line: t.line,
			Changes: []Change{}, Remaining: []Remaining{},
		}}
		if t.item >= 0 {
			item := t.item
			s.w.Item = &item
		}
		out = append(out, s)
		if t.partial != "" {
			s.w.Note = t.partial
			continue
		}
		pod, err := toPodFrom(p.values[t.doc], t.tmpl, t.prefix)
		if err != nil {
			return nil, toError(path, err)
		}
		s.pod = pod
		s.nodeAgent = isNodeAgent(t.kind, pod)
		s.fails, err = e.j.evaluate(&pod.Metadata, &pod.Spec)
		if err != nil {
			return nil, toError(path, err)
		}
		if hasAliases(t.tmpl) {
			s.noEdit = "the pod template uses YAML anchors or aliases: pss-bot does not edit through them"
		}
	}
	return out, nil
}

// strategy is what the engine does with a failing check of a workload.
func (e *Engine) strategy(check string, s *state) Strategy {
	if st, ok := e.strategies[check]; ok {
		return st
	}
	if exemptByDefault[check] {
		return StrategyExempt
	}
	if s.nodeAgent {
		// A node agent (a DaemonSet with host access) reads the host, often
		// as root and privileged: the namespace it runs in is exempted
		// anyway, and any change could break it. It is proposed, not changed.
		return StrategyExempt
	}
	if !hasFixer(check) {
		return StrategyReport
	}
	return StrategyFix
}

// fixTarget runs the fixers of the failing checks whose strategy is fix.
func (e *Engine) fixTarget(s *state) {
	if (len(s.fails) == 0 && !e.readOnly) || s.noEdit != "" {
		return
	}
	failing := map[string]bool{}
	for _, f := range s.fails {
		failing[f.Check] = true
	}
	c := &fixCtx{t: s.t, spec: mapValue(s.t.tmpl, "spec"), meta: mapValue(s.t.tmpl, "metadata"), j: e.j, runAsUser: e.runAsUser}
	for _, fx := range fixers {
		if !failing[fx.check] || e.strategy(fx.check, s) != StrategyFix {
			continue
		}
		s.w.Changes = append(s.w.Changes, fx.fix(c)...)
	}
	if e.readOnly {
		s.w.Changes = append(s.w.Changes, hardenReadOnlyRootFilesystem(c)...)
	}
	s.notes = c.notes
}

// proposalLevel is the namespace level that admits the workload as it is:
// baseline when only restricted checks fail and the workload passes baseline
// (evaluated, since at restricted a hostPath volume is reported as
// restrictedVolumes, yet fails baseline's hostPathVolumes), else privileged.
func (e *Engine) proposalLevel(s *state, fails []failure) string {
	if e.j.lv.Level != "restricted" {
		return "privileged"
	}
	for _, f := range fails {
		if e.j.levelOf[f.Check] == "baseline" {
			return "privileged"
		}
	}
	if pod := s.pod; pod != nil {
		if bf, err := e.baseline.evaluate(&pod.Metadata, &pod.Spec); err == nil && len(bf) == 0 {
			return "baseline"
		}
	}
	return "privileged"
}

// remaining builds the Remaining list from the checks that still fail.
func (e *Engine) remaining(s *state, fails []failure, check bool) []Remaining {
	out := []Remaining{}
	if len(fails) == 0 {
		return out
	}
	ns := s.t.namespace
	if ns == "" {
		ns = "default"
	}
	level := e.proposalLevel(s, fails)
	for _, f := range fails {
		st := e.strategy(f.Check, s)
		r := Remaining{Check: f.Check, Why: f.why(), Strategy: st}
		_, configured := e.strategies[f.Check]
		switch {
		case check:
			r.Fixable = st == StrategyFix && s.fixable[f.Check]
		case st == StrategyExempt && s.nodeAgent && !configured && !exemptByDefault[f.Check]:
			r.Why += ". Left as is: this is a node agent (a DaemonSet with host access), which pss-bot does not change; exempt its namespace instead."
		case st == StrategyExempt:
			r.Why += ". Left as is: the workload needs it; exempt its namespace instead."
		case st == StrategyFix && s.noEdit != "":
			r.Why += ". Not fixed: " + s.noEdit + "."
		case st == StrategyFix && len(s.notes[f.Check]) > 0:
			r.Why += ". Not fixed: " + strings.Join(s.notes[f.Check], "; ") + "."
		case st == StrategyFix:
			r.Why += ". Not fixed: pss-bot found no safe change for it."
		}
		if st != StrategyReport {
			r.Proposal = &Proposal{Namespace: ns, Level: level}
		}
		out = append(out, r)
	}
	return out
}

// start loads and evaluates a file for Fix and Check. A skipped file comes
// back with res.Skipped set and nothing else to do.
func (e *Engine) start(path string, src []byte) (res *FileResult, p *parsed, states []*state, err error) {
	res = &FileResult{Path: path, Output: src, Workloads: []Workload{}}
	p, err = e.load(path, src)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.skipped != "" {
		res.Skipped = p.skipped
		return res, p, nil, nil
	}
	states, err = e.evaluate(path, p)
	if err != nil {
		return nil, nil, nil, err
	}
	return res, p, states, nil
}

// Fix evaluates and fixes one file. See the package function Fix.
func (e *Engine) Fix(path string, src []byte) (*FileResult, error) {
	res, p, states, err := e.start(path, src)
	if err != nil || res.Skipped != "" {
		return res, err
	}
	changed := false
	for _, s := range states {
		if s.t.partial != "" {
			continue
		}
		e.fixTarget(s)
		fails := s.fails
		if len(s.w.Changes) > 0 {
			changed = true
			pod, err := toPod(s.t.tmpl, s.t.prefix)
			if err != nil {
				return nil, &Error{Path: path, Line: s.t.line, Message: "internal: fixed template does not decode: " + err.Error()}
			}
			if fails, err = e.j.evaluate(&pod.Metadata, &pod.Spec); err != nil {
				return nil, toError(path, err)
			}
			s.pod = pod
		}
		s.w.Remaining = e.remaining(s, fails, false)
	}
	if changed {
		// Render checks that out parses back to the fixed trees, and hands
		// out that parse: verify evaluates it without parsing out again.
		out, outDocs, err := p.file.RenderParsed()
		if err != nil {
			return nil, &Error{Path: path, Message: "rendering the fixed file: " + err.Error()}
		}
		if err := e.verify(path, out, outDocs, p, states); err != nil {
			return nil, err
		}
		res.Output = out
		res.Changed = !bytes.Equal(out, src)
	} else {
		for _, s := range states {
			e.placeRemaining(s, p.roots[s.t.doc])
		}
	}
	for _, s := range states {
		res.Workloads = append(res.Workloads, s.w)
	}
	return res, nil
}

// placeRemaining fills in the field and line of each remaining check.
func (e *Engine) placeRemaining(s *state, root *yaml.Node) {
	for j := range s.w.Remaining {
		s.w.Remaining[j].Field = locate(s.t, s.w.Remaining[j].Check, e.j, e.runAsUser, s.pod)
		s.w.Remaining[j].Line = lineOf(root, s.w.Remaining[j].Field)
	}
}

// verify evaluates the rendered output again, from docs, its documents as
// Render parsed them: it must hold the same documents and workloads, and each
// workload must fail on exactly its Remaining checks. It then fills in the
// output lines of changes and remaining checks.
func (e *Engine) verify(path string, out []byte, docs []*yaml.RNode, before *parsed, states []*state) error {
	fail := func(format string, args ...any) error {
		return &Error{Path: path, Message: "internal: the fixed file does not check out, not written: " + fmt.Sprintf(format, args...)}
	}
	if reason, err := e.screen(path, out); err != nil {
		return fail("%v", err)
	} else if reason != "" {
		return fail("output is skipped: %s", reason)
	}
	// The documents are not decoded whole again: Render has checked that
	// they are the fixed trees, which are the input's (decoded whole by
	// load) plus the fixers' keys, and every workload's template is decoded
	// below to be evaluated, which refuses what checkDecodes refuses.
	p, err := e.discoverAll(path, &parsed{}, docs, false)
	if err != nil {
		return fail("%v", err)
	}
	if p.skipped != "" {
		return fail("output is skipped: %s", p.skipped)
	}
	if len(p.roots) != len(before.roots) {
		return fail("%d documents, want %d", len(p.roots), len(before.roots))
	}
	if len(p.targets) != len(states) {
		return fail("%d workloads, want %d", len(p.targets), len(states))
	}
	for i, t := range p.targets {
		s := states[i]
		if t.doc != s.t.doc || t.kind != s.t.kind || t.name != s.t.name || (t.partial == "") != (s.t.partial == "") {
			return fail("workload %d is %s %q in document %d, want %s %q in document %d", i, t.kind, t.name, t.doc, s.t.kind, s.t.name, s.t.doc)
		}
		if t.partial != "" {
			continue
		}
		pod, err := toPod(t.tmpl, t.prefix)
		if err != nil {
			return fail("%v", err)
		}
		fails, err := e.j.evaluate(&pod.Metadata, &pod.Spec)
		if err != nil {
			return fail("%v", err)
		}
		got, want := checkIDs(fails), remainingIDs(s.w.Remaining)
		if got != want {
			return fail("%s %q fails on [%s], reported [%s]", t.kind, t.name, got, want)
		}
		root := p.roots[t.doc]
		for j := range s.w.Changes {
			s.w.Changes[j].Line = lineOf(root, s.w.Changes[j].Field)
		}
		for j := range s.w.Remaining {
			s.w.Remaining[j].Field = locate(t, s.w.Remaining[j].Check, e.j, e.runAsUser, pod)
			s.w.Remaining[j].Line = lineOf(root, s.w.Remaining[j].Field)
		}
	}
	return nil
}

func checkIDs(fs []failure) string {
	ids := make([]string, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.Check)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

func remainingIDs(rs []Remaining) string {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.Check)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// Check evaluates one file without changing it. See the package function Check.
func (e *Engine) Check(path string, src []byte) (*FileResult, error) {
	res, p, states, err := e.start(path, src)
	if err != nil || res.Skipped != "" {
		return res, err
	}
	for _, s := range states {
		if err := e.dryRun(s); err != nil {
			return nil, toError(path, err)
		}
		s.w.Remaining = e.remaining(s, s.fails, true)
		root := p.roots[s.t.doc]
		for j := range s.w.Remaining {
			s.w.Remaining[j].Field = locate(s.t, s.w.Remaining[j].Check, e.j, e.runAsUser, s.pod)
			s.w.Remaining[j].Line = lineOf(root, s.w.Remaining[j].Field)
		}
		res.Workloads = append(res.Workloads, s.w)
	}
	return res, nil
}

// dryRun fixes a copy of a target's template and records which failing
// checks the fix makes pass, for Check to say what Fix would fix.
func (e *Engine) dryRun(s *state) error {
	s.fixable = map[string]bool{}
	if len(s.fails) == 0 || s.t.partial != "" {
		return nil
	}
	cp := *s.t
	cp.tmpl = yaml.CopyYNode(s.t.tmpl)
	dry := &state{t: &cp, fails: s.fails, nodeAgent: s.nodeAgent, noEdit: s.noEdit}
	e.fixTarget(dry)
	pod, err := toPod(cp.tmpl, cp.prefix)
	if err != nil {
		return err
	}
	after, err := e.j.evaluate(&pod.Metadata, &pod.Spec)
	if err != nil {
		return err
	}
	still := map[string]bool{}
	for _, f := range after {
		still[f.Check] = true
	}
	for _, f := range s.fails {
		s.fixable[f.Check] = !still[f.Check]
	}
	return nil
}
