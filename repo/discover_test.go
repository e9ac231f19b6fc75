package repo

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pss-bot/pss-bot/config"
)

// writeTree creates files (path -> content) below dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func rels(files []File) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f.Rel)
	}
	return out
}

// problemFor returns the problem about a path ending in suffix.
func problemFor(t *testing.T, problems []Problem, suffix string) Problem {
	t.Helper()
	for _, p := range problems {
		if strings.HasSuffix(filepath.ToSlash(p.Path), suffix) {
			return p
		}
	}
	t.Fatalf("no problem for %s in %v", suffix, problems)
	return Problem{}
}

func TestDiscoverFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"b.yaml":               "kind: Pod\n",
		"a.yml":                "kind: Pod\n",
		"c.json":               "{}\n",
		"d.YAML":               "kind: Pod\n",
		"notes.txt":            "not a manifest\n",
		"sub/z.yaml":           "kind: Pod\n",
		"sub/deeper/y.yaml":    "kind: Pod\n",
		".git/config.yaml":     "never read\n",
		"sub/.git/HEAD.yaml":   "never read\n",
		".github/workflow.yml": "on: push\n",
	})
	files, problems := Discover([]string{dir}, DiscoverOptions{})
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	want := []string{".github/workflow.yml", "a.yml", "b.yaml", "c.json", "d.YAML", "sub/deeper/y.yaml", "sub/z.yaml"}
	if got := rels(files); !reflect.DeepEqual(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	for _, f := range files {
		if f.Path != filepath.Join(dir, filepath.FromSlash(f.Rel)) || f.Root != filepath.Clean(dir) {
			t.Errorf("%s: Path %q Root %q", f.Rel, f.Path, f.Root)
		}
		if f.Mode != 0o644 {
			t.Errorf("%s: mode %v", f.Rel, f.Mode)
		}
		if len(f.Data) == 0 {
			t.Errorf("%s: no data", f.Rel)
		}
	}
	// Deterministic: the same call gives the same order.
	again, _ := Discover([]string{dir}, DiscoverOptions{})
	if !reflect.DeepEqual(rels(files), rels(again)) {
		t.Errorf("order changed: %q then %q", rels(files), rels(again))
	}
}

func TestDiscoverFileRootAnyExtension(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"manifest.txt": "kind: Pod\n", "x.yaml": "kind: Pod\n"})
	none := func(string) bool { return false }
	files, problems := Discover([]string{filepath.Join(dir, "manifest.txt"), filepath.Join(dir, "x.yaml")},
		DiscoverOptions{Match: none, SkipDir: none})
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	if got := rels(files); !reflect.DeepEqual(got, []string{"manifest.txt", "x.yaml"}) {
		t.Errorf("files = %q", got)
	}
}

func TestDiscoverMissingRoot(t *testing.T) {
	files, problems := Discover([]string{filepath.Join(t.TempDir(), "nope")}, DiscoverOptions{})
	if len(files) != 0 || len(problems) != 1 || problems[0].Skipped {
		t.Fatalf("files %v problems %v", files, problems)
	}
	if !strings.Contains(problems[0].Message, "no such file") {
		t.Errorf("message %q", problems[0].Message)
	}
}

func TestDiscoverSizeLimitAndBinary(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"big.yaml":    strings.Repeat("a: b\n", 30), // 150 bytes
		"exact.yaml":  strings.Repeat("x", 100),
		"binary.yaml": "kind: Pod\n\x00\x01\x02",
		"ok.yaml":     "kind: Pod\n",
	})
	files, problems := Discover([]string{dir}, DiscoverOptions{MaxFileSize: 100})
	if got := rels(files); !reflect.DeepEqual(got, []string{"exact.yaml", "ok.yaml"}) {
		t.Errorf("files = %q", got)
	}
	big := problemFor(t, problems, "big.yaml")
	if big.Skipped || !strings.Contains(big.Message, "150 bytes, over the 100-byte limit") {
		t.Errorf("big: %+v", big)
	}
	bin := problemFor(t, problems, "binary.yaml")
	if bin.Skipped || !strings.Contains(bin.Message, "binary file") {
		t.Errorf("binary: %+v", bin)
	}
	if len(problems) != 2 {
		t.Errorf("problems: %v", problems)
	}
}

func TestDiscoverDefaultSizeLimit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.yaml")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: 5 MiB + 1 byte without writing them.
	if err := fh.Truncate(5<<20 + 1); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	files, problems := Discover([]string{dir}, DiscoverOptions{})
	if len(files) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "over the 5242880-byte limit") {
		t.Fatalf("files %v problems %v", rels(files), problems)
	}
}

func TestDiscoverSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.yaml": "kind: Secret\n", "dir/x.yaml": "kind: Pod\n"})
	root := t.TempDir()
	writeTree(t, root, map[string]string{"real.yaml": "kind: Pod\n", "sub/inner.yaml": "kind: Pod\n", "target.txt": "kind: Pod\n"})
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(root, "escape.yaml"))
	symlink(t, "../../"+filepath.Base(outside)+"/secret.yaml", filepath.Join(root, "sub", "relescape.yaml"))
	symlink(t, outside, filepath.Join(root, "outdir"))
	symlink(t, "real.yaml", filepath.Join(root, "alias.yaml"))   // duplicate of a file that is walked
	symlink(t, "target.txt", filepath.Join(root, "linked.yaml")) // only reachable through the link
	symlink(t, "sub", filepath.Join(root, "subalias"))           // folder inside: not followed
	symlink(t, "loop2.yaml", filepath.Join(root, "loop1.yaml"))  // a loop
	symlink(t, "loop1.yaml", filepath.Join(root, "loop2.yaml"))
	symlink(t, ".", filepath.Join(root, "sub", "self")) // a folder loop
	symlink(t, "missing.yaml", filepath.Join(root, "broken.yaml"))

	done := make(chan struct{})
	var files []File
	var problems []Problem
	go func() {
		defer close(done)
		files, problems = Discover([]string{root}, DiscoverOptions{})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Discover hangs on symlink loops")
	}

	if got, want := rels(files), []string{"real.yaml", "sub/inner.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	if p := problemFor(t, problems, "/linked.yaml"); !p.Skipped || !strings.Contains(p.Message, "not followed") || !strings.Contains(p.Message, "target.txt") {
		t.Errorf("linked.yaml: %+v", p)
	}
	for _, name := range []string{"/escape.yaml", "sub/relescape.yaml"} {
		p := problemFor(t, problems, name)
		if !p.Skipped || !strings.Contains(p.Message, "points outside") || !strings.Contains(p.Message, "not followed") {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if p := problemFor(t, problems, "/outdir"); !p.Skipped || !strings.Contains(p.Message, "outside") {
		t.Errorf("outdir: %+v", p)
	}
	for _, name := range []string{"/loop1.yaml", "/loop2.yaml", "/broken.yaml"} {
		if p := problemFor(t, problems, name); !p.Skipped || !strings.Contains(p.Message, "broken symlink or symlink loop") {
			t.Errorf("%s: %+v", name, p)
		}
	}
	for _, p := range problems {
		if strings.Contains(p.Path, "alias") || strings.Contains(p.Path, "self") {
			t.Errorf("unexpected problem %+v", p)
		}
	}
}

func TestDiscoverSymlinkedRoot(t *testing.T) {
	real := t.TempDir()
	writeTree(t, real, map[string]string{"a.yaml": "kind: Pod\n"})
	link := filepath.Join(t.TempDir(), "manifests")
	symlink(t, real, link)
	files, problems := Discover([]string{link}, DiscoverOptions{})
	if len(problems) != 0 || len(files) != 1 {
		t.Fatalf("files %v problems %v", files, problems)
	}
	if files[0].Path != filepath.Join(link, "a.yaml") {
		t.Errorf("Path = %s", files[0].Path)
	}
}

func TestDiscoverOverlappingRoots(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.yaml": "kind: Pod\n", "sub/b.yaml": "kind: Pod\n"})
	files, _ := Discover([]string{filepath.Join(dir, "sub"), dir, filepath.Join(dir, "a.yaml")}, DiscoverOptions{})
	if got := rels(files); !reflect.DeepEqual(got, []string{"b.yaml", "a.yaml"}) {
		t.Errorf("files = %q", got)
	}
}

// TestDiscoverMatch checks that the walker asks Match about each candidate
// by its path below the root, neither reads nor reports the files it
// refuses, and does not enter the folders SkipDir names. What the globs mean
// is config.Paths' business, tested there; here they are its real matcher.
func TestDiscoverMatch(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"apps/web/deploy.yaml":      "kind: Pod\n",
		"apps/web/values.json":      "{}\n",
		"apps/api/deploy.yaml":      "kind: Pod\n",
		"apps/api/notes.txt":        "not a candidate\n",
		"charts/x/templates/d.yaml": "kind: Pod\n",
		"vendor/lib/pod.yaml":       "kind: Pod\n",
		"vendor/lib/big.yaml":       strings.Repeat("a: b\n", 100),
		"vendor/lib/bin.yaml":       "\x00",
		"kustomization.yaml":        "resources: []\n",
	})
	outside := t.TempDir()
	symlink(t, outside, filepath.Join(dir, "vendor", "outdir"))
	symlink(t, "missing.yaml", filepath.Join(dir, "charts", "broken.yaml"))
	symlink(t, "missing.yaml", filepath.Join(dir, "apps", "broken.yaml"))

	var asked, dirs []string
	match := func(rel string) bool {
		asked = append(asked, rel)
		return strings.HasPrefix(rel, "apps/") && !strings.HasSuffix(rel, ".json")
	}
	skipDir := func(rel string) bool {
		dirs = append(dirs, rel)
		return rel == "vendor"
	}
	files, problems := Discover([]string{dir}, DiscoverOptions{Match: match, SkipDir: skipDir, MaxFileSize: 300})
	if got, want := rels(files), []string{"apps/api/deploy.yaml", "apps/web/deploy.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	// Only the wanted broken link is reported; nothing under vendor/ (too
	// big, binary, a link out of the tree) nor the refused charts/ link.
	if len(problems) != 1 || !strings.HasSuffix(filepath.ToSlash(problems[0].Path), "apps/broken.yaml") {
		t.Errorf("problems = %v, want only apps/broken.yaml", problems)
	}
	wantAsked := []string{"apps/api/deploy.yaml", "apps/broken.yaml", "apps/web/deploy.yaml", "apps/web/values.json",
		"charts/broken.yaml", "charts/x/templates/d.yaml", "kustomization.yaml"}
	if !reflect.DeepEqual(asked, wantAsked) {
		t.Errorf("Match asked about %q, want %q (candidates only, outside skipped folders)", asked, wantAsked)
	}
	for _, d := range dirs {
		if strings.HasPrefix(d, "vendor/") {
			t.Errorf("SkipDir asked about %q: the walk entered vendor/", d)
		}
	}
}

// TestDiscoverWithPaths runs the walker with the matcher people configure.
func TestDiscoverWithPaths(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.yaml": "", "deploy/b.yaml": "", "deploy/legacy/c.yaml": "", "charts/x/d.yaml": "", "vendor/e.yaml": "",
	})
	p, err := config.NewPaths([]string{"*.yaml", "deploy/"}, []string{"deploy/legacy/", "vendor/**"})
	if err != nil {
		t.Fatal(err)
	}
	files, problems := Discover([]string{dir}, DiscoverOptions{Match: p.Matches, SkipDir: p.SkipsDir})
	if got, want := rels(files), []string{"a.yaml", "deploy/b.yaml"}; len(problems) != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("files = %q (problems %v), want %q", got, problems, want)
	}
}
