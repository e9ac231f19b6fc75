package patcher

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestDiscovery(t *testing.T) {
	tmpl := func(indent string) string {
		body := "metadata:\n  labels: {app: x}\nspec:\n  containers:\n  - name: c\n    image: c\n"
		var b strings.Builder
		for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			b.WriteString(indent + l + "\n")
		}
		return b.String()
	}
	cases := []struct {
		name, src string
		opts      Options
		want      []string // kind/name@doc
	}{
		{"deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n" + tmpl("    "), Options{}, []string{"Deployment/d@0"}},
		{"statefulset daemonset replicaset rc job", strings.Join([]string{
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  template:\n" + tmpl("    "),
			"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\nspec:\n  template:\n" + tmpl("    "),
			"apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  template:\n" + tmpl("    "),
			"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  template:\n" + tmpl("    "),
			"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n" + tmpl("    "),
		}, "---\n"), Options{}, []string{"StatefulSet/s@0", "DaemonSet/ds@1", "ReplicaSet/rs@2", "ReplicationController/rc@3", "Job/j@4"}},
		{"cronjob v1 and v1beta1", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n" + tmpl("        ") +
			"---\napiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: b}\nspec:\n  jobTemplate:\n    spec:\n      template:\n" + tmpl("        "),
			Options{}, []string{"CronJob/a@0", "CronJob/b@1"}},
		{"pod template", "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt}\ntemplate:\n" + tmpl("  "), Options{}, []string{"PodTemplate/pt@0"}},
		{"list items", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  spec:\n    template:\n" + tmpl("      "),
			Options{}, []string{"Deployment/d@0"}},
		{"rollout built in", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n" + tmpl("    "), Options{}, []string{"Rollout/r@0"}},
		{"custom kind", "apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: w}\nspec:\n  pod:\n" + tmpl("    "), Options{Kinds: map[string]string{"Worker": "spec.pod"}}, []string{"Worker/w@0"}},
		{"non-workloads", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n", Options{}, nil},
		{"empty documents", "---\n# nothing\n---\n", Options{}, nil},
		{"json manifest", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","image":"c"}]}}`, Options{}, []string{"Pod/j@0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check("f.yaml", []byte(tc.src), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Workloads {
				got = append(got, w.Kind+"/"+w.Name+"@"+itoa(w.Doc))
				if w.Note == "" && len(w.Remaining) == 0 {
					t.Errorf("%s/%s: a bare pod template passes restricted?", w.Kind, w.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("workloads %v, want %v", got, tc.want)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestListItemIndex(t *testing.T) {
	src := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - name: c\n      image: c\n"
	res, err := Fix("l.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Workloads[0]
	if w.Item == nil || *w.Item != 1 {
		t.Fatalf("item %v, want 1", w.Item)
	}
	for _, c := range w.Changes {
		if !strings.HasPrefix(c.Field, "items[1].spec.") {
			t.Errorf("field %s is not under items[1]", c.Field)
		}
		if c.Line == 0 {
			t.Errorf("change %s has no line", c.Field)
		}
	}
	if len(w.Changes) == 0 || len(w.Remaining) != 0 {
		t.Errorf("changes %d, remaining %+v", len(w.Changes), w.Remaining)
	}
}

func TestSkippedFiles(t *testing.T) {
	cases := []struct{ name, path, src, want string }{
		{"helm", "templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n", "Helm"},
		{"helm control line", "d.yaml", "{{- if .Values.enabled }}\napiVersion: v1\nkind: Pod\n{{- end }}\n", "Helm"},
		{"kustomization by name", "base/kustomization.yaml", "resources:\n- deploy.yaml\n", "kustomization"},
		{"kustomization by kind", "k.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n", "kustomization"},
		{"json patch", "patch.yaml", "- op: replace\n  path: /spec/replicas\n  value: 3\n", "JSON patch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fix(tc.path, []byte(tc.src), Options{})
			if err != nil {
				t.Fatalf("Fix: %v", err)
			}
			if !strings.Contains(res.Skipped, tc.want) || res.Changed || string(res.Output) != tc.src {
				t.Errorf("skipped %q changed %v, want a skip mentioning %q", res.Skipped, res.Changed, tc.want)
			}
		})
	}
}

func TestTemplateMarkersInStrings(t *testing.T) {
	// A {{ inside a string is text, not a template: the file is evaluated.
	src := "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      annotations:\n        summary: \"{{ $labels.instance }} is down\"\n        description: Instance {{ $labels.instance }} down\n"
	res, err := Fix("rule.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != "" {
		t.Errorf("skipped: %s", res.Skipped)
	}
}

func TestPartialTemplates(t *testing.T) {
	// A kustomize strategic-merge patch: a Deployment with only what it changes.
	src := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources:\n          limits: {memory: 1Gi}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: scale\nspec:\n  replicas: 3\n"
	res, err := Fix("patch.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || string(res.Output) != src {
		t.Error("a patch was changed")
	}
	if len(res.Workloads) != 2 {
		t.Fatalf("%d workloads", len(res.Workloads))
	}
	for _, w := range res.Workloads {
		if w.Note == "" || len(w.Remaining) != 0 || len(w.Changes) != 0 {
			t.Errorf("%s: note %q, %d changes, %d remaining", w.Name, w.Note, len(w.Changes), len(w.Remaining))
		}
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"type error", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    runAsUser: abc\n  containers:\n  - name: c\n    image: c\n", 6, "spec.securityContext.runAsUser"},
		{"type error in a container", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: a\n  - name: b\n    image: b\n    securityContext:\n      privileged: yes please\n", 11, "containers[name=b].securityContext.privileged"},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n  containers: []\n", 6, "duplicate"},
		{"sequence document", "- a\n- b\n", 1, "not a Kubernetes object"},
		{"binary", "apiVersion: v1\x00\x01", 0, "binary"},
		{"alias bomb", billionLaughs(), 0, "alias"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, run := range []func(string, []byte, Options) (*FileResult, error){Fix, Check} {
				_, err := run("bad.yaml", []byte(tc.src), Options{})
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %v, want *Error", err)
				}
				if pe.Path != "bad.yaml" || (tc.line > 0 && pe.Line != tc.line) || !strings.Contains(pe.Error(), tc.msg) {
					t.Errorf("error %q (line %d), want line %d mentioning %q", pe.Error(), pe.Line, tc.line, tc.msg)
				}
			}
		})
	}
}

func TestMaxFileSize(t *testing.T) {
	src := []byte(pod("containers:\n- name: a\n  image: a\n"))
	_, err := Fix("big.yaml", src, Options{MaxFileSize: 10})
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Message, "limit") {
		t.Errorf("error %v, want a size limit error", err)
	}
	if _, err := Fix("ok.yaml", src, Options{}); err != nil {
		t.Errorf("default limit: %v", err)
	}
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("    a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("spec:\n  containers:\n  - name: c\n    image: c\n")
	return b.String()
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		msg  string
	}{
		{Options{Level: "privileged"}, "invalid level"},
		{Options{Level: "strict"}, "invalid level"},
		{Options{Version: "1.25"}, "invalid version"},
		{Options{Strategies: map[string]Strategy{"noSuchCheck": StrategyFix}}, "unknown check"},
		{Options{Strategies: map[string]Strategy{"privileged": "maybe"}}, "invalid strategy"},
		{Options{Strategies: map[string]Strategy{"hostNamespaces": StrategyFix}}, "cannot be fixed"},
	} {
		if _, err := NewEngine(tc.opts); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: error %v, want %q", tc.opts, err, tc.msg)
		}
	}
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Level() != "restricted" || !strings.HasPrefix(e.Version(), "v1.") {
		t.Errorf("defaults: %s %s", e.Level(), e.Version())
	}
	if e, _ := NewEngine(Options{Version: "v1.99"}); e.Version() != latestVersion(t) {
		t.Errorf("v1.99 evaluates as %s", e.Version())
	}
}

func latestVersion(t *testing.T) string {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e.Version()
}

func TestStrategies(t *testing.T) {
	src := pod("hostNetwork: true\ncontainers:\n- name: a\n  image: a\n")
	t.Run("default: fix restricted, propose baseline exemption... privileged for host namespaces", func(t *testing.T) {
		res, err := Fix("p.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := res.Workloads[0]
		if len(w.Remaining) != 1 || w.Remaining[0].Check != "hostNamespaces" || w.Remaining[0].Proposal == nil ||
			*w.Remaining[0].Proposal != (Proposal{Namespace: "team", Level: "privileged"}) {
			t.Errorf("remaining %+v", w.Remaining)
		}
	})
	t.Run("report leaves the check without a proposal", func(t *testing.T) {
		res, err := Fix("p.yaml", []byte(src), Options{Strategies: map[string]Strategy{
			"hostNamespaces": StrategyReport, "runAsNonRoot": StrategyReport,
		}})
		if err != nil {
			t.Fatal(err)
		}
		w := res.Workloads[0]
		ids := remainingIDs(w.Remaining)
		if ids != "hostNamespaces, runAsNonRoot" {
			t.Errorf("remaining %s", ids)
		}
		for _, r := range w.Remaining {
			if r.Proposal != nil || r.Strategy != StrategyReport {
				t.Errorf("%s: %+v", r.Check, r)
			}
		}
		for _, c := range w.Changes {
			if c.Check == "runAsNonRoot" {
				t.Error("runAsNonRoot fixed despite report")
			}
		}
	})
	t.Run("hostPath fails baseline too: privileged proposed", func(t *testing.T) {
		src := pod("volumes:\n- name: v\n  hostPath: {path: /var/log}\ncontainers:\n- name: a\n  image: a\n")
		res, err := Fix("p.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := res.Workloads[0]
		if len(w.Remaining) != 1 || w.Remaining[0].Check != "restrictedVolumes" || w.Remaining[0].Proposal.Level != "privileged" {
			t.Errorf("remaining %+v", w.Remaining)
		}
	})
	t.Run("only restricted checks left: baseline proposed", func(t *testing.T) {
		src := pod("volumes:\n- name: v\n  nfs: {server: s, path: /}\ncontainers:\n- name: a\n  image: a\n")
		res, err := Fix("p.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := res.Workloads[0]
		if len(w.Remaining) != 1 || w.Remaining[0].Check != "restrictedVolumes" || w.Remaining[0].Proposal.Level != "baseline" {
			t.Errorf("remaining %+v", w.Remaining)
		}
		if w.Remaining[0].Field != "spec.volumes[name=v]" || w.Remaining[0].Line == 0 {
			t.Errorf("remaining located at %s:%d", w.Remaining[0].Field, w.Remaining[0].Line)
		}
	})
}

func TestCheck(t *testing.T) {
	src := pod("hostNetwork: true\ncontainers:\n- name: a\n  image: a\n  securityContext:\n    runAsUser: 0\n")
	res, err := Check("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || string(res.Output) != src {
		t.Error("Check changed the file")
	}
	got := map[string]Remaining{}
	for _, r := range res.Workloads[0].Remaining {
		got[r.Check] = r
	}
	for check, want := range map[string]struct {
		fixable bool
		field   string
		line    int
	}{
		"hostNamespaces":            {false, "spec.hostNetwork", 7},
		"runAsUser":                 {true, "spec.containers[name=a].securityContext.runAsUser", 12},
		"allowPrivilegeEscalation":  {true, "spec.containers[name=a].securityContext.allowPrivilegeEscalation", 11},
		"runAsNonRoot":              {true, "spec.securityContext.runAsNonRoot", 6},
		"seccompProfile_restricted": {true, "spec.securityContext.seccompProfile.type", 6},
		"capabilities_restricted":   {true, "spec.containers[name=a].securityContext.capabilities.drop", 11},
	} {
		r, ok := got[check]
		if !ok {
			t.Errorf("%s not reported", check)
			continue
		}
		if r.Fixable != want.fixable || r.Field != want.field || r.Line != want.line {
			t.Errorf("%s: fixable %v field %s line %d, want %v %s %d", check, r.Fixable, r.Field, r.Line, want.fixable, want.field, want.line)
		}
	}
	if len(got) != 6 {
		t.Errorf("%d checks reported: %v", len(got), got)
	}
}

func TestAliasesAreNotEditedThrough(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - &c\n    name: a\n    image: a\n  initContainers:\n  - *c\n"
	res, err := Fix("p.yaml", []byte(src), Options{Level: "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed {
		t.Error("nothing to fix at baseline, yet changed")
	}
	res, err = Fix("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || len(res.Workloads[0].Changes) != 0 || len(res.Workloads[0].Remaining) == 0 {
		t.Errorf("changed %v, %+v", res.Changed, res.Workloads[0])
	}
	if !strings.Contains(res.Workloads[0].Remaining[0].Why, "aliases") {
		t.Errorf("why: %s", res.Workloads[0].Remaining[0].Why)
	}
}

func TestNoViolationsUntouched(t *testing.T) {
	src := "# a comment\napiVersion: v1\nkind: Pod\nmetadata:\n    name: p\nspec:\n    securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n    containers:\n    -   name: a\n        image: a\n        securityContext:\n            allowPrivilegeEscalation: false\n            capabilities: {drop: [\"ALL\"]}\n"
	res, err := Fix("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || string(res.Output) != src || len(res.Workloads[0].Remaining) != 0 {
		t.Errorf("compliant file touched: %+v", res)
	}
}

func TestCheckFixableIsWhatFixDoes(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		opts      Options
		fixable   map[string]bool
	}{
		{"node agent is not changed", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: a\n        image: a\n",
			Options{}, map[string]bool{"hostNamespaces": false, "runAsNonRoot": false, "allowPrivilegeEscalation": false}},
		{"windows pod before v1.25", pod("os: {name: windows}\nsecurityContext: {runAsNonRoot: true}\ncontainers:\n- name: a\n  image: a\n"),
			Options{Version: "v1.24"}, map[string]bool{"allowPrivilegeEscalation": false, "seccompProfile_restricted": false}},
		{"privileged then allowPrivilegeEscalation", pod(compliant + "containers:\n- name: a\n  image: a\n  securityContext: {privileged: true, capabilities: {drop: [ALL]}}\n"),
			Options{}, map[string]bool{"privileged": true, "allowPrivilegeEscalation": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check("c.yaml", []byte(tc.src), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, r := range res.Workloads[0].Remaining {
				got[r.Check] = r.Fixable
			}
			for check, want := range tc.fixable {
				if f, ok := got[check]; !ok || f != want {
					t.Errorf("%s: fixable %v (reported %v), want %v", check, f, ok, want)
				}
			}
			// Fix agrees: what is fixable is fixed, the rest remains.
			fixed, err := Fix("c.yaml", []byte(tc.src), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			left := map[string]bool{}
			for _, r := range fixed.Workloads[0].Remaining {
				left[r.Check] = true
			}
			for check, f := range got {
				if f == left[check] {
					t.Errorf("%s: Check says fixable=%v, Fix leaves it=%v", check, f, left[check])
				}
			}
		})
	}
}

// One engine serves concurrent calls (run with -race to check).
func TestEngineConcurrent(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "fix", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Fix("seed.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Fix("seed.yaml", src)
			if err != nil || !bytes.Equal(got.Output, want.Output) {
				t.Errorf("concurrent Fix differs: %v", err)
			}
			if _, err := e.Check("seed.yaml", src); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
