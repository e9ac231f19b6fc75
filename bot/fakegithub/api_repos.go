package fakegithub

import (
	"encoding/base64"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// GET /installation/repositories
func (s *Server) listInstallationRepos(c *call) (int, any) {
	var repos []*Repo
	for _, k := range sortedKeys(s.repos) {
		if r := s.repos[k]; c.tok.canSee(r) {
			repos = append(repos, r)
		}
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].ID < repos[j].ID })
	lo, hi := c.paginate(len(repos))
	out := []*github.Repository{}
	for _, r := range repos[lo:hi] {
		out = append(out, s.repoJSON(r))
	}
	return http.StatusOK, map[string]any{
		"total_count": len(repos), "repository_selection": "all", "repositories": out,
	}
}

// GET /repos/{owner}/{repo}
func (s *Server) getRepo(c *call) (int, any) { return http.StatusOK, s.repoJSON(c.repo) }

// emptyRepo answers GitHub's 409 for git endpoints of a repository without
// commits.
func emptyRepo() (int, any) { return fail(http.StatusConflict, "Git Repository is empty.") }

// GET /repos/{owner}/{repo}/contents/{path...}
func (s *Server) getContents(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return fail(http.StatusNotFound, "This repository is empty.")
	}
	ref := c.query.Get("ref")
	if ref == "" {
		ref = r.opts.DefaultBranch
	}
	commit, ok := r.resolve(ref, "commit")
	if !ok {
		return fail(http.StatusNotFound, "No commit found for the ref "+ref)
	}
	p := strings.Trim(c.params["path"], "/")
	e, ok := r.lookupPath(r.treeOf(commit), p)
	if !ok {
		return notFound()
	}
	switch e.typ {
	case "tree":
		return s.dirContents(c, e.sha, p, ref)
	case "blob":
		data, err := r.catBlob(e.sha)
		if err != nil {
			return fail(http.StatusInternalServerError, err.Error())
		}
		e.size = int64(len(data))
		rc := r.contentJSON(e, ref)
		rc.Encoding = ptr("base64")
		rc.Content = ptr(wrap60(base64.StdEncoding.EncodeToString(data)))
		if e.mode == "120000" {
			rc.Type = ptr("symlink")
			rc.Target = ptr(string(data))
		}
		return http.StatusOK, rc
	default:
		return http.StatusOK, r.contentJSON(e, ref)
	}
}

func (s *Server) dirContents(c *call, tree, dir, ref string) (int, any) {
	r := c.repo
	entries, err := r.lsTree(tree, false, false)
	if err != nil {
		return notFound()
	}
	out := []*github.RepositoryContent{}
	for _, e := range entries {
		e.path = path.Join(dir, e.path)
		rc := r.contentJSON(e, ref)
		out = append(out, rc)
	}
	return http.StatusOK, out
}

func (r *Repo) contentJSON(e treeEntry, ref string) *github.RepositoryContent {
	s := r.s
	full := r.FullName()
	typ := map[string]string{"blob": "file", "tree": "dir", "commit": "submodule"}[e.typ]
	size := int(max(e.size, 0))
	rc := &github.RepositoryContent{
		Type: ptr(typ), Name: ptr(path.Base(e.path)), Path: ptr(e.path), SHA: ptr(e.sha), Size: ptr(size),
		URL:     ptr(s.api("/repos/%s/contents/%s?ref=%s", full, e.path, ref)),
		HTMLURL: ptr(s.html("/%s/blob/%s/%s", full, ref, e.path)),
		GitURL:  ptr(s.api("/repos/%s/git/blobs/%s", full, e.sha)),
	}
	if typ == "file" {
		rc.DownloadURL = ptr(s.html("/raw/%s/%s/%s", full, ref, e.path))
	}
	if typ == "dir" {
		rc.GitURL = ptr(s.api("/repos/%s/git/trees/%s", full, e.sha))
	}
	return rc
}

func wrap60(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60])
		b.WriteByte('\n')
		s = s[60:]
	}
	b.WriteString(s)
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

// GET /repos/{owner}/{repo}/branches
func (s *Server) listBranches(c *call) (int, any) {
	r := c.repo
	refs := r.refs("refs/heads/")
	names := sortedKeys(refs)
	lo, hi := c.paginate(len(names))
	out := []*github.Branch{}
	for _, n := range names[lo:hi] {
		b := strings.TrimPrefix(n, "refs/heads/")
		out = append(out, &github.Branch{
			Name:      ptr(b),
			Commit:    &github.RepositoryCommit{SHA: ptr(refs[n]), URL: ptr(s.api("/repos/%s/commits/%s", r.FullName(), refs[n]))},
			Protected: ptr(false),
		})
	}
	return http.StatusOK, out
}

// GET /repos/{owner}/{repo}/branches/{branch...}
func (s *Server) getBranch(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return fail(http.StatusNotFound, "Branch not found")
	}
	b := c.params["branch"]
	sha := r.branchSHA(b)
	if sha == "" {
		return fail(http.StatusNotFound, "Branch not found")
	}
	cs, err := r.log(sha, 1)
	if err != nil || len(cs) == 0 {
		return fail(http.StatusInternalServerError, "log failed")
	}
	return http.StatusOK, &github.Branch{Name: ptr(b), Commit: r.repoCommitJSON(cs[0]), Protected: ptr(false)}
}

// GET /repos/{owner}/{repo}/commits
func (s *Server) listCommits(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	ref := c.query.Get("sha")
	if ref == "" {
		ref = r.opts.DefaultBranch
	}
	sha, ok := r.resolve(ref, "commit")
	if !ok {
		return fail(http.StatusNotFound, "No commit found for SHA: "+ref)
	}
	var extra []string
	if p := c.query.Get("path"); p != "" {
		extra = append(extra, "--", p)
	}
	cs, err := r.log(sha, 0, extra...)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	author := c.query.Get("author")
	since, _ := time.Parse(time.RFC3339, c.query.Get("since"))
	until, _ := time.Parse(time.RFC3339, c.query.Get("until"))
	var kept []CommitInfo
	for _, ci := range cs {
		if author != "" && !strings.EqualFold(author, ci.AuthorEmail) && !strings.EqualFold(author, s.loginFor(ci.AuthorEmail)) {
			continue
		}
		if !since.IsZero() && ci.CommitTime.Before(since) || !until.IsZero() && ci.CommitTime.After(until) {
			continue
		}
		kept = append(kept, ci)
	}
	lo, hi := c.paginate(len(kept))
	out := []*github.RepositoryCommit{}
	for _, ci := range kept[lo:hi] {
		out = append(out, r.repoCommitJSON(ci))
	}
	return http.StatusOK, out
}

// GET /repos/{owner}/{repo}/commits/{ref...}
func (s *Server) getCommit(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	ref := c.params["ref"]
	sha, ok := r.resolve(ref, "commit")
	if !ok {
		return fail(http.StatusUnprocessableEntity, "No commit found for SHA: "+ref)
	}
	cs, err := r.log(sha, 1)
	if err != nil || len(cs) == 0 {
		return fail(http.StatusInternalServerError, "log failed")
	}
	rc := r.repoCommitJSON(cs[0])
	base := ""
	if len(cs[0].Parents) > 0 {
		base = cs[0].Parents[0]
	}
	rc.Files = r.diffFiles(base, sha)
	return http.StatusOK, rc
}

// diffFiles lists the files changed from base (a commit, or "" for none) to
// head.
func (r *Repo) diffFiles(base, head string) []*github.CommitFile {
	files := []*github.CommitFile{}
	for _, d := range r.diffNames(base, head) {
		st := map[string]string{"A": "added", "D": "removed", "M": "modified", "T": "changed"}[d[0]]
		if st == "" {
			st = "modified"
		}
		files = append(files, &github.CommitFile{Filename: ptr(d[1]), Status: ptr(st)})
	}
	return files
}

// GET /repos/{owner}/{repo}/compare/{basehead...}
func (s *Server) compare(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	bh := c.params["basehead"]
	baseRef, headRef, ok := strings.Cut(bh, "...")
	if !ok {
		baseRef, headRef, ok = strings.Cut(bh, "..")
	}
	if !ok {
		return notFound()
	}
	strip := func(ref string) string {
		if _, b, ok := strings.Cut(ref, ":"); ok {
			return b
		}
		return ref
	}
	base, ok1 := r.resolve(strip(baseRef), "commit")
	head, ok2 := r.resolve(strip(headRef), "commit")
	if !ok1 || !ok2 {
		return notFound()
	}
	mb, ok := r.mergeBase(base, head)
	if !ok {
		return fail(http.StatusNotFound, "No common ancestor between "+baseRef+" and "+headRef+".")
	}
	ahead, behind := r.countRange(base, head), r.countRange(head, base)
	status := "identical"
	switch {
	case ahead > 0 && behind > 0:
		status = "diverged"
	case ahead > 0:
		status = "ahead"
	case behind > 0:
		status = "behind"
	}
	cs, _ := r.log(base+".."+head, 0, "--reverse")
	commits := []*github.RepositoryCommit{}
	for _, ci := range cs {
		commits = append(commits, r.repoCommitJSON(ci))
	}
	baseLog, _ := r.log(base, 1)
	mbLog, _ := r.log(mb, 1)
	out := &github.CommitsComparison{
		Status: ptr(status), AheadBy: ptr(ahead), BehindBy: ptr(behind), TotalCommits: ptr(ahead),
		Commits: commits, Files: r.diffFiles(mb, head),
		HTMLURL: ptr(s.html("/%s/compare/%s", r.FullName(), bh)),
		URL:     ptr(s.api("/repos/%s/compare/%s", r.FullName(), bh)),
	}
	if len(baseLog) > 0 {
		out.BaseCommit = r.repoCommitJSON(baseLog[0])
	}
	if len(mbLog) > 0 {
		out.MergeBaseCommit = r.repoCommitJSON(mbLog[0])
	}
	return http.StatusOK, out
}

// GET /rate_limit (does not count against the limit)
func (s *Server) rateLimitStatus(c *call) (int, any) {
	limit, used, reset := s.rateLimit, 0, s.clock().Add(s.rateWindow)
	if c.bucket != nil {
		used, reset = c.bucket.used, c.bucket.reset
	}
	core := map[string]any{"limit": limit, "used": used, "remaining": max(limit-used, 0), "reset": reset.Unix(), "resource": "core"}
	return http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core}
}

// GET /repos/{owner}/{repo}/collaborators/{user}/permission
func (s *Server) collaboratorPermission(c *call) (int, any) {
	login := c.params["user"]
	perm := "read"
	switch s.association(login) {
	case "OWNER":
		perm = "admin"
	case "MEMBER", "COLLABORATOR":
		perm = "write"
	}
	return http.StatusOK, map[string]any{"permission": perm, "role_name": perm, "user": s.userJSON(login)}
}
