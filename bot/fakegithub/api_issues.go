package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

type issue struct {
	ID          int64
	Number      int
	Title, Body string
	State       string // open, closed
	StateReason string
	User        string
	Labels      []string
	Assignees   []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time
	pr          *pull // nil for plain issues
}

type pull struct {
	Head, Base       string // branch names
	HeadSHA, BaseSHA string
	Draft            bool
	Merged           bool
	MergedAt         time.Time
	MergedBy         string
	MergeCommitSHA   string
	Reviewers        []string
	MaintainerCanMod bool
}

type comment struct {
	ID                   int64
	Issue                int
	User, Body           string
	CreatedAt, UpdatedAt time.Time
}

type label struct {
	ID                       int64
	Name, Color, Description string
	Default                  bool
}

// Issue is a snapshot of an issue or pull request, for assertions.
type Issue struct {
	Number      int
	Title, Body string
	// State is "open" or "closed".
	State, StateReason string
	User               string
	Labels, Assignees  []string
	IsPR               bool
	// Pull request fields.
	Head, Base, HeadSHA string
	Merged              bool
	Reviewers           []string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	ClosedAt            time.Time
}

// Comment is a snapshot of an issue or pull-request comment.
type Comment struct {
	ID                   int64
	Issue                int
	User, Body           string
	CreatedAt, UpdatedAt time.Time
}

func (it *issue) snapshot() Issue {
	out := Issue{
		Number: it.Number, Title: it.Title, Body: it.Body, State: it.State, StateReason: it.StateReason,
		User: it.User, Labels: append([]string(nil), it.Labels...), Assignees: append([]string(nil), it.Assignees...),
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, ClosedAt: it.ClosedAt,
	}
	if it.pr != nil {
		out.IsPR, out.Head, out.Base, out.HeadSHA = true, it.pr.Head, it.pr.Base, it.pr.HeadSHA
		out.Merged, out.Reviewers = it.pr.Merged, append([]string(nil), it.pr.Reviewers...)
	}
	return out
}

// ---------------------------------------------------------------------------
// Helpers to read state and act as a person.

// Issues returns every issue and pull request of the repository, by number.
func (s *Server) Issues(r *Repo) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, it := range r.issues {
		out = append(out, it.snapshot())
	}
	return out
}

// PullRequests returns the repository's pull requests, by number.
func (s *Server) PullRequests(r *Repo) []Issue {
	var out []Issue
	for _, it := range s.Issues(r) {
		if it.IsPR {
			out = append(out, it)
		}
	}
	return out
}

// OpenPullRequests returns the repository's open pull requests.
func (s *Server) OpenPullRequests(r *Repo) []Issue {
	var out []Issue
	for _, it := range s.PullRequests(r) {
		if it.State == "open" {
			out = append(out, it)
		}
	}
	return out
}

// Issue returns issue or pull request n; the test fails if there is none.
func (s *Server) Issue(r *Repo, n int) Issue {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil {
		s.t.Fatalf("fakegithub: %s has no issue #%d", r.FullName(), n)
	}
	return it.snapshot()
}

// Comments returns the comments of issue or pull request n, oldest first.
func (s *Server) Comments(r *Repo, n int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range r.sortedComments(n) {
		out = append(out, Comment(*c))
	}
	return out
}

// ClosePR closes issue or pull request n as a person (not merged).
func (s *Server) ClosePR(r *Repo, n int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil {
		s.t.Fatalf("fakegithub: ClosePR: %s has no #%d", r.FullName(), n)
	}
	r.close(it, "completed")
}

// ReopenPR reopens issue or pull request n as a person; it fails the test
// where GitHub would refuse (deleted head branch, duplicate PR).
func (s *Server) ReopenPR(r *Repo, n int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil {
		s.t.Fatalf("fakegithub: ReopenPR: %s has no #%d", r.FullName(), n)
	}
	if msg := r.reopen(it); msg != "" {
		s.t.Fatalf("fakegithub: ReopenPR: %s", msg)
	}
}

// MergePR merges pull request n with a merge commit, as a person, and
// returns the merge commit sha.
func (s *Server) MergePR(r *Repo, n int, login string) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil || it.pr == nil {
		s.t.Fatalf("fakegithub: MergePR: %s has no pull request #%d", r.FullName(), n)
	}
	sha, msg := r.merge(it, login, "merge", "", "")
	if msg != "" {
		s.t.Fatalf("fakegithub: MergePR: %s", msg)
	}
	return sha
}

// CommentAs adds a comment by login to issue or pull request n and returns
// its id.
func (s *Server) CommentAs(login string, r *Repo, n int, body string) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil {
		s.t.Fatalf("fakegithub: CommentAs: %s has no #%d", r.FullName(), n)
	}
	return r.addComment(it, login, body).ID
}

// CreateIssueAs opens an issue by login and returns its number.
func (s *Server) CreateIssueAs(login string, r *Repo, title, body string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.newIssue(login, title, body, nil).Number
}

// CreatePRAs opens a pull request by login from head into base and returns
// its number; the test fails where GitHub would refuse.
func (s *Server) CreatePRAs(login string, r *Repo, head, base, title, body string) int {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it, st, _ := r.createPull(login, head, base, title, body, false)
	if it == nil {
		s.t.Fatalf("fakegithub: CreatePRAs: GitHub would answer %d", st)
	}
	return it.Number
}

// SetAssociation sets the author_association GitHub reports for login's
// comments and issues (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE).
// People default to MEMBER, the bot to NONE. It also drives
// GET /repos/{o}/{r}/collaborators/{user}/permission.
func (s *Server) SetAssociation(login, association string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assoc[login] = association
}

func (s *Server) association(login string) string {
	if a, ok := s.assoc[login]; ok {
		return a
	}
	if strings.HasSuffix(login, "[bot]") {
		return "NONE"
	}
	return "MEMBER"
}

// ---------------------------------------------------------------------------
// Model operations (s.mu held).

func (r *Repo) issue(n int) *issue {
	if n < 1 || n > len(r.issues) {
		return nil
	}
	return r.issues[n-1]
}

func (r *Repo) newIssue(user, title, body string, labels []string) *issue {
	now := r.s.now()
	it := &issue{
		ID: r.s.newID(), Number: len(r.issues) + 1, Title: title, Body: body, State: "open",
		User: user, CreatedAt: now, UpdatedAt: now,
	}
	for _, l := range labels {
		r.addLabel(it, l)
	}
	r.issues = append(r.issues, it)
	return it
}

func (r *Repo) close(it *issue, reason string) {
	if it.State == "closed" {
		return
	}
	now := r.s.now()
	it.State, it.ClosedAt, it.UpdatedAt = "closed", now, now
	it.StateReason = reason
	if it.pr != nil {
		it.StateReason = ""
	}
}

// reopen reopens it, or returns why GitHub would refuse.
func (r *Repo) reopen(it *issue) string {
	if it.State == "open" {
		return ""
	}
	if p := it.pr; p != nil {
		if p.Merged {
			return "state cannot be changed. The pull request has been merged."
		}
		sha := r.branchSHA(p.Head)
		if sha == "" {
			return fmt.Sprintf("state cannot be changed. The %s branch has been deleted.", p.Head)
		}
		if r.branchSHA(p.Base) == "" {
			return fmt.Sprintf("state cannot be changed. The %s branch has been deleted.", p.Base)
		}
		// The head sha is frozen at closing; GitHub reopens only if the
		// branch still holds it (or built on it).
		if sha != p.HeadSHA && !r.isAncestor(p.HeadSHA, sha) {
			return fmt.Sprintf("state cannot be changed. The %s branch was force-pushed or recreated.", p.Head)
		}
		if dup := r.openPullFor(p.Head, p.Base); dup != nil {
			return fmt.Sprintf("A pull request already exists for %s:%s.", r.Owner, p.Head)
		}
		p.HeadSHA = sha
	}
	it.State, it.ClosedAt, it.UpdatedAt, it.StateReason = "open", time.Time{}, r.s.now(), "reopened"
	if it.pr != nil {
		it.StateReason = ""
	}
	return ""
}

func (r *Repo) openPullFor(head, base string) *issue {
	for _, it := range r.issues {
		if it.pr != nil && it.State == "open" && it.pr.Head == head && it.pr.Base == base {
			return it
		}
	}
	return nil
}

// refMoved keeps pull requests in step with a branch that moved or was
// deleted: a deleted head or base closes open pull requests, a base that now
// contains the head marks them merged, as on GitHub.
func (r *Repo) refMoved(ref string) {
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return
	}
	sha := r.branchSHA(branch)
	for _, it := range r.issues {
		p := it.pr
		if p == nil || it.State != "open" {
			continue
		}
		switch {
		case p.Head == branch && sha == "":
			r.close(it, "")
		case p.Head == branch:
			p.HeadSHA = sha
			it.UpdatedAt = r.s.now()
		case p.Base == branch && sha == "":
			r.close(it, "")
		case p.Base == branch:
			p.BaseSHA = sha
			if r.isAncestor(p.HeadSHA, sha) {
				p.Merged, p.MergedAt, p.MergeCommitSHA = true, r.s.now(), sha
				r.close(it, "")
			}
		}
	}
}

func (r *Repo) addComment(it *issue, user, body string) *comment {
	now := r.s.now()
	c := &comment{ID: r.s.newID(), Issue: it.Number, User: user, Body: body, CreatedAt: now, UpdatedAt: now}
	r.comments[c.ID] = c
	it.UpdatedAt = now
	return c
}

func (r *Repo) sortedComments(n int) []*comment {
	var out []*comment
	for _, c := range r.comments {
		if n == 0 || c.Issue == n {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// addLabel puts a label on it, creating the repository label if needed (as
// GitHub does for users with push access).
func (r *Repo) addLabel(it *issue, name string) {
	l := r.labels[strings.ToLower(name)]
	if l == nil {
		l = &label{ID: r.s.newID(), Name: name, Color: "ededed"}
		r.labels[strings.ToLower(name)] = l
	}
	for _, have := range it.Labels {
		if strings.EqualFold(have, l.Name) {
			return
		}
	}
	it.Labels = append(it.Labels, l.Name)
	it.UpdatedAt = r.s.now()
}

func (r *Repo) labelsJSON(names []string) []*github.Label {
	out := []*github.Label{}
	for _, n := range names {
		if l := r.labels[strings.ToLower(n)]; l != nil {
			out = append(out, r.labelJSON(l))
		}
	}
	return out
}

func (r *Repo) countComments(n int) int { return len(r.sortedComments(n)) }

func (r *Repo) issueJSON(it *issue) *github.Issue {
	s := r.s
	full := r.FullName()
	var assignees []*github.User
	for _, a := range it.Assignees {
		assignees = append(assignees, s.userJSON(a))
	}
	if assignees == nil {
		assignees = []*github.User{}
	}
	out := &github.Issue{
		ID: ptr(it.ID), NodeID: ptr(fmt.Sprintf("I_fake%d", it.ID)), Number: ptr(it.Number), State: ptr(it.State),
		Locked: ptr(false), Title: ptr(it.Title), Body: ptr(it.Body), User: s.userJSON(it.User),
		Labels: r.labelsJSON(it.Labels), Assignees: assignees, Comments: ptr(r.countComments(it.Number)),
		CreatedAt: ts(it.CreatedAt), UpdatedAt: ts(it.UpdatedAt), ClosedAt: ts(it.ClosedAt),
		AuthorAssociation: ptr(s.association(it.User)),
		URL:               ptr(s.api("/repos/%s/issues/%d", full, it.Number)),
		HTMLURL:           ptr(s.html("/%s/issues/%d", full, it.Number)),
		CommentsURL:       ptr(s.api("/repos/%s/issues/%d/comments", full, it.Number)),
		EventsURL:         ptr(s.api("/repos/%s/issues/%d/events", full, it.Number)),
		LabelsURL:         ptr(s.api("/repos/%s/issues/%d/labels{/name}", full, it.Number)),
		RepositoryURL:     ptr(s.api("/repos/%s", full)),
	}
	if it.StateReason != "" {
		out.StateReason = ptr(it.StateReason)
	}
	if len(it.Assignees) > 0 {
		out.Assignee = s.userJSON(it.Assignees[0])
	}
	if it.pr != nil {
		out.HTMLURL = ptr(s.html("/%s/pull/%d", full, it.Number))
		out.PullRequestLinks = &github.PullRequestLinks{
			URL:      ptr(s.api("/repos/%s/pulls/%d", full, it.Number)),
			HTMLURL:  ptr(s.html("/%s/pull/%d", full, it.Number)),
			DiffURL:  ptr(s.html("/%s/pull/%d.diff", full, it.Number)),
			PatchURL: ptr(s.html("/%s/pull/%d.patch", full, it.Number)),
			MergedAt: ts(it.pr.MergedAt),
		}
	}
	return out
}

func (r *Repo) commentJSON(c *comment) *github.IssueComment {
	s := r.s
	full := r.FullName()
	out := &github.IssueComment{
		ID: ptr(c.ID), NodeID: ptr(fmt.Sprintf("IC_fake%d", c.ID)), Body: ptr(c.Body), User: s.userJSON(c.User),
		CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt), AuthorAssociation: ptr(s.association(c.User)),
		URL:      ptr(s.api("/repos/%s/issues/comments/%d", full, c.ID)),
		HTMLURL:  ptr(s.html("/%s/issues/%d#issuecomment-%d", full, c.Issue, c.ID)),
		IssueURL: ptr(s.api("/repos/%s/issues/%d", full, c.Issue)),
	}
	return out
}

// ---------------------------------------------------------------------------
// Issues endpoints.

func (c *call) issueParam() (*issue, bool) {
	n, err := strconv.Atoi(c.params["number"])
	if err != nil {
		return nil, false
	}
	it := c.repo.issue(n)
	return it, it != nil
}

// POST /repos/{owner}/{repo}/issues
func (s *Server) createIssue(c *call) (int, any) {
	var in struct {
		Title     *string  `json:"title"`
		Body      *string  `json:"body"`
		Labels    []string `json:"labels"`
		Assignees []string `json:"assignees"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Title == nil || *in.Title == "" {
		return missing("Issue", "title")
	}
	it := c.repo.newIssue(c.actor(), *in.Title, deref(in.Body), in.Labels)
	it.Assignees = in.Assignees
	return http.StatusCreated, c.repo.issueJSON(it)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func stateFilter(c *call) (string, bool) {
	st := c.query.Get("state")
	switch st {
	case "":
		return "open", true
	case "open", "closed", "all":
		return st, true
	}
	return "", false
}

func sortIssues(c *call, items []*issue) {
	sortBy, dir := c.query.Get("sort"), c.query.Get("direction")
	key := func(it *issue) time.Time { return it.CreatedAt }
	if sortBy == "updated" {
		key = func(it *issue) time.Time { return it.UpdatedAt }
	}
	asc := dir == "asc"
	sort.SliceStable(items, func(i, j int) bool {
		a, b := key(items[i]), key(items[j])
		if a.Equal(b) {
			if asc {
				return items[i].Number < items[j].Number
			}
			return items[i].Number > items[j].Number
		}
		if asc {
			return a.Before(b)
		}
		return a.After(b)
	})
}

// GET /repos/{owner}/{repo}/issues
func (s *Server) listIssues(c *call) (int, any) {
	state, ok := stateFilter(c)
	if !ok {
		return validation(fieldError{Resource: "Issue", Field: "state", Code: "invalid"})
	}
	creator, assignee := c.query.Get("creator"), c.query.Get("assignee")
	var want []string
	if l := c.query.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	since, _ := time.Parse(time.RFC3339, c.query.Get("since"))
	var items []*issue
	for _, it := range c.repo.issues {
		if state != "all" && it.State != state {
			continue
		}
		if creator != "" && !strings.EqualFold(creator, it.User) {
			continue
		}
		if assignee == "none" && len(it.Assignees) > 0 || assignee != "" && assignee != "none" && assignee != "*" && !containsFold(it.Assignees, assignee) {
			continue
		}
		if !since.IsZero() && it.UpdatedAt.Before(since) {
			continue
		}
		okLabels := true
		for _, w := range want {
			if !containsFold(it.Labels, strings.TrimSpace(w)) {
				okLabels = false
			}
		}
		if okLabels {
			items = append(items, it)
		}
	}
	sortIssues(c, items)
	lo, hi := c.paginate(len(items))
	out := []*github.Issue{}
	for _, it := range items[lo:hi] {
		out = append(out, c.repo.issueJSON(it))
	}
	return http.StatusOK, out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// GET /repos/{owner}/{repo}/issues/{number}
func (s *Server) getIssue(c *call) (int, any) {
	it, ok := c.issueParam()
	if !ok {
		return notFound()
	}
	return http.StatusOK, c.repo.issueJSON(it)
}

// PATCH /repos/{owner}/{repo}/issues/{number}
func (s *Server) editIssue(c *call) (int, any) {
	it, ok := c.issueParam()
	if !ok {
		return notFound()
	}
	var in struct {
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
		Labels      *[]string `json:"labels"`
		Assignees   *[]string `json:"assignees"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if st, body, ok := c.applyEdits(it, in.Title, in.Body, in.State, in.StateReason, "Issue"); !ok {
		return st, body
	}
	if in.Labels != nil {
		it.Labels = nil
		for _, l := range *in.Labels {
			c.repo.addLabel(it, l)
		}
	}
	if in.Assignees != nil {
		it.Assignees = *in.Assignees
	}
	it.UpdatedAt = s.now()
	return http.StatusOK, c.repo.issueJSON(it)
}

// applyEdits sets title, body and state, validating like GitHub.
func (c *call) applyEdits(it *issue, title, body, state, reason *string, resource string) (int, any, bool) {
	if title != nil && *title == "" {
		st, b := missing(resource, "title")
		return st, b, false
	}
	if state != nil && *state != "open" && *state != "closed" {
		st, b := validation(fieldError{Resource: resource, Field: "state", Code: "invalid"})
		return st, b, false
	}
	if state != nil && *state == "open" && it.State == "closed" {
		if msg := c.repo.reopen(it); msg != "" {
			st, b := validation(fieldError{Resource: "PullRequest", Code: "custom", Field: "state", Message: msg})
			return st, b, false
		}
	}
	if title != nil {
		it.Title = *title
	}
	if body != nil {
		it.Body = *body
	}
	if state != nil && *state == "closed" {
		r := "completed"
		if reason != nil && *reason == "not_planned" {
			r = "not_planned"
		}
		c.repo.close(it, r)
	}
	it.UpdatedAt = c.s.now()
	return 0, nil, true
}

// POST /repos/{owner}/{repo}/issues/{number}/comments
func (s *Server) createComment(c *call) (int, any) {
	it, ok := c.issueParam()
	if !ok {
		return notFound()
	}
	var in struct {
		Body *string `json:"body"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Body == nil || *in.Body == "" {
		return missing("IssueComment", "body")
	}
	if len(*in.Body) > 65536 {
		return validation(fieldError{Resource: "IssueComment", Field: "data", Code: "custom", Message: "Body is too long (maximum is 65536 characters)"})
	}
	return http.StatusCreated, c.repo.commentJSON(c.repo.addComment(it, c.actor(), *in.Body))
}

// GET /repos/{owner}/{repo}/issues/{number}/comments and .../issues/comments
func (s *Server) listComments(c *call) (int, any) {
	n := 0
	if _, ok := c.params["number"]; ok {
		it, ok := c.issueParam()
		if !ok {
			return notFound()
		}
		n = it.Number
	}
	since, _ := time.Parse(time.RFC3339, c.query.Get("since"))
	var items []*comment
	for _, cm := range c.repo.sortedComments(n) {
		if since.IsZero() || !cm.UpdatedAt.Before(since) {
			items = append(items, cm)
		}
	}
	if c.query.Get("direction") == "desc" {
		sort.Slice(items, func(i, j int) bool { return items[i].ID > items[j].ID })
	}
	lo, hi := c.paginate(len(items))
	out := []*github.IssueComment{}
	for _, cm := range items[lo:hi] {
		out = append(out, c.repo.commentJSON(cm))
	}
	return http.StatusOK, out
}

func (c *call) commentParam() (*comment, bool) {
	id, ok := c.intParam("id")
	if !ok {
		return nil, false
	}
	cm := c.repo.comments[id]
	return cm, cm != nil
}

// GET /repos/{owner}/{repo}/issues/comments/{id}
func (s *Server) getComment(c *call) (int, any) {
	cm, ok := c.commentParam()
	if !ok {
		return notFound()
	}
	return http.StatusOK, c.repo.commentJSON(cm)
}

// PATCH /repos/{owner}/{repo}/issues/comments/{id}
func (s *Server) editComment(c *call) (int, any) {
	cm, ok := c.commentParam()
	if !ok {
		return notFound()
	}
	var in struct {
		Body *string `json:"body"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Body == nil || *in.Body == "" {
		return missing("IssueComment", "body")
	}
	cm.Body, cm.UpdatedAt = *in.Body, s.now()
	return http.StatusOK, c.repo.commentJSON(cm)
}

// DELETE /repos/{owner}/{repo}/issues/comments/{id}
func (s *Server) deleteComment(c *call) (int, any) {
	cm, ok := c.commentParam()
	if !ok {
		return notFound()
	}
	delete(c.repo.comments, cm.ID)
	return http.StatusNoContent, nil
}

// ---------------------------------------------------------------------------
// Labels.

// labelNames reads a labels body: a JSON array of names or {"labels": [...]}.
func (c *call) labelNames() ([]string, int, any, bool) {
	var arr []string
	if err := json.Unmarshal(c.body, &arr); err == nil {
		return arr, 0, nil, true
	}
	var in struct {
		Labels []json.RawMessage `json:"labels"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return nil, st, body, false
	}
	if in.Labels == nil {
		st, body := invalid(`"labels" wasn't supplied.`)
		return nil, st, body, false
	}
	var names []string
	for _, raw := range in.Labels {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			var obj struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(raw, &obj) != nil || obj.Name == "" {
				st, body := invalid("labels must be strings or objects with a name.")
				return nil, st, body, false
			}
			name = obj.Name
		}
		names = append(names, name)
	}
	return names, 0, nil, true
}

// GET/POST/PUT/DELETE /repos/{owner}/{repo}/issues/{number}/labels
func (s *Server) issueLabels(c *call) (int, any) {
	it, ok := c.issueParam()
	if !ok {
		return notFound()
	}
	switch c.r.Method {
	case http.MethodGet:
		all := c.repo.labelsJSON(it.Labels)
		lo, hi := c.paginate(len(all))
		return http.StatusOK, all[lo:hi]
	case http.MethodDelete:
		it.Labels, it.UpdatedAt = nil, s.now()
		return http.StatusNoContent, nil
	}
	names, st, body, ok := c.labelNames()
	if !ok {
		return st, body
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return validation(fieldError{Resource: "Label", Field: "name", Code: "invalid"})
		}
	}
	if c.r.Method == http.MethodPut {
		it.Labels = nil
	}
	for _, n := range names {
		c.repo.addLabel(it, n)
	}
	return http.StatusOK, c.repo.labelsJSON(it.Labels)
}

// DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}
func (s *Server) removeIssueLabel(c *call) (int, any) {
	it, ok := c.issueParam()
	if !ok {
		return notFound()
	}
	name := c.params["name"]
	for i, l := range it.Labels {
		if strings.EqualFold(l, name) {
			it.Labels = append(it.Labels[:i], it.Labels[i+1:]...)
			it.UpdatedAt = s.now()
			return http.StatusOK, c.repo.labelsJSON(it.Labels)
		}
	}
	return fail(http.StatusNotFound, "Label does not exist")
}

var colorRE = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// GET/POST /repos/{owner}/{repo}/labels
func (s *Server) repoLabels(c *call) (int, any) {
	r := c.repo
	if c.r.Method == http.MethodGet {
		var all []*label
		for _, k := range sortedKeys(r.labels) {
			all = append(all, r.labels[k])
		}
		lo, hi := c.paginate(len(all))
		out := []*github.Label{}
		for _, l := range all[lo:hi] {
			out = append(out, r.labelJSON(l))
		}
		return http.StatusOK, out
	}
	var in struct {
		Name        *string `json:"name"`
		Color       *string `json:"color"`
		Description *string `json:"description"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return missing("Label", "name")
	}
	color := "ededed"
	if in.Color != nil {
		color = strings.TrimPrefix(*in.Color, "#")
		if !colorRE.MatchString(color) {
			return validation(fieldError{Resource: "Label", Field: "color", Code: "invalid"})
		}
	}
	if r.labels[strings.ToLower(*in.Name)] != nil {
		return validation(fieldError{Resource: "Label", Field: "name", Code: "already_exists"})
	}
	l := &label{ID: s.newID(), Name: *in.Name, Color: strings.ToLower(color), Description: deref(in.Description)}
	r.labels[strings.ToLower(l.Name)] = l
	return http.StatusCreated, r.labelJSON(l)
}

// GET/PATCH/DELETE /repos/{owner}/{repo}/labels/{name}
func (s *Server) repoLabel(c *call) (int, any) {
	r := c.repo
	key := strings.ToLower(c.params["name"])
	l := r.labels[key]
	if l == nil {
		return notFound()
	}
	switch c.r.Method {
	case http.MethodDelete:
		delete(r.labels, key)
		for _, it := range r.issues {
			for i, n := range it.Labels {
				if strings.EqualFold(n, l.Name) {
					it.Labels = append(it.Labels[:i], it.Labels[i+1:]...)
					break
				}
			}
		}
		return http.StatusNoContent, nil
	case http.MethodPatch:
		var in struct {
			NewName     *string `json:"new_name"`
			Name        *string `json:"name"` // older form, still accepted (go-github sends it)
			Color       *string `json:"color"`
			Description *string `json:"description"`
		}
		if st, body, ok := c.decode(&in); !ok {
			return st, body
		}
		if in.NewName == nil {
			in.NewName = in.Name
		}
		if in.Color != nil {
			col := strings.TrimPrefix(*in.Color, "#")
			if !colorRE.MatchString(col) {
				return validation(fieldError{Resource: "Label", Field: "color", Code: "invalid"})
			}
			l.Color = strings.ToLower(col)
		}
		if in.Description != nil {
			l.Description = *in.Description
		}
		if in.NewName != nil && *in.NewName != l.Name {
			if o := r.labels[strings.ToLower(*in.NewName)]; o != nil && o != l {
				return validation(fieldError{Resource: "Label", Field: "name", Code: "already_exists"})
			}
			for _, it := range r.issues {
				for i, n := range it.Labels {
					if strings.EqualFold(n, l.Name) {
						it.Labels[i] = *in.NewName
					}
				}
			}
			delete(r.labels, key)
			l.Name = *in.NewName
			r.labels[strings.ToLower(l.Name)] = l
		}
	}
	return http.StatusOK, r.labelJSON(l)
}
