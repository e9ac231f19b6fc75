package config

import (
	"strings"
	"testing"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		yes, no          []string
	}{
		{
			name: "no include matches everything",
			yes:  []string{"a.yaml", "deploy/app/x.yml", ".github/workflows/ci.yaml", "README.md"},
		},
		{
			name:    "doublestar include, directory exclude",
			include: []string{"**/*.yaml", "**/*.yml", "**/*.json"},
			exclude: []string{"charts/**"},
			yes:     []string{"a.yaml", "deploy/app.yml", "deploy/a/b/c/d.json", "./deploy/app.yaml", "chart/x.yaml"},
			no:      []string{"charts/x.yaml", "charts/sub/templates/d.yaml", "README.md", "deploy/app.yaml.bak"},
		},
		{
			name:    "single star stays in one segment",
			include: []string{"*.yaml"},
			yes:     []string{"a.yaml"},
			no:      []string{"dir/a.yaml"},
		},
		{
			name:    "doublestar in the middle",
			include: []string{"envs/**/prod/*.yaml"},
			yes:     []string{"envs/prod/a.yaml", "envs/eu/west/prod/a.yaml"},
			no:      []string{"envs/eu/staging/a.yaml", "envs/prod/sub/a.yaml", "other/envs/prod/a.yaml"},
		},
		{
			name:    "exclude anywhere",
			exclude: []string{"**/test/**", "**/*_test.yaml"},
			yes:     []string{"app/deploy.yaml", "testing/x.yaml"},
			no:      []string{"test/x.yaml", "a/b/test/c/x.yaml", "a/x_test.yaml"},
		},
		{
			name:    "classes and ?",
			include: []string{"k8s/[a-c]?/*.y?ml"},
			yes:     []string{"k8s/a1/x.yaml", "k8s/c9/x.yaml"},
			no:      []string{"k8s/d1/x.yaml", "k8s/a12/x.yaml"},
		},
		{
			name:    "doublestar spans zero or more folders",
			include: []string{"a/**/c.yaml", "x/**/**/y.yaml"},
			yes:     []string{"a/c.yaml", "a/x/y/c.yaml", "x/y.yaml", "x/1/2/y.yaml"},
			no:      []string{"b/a/c.yaml", "a/c.yml"},
		},
		{
			name:    "a glob without / is only at the root",
			include: []string{"x.yaml", "./*.json"},
			yes:     []string{"x.yaml", "a.json"},
			no:      []string{"deep/x.yaml", "deep/down/a.json"},
		},
		{
			name:    "single star does not cross folders",
			include: []string{"a/*/c.yaml", "a/b?.yaml"},
			yes:     []string{"a/x/c.yaml", "a/bc.yaml"},
			no:      []string{"a/x/y/c.yaml", "a/b.yaml"},
		},
		{
			name:    "paths are cleaned",
			include: []string{"deploy/**"},
			yes:     []string{"deploy/x/../y.yaml", "/deploy/y.yaml"},
			no:      []string{"deploy/../secret.yaml", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewPaths(tt.include, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.yes {
				if !r.Matches(p) {
					t.Errorf("Matches(%q) = false, want true", p)
				}
			}
			for _, p := range tt.no {
				if r.Matches(p) {
					t.Errorf("Matches(%q) = true, want false", p)
				}
			}
		})
	}
}

func TestMatchesHandBuiltRepo(t *testing.T) {
	r := &Repo{Paths: Paths{Include: []string{"./deploy/"}, Exclude: []string{"deploy/legacy/"}}}
	for p, want := range map[string]bool{"deploy/a.yaml": true, "deploy/legacy/b.yaml": false, "other/c.yaml": false} {
		if got := r.Matches(p); got != want {
			t.Errorf("Matches(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestNewPathsErrors checks that a glob given on the command line is refused
// with the message .github/pss-bot.yaml gives for it.
func TestNewPathsErrors(t *testing.T) {
	tests := []struct {
		include, exclude []string
		want             string
	}{
		{include: []string{"/abs/*.yaml"}, want: `include "/abs/*.yaml": patterns are relative`},
		{exclude: []string{"ok/**", "../x"}, want: `exclude "../x": ".." is not allowed`},
		{exclude: []string{"[x"}, want: `exclude "[x": bad pattern segment "[x": syntax error in pattern`},
		{include: []string{"a**/b"}, want: `"**" must be a whole path segment`},
		{include: []string{`a\b.yaml`}, want: "use forward slashes"},
		{include: []string{"a//b"}, want: "empty path segment"},
		{include: []string{""}, want: "empty pattern"},
	}
	for _, tt := range tests {
		_, err := NewPaths(tt.include, tt.exclude)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewPaths(%q, %q) = %v, want %q", tt.include, tt.exclude, err, tt.want)
			continue
		}
		// The same glob in .github/pss-bot.yaml: the same message.
		list, g := "include", ""
		if len(tt.include) > 0 {
			g = tt.include[0]
		} else {
			list, g = "exclude", tt.exclude[len(tt.exclude)-1]
		}
		if g == "" {
			continue // an empty string is refused by the list parser first
		}
		_, perr := ParseRepo([]byte("paths:\n  " + list + ": ['" + g + "']\n"))
		_, msg, _ := strings.Cut(err.Error(), ": ")
		if perr == nil || !strings.HasSuffix(perr.Error(), msg) {
			t.Errorf("ParseRepo with %s %q: %v, want the message %q", list, g, perr, msg)
		}
	}
	p, err := NewPaths([]string{"./deploy/"}, nil)
	if err != nil || len(p.Include) != 1 || p.Include[0] != "deploy/**" || p.Exclude != nil {
		t.Errorf("NewPaths canonical form: %+v, %v", p, err)
	}
}

// TestSkipsDir checks that a folder is skipped only when no file below it
// matches, and that the usual excluded and not-included folders are.
func TestSkipsDir(t *testing.T) {
	files := []string{
		"a.yaml", "deploy/a.yaml", "deploy/legacy/b.yaml", "deploy/x/test/c.yaml", "charts/web/templates/d.yaml",
		"envs/eu/prod/e.yaml", "envs/eu/staging/f.yaml", "vendor/lib/g.yaml", "test/h.yaml",
	}
	tests := []struct {
		include, exclude []string
		skipped          []string
	}{
		{nil, nil, nil},
		{nil, []string{"**"}, []string{"deploy", "charts", "envs/eu"}},
		{nil, []string{"vendor/", "charts/**", "**/test/**"}, []string{"vendor", "vendor/lib", "charts", "test", "deploy/x/test"}},
		{[]string{"deploy/**"}, []string{"deploy/legacy/"}, []string{"charts", "envs", "vendor", "test", "deploy/legacy"}},
		{[]string{"envs/*/prod/*.yaml"}, nil, []string{"deploy", "envs/eu/staging", "envs/eu/prod/sub"}},
		{[]string{"*.yaml"}, nil, []string{"deploy", "charts"}},
		{[]string{"**/prod/*.yaml"}, []string{"**/*.json"}, nil},
	}
	for _, tt := range tests {
		p, err := NewPaths(tt.include, tt.exclude)
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range tt.skipped {
			if !p.SkipsDir(dir) {
				t.Errorf("%+v: SkipsDir(%q) = false, want true", p, dir)
			}
		}
		// Never skip a folder holding a file that matches.
		for _, f := range files {
			if !p.Matches(f) {
				continue
			}
			for dir := f; strings.Contains(dir, "/"); {
				dir = dir[:strings.LastIndex(dir, "/")]
				if p.SkipsDir(dir) {
					t.Errorf("%+v: SkipsDir(%q) = true, but %s matches", p, dir, f)
				}
			}
		}
	}
}
