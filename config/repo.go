package config

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pss-bot/pss-bot/patcher"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// RepoConfigPath is where a repository configures pss-bot, read from its
// default branch.
const RepoConfigPath = ".github/pss-bot.yaml"

// maxRepoConfigSize bounds .github/pss-bot.yaml; a real one is a few hundred bytes.
const maxRepoConfigSize = 256 << 10

// Repo is a repository's .github/pss-bot.yaml. The zero value is not the
// default: start from DefaultRepo or ParseRepo.
type Repo struct {
	// Level is the Pod Security Standards level to reach: restricted or baseline.
	Level string
	// Version is the policy version: "latest" or "v1.N".
	Version string
	// Paths (paths.include and paths.exclude) selects the files, by their
	// path relative to the repository root; its Matches is the Repo's.
	Paths
	// Checks overrides the strategy of a check, by PSA check ID.
	Checks map[string]patcher.Strategy
	// RunAsUser is the UID given to containers that ran as root.
	RunAsUser int64
	// Kinds maps extra workload kinds to the dotted path of their pod template.
	Kinds map[string]string
	// Labels are put on the bot's pull request.
	Labels []string
	// Reviewers are requested on the pull request: "user" or "org/team".
	Reviewers []string
	// ReadOnlyRootFilesystem opts in to read-only root filesystems.
	ReadOnlyRootFilesystem bool
}

// DefaultRepo is the configuration of a repository with no (or an empty)
// .github/pss-bot.yaml.
func DefaultRepo() *Repo {
	return &Repo{
		Level:     string(psaapi.LevelRestricted),
		Version:   "latest",
		Checks:    map[string]patcher.Strategy{},
		RunAsUser: patcher.DefaultRunAsUser,
		Kinds:     map[string]string{},
	}
}

// RepoError is a problem in .github/pss-bot.yaml: the key path (e.g.
// "checks.runAsNonRoot", "paths.include[2]"; empty for a syntax error) and
// its 1-based line (0 when unknown).
type RepoError struct {
	Key  string
	Line int
	Msg  string
}

func (e *RepoError) Error() string {
	var b strings.Builder
	b.WriteString(RepoConfigPath)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// repoKeys are the top-level keys of .github/pss-bot.yaml, in document order
// of the reference.
var repoKeys = []string{"level", "version", "paths", "checks", "runAsUser", "kinds", "labels", "reviewers", "readOnlyRootFilesystem"}

// builtinKinds have a pod template the engine knows; their path is fixed.
var builtinKinds = map[string]bool{
	"Pod": true, "PodTemplate": true, "Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "ReplicationController": true, "Job": true, "CronJob": true,
}

// ParseRepo decodes .github/pss-bot.yaml strictly: unknown keys, duplicate
// keys, wrong types and bad values are errors. An empty file (or one holding
// only comments) gives DefaultRepo. The error is a *RepoError.
func ParseRepo(data []byte) (*Repo, error) {
	r := DefaultRepo()
	if len(data) > maxRepoConfigSize {
		return nil, &RepoError{Msg: fmt.Sprintf("file is larger than %d KiB", maxRepoConfigSize>>10)}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		line, msg := yamlErrorLine(err)
		return nil, &RepoError{Line: line, Msg: msg}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &RepoError{Line: extra.Line, Msg: "only one YAML document is allowed"}
	} else if !errors.Is(err, io.EOF) {
		line, msg := yamlErrorLine(err)
		return nil, &RepoError{Line: line, Msg: msg}
	}
	if len(doc.Content) == 0 {
		return r, nil
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return r, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &RepoError{Line: root.Line, Msg: "want a mapping of settings (level, version, paths, checks, ...)"}
	}
	p := repoParser{r: r}
	p.parse(root)
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

type repoParser struct {
	r   *Repo
	err *RepoError
}

// fail records the first error only: it is the one a person fixes first.
func (p *repoParser) fail(key string, n *yaml.Node, format string, args ...any) {
	if p.err == nil {
		p.err = &RepoError{Key: key, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *repoParser) parse(root *yaml.Node) {
	p.eachKey("", root, repoKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "level":
			s, ok := p.scalar(key, v, "!!str")
			if !ok {
				return
			}
			switch psaapi.Level(s) {
			case psaapi.LevelRestricted, psaapi.LevelBaseline:
				p.r.Level = s
			case psaapi.LevelPrivileged:
				p.fail(key, v, "privileged enforces nothing; use baseline or restricted")
			default:
				p.fail(key, v, "%q is not one of restricted, baseline", s)
			}
		case "version":
			s, ok := p.scalar(key, v, "!!str")
			if !ok {
				return
			}
			if _, err := psaapi.ParseVersion(s); err != nil {
				p.fail(key, v, "%q: %v", s, err)
				return
			}
			p.r.Version = s
		case "paths":
			p.eachKey(key, v, []string{"include", "exclude"}, func(sub string, _, sv *yaml.Node) {
				globs := p.stringList(key+"."+sub, sv)
				for i, g := range globs {
					norm, err := normalizeGlob(g)
					if err != nil {
						// The message of NewPaths, with the key and line.
						p.fail(fmt.Sprintf("%s.%s[%d]", key, sub, i), itemNode(sv, i), "%q: %v", g, err)
						return
					}
					globs[i] = norm
				}
				if sub == "include" {
					p.r.Include = globs
				} else {
					p.r.Exclude = globs
				}
			})
		case "checks":
			ids := checkIDs()
			p.eachKey(key, v, nil, func(id string, ck, cv *yaml.Node) {
				name := key + "." + id
				if !contains(ids, id) {
					p.fail(name, ck, "unknown check%s (known: %s)", suggest(id, ids), strings.Join(ids, ", "))
					return
				}
				s, ok := p.scalar(name, cv, "!!str")
				if !ok {
					return
				}
				switch st := patcher.Strategy(s); st {
				case patcher.StrategyFix, patcher.StrategyExempt, patcher.StrategyReport:
					p.r.Checks[id] = st
				default:
					p.fail(name, cv, "%q is not one of fix, exempt, report", s)
				}
			})
		case "runAsUser":
			s, ok := p.scalar(key, v, "!!int")
			if !ok {
				return
			}
			n, err := strconv.ParseInt(s, 0, 64)
			if err != nil || n < 1 || n > 2147483647 {
				p.fail(key, v, "%s: must be a non-root UID from 1 to 2147483647", s)
				return
			}
			p.r.RunAsUser = n
		case "kinds":
			p.eachKey(key, v, nil, func(kind string, kk, kv *yaml.Node) {
				name := key + "." + kind
				if !kindRE.MatchString(kind) {
					p.fail(name, kk, "not a Kubernetes kind (e.g. Rollout)")
					return
				}
				if builtinKinds[kind] {
					p.fail(name, kk, "%s is built in; its pod template path cannot be changed", kind)
					return
				}
				s, ok := p.scalar(name, kv, "!!str")
				if !ok {
					return
				}
				if !fieldPathRE.MatchString(s) {
					p.fail(name, kv, "%q is not a dotted field path (e.g. spec.template)", s)
					return
				}
				p.r.Kinds[kind] = s
			})
		case "labels":
			labels := p.stringList(key, v)
			seen := map[string]bool{}
			for i, l := range labels {
				switch {
				case len([]rune(l)) > 50:
					p.fail(fmt.Sprintf("%s[%d]", key, i), itemNode(v, i), "%q is longer than GitHub's 50 characters", l)
				case seen[strings.ToLower(l)]:
					p.fail(fmt.Sprintf("%s[%d]", key, i), itemNode(v, i), "%q is listed twice", l)
				}
				seen[strings.ToLower(l)] = true
			}
			p.r.Labels = labels
		case "reviewers":
			reviewers := p.stringList(key, v)
			seen := map[string]bool{}
			for i, rv := range reviewers {
				rv = strings.TrimPrefix(rv, "@")
				reviewers[i] = rv
				name := fmt.Sprintf("%s[%d]", key, i)
				if !userRE.MatchString(rv) && !teamRE.MatchString(rv) {
					p.fail(name, itemNode(v, i), "%q is not a GitHub user or org/team", rv)
				} else if seen[strings.ToLower(rv)] {
					p.fail(name, itemNode(v, i), "%q is listed twice", rv)
				}
				seen[strings.ToLower(rv)] = true
			}
			p.r.Reviewers = reviewers
		case "readOnlyRootFilesystem":
			s, ok := p.scalar(key, v, "!!bool")
			if !ok {
				return
			}
			p.r.ReadOnlyRootFilesystem = s == "true"
		}
	})
}

var (
	kindRE      = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	fieldPathRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*$`)
	// GitHub logins: alphanumerics and single hyphens, at most 39 characters.
	userRE = regexp.MustCompile(`^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$`)
	teamRE = regexp.MustCompile(`^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// eachKey walks a mapping, rejecting non-mappings, duplicate keys, non-scalar
// keys, and (when known is non-nil) unknown keys.
func (p *repoParser) eachKey(prefix string, n *yaml.Node, known []string, fn func(key string, k, v *yaml.Node)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.fail(prefix, n, "want a mapping")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content) && p.err == nil; i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		full := k.Value
		if prefix != "" {
			full = prefix + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode || k.Value == "<<" {
			p.fail(prefix, k, "keys must be plain names (no merge keys or complex keys)")
			return
		}
		if first, dup := seen[k.Value]; dup {
			p.fail(full, k, "duplicate key (first at line %d)", first)
			return
		}
		seen[k.Value] = k.Line
		if known != nil && !contains(known, k.Value) {
			p.fail(full, k, "unknown key%s (known: %s)", suggest(k.Value, known), strings.Join(known, ", "))
			return
		}
		fn(k.Value, k, v)
	}
}

// scalar returns a scalar's value, requiring the YAML tag (e.g. "!!str").
func (p *repoParser) scalar(key string, n *yaml.Node, tag string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.fail(key, n, "want %s", tagName(tag))
		return "", false
	}
	if n.Tag != tag {
		p.fail(key, n, "want %s, got %s %q", tagName(tag), tagName(n.Tag), n.Value)
		return "", false
	}
	return n.Value, true
}

// stringList reads a list of non-empty strings; a single string is a list of one.
func (p *repoParser) stringList(key string, n *yaml.Node) []string {
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s, ok := p.scalar(key, n, "!!str"); ok && strings.TrimSpace(s) != "" {
			return []string{strings.TrimSpace(s)}
		}
		if p.err == nil {
			p.fail(key, n, "must not be empty")
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(key, n, "want a list of strings")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		name := fmt.Sprintf("%s[%d]", key, i)
		s, ok := p.scalar(name, item, "!!str")
		if !ok {
			return nil
		}
		if strings.TrimSpace(s) == "" {
			p.fail(name, item, "must not be empty")
			return nil
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func itemNode(list *yaml.Node, i int) *yaml.Node {
	list = deref(list)
	if list.Kind == yaml.SequenceNode && i < len(list.Content) {
		return list.Content[i]
	}
	return list
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func tagName(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "a whole number"
	case "!!bool":
		return "true or false"
	case "!!float":
		return "a number"
	case "!!null":
		return "null"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	default:
		return tag
	}
}

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// yamlParserProblems are the go.yaml.in/yaml/v3 parser (not scanner) errors:
// their line is 0-based (the context's), and absent when that is 0.
var yamlParserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"did not find expected '-' indicator", "did not find expected <document start>",
	"did not find expected key", "did not find expected node content",
	"found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// yamlErrorLine pulls the 1-based line out of a YAML syntax error.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	if contains(yamlParserProblems, msg) {
		line++
	}
	return line, "invalid YAML: " + msg
}

// checkIDs lists the PSA check IDs of the policy library, sorted; computed
// once, read-only after.
var checkIDs = sync.OnceValue(func() []string {
	var ids []string
	for _, c := range policy.DefaultChecks() {
		ids = append(ids, string(c.ID))
	}
	sort.Strings(ids)
	return ids
})

// CheckIDs lists the PSA check IDs .github/pss-bot.yaml accepts under checks.
func CheckIDs() []string { return append([]string(nil), checkIDs()...) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns ` (did you mean "x"?)` for the closest known name.
func suggest(got string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := editDistance(strings.ToLower(got), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= 1+len(got)/4 {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// PatcherOptions are the engine options this configuration asks for.
func (r *Repo) PatcherOptions() patcher.Options {
	o := patcher.Options{
		Level:                  r.Level,
		Version:                r.Version,
		RunAsUser:              r.RunAsUser,
		ReadOnlyRootFilesystem: r.ReadOnlyRootFilesystem,
	}
	if len(r.Checks) > 0 {
		o.Strategies = make(map[string]patcher.Strategy, len(r.Checks))
		for k, v := range r.Checks {
			o.Strategies[k] = v
		}
	}
	if len(r.Kinds) > 0 {
		o.Kinds = make(map[string]string, len(r.Kinds))
		for k, v := range r.Kinds {
			o.Kinds[k] = v
		}
	}
	return o
}

// Users are the reviewers that are GitHub users.
func (r *Repo) Users() []string {
	var out []string
	for _, rv := range r.Reviewers {
		if !strings.Contains(rv, "/") {
			out = append(out, rv)
		}
	}
	return out
}

// Teams are the team reviewers as slugs (the part after "org/"), which is
// what GitHub's request-reviewers API takes; the team must belong to the
// repository's organization.
func (r *Repo) Teams() []string {
	var out []string
	for _, rv := range r.Reviewers {
		if _, team, ok := strings.Cut(rv, "/"); ok {
			out = append(out, team)
		}
	}
	return out
}
