package config

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/patcher"
)

const fullRepoConfig = `# pss-bot settings for this repository
level: baseline
version: v1.29
paths:
  include: ["**/*.yaml", "**/*.yml", "**/*.json"]
  exclude: ["charts/**", ./vendor/]
checks:
  runAsNonRoot: report
  hostNamespaces: exempt
  capabilities_restricted: fix
runAsUser: 10001
kinds:
  Rollout: spec.template
  CloneSet: spec.template
labels: [security, pss-bot]
reviewers: [alice, "@bob", acme/platform-team]
readOnlyRootFilesystem: true
`

func TestParseRepoFull(t *testing.T) {
	r, err := ParseRepo([]byte(fullRepoConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := &Repo{
		Level:   "baseline",
		Version: "v1.29",
		Paths: Paths{
			Include: []string{"**/*.yaml", "**/*.yml", "**/*.json"},
			Exclude: []string{"charts/**", "vendor/**"},
		},
		Checks: map[string]patcher.Strategy{
			"runAsNonRoot": patcher.StrategyReport, "hostNamespaces": patcher.StrategyExempt,
			"capabilities_restricted": patcher.StrategyFix,
		},
		RunAsUser:              10001,
		Kinds:                  map[string]string{"Rollout": "spec.template", "CloneSet": "spec.template"},
		Labels:                 []string{"security", "pss-bot"},
		Reviewers:              []string{"alice", "bob", "acme/platform-team"},
		ReadOnlyRootFilesystem: true,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseRepo:\n got %+v\nwant %+v", r, want)
	}
	if got := r.Users(); !reflect.DeepEqual(got, []string{"alice", "bob"}) {
		t.Errorf("Users() = %q", got)
	}
	if got := r.Teams(); !reflect.DeepEqual(got, []string{"platform-team"}) {
		t.Errorf("Teams() = %q", got)
	}
	o := r.PatcherOptions()
	wantOpts := patcher.Options{
		Level: "baseline", Version: "v1.29", RunAsUser: 10001, Strategies: want.Checks,
		Kinds: want.Kinds, ReadOnlyRootFilesystem: true,
	}
	if !reflect.DeepEqual(o, wantOpts) {
		t.Errorf("PatcherOptions:\n got %+v\nwant %+v", o, wantOpts)
	}
	// The options are a copy: the engine may not change the configuration.
	o.Strategies["privileged"] = patcher.StrategyReport
	o.Kinds["X"] = "spec"
	if _, ok := r.Checks["privileged"]; ok {
		t.Error("PatcherOptions shares the Checks map")
	}
	if _, ok := r.Kinds["X"]; ok {
		t.Error("PatcherOptions shares the Kinds map")
	}
}

func TestParseRepoDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"empty":         "",
		"comments only": "# nothing set yet\n\n",
		"document mark": "---\n",
		"null":          "~\n",
		"empty mapping": "{}\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRepo([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r, DefaultRepo()) {
				t.Errorf("got %+v, want the defaults %+v", r, DefaultRepo())
			}
		})
	}
	d := DefaultRepo()
	if d.Level != "restricted" || d.Version != "latest" || d.RunAsUser != 65532 || d.ReadOnlyRootFilesystem ||
		len(d.Include) != 0 || len(d.Exclude) != 0 {
		t.Errorf("DefaultRepo() = %+v", d)
	}
	if o := d.PatcherOptions(); o.Level != "restricted" || o.Version != "latest" || o.RunAsUser != 65532 || o.Strategies != nil {
		t.Errorf("default PatcherOptions = %+v", o)
	}
}

// TestParseRepoSettings sets each setting alone and checks its field.
func TestParseRepoSettings(t *testing.T) {
	tests := []struct {
		src   string
		check func(*Repo) bool
	}{
		{"level: restricted", func(r *Repo) bool { return r.Level == "restricted" }},
		{"level: baseline", func(r *Repo) bool { return r.Level == "baseline" }},
		{"version: latest", func(r *Repo) bool { return r.Version == "latest" }},
		{"version: v1.0", func(r *Repo) bool { return r.Version == "v1.0" }},
		{"paths:\n  include: manifests/", func(r *Repo) bool { return reflect.DeepEqual(r.Include, []string{"manifests/**"}) }},
		{"paths:\n  exclude:\n    - '**/test/**'", func(r *Repo) bool { return reflect.DeepEqual(r.Exclude, []string{"**/test/**"}) }},
		{"checks:\n  privileged: exempt", func(r *Repo) bool { return r.Checks["privileged"] == patcher.StrategyExempt }},
		{"runAsUser: 1000", func(r *Repo) bool { return r.RunAsUser == 1000 }},
		{"kinds:\n  Workflow: spec.templates.podSpec", func(r *Repo) bool { return r.Kinds["Workflow"] == "spec.templates.podSpec" }},
		{"labels: security", func(r *Repo) bool { return reflect.DeepEqual(r.Labels, []string{"security"}) }},
		{"reviewers:\n  - acme/sre", func(r *Repo) bool { return reflect.DeepEqual(r.Teams(), []string{"sre"}) && r.Users() == nil }},
		{"readOnlyRootFilesystem: true", func(r *Repo) bool { return r.ReadOnlyRootFilesystem }},
		{"readOnlyRootFilesystem: false", func(r *Repo) bool { return !r.ReadOnlyRootFilesystem }},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			r, err := ParseRepo([]byte(tt.src + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(r) {
				t.Errorf("unexpected result %+v", r)
			}
		})
	}
}

// TestParseRepoErrors checks that each error names the key path and line.
func TestParseRepoErrors(t *testing.T) {
	tests := []struct {
		name, src string
		key       string
		line      int
		msg       string
	}{
		{"unknown key", "level: restricted\nlevl: baseline\n", "levl", 2, `unknown key (did you mean "level"?)`},
		{"unknown nested key", "paths:\n  include: [a]\n  exlude: [b]\n", "paths.exlude", 3, `unknown key (did you mean "exclude"?)`},
		{"duplicate key", "level: restricted\nversion: latest\nlevel: baseline\n", "level", 3, "duplicate key (first at line 1)"},
		{"duplicate check", "checks:\n  privileged: fix\n  privileged: report\n", "checks.privileged", 3, "duplicate key (first at line 2)"},
		{"bad level", "level: strict\n", "level", 1, `"strict" is not one of restricted, baseline`},
		{"privileged level", "\nlevel: privileged\n", "level", 2, "privileged enforces nothing"},
		{"level not a string", "level: [restricted]\n", "level", 1, "want a string"},
		{"bad version", "version: 1.29\n", "version", 1, `want a string, got a number "1.29"`},
		{"bad version text", "version: v2.0\n", "version", 1, `"v2.0": must be "latest" or "v1.x"`},
		{"paths not a mapping", "paths: [a]\n", "paths", 1, "want a mapping"},
		{"include not a list", "paths:\n  include: {a: b}\n", "paths.include", 2, "want a list of strings"},
		{"include item not a string", "paths:\n  include:\n    - a\n    - 3\n", "paths.include[1]", 4, `want a string, got a whole number "3"`},
		{"absolute glob", "paths:\n  exclude:\n    - /charts/**\n", "paths.exclude[0]", 3, "relative to the repository root"},
		{"dotdot glob", "paths:\n  exclude: [../x]\n", "paths.exclude[0]", 2, `".." is not allowed`},
		{"bad glob", "paths:\n  include: ['[a-']\n", "paths.include[0]", 2, `bad pattern segment "[a-"`},
		{"partial doublestar", "paths:\n  include: ['a**/b']\n", "paths.include[0]", 2, `"**" must be a whole path segment`},
		{"empty glob", "paths:\n  include: ['']\n", "paths.include[0]", 2, "must not be empty"},
		{"unknown check", "level: restricted\nchecks:\n  runAsNonRoot: fix\n\n  runAsNonRot: report\n", "checks.runAsNonRot", 5, `unknown check (did you mean "runAsNonRoot"?) (known: allowPrivilegeEscalation, appArmorProfile,`},
		{"bad strategy", "checks:\n  privileged: ignore\n", "checks.privileged", 2, `"ignore" is not one of fix, exempt, report`},
		{"checks not a mapping", "checks: [privileged]\n", "checks", 1, "want a mapping"},
		{"runAsUser zero", "runAsUser: 0\n", "runAsUser", 1, "0: must be a non-root UID"},
		{"runAsUser negative", "runAsUser: -5\n", "runAsUser", 1, "must be a non-root UID"},
		{"runAsUser text", "runAsUser: nobody\n", "runAsUser", 1, `want a whole number, got a string "nobody"`},
		{"runAsUser too big", "runAsUser: 4294967296\n", "runAsUser", 1, "must be a non-root UID from 1 to 2147483647"},
		{"kind lower case", "kinds:\n  rollout: spec.template\n", "kinds.rollout", 2, "not a Kubernetes kind"},
		{"builtin kind", "kinds:\n  Deployment: spec.foo\n", "kinds.Deployment", 2, "built in"},
		{"bad kind path", "kinds:\n  Rollout: spec..template\n", "kinds.Rollout", 2, `"spec..template" is not a dotted field path`},
		{"kind path not a string", "kinds:\n  Rollout: [spec, template]\n", "kinds.Rollout", 2, "want a string"},
		{"label too long", "labels: [" + strings.Repeat("x", 51) + "]\n", "labels[0]", 1, "longer than GitHub's 50 characters"},
		{"label twice", "labels:\n  - security\n  - Security\n", "labels[1]", 3, `"Security" is listed twice`},
		{"label empty", "labels:\n  - ''\n", "labels[0]", 2, "must not be empty"},
		{"bad reviewer", "reviewers:\n  - alice\n  - not a user\n", "reviewers[1]", 3, `"not a user" is not a GitHub user or org/team`},
		{"bad team", "reviewers: [a/b/c]\n", "reviewers[0]", 1, "is not a GitHub user or org/team"},
		{"reviewer twice", "reviewers: [alice, Alice]\n", "reviewers[1]", 1, "listed twice"},
		{"bool as string", "readOnlyRootFilesystem: yes\n", "readOnlyRootFilesystem", 1, `want true or false, got a string "yes"`},
		{"merge key", "base: &b {}\n", "base", 1, "unknown key"},
		{"top-level list", "- level: restricted\n", "", 1, "want a mapping of settings"},
		{"two documents", "level: restricted\n---\nlevel: baseline\n", "", 2, "only one YAML document is allowed"},
		{"syntax error", "level: restricted\nchecks:\n  privileged: [fix\n", "", 3, "invalid YAML: did not find expected ',' or ']'"},
		{"unclosed on line 1, found at the end", "level: [restricted\n", "", 2, "invalid YAML"},
		{"bad indentation", "level: restricted\n version: latest\n", "", 2, "invalid YAML: mapping values are not allowed"},
		{"unclosed quote", "level: restricted\nversion: 'v1.2\n", "", 2, "invalid YAML"},
		{"tab indentation", "paths:\n\tinclude: [a]\n", "", 2, "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRepo([]byte(tt.src))
			if err == nil {
				t.Fatalf("no error, want %s:%d: %s", tt.key, tt.line, tt.msg)
			}
			var re *RepoError
			if !errors.As(err, &re) {
				t.Fatalf("error %T (%v) is not a *RepoError", err, err)
			}
			if re.Key != tt.key || re.Line != tt.line || !strings.Contains(re.Msg, tt.msg) {
				t.Errorf("got key %q line %d msg %q\nwant key %q line %d msg containing %q", re.Key, re.Line, re.Msg, tt.key, tt.line, tt.msg)
			}
			prefix := ".github/pss-bot.yaml:" + strconv.Itoa(tt.line) + ": "
			if tt.key != "" {
				prefix += tt.key + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q, want prefix %q", err, prefix)
			}
		})
	}
}

func TestRepoErrorFormat(t *testing.T) {
	e := &RepoError{Key: "checks.runAsNonRot", Line: 7, Msg: "unknown check"}
	if got := e.Error(); got != ".github/pss-bot.yaml:7: checks.runAsNonRot: unknown check" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&RepoError{Msg: "file is too large"}).Error(); got != ".github/pss-bot.yaml: file is too large" {
		t.Errorf("Error() = %q", got)
	}
}

func TestParseRepoAliases(t *testing.T) {
	src := "labels: &l [security]\nreviewers: [alice]\nkinds:\n  Rollout: &p spec.template\n  CloneSet: *p\n"
	r, err := ParseRepo([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kinds["CloneSet"] != "spec.template" {
		t.Errorf("alias not resolved: %+v", r.Kinds)
	}
}

func TestParseRepoTooLarge(t *testing.T) {
	_, err := ParseRepo([]byte("# " + strings.Repeat("x", maxRepoConfigSize)))
	var re *RepoError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, "larger than") {
		t.Errorf("err = %v", err)
	}
}

func TestCheckIDsAreThePolicyLibrarys(t *testing.T) {
	ids := CheckIDs()
	for _, want := range []string{"privileged", "runAsNonRoot", "capabilities_restricted", "seccompProfile_restricted", "hostNamespaces"} {
		if !contains(ids, want) {
			t.Errorf("CheckIDs() = %q, missing %q", ids, want)
		}
	}
	// Every known ID is accepted.
	for _, id := range ids {
		if _, err := ParseRepo([]byte("checks:\n  " + id + ": report\n")); err != nil {
			t.Errorf("check %s: %v", id, err)
		}
	}
}

// TestMatchesFromFile runs the globs of the reference file end to end.
func TestMatchesFromFile(t *testing.T) {
	r, err := ParseRepo([]byte(fullRepoConfig))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"deploy/web.yaml": true, "vendor/x/deploy.yaml": false, "charts/web/templates/d.yaml": false, "docs/a.md": false,
	} {
		if got := r.Matches(p); got != want {
			t.Errorf("Matches(%q) = %v, want %v", p, got, want)
		}
	}
}
