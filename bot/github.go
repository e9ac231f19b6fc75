package bot

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// The sweep talks to GitHub through these narrow interfaces (prow plugins
// style): each says exactly which calls a part of the bot makes, so a reader
// sees the bot's footprint on GitHub at a glance and the dry run can replace
// the writers. ghClient implements them over go-github.

// repoReader reads a repository's metadata and files.
type repoReader interface {
	GetRepo(ctx context.Context, owner, name string) (*github.Repository, error)
	// BranchHead returns the sha of branch; ErrNotFound when it does not
	// exist, ErrEmptyRepo when the repository has no commit.
	BranchHead(ctx context.Context, owner, name, branch string) (string, error)
	// GetFile reads a file at ref through the Contents API; ErrNotFound when
	// it does not exist.
	GetFile(ctx context.Context, owner, name, path, ref string) ([]byte, error)
}

// pullReader finds the bot's pull requests.
type pullReader interface {
	// ListPulls lists the PRs whose head is owner:branch, in any state.
	ListPulls(ctx context.Context, owner, name, branch string) ([]*github.PullRequest, error)
	ListPullCommits(ctx context.Context, owner, name string, number int) ([]*github.RepositoryCommit, error)
}

// issueReader finds issues and comments.
type issueReader interface {
	// ListIssues lists the open issues created by creator (pull requests
	// excluded).
	ListIssues(ctx context.Context, owner, name, creator string) ([]*github.Issue, error)
	ListComments(ctx context.Context, owner, name string, number int) ([]*github.IssueComment, error)
}

// writer is every call that changes GitHub. A dry run replaces it.
type writer interface {
	CreateBlob(ctx context.Context, owner, name string, content []byte) (string, error)
	CreateTree(ctx context.Context, owner, name, baseTree string, files []FileChange, blobs []string) (string, error)
	CreateCommit(ctx context.Context, owner, name, message, tree, parent string) (string, error)
	// SetBranch creates the branch or force-moves it to sha.
	SetBranch(ctx context.Context, owner, name, branch, sha string, exists bool) error
	DeleteBranch(ctx context.Context, owner, name, branch string) error
	CreatePull(ctx context.Context, owner, name string, pr *github.NewPullRequest) (*github.PullRequest, error)
	EditPull(ctx context.Context, owner, name string, number int, edit *github.PullRequest) error
	AddLabels(ctx context.Context, owner, name string, number int, labels []string) error
	RequestReviewers(ctx context.Context, owner, name string, number int, users, teams []string) error
	CreateComment(ctx context.Context, owner, name string, number int, body string) error
	EditComment(ctx context.Context, owner, name string, id int64, body string) error
	CreateIssue(ctx context.Context, owner, name, title, body string) (int, error)
	EditIssue(ctx context.Context, owner, name string, number int, edit *github.IssueRequest) error
}

// repoClient is what a sweep of one repository needs.
type repoClient interface {
	repoReader
	pullReader
	issueReader
	writer
}

// ErrNotFound is a 404 from GitHub.
var ErrNotFound = errors.New("not found")

// ErrBlocked is a disabled repository ("Repository access blocked").
var ErrBlocked = errors.New("repository access blocked")

// ErrEmptyRepo is a repository with no commit.
var ErrEmptyRepo = errors.New("repository is empty")

// ghClient implements the interfaces over go-github. Every list follows the
// Link header to the last page.
type ghClient struct {
	c *github.Client
	// pageSize is the per_page of list calls (GitHub's maximum, 100, by
	// default: fewest requests).
	pageSize int
}

const maxPageSize = 100

func (g ghClient) perPage() int {
	if g.pageSize > 0 {
		return g.pageSize
	}
	return maxPageSize
}

func (g ghClient) GetRepo(ctx context.Context, owner, name string) (*github.Repository, error) {
	r, resp, err := g.c.Repositories.Get(ctx, owner, name)
	var ge *github.ErrorResponse
	if resp != nil && resp.StatusCode == http.StatusForbidden && errors.As(err, &ge) && strings.Contains(ge.Message, "access blocked") {
		// A disabled repository answers everything with this 403.
		return nil, fmt.Errorf("get repository %s/%s: %w", owner, name, ErrBlocked)
	}
	return r, apiErr(resp, err, "get repository %s/%s", owner, name)
}

func (g ghClient) BranchHead(ctx context.Context, owner, name, branch string) (string, error) {
	ref, resp, err := g.c.Git.GetRef(ctx, owner, name, "heads/"+branch)
	if resp != nil && resp.StatusCode == http.StatusConflict {
		return "", ErrEmptyRepo // "Git Repository is empty."
	}
	if err != nil {
		return "", apiErr(resp, err, "get branch %s of %s/%s", branch, owner, name)
	}
	return ref.GetObject().GetSHA(), nil
}

func (g ghClient) GetFile(ctx context.Context, owner, name, path, ref string) ([]byte, error) {
	fc, _, resp, err := g.c.Repositories.GetContents(ctx, owner, name, path, &github.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		return nil, apiErr(resp, err, "read %s of %s/%s", path, owner, name)
	}
	if fc == nil {
		return nil, fmt.Errorf("read %s of %s/%s: it is a directory", path, owner, name)
	}
	s, err := fc.GetContent() // decodes base64
	if err != nil {
		return nil, fmt.Errorf("read %s of %s/%s: %w", path, owner, name, err)
	}
	return []byte(s), nil
}

// allPages calls list for every page, following the Link header to the
// last one, and returns the items of all pages. list reads its page number
// from page. On error it returns the failed call's response.
func allPages[T any](page *github.ListOptions, list func() ([]T, *github.Response, error)) ([]T, *github.Response, error) {
	var all []T
	for {
		items, resp, err := list()
		if err != nil {
			return nil, resp, err
		}
		all = append(all, items...)
		if resp.NextPage == 0 {
			return all, resp, nil
		}
		page.Page = resp.NextPage
	}
}

func (g ghClient) ListPulls(ctx context.Context, owner, name, branch string) ([]*github.PullRequest, error) {
	opts := &github.PullRequestListOptions{State: "all", Head: owner + ":" + branch, ListOptions: github.ListOptions{PerPage: g.perPage()}}
	all, resp, err := allPages(&opts.ListOptions, func() ([]*github.PullRequest, *github.Response, error) {
		return g.c.PullRequests.List(ctx, owner, name, opts)
	})
	return all, apiErr(resp, err, "list pull requests of %s/%s", owner, name)
}

func (g ghClient) ListPullCommits(ctx context.Context, owner, name string, number int) ([]*github.RepositoryCommit, error) {
	opts := &github.ListOptions{PerPage: g.perPage()}
	all, resp, err := allPages(opts, func() ([]*github.RepositoryCommit, *github.Response, error) {
		return g.c.PullRequests.ListCommits(ctx, owner, name, number, opts)
	})
	return all, apiErr(resp, err, "list commits of %s/%s#%d", owner, name, number)
}

func (g ghClient) ListIssues(ctx context.Context, owner, name, creator string) ([]*github.Issue, error) {
	opts := &github.IssueListByRepoOptions{State: "open", Creator: creator, ListOptions: github.ListOptions{PerPage: g.perPage()}}
	is, resp, err := allPages(&opts.ListOptions, func() ([]*github.Issue, *github.Response, error) {
		return g.c.Issues.ListByRepo(ctx, owner, name, opts)
	})
	if err != nil {
		return nil, apiErr(resp, err, "list issues of %s/%s", owner, name)
	}
	var all []*github.Issue
	for _, i := range is {
		if !i.IsPullRequest() {
			all = append(all, i)
		}
	}
	return all, nil
}

func (g ghClient) ListComments(ctx context.Context, owner, name string, number int) ([]*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: g.perPage()}}
	all, resp, err := allPages(&opts.ListOptions, func() ([]*github.IssueComment, *github.Response, error) {
		return g.c.Issues.ListComments(ctx, owner, name, number, opts)
	})
	return all, apiErr(resp, err, "list comments of %s/%s#%d", owner, name, number)
}

func (g ghClient) CreateBlob(ctx context.Context, owner, name string, content []byte) (string, error) {
	b, resp, err := g.c.Git.CreateBlob(ctx, owner, name, &github.Blob{
		Content:  github.String(base64.StdEncoding.EncodeToString(content)),
		Encoding: github.String("base64"),
	})
	if err != nil {
		return "", apiErr(resp, err, "create blob in %s/%s", owner, name)
	}
	return b.GetSHA(), nil
}

func (g ghClient) CreateTree(ctx context.Context, owner, name, baseTree string, files []FileChange, blobs []string) (string, error) {
	entries := make([]*github.TreeEntry, len(files))
	for i, f := range files {
		entries[i] = &github.TreeEntry{Path: github.String(f.Path), Mode: github.String(f.Mode), Type: github.String("blob"), SHA: github.String(blobs[i])}
	}
	t, resp, err := g.c.Git.CreateTree(ctx, owner, name, baseTree, entries)
	if err != nil {
		return "", apiErr(resp, err, "create tree in %s/%s", owner, name)
	}
	return t.GetSHA(), nil
}

func (g ghClient) CreateCommit(ctx context.Context, owner, name, message, tree, parent string) (string, error) {
	// No author: GitHub records the App's bot and signs the commit, so it
	// shows as Verified.
	c, resp, err := g.c.Git.CreateCommit(ctx, owner, name, &github.Commit{
		Message: github.String(message),
		Tree:    &github.Tree{SHA: github.String(tree)},
		Parents: []*github.Commit{{SHA: github.String(parent)}},
	}, nil)
	if err != nil {
		return "", apiErr(resp, err, "create commit in %s/%s", owner, name)
	}
	return c.GetSHA(), nil
}

func (g ghClient) SetBranch(ctx context.Context, owner, name, branch, sha string, exists bool) error {
	ref := &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}}
	if !exists {
		_, resp, err := g.c.Git.CreateRef(ctx, owner, name, ref)
		if resp == nil || resp.StatusCode != http.StatusUnprocessableEntity {
			return apiErr(resp, err, "create branch %s in %s/%s", branch, owner, name)
		}
		// 422 "Reference already exists": it appeared since we looked.
	}
	// Force: the branch holds only the bot's own commit, regenerated.
	_, resp, err := g.c.Git.UpdateRef(ctx, owner, name, ref, true)
	return apiErr(resp, err, "update branch %s in %s/%s", branch, owner, name)
}

func (g ghClient) DeleteBranch(ctx context.Context, owner, name, branch string) error {
	resp, err := g.c.Git.DeleteRef(ctx, owner, name, "heads/"+branch)
	if resp != nil && resp.StatusCode == http.StatusUnprocessableEntity {
		return nil // already gone
	}
	return apiErr(resp, err, "delete branch %s in %s/%s", branch, owner, name)
}

func (g ghClient) CreatePull(ctx context.Context, owner, name string, pr *github.NewPullRequest) (*github.PullRequest, error) {
	p, resp, err := g.c.PullRequests.Create(ctx, owner, name, pr)
	return p, apiErr(resp, err, "open pull request in %s/%s", owner, name)
}

func (g ghClient) EditPull(ctx context.Context, owner, name string, number int, edit *github.PullRequest) error {
	_, resp, err := g.c.PullRequests.Edit(ctx, owner, name, number, edit)
	return apiErr(resp, err, "edit %s/%s#%d", owner, name, number)
}

func (g ghClient) AddLabels(ctx context.Context, owner, name string, number int, labels []string) error {
	_, resp, err := g.c.Issues.AddLabelsToIssue(ctx, owner, name, number, labels)
	return apiErr(resp, err, "label %s/%s#%d", owner, name, number)
}

func (g ghClient) RequestReviewers(ctx context.Context, owner, name string, number int, users, teams []string) error {
	_, resp, err := g.c.PullRequests.RequestReviewers(ctx, owner, name, number, github.ReviewersRequest{Reviewers: users, TeamReviewers: teams})
	return apiErr(resp, err, "request reviewers on %s/%s#%d", owner, name, number)
}

func (g ghClient) CreateComment(ctx context.Context, owner, name string, number int, body string) error {
	_, resp, err := g.c.Issues.CreateComment(ctx, owner, name, number, &github.IssueComment{Body: github.String(body)})
	return apiErr(resp, err, "comment on %s/%s#%d", owner, name, number)
}

func (g ghClient) EditComment(ctx context.Context, owner, name string, id int64, body string) error {
	_, resp, err := g.c.Issues.EditComment(ctx, owner, name, id, &github.IssueComment{Body: github.String(body)})
	return apiErr(resp, err, "edit comment %d in %s/%s", id, owner, name)
}

func (g ghClient) CreateIssue(ctx context.Context, owner, name, title, body string) (int, error) {
	i, resp, err := g.c.Issues.Create(ctx, owner, name, &github.IssueRequest{Title: github.String(title), Body: github.String(body)})
	if err != nil {
		return 0, apiErr(resp, err, "open issue in %s/%s", owner, name)
	}
	return i.GetNumber(), nil
}

func (g ghClient) EditIssue(ctx context.Context, owner, name string, number int, edit *github.IssueRequest) error {
	_, resp, err := g.c.Issues.Edit(ctx, owner, name, number, edit)
	return apiErr(resp, err, "edit issue %s/%s#%d", owner, name, number)
}

// apiErr wraps a go-github error with what was being done, mapping 404 to
// ErrNotFound. go-github's errors carry the request URL, which never holds a
// credential here (tokens travel in headers only).
func apiErr(resp *github.Response, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// newGitHubClient returns a go-github client on rt for the REST base URL
// (https://api.github.com/ or https://HOST/api/v3/ for GitHub Enterprise
// Server).
func newGitHubClient(rt http.RoundTripper, baseURL string) (*github.Client, error) {
	c := github.NewClient(&http.Client{Transport: rt})
	if baseURL == "" {
		return c, nil
	}
	// Credentials are refused, as config.LoadApp does (go-github puts the
	// request URL into its errors), and never quoted; nor is a value that
	// does not parse, since url.Parse's error quotes it.
	u, err := url.Parse(baseURL)
	switch {
	case strings.Contains(baseURL, "@"):
		return nil, errors.New("github-url must not contain credentials (user@ or user:password@)")
	case err != nil:
		return nil, errors.New("github-url is not a valid URL")
	case u.Scheme == "" || u.Host == "":
		return nil, fmt.Errorf("github-url %q is not an absolute URL", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c.BaseURL = u
	c.UploadURL = u
	return c, nil
}
