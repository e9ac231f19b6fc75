package fakegithub

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// createPull opens a pull request or returns GitHub's refusal.
func (r *Repo) createPull(user, head, base, title, body string, draft bool) (*issue, int, any) {
	if owner, b, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(owner, r.Owner) {
			st, out := validation(fieldError{Resource: "PullRequest", Field: "head", Code: "invalid"})
			return nil, st, out
		}
		head = b
	}
	if r.isEmpty() {
		st, out := validation(fieldError{Resource: "PullRequest", Field: "base", Code: "invalid"})
		return nil, st, out
	}
	headSHA, baseSHA := r.branchSHA(head), r.branchSHA(base)
	if headSHA == "" {
		st, out := validation(fieldError{Resource: "PullRequest", Field: "head", Code: "invalid"})
		return nil, st, out
	}
	if baseSHA == "" {
		st, out := validation(fieldError{Resource: "PullRequest", Field: "base", Code: "invalid"})
		return nil, st, out
	}
	if r.openPullFor(head, base) != nil {
		st, out := validation(fieldError{Resource: "PullRequest", Code: "custom",
			Message: fmt.Sprintf("A pull request already exists for %s:%s.", r.Owner, head)})
		return nil, st, out
	}
	if r.countRange(baseSHA, headSHA) == 0 {
		st, out := validation(fieldError{Resource: "PullRequest", Code: "custom",
			Message: fmt.Sprintf("No commits between %s and %s", base, head)})
		return nil, st, out
	}
	it := r.newIssue(user, title, body, nil)
	it.pr = &pull{Head: head, Base: base, HeadSHA: headSHA, BaseSHA: baseSHA, Draft: draft}
	return it, http.StatusCreated, nil
}

func (r *Repo) pullJSON(it *issue) *github.PullRequest {
	s := r.s
	full := r.FullName()
	p := it.pr
	iss := r.issueJSON(it)
	if it.State == "open" {
		if sha := r.branchSHA(p.Head); sha != "" {
			p.HeadSHA = sha
		}
		if sha := r.branchSHA(p.Base); sha != "" {
			p.BaseSHA = sha
		}
	}
	repo := s.repoJSON(r)
	owner := s.accountJSON(s.installations[r.installationID])
	reviewers := []*github.User{}
	for _, l := range p.Reviewers {
		reviewers = append(reviewers, s.userJSON(l))
	}
	commits := r.countRange(p.BaseSHA, p.HeadSHA)
	files := r.diffFiles(p.BaseSHA, p.HeadSHA)
	out := &github.PullRequest{
		ID: ptr(it.ID), NodeID: ptr(fmt.Sprintf("PR_fake%d", it.ID)), Number: ptr(it.Number), State: ptr(it.State),
		Locked: ptr(false), Title: ptr(it.Title), Body: ptr(it.Body), User: s.userJSON(it.User),
		Labels: iss.Labels, Assignees: iss.Assignees, Assignee: iss.Assignee,
		CreatedAt: ts(it.CreatedAt), UpdatedAt: ts(it.UpdatedAt), ClosedAt: ts(it.ClosedAt), MergedAt: ts(p.MergedAt),
		Draft: ptr(p.Draft), Merged: ptr(p.Merged), Mergeable: ptr(it.State == "open"),
		MaintainerCanModify: ptr(p.MaintainerCanMod), AuthorAssociation: iss.AuthorAssociation,
		Comments: iss.Comments, ReviewComments: ptr(0), Commits: ptr(commits), ChangedFiles: ptr(len(files)),
		Additions: ptr(0), Deletions: ptr(0), RequestedReviewers: reviewers,
		Head:        &github.PullRequestBranch{Label: ptr(r.Owner + ":" + p.Head), Ref: ptr(p.Head), SHA: ptr(p.HeadSHA), Repo: repo, User: owner},
		Base:        &github.PullRequestBranch{Label: ptr(r.Owner + ":" + p.Base), Ref: ptr(p.Base), SHA: ptr(p.BaseSHA), Repo: repo, User: owner},
		URL:         ptr(s.api("/repos/%s/pulls/%d", full, it.Number)),
		HTMLURL:     ptr(s.html("/%s/pull/%d", full, it.Number)),
		IssueURL:    ptr(s.api("/repos/%s/issues/%d", full, it.Number)),
		CommentsURL: ptr(s.api("/repos/%s/issues/%d/comments", full, it.Number)),
		DiffURL:     ptr(s.html("/%s/pull/%d.diff", full, it.Number)),
		PatchURL:    ptr(s.html("/%s/pull/%d.patch", full, it.Number)),
	}
	if p.MergeCommitSHA != "" {
		out.MergeCommitSHA = ptr(p.MergeCommitSHA)
	}
	if p.MergedBy != "" {
		out.MergedBy = s.userJSON(p.MergedBy)
	}
	if it.State == "open" {
		out.MergeableState = ptr("clean")
	}
	return out
}

func (c *call) pullParam() (*issue, bool) {
	it, ok := c.issueParam()
	if !ok || it.pr == nil {
		return nil, false
	}
	return it, true
}

// POST /repos/{owner}/{repo}/pulls
func (s *Server) createPullAPI(c *call) (int, any) {
	var in struct {
		Title *string `json:"title"`
		Head  *string `json:"head"`
		Base  *string `json:"base"`
		Body  *string `json:"body"`
		Draft *bool   `json:"draft"`
		MCM   *bool   `json:"maintainer_can_modify"`
		Issue *int    `json:"issue"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	var errs []fieldError
	if (in.Title == nil || *in.Title == "") && in.Issue == nil {
		errs = append(errs, fieldError{Resource: "PullRequest", Field: "title", Code: "missing_field"})
	}
	if in.Head == nil || *in.Head == "" {
		errs = append(errs, fieldError{Resource: "PullRequest", Field: "head", Code: "missing_field"})
	}
	if in.Base == nil || *in.Base == "" {
		errs = append(errs, fieldError{Resource: "PullRequest", Field: "base", Code: "missing_field"})
	}
	if len(errs) > 0 {
		return validation(errs...)
	}
	it, st, body := c.repo.createPull(c.actor(), *in.Head, *in.Base, deref(in.Title), deref(in.Body), in.Draft != nil && *in.Draft)
	if it == nil {
		return st, body
	}
	if in.MCM != nil {
		it.pr.MaintainerCanMod = *in.MCM
	}
	return http.StatusCreated, c.repo.pullJSON(it)
}

// GET /repos/{owner}/{repo}/pulls
func (s *Server) listPulls(c *call) (int, any) {
	state, ok := stateFilter(c)
	if !ok {
		return validation(fieldError{Resource: "PullRequest", Field: "state", Code: "invalid"})
	}
	// GitHub filters by head only in the form owner:branch.
	headOwner, headBranch, headOK := strings.Cut(c.query.Get("head"), ":")
	base := c.query.Get("base")
	var items []*issue
	for _, it := range c.repo.issues {
		if it.pr == nil || state != "all" && it.State != state {
			continue
		}
		if headOK && (!strings.EqualFold(headOwner, c.repo.Owner) || it.pr.Head != headBranch) {
			continue
		}
		if base != "" && it.pr.Base != base {
			continue
		}
		items = append(items, it)
	}
	sortIssues(c, items)
	lo, hi := c.paginate(len(items))
	out := []*github.PullRequest{}
	for _, it := range items[lo:hi] {
		out = append(out, c.repo.pullJSON(it))
	}
	return http.StatusOK, out
}

// GET /repos/{owner}/{repo}/pulls/{number}
func (s *Server) getPull(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	return http.StatusOK, c.repo.pullJSON(it)
}

// PATCH /repos/{owner}/{repo}/pulls/{number}
func (s *Server) editPull(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
		MCM   *bool   `json:"maintainer_can_modify"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Base != nil {
		if it.State == "closed" && (in.State == nil || *in.State != "open") {
			return validation(fieldError{Resource: "PullRequest", Field: "base", Code: "invalid",
				Message: "Cannot change the base branch of a closed pull request."})
		}
		if c.repo.branchSHA(*in.Base) == "" {
			return validation(fieldError{Resource: "PullRequest", Field: "base", Code: "invalid"})
		}
	}
	if st, body, ok := c.applyEdits(it, in.Title, in.Body, in.State, nil, "PullRequest"); !ok {
		return st, body
	}
	if in.Base != nil {
		it.pr.Base = *in.Base
		it.pr.BaseSHA = c.repo.branchSHA(*in.Base)
	}
	if in.MCM != nil {
		it.pr.MaintainerCanMod = *in.MCM
	}
	return http.StatusOK, c.repo.pullJSON(it)
}

// GET /repos/{owner}/{repo}/pulls/{number}/commits
func (s *Server) listPullCommits(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	r := c.repo
	c.repo.pullJSON(it) // refresh head/base
	cs, err := r.log(it.pr.BaseSHA+".."+it.pr.HeadSHA, 0, "--reverse")
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	lo, hi := c.paginate(len(cs))
	out := []*github.RepositoryCommit{}
	for _, ci := range cs[lo:hi] {
		out = append(out, r.repoCommitJSON(ci))
	}
	return http.StatusOK, out
}

// GET /repos/{owner}/{repo}/pulls/{number}/files
func (s *Server) listPullFiles(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	c.repo.pullJSON(it)
	mb, ok := c.repo.mergeBase(it.pr.BaseSHA, it.pr.HeadSHA)
	if !ok {
		return fail(http.StatusInternalServerError, "no merge base")
	}
	files := c.repo.diffFiles(mb, it.pr.HeadSHA)
	lo, hi := c.paginate(len(files))
	return http.StatusOK, files[lo:hi]
}

// merge merges the pull request, or returns why it cannot.
func (r *Repo) merge(it *issue, user, method, title, message string) (string, string) {
	p := it.pr
	if it.State != "open" {
		return "", "Pull Request is not mergeable"
	}
	headSHA, baseSHA := r.branchSHA(p.Head), r.branchSHA(p.Base)
	if headSHA == "" || baseSHA == "" {
		return "", "Pull Request is not mergeable"
	}
	out, err := r.git(nil, nil, "merge-tree", "--write-tree", baseSHA, headSHA)
	if err != nil {
		return "", "Pull Request is not mergeable"
	}
	tree := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	if title == "" {
		title = fmt.Sprintf("Merge pull request #%d from %s/%s", it.Number, r.Owner, p.Head)
		if method == "squash" {
			title = fmt.Sprintf("%s (#%d)", it.Title, it.Number)
		}
	}
	msg := title
	if message != "" {
		msg += "\n\n" + message
	}
	name, email := user, user+"@users.noreply.github.com"
	author := ident{name, email, r.s.now()}
	committer := ident{"GitHub", "noreply@github.com", r.s.now()}
	parents := []string{baseSHA, headSHA}
	if method == "squash" {
		parents = []string{baseSHA}
	}
	sha, err := r.commitTree(tree, parents, author, committer, msg)
	if err != nil {
		return "", err.Error()
	}
	r.verified[sha] = true
	p.Merged, p.MergedAt, p.MergedBy, p.MergeCommitSHA, p.HeadSHA = true, r.s.now(), user, sha, headSHA
	r.close(it, "")
	if err := r.setRef("refs/heads/"+p.Base, sha); err != nil {
		return "", err.Error()
	}
	return sha, ""
}

// PUT /repos/{owner}/{repo}/pulls/{number}/merge
func (s *Server) mergePull(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	var in struct {
		CommitTitle   *string `json:"commit_title"`
		CommitMessage *string `json:"commit_message"`
		SHA           *string `json:"sha"`
		MergeMethod   *string `json:"merge_method"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	method := "merge"
	if in.MergeMethod != nil {
		method = *in.MergeMethod
	}
	if method != "merge" && method != "squash" {
		return validation(fieldError{Resource: "PullRequest", Field: "merge_method", Code: "invalid"})
	}
	if in.SHA != nil && *in.SHA != c.repo.branchSHA(it.pr.Head) {
		return fail(http.StatusConflict, "Head branch was modified. Review and try the merge again.")
	}
	sha, msg := c.repo.merge(it, c.actor(), method, deref(in.CommitTitle), deref(in.CommitMessage))
	if msg != "" {
		return fail(http.StatusMethodNotAllowed, msg)
	}
	return http.StatusOK, &github.PullRequestMergeResult{SHA: ptr(sha), Merged: ptr(true), Message: ptr("Pull Request successfully merged")}
}

// GET /repos/{owner}/{repo}/pulls/{number}/merge: 204 if merged, else 404.
func (s *Server) isMerged(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok || !it.pr.Merged {
		return notFound()
	}
	return http.StatusNoContent, nil
}

// GET/POST/DELETE /repos/{owner}/{repo}/pulls/{number}/requested_reviewers
func (s *Server) requestedReviewers(c *call) (int, any) {
	it, ok := c.pullParam()
	if !ok {
		return notFound()
	}
	p := it.pr
	if c.r.Method == http.MethodGet {
		users := []*github.User{}
		for _, l := range p.Reviewers {
			users = append(users, s.userJSON(l))
		}
		return http.StatusOK, map[string]any{"users": users, "teams": []any{}}
	}
	var in struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if c.r.Method == http.MethodDelete {
		var kept []string
		for _, l := range p.Reviewers {
			if !containsFold(in.Reviewers, l) {
				kept = append(kept, l)
			}
		}
		p.Reviewers = kept
		return http.StatusOK, c.repo.pullJSON(it)
	}
	if in.Reviewers == nil && in.TeamReviewers == nil {
		return invalid(`"reviewers" wasn't supplied.`)
	}
	for _, l := range in.Reviewers {
		if strings.EqualFold(l, it.User) {
			return validation(fieldError{Resource: "PullRequest", Code: "custom", Field: "reviewers",
				Message: "Review cannot be requested from pull request author."})
		}
		if s.association(l) == "NONE" {
			return validation(fieldError{Resource: "PullRequest", Code: "custom", Field: "reviewers",
				Message: fmt.Sprintf("Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the %s repository.", c.repo.FullName())})
		}
	}
	for _, l := range in.Reviewers {
		if !containsFold(p.Reviewers, l) {
			p.Reviewers = append(p.Reviewers, l)
		}
	}
	it.UpdatedAt = s.now()
	return http.StatusCreated, c.repo.pullJSON(it)
}
