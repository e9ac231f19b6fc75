package repo

import (
	"context"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testToken = "ghs_s3cr3tT0k3nValue"

// gitServer serves the bare repositories under root over smart HTTP with
// git http-backend, requiring basic auth x-access-token:testToken.
func gitServer(t *testing.T, root string) *httptest.Server {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: the clone tests need git http-backend")
	}
	backend := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.String(), testToken) {
			t.Errorf("token in URL %s", r.URL)
		}
		user, pass, ok := r.BasicAuth()
		if !ok || user != "x-access-token" || pass != testToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
			http.Error(w, "Authentication failed", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// seed makes root/o/r.git with two commits on main and one on other.
func seed(t *testing.T, root string) (head string) {
	t.Helper()
	work := t.TempDir()
	runGit(t, work, "init", "-q", "-b", "main")
	os.MkdirAll(filepath.Join(work, "deploy"), 0o755)
	os.WriteFile(filepath.Join(work, "deploy", "app.yaml"), []byte("kind: Pod\n"), 0o644)
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", "one")
	os.WriteFile(filepath.Join(work, "deploy", "app.yaml"), []byte("kind: Pod\nmetadata: {name: a}\n"), 0o644)
	runGit(t, work, "commit", "-q", "-am", "two")
	head = runGit(t, work, "rev-parse", "HEAD")
	runGit(t, work, "checkout", "-q", "-b", "other")
	os.WriteFile(filepath.Join(work, "other.yaml"), []byte("x: 1\n"), 0o644)
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", "other")
	os.MkdirAll(filepath.Join(root, "o"), 0o755)
	runGit(t, root, "clone", "-q", "--bare", work, filepath.Join(root, "o", "r.git"))
	os.MkdirAll(filepath.Join(root, "o", "empty.git"), 0o755)
	runGit(t, filepath.Join(root, "o", "empty.git"), "init", "-q", "--bare")
	return head
}

func TestClone(t *testing.T) {
	root := t.TempDir()
	head := seed(t, root)
	srv := gitServer(t, root)
	tmp := t.TempDir()

	co, err := Clone(context.Background(), CloneOptions{URL: srv.URL + "/o/r.git", Branch: "main", Token: testToken, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if co.Head != head {
		t.Errorf("Head = %s, want %s", co.Head, head)
	}
	if len(co.Tree) != 40 {
		t.Errorf("Tree = %q", co.Tree)
	}
	if !strings.HasPrefix(co.Dir, tmp) {
		t.Errorf("clone in %s, not under %s", co.Dir, tmp)
	}
	data, err := os.ReadFile(filepath.Join(co.Dir, "deploy", "app.yaml"))
	if err != nil || string(data) != "kind: Pod\nmetadata: {name: a}\n" {
		t.Errorf("app.yaml = %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(co.Dir, "other.yaml")); !os.IsNotExist(err) {
		t.Error("the other branch's file is checked out")
	}
	// Shallow: one commit only, and only the one branch fetched.
	if out := runGit(t, co.Dir, "rev-list", "--count", "HEAD"); out != "1" {
		t.Errorf("clone holds %s commits, want 1 (depth 1)", out)
	}
	if out := runGit(t, co.Dir, "for-each-ref", "--format=%(refname)", "refs/remotes"); strings.Contains(out, "other") {
		t.Errorf("clone fetched other branches: %s", out)
	}
	cfg, _ := os.ReadFile(filepath.Join(co.Dir, ".git", "config"))
	if strings.Contains(string(cfg), testToken) {
		t.Error("token written into .git/config")
	}
	if err := co.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(co.Dir); !os.IsNotExist(err) {
		t.Error("Remove left the clone on disk")
	}
}

func TestCloneErrors(t *testing.T) {
	root := t.TempDir()
	seed(t, root)
	srv := gitServer(t, root)
	tmp := t.TempDir()
	tests := []struct {
		name     string
		opts     CloneOptions
		sentinel error
	}{
		{"bad token", CloneOptions{URL: srv.URL + "/o/r.git", Branch: "main", Token: "ghs_wrongTokenValue"}, ErrAuth},
		{"empty repository", CloneOptions{URL: srv.URL + "/o/empty.git", Branch: "main", Token: testToken}, ErrEmptyRepository},
		{"no branch", CloneOptions{URL: srv.URL + "/o/r.git", Branch: "nope", Token: testToken}, nil},
		{"token in URL is dropped", CloneOptions{URL: strings.Replace(srv.URL, "://", "://x-access-token:"+testToken+"@", 1) + "/o/missing.git", Branch: "main", Token: testToken}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.TempDir = tmp
			co, err := Clone(context.Background(), tt.opts)
			if err == nil {
				co.Remove()
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, secret := range []string{testToken, "ghs_wrongTokenValue"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error shows a credential: %s", msg)
				}
			}
			if !strings.Contains(msg, "/o/") {
				t.Errorf("error does not name the repository: %s", msg)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q is not %v", msg, tt.sentinel)
			}
		})
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("failed clones left %d folders behind", len(left))
	}
}

func TestScrub(t *testing.T) {
	got := scrub("Get https://x-access-token:abc@h/o/r.git: token abc refused", "abc")
	if strings.Contains(got, "abc") || !strings.Contains(got, "https://***@h/o/r.git") {
		t.Errorf("scrub = %q", got)
	}
}
