package fakegithub

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Delete, as a value in the files map of Repo.Commit, deletes the path.
const Delete = "\x00fakegithub:delete\x00"

// RepoOptions describe a repository at creation.
type RepoOptions struct {
	// DefaultBranch defaults to "main".
	DefaultBranch string
	Archived      bool
	Disabled      bool
	// Empty forces the reported size to 0. A repository without any commit
	// is empty anyway (size 0; git endpoints answer 409 "Git Repository is
	// empty."), whatever this says.
	Empty   bool
	Private bool
}

// Repo is one fake repository, backed by a real bare git repository.
type Repo struct {
	s           *Server
	ID          int64
	Owner, Name string
	// Dir is the bare repository on disk.
	Dir            string
	installationID int64
	opts           RepoOptions
	createdAt      time.Time
	pushedAt       time.Time
	issues         []*issue // issues and pulls, by number-1
	labels         map[string]*label
	comments       map[int64]*comment
	verified       map[string]bool   // commits made through the API
	memo           map[string]any    // immutable git data, by kind:sha
	refCache       map[string]string // full ref name -> sha; nil: reload
}

// CommitInfo describes one commit of a branch's history.
type CommitInfo struct {
	SHA                           string
	Parents                       []string
	AuthorName, AuthorEmail       string
	AuthorLogin                   string // "" when the e-mail maps to no login
	CommitterName, CommitterEmail string
	Message                       string
	Tree                          string
	// Time is the author date; CommitTime the committer date.
	Time, CommitTime time.Time
	// Verified is true for commits made through the Git Data API.
	Verified bool
}

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.Owner + "/" + r.Name }

// CloneURL is the repository's smart-HTTP URL on this server.
func (r *Repo) CloneURL() string { return r.s.URL + "/git/" + r.FullName() + ".git" }

// InstallationID is the installation owning the repository.
func (r *Repo) InstallationID() int64 { return r.installationID }

// AddRepo creates a repository of the installation, with no commit yet
// (seed it with Commit).
func (s *Server) AddRepo(installationID int64, fullName string, opts RepoOptions) *Repo {
	s.t.Helper()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		s.t.Fatalf("fakegithub: AddRepo: bad name %q", fullName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.installations[installationID] == nil {
		s.t.Fatalf("fakegithub: AddRepo %s: no installation %d", fullName, installationID)
	}
	if s.repos[strings.ToLower(fullName)] != nil {
		s.t.Fatalf("fakegithub: AddRepo: %s exists", fullName)
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	r := &Repo{
		s: s, ID: s.newID(), Owner: owner, Name: name,
		Dir:            filepath.Join(s.root, owner, name+".git"),
		installationID: installationID, opts: opts,
		createdAt: s.now(), labels: map[string]*label{}, comments: map[int64]*comment{},
		verified: map[string]bool{}, memo: map[string]any{}, refCache: map[string]string{},
	}
	if err := initBare(r.Dir, opts.DefaultBranch); err != nil {
		s.t.Fatalf("fakegithub: AddRepo %s: %v", fullName, err)
	}
	for _, l := range defaultLabels {
		r.labels[strings.ToLower(l[0])] = &label{ID: s.newID(), Name: l[0], Color: l[1], Description: l[2], Default: true}
	}
	s.repos[strings.ToLower(fullName)] = r
	return r
}

// Repo returns the repository "owner/name", or nil.
func (s *Server) Repo(fullName string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(fullName)]
}

// SetArchived archives or unarchives the repository.
func (r *Repo) SetArchived(v bool) { r.s.mu.Lock(); r.opts.Archived = v; r.s.mu.Unlock() }

// SetDisabled disables or enables the repository.
func (r *Repo) SetDisabled(v bool) { r.s.mu.Lock(); r.opts.Disabled = v; r.s.mu.Unlock() }

// SetDefaultBranch changes the default branch.
func (r *Repo) SetDefaultBranch(b string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.opts.DefaultBranch = b
	_, _ = r.git(nil, nil, "symbolic-ref", "HEAD", "refs/heads/"+b)
}

// DefaultBranch is the repository's default branch.
func (r *Repo) DefaultBranch() string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.opts.DefaultBranch
}

// Commit commits files onto branch as author and returns the commit sha.
// files maps paths to contents; the value Delete removes a path. The branch
// is created when absent, from the default branch's head (or as a root
// commit when the repository is empty). author is "Name <email>", an
// e-mail, or a login (then the e-mail is login@users.noreply.github.com and
// maps to that login). The commit is not Verified, as a pushed commit.
func (r *Repo) Commit(branch, author, message string, files map[string]string) string {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	name, email := r.s.parseAuthor(author)
	parent := r.branchSHA(branch)
	if parent == "" {
		parent = r.branchSHA(r.opts.DefaultBranch)
	}
	base := ""
	if parent != "" {
		base = r.treeOf(parent)
	}
	var edits []treeEdit
	for _, p := range sortedKeys(files) {
		if !validTreePath(p) {
			r.s.t.Fatalf("fakegithub: Commit: bad path %q", p)
		}
		if files[p] == Delete {
			edits = append(edits, treeEdit{path: p, del: true})
			continue
		}
		sha, err := r.hashObject([]byte(files[p]))
		if err != nil {
			r.s.t.Fatalf("fakegithub: Commit: %v", err)
		}
		edits = append(edits, treeEdit{path: p, mode: "100644", sha: sha})
	}
	tree, err := r.writeTree(base, edits)
	if err != nil {
		r.s.t.Fatalf("fakegithub: Commit: %v", err)
	}
	id := ident{name, email, r.s.now()}
	var parents []string
	if parent != "" {
		parents = []string{parent}
	}
	sha, err := r.commitTree(tree, parents, id, id, message)
	if err != nil {
		r.s.t.Fatalf("fakegithub: Commit: %v", err)
	}
	if err := r.setRef("refs/heads/"+branch, sha); err != nil {
		r.s.t.Fatalf("fakegithub: Commit: %v", err)
	}
	return sha
}

// SetBranch points branch at sha (force), creating it if needed.
func (r *Repo) SetBranch(branch, sha string) {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if err := r.setRef("refs/heads/"+branch, sha); err != nil {
		r.s.t.Fatalf("fakegithub: SetBranch: %v", err)
	}
}

// DeleteBranch deletes branch as a person would; open pull requests from it
// are closed, as on GitHub.
func (r *Repo) DeleteBranch(branch string) {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if err := r.deleteRef("refs/heads/" + branch); err != nil {
		r.s.t.Fatalf("fakegithub: DeleteBranch: %v", err)
	}
}

// Branch returns the sha of branch's head, "" if it does not exist.
func (r *Repo) Branch(branch string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.branchSHA(branch)
}

// Branches lists the branch names, sorted.
func (r *Repo) Branches() []string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	refs := r.refs("refs/heads/")
	var out []string
	for _, name := range sortedKeys(refs) {
		out = append(out, strings.TrimPrefix(name, "refs/heads/"))
	}
	return out
}

// Files returns every file of ref (branch, tag or sha) by path.
func (r *Repo) Files(ref string) map[string]string {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha, ok := r.resolve(ref, "commit")
	if !ok {
		r.s.t.Fatalf("fakegithub: Files: no ref %q in %s", ref, r.FullName())
	}
	entries, err := r.lsTree(r.treeOf(sha), true, false)
	if err != nil {
		r.s.t.Fatalf("fakegithub: Files: %v", err)
	}
	var shas []string
	for _, e := range entries {
		if e.typ == "blob" {
			shas = append(shas, e.sha)
		}
	}
	blobs, err := r.catBlobs(shas)
	if err != nil {
		r.s.t.Fatalf("fakegithub: Files: %v", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.typ == "blob" {
			out[e.path] = string(blobs[e.sha])
		}
	}
	return out
}

// File returns one file of ref, and whether it exists.
func (r *Repo) File(ref, path string) (string, bool) {
	f, ok := r.Files(ref)[path]
	return f, ok
}

// Log lists the commits reachable from ref, newest first.
func (r *Repo) Log(ref string) []CommitInfo {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha, ok := r.resolve(ref, "commit")
	if !ok {
		r.s.t.Fatalf("fakegithub: Log: no ref %q in %s", ref, r.FullName())
	}
	cs, err := r.log(sha, 0)
	if err != nil {
		r.s.t.Fatalf("fakegithub: Log: %v", err)
	}
	return cs
}

// Reload forgets the cached refs, after a test changed r.Dir with git
// itself (objects need nothing: they are immutable). Pull requests are
// brought in step with the branches as they are now.
func (r *Repo) Reload() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	before := r.refs("refs/heads/")
	r.refCache = nil
	after := r.refs("refs/heads/")
	for name, sha := range after {
		if before[name] != sha {
			r.refMoved(name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			r.refMoved(name)
		}
	}
}

// Verified reports whether the commit was made through the API (and so
// carries GitHub's verified signature).
func (r *Repo) Verified(sha string) bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.verified[sha]
}

// ---------------------------------------------------------------------------
// git plumbing (callers hold s.mu).

type ident struct {
	name, email string
	when        time.Time
}

type treeEdit struct {
	path, mode, sha string
	typ             string // blob, tree, commit (from mode when empty)
	del             bool
}

type treeEntry struct {
	mode, typ, sha, path string
	size                 int64 // -1 for trees
}

type gitCommit struct {
	sha, tree         string
	parents           []string
	author, committer ident
	message           string
}

func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0")
}

func (r *Repo) git(stdin []byte, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"--git-dir", r.Dir}, args...)...)
	cmd.Env = append(gitEnv(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (s *Server) parseAuthor(a string) (name, email string) {
	a = strings.TrimSpace(a)
	if i := strings.Index(a, "<"); i >= 0 && strings.HasSuffix(a, ">") {
		return strings.TrimSpace(a[:i]), a[i+1 : len(a)-1]
	}
	if strings.Contains(a, "@") {
		name, _, _ = strings.Cut(a, "@")
		return name, a
	}
	if a == "" {
		a = "octocat"
	}
	email = a + "@users.noreply.github.com"
	if _, ok := s.logins[strings.ToLower(email)]; !ok {
		s.logins[strings.ToLower(email)] = a
	}
	return a, email
}

func validRefName(ref string) bool {
	return ref != "" && !strings.HasPrefix(ref, "-") && !strings.ContainsAny(ref, " ~^:?*[\\\x00") && !strings.Contains(ref, "..")
}

func isHex(s string) bool {
	if len(s) < 4 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func parseIdent(v string) ident {
	i, j := strings.Index(v, "<"), strings.LastIndex(v, ">")
	if i < 0 || j < i {
		return ident{name: v}
	}
	id := ident{name: strings.TrimSpace(v[:i]), email: v[i+1 : j]}
	f := strings.Fields(v[j+1:])
	if len(f) > 0 {
		if ts, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			id.when = time.Unix(ts, 0).UTC()
		}
	}
	return id
}

// loginFor maps a commit e-mail to a GitHub login, "" if none.
func (s *Server) loginFor(email string) string {
	if strings.EqualFold(email, s.BotEmail()) {
		return s.BotLogin()
	}
	if l, ok := s.logins[strings.ToLower(email)]; ok {
		return l
	}
	// GitHub's noreply addresses carry the login: ID+login@ or login@.
	if local, ok := strings.CutSuffix(strings.ToLower(email), "@users.noreply.github.com"); ok {
		if _, l, ok := strings.Cut(local, "+"); ok {
			return l
		}
		return local
	}
	return ""
}

// SetLogin maps a commit author e-mail to a GitHub login (for the commits
// API's author/committer objects).
func (s *Server) SetLogin(email, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins[strings.ToLower(email)] = login
}

// httpBackend finds git-http-backend once per test binary.
var httpBackend = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return "", fmt.Errorf("git --exec-path: %w (is git installed?)", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
})

func findHTTPBackend(t testing.TB) string {
	t.Helper()
	p, err := httpBackend()
	if err != nil {
		t.Fatalf("fakegithub: %v", err)
	}
	return p
}

var defaultLabels = [][3]string{
	{"bug", "d73a4a", "Something isn't working"},
	{"documentation", "0075ca", "Improvements or additions to documentation"},
	{"enhancement", "a2eeef", "New feature or request"},
}
