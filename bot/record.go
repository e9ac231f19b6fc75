package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
)

// recordingClient notes every write of a sweep as a step people can read
// ("open pull request ...") and, in a dry run, makes none of them: reads go
// through, writes return placeholder values. The read-only transport under
// the dry-run client refuses any write this layer might miss.
type recordingClient struct {
	repoClient
	steps  *[]string
	dryRun bool
	mu     sync.Mutex
	n      int
}

func (r *recordingClient) step(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.steps = append(*r.steps, fmt.Sprintf(format, args...))
}

func (r *recordingClient) placeholder(kind string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	return fmt.Sprintf("dry-run-%s-%d", kind, r.n)
}

func (r *recordingClient) CreateBlob(ctx context.Context, owner, name string, content []byte) (string, error) {
	if r.dryRun {
		return r.placeholder("blob"), nil
	}
	return r.repoClient.CreateBlob(ctx, owner, name, content)
}

func (r *recordingClient) CreateTree(ctx context.Context, owner, name, baseTree string, files []FileChange, blobs []string) (string, error) {
	if r.dryRun {
		return r.placeholder("tree"), nil
	}
	return r.repoClient.CreateTree(ctx, owner, name, baseTree, files, blobs)
}

func (r *recordingClient) CreateCommit(ctx context.Context, owner, name, message, tree, parent string) (string, error) {
	r.step("commit the fix on %s: %s", shortSHA(parent), firstLine(message))
	if r.dryRun {
		return r.placeholder("commit"), nil
	}
	return r.repoClient.CreateCommit(ctx, owner, name, message, tree, parent)
}

func (r *recordingClient) SetBranch(ctx context.Context, owner, name, branch, sha string, exists bool) error {
	if exists {
		r.step("move branch %s to the new commit", branch)
	} else {
		r.step("create branch %s", branch)
	}
	if r.dryRun {
		return nil
	}
	return r.repoClient.SetBranch(ctx, owner, name, branch, sha, exists)
}

func (r *recordingClient) DeleteBranch(ctx context.Context, owner, name, branch string) error {
	r.step("delete branch %s", branch)
	if r.dryRun {
		return nil
	}
	return r.repoClient.DeleteBranch(ctx, owner, name, branch)
}

func (r *recordingClient) CreatePull(ctx context.Context, owner, name string, pr *github.NewPullRequest) (*github.PullRequest, error) {
	r.step("open pull request %q from %s into %s", pr.GetTitle(), pr.GetHead(), pr.GetBase())
	if r.dryRun {
		return &github.PullRequest{Number: github.Int(0)}, nil
	}
	return r.repoClient.CreatePull(ctx, owner, name, pr)
}

func (r *recordingClient) EditPull(ctx context.Context, owner, name string, number int, edit *github.PullRequest) error {
	r.step("edit pull request #%d: %s", number, editedFields(edit.Title, edit.Body, edit.State))
	if r.dryRun {
		return nil
	}
	return r.repoClient.EditPull(ctx, owner, name, number, edit)
}

func (r *recordingClient) AddLabels(ctx context.Context, owner, name string, number int, labels []string) error {
	r.step("label #%d: %s", number, strings.Join(labels, ", "))
	if r.dryRun {
		return nil
	}
	return r.repoClient.AddLabels(ctx, owner, name, number, labels)
}

func (r *recordingClient) RequestReviewers(ctx context.Context, owner, name string, number int, users, teams []string) error {
	r.step("request reviews on #%d from %s", number, strings.Join(append(append([]string{}, users...), teams...), ", "))
	if r.dryRun {
		return nil
	}
	return r.repoClient.RequestReviewers(ctx, owner, name, number, users, teams)
}

func (r *recordingClient) CreateComment(ctx context.Context, owner, name string, number int, body string) error {
	r.step("comment on #%d: %s", number, firstLine(body))
	if r.dryRun {
		return nil
	}
	return r.repoClient.CreateComment(ctx, owner, name, number, body)
}

func (r *recordingClient) EditComment(ctx context.Context, owner, name string, id int64, body string) error {
	r.step("edit comment %d: %s", id, firstLine(body))
	if r.dryRun {
		return nil
	}
	return r.repoClient.EditComment(ctx, owner, name, id, body)
}

func (r *recordingClient) CreateIssue(ctx context.Context, owner, name, title, body string) (int, error) {
	r.step("open issue %q", title)
	if r.dryRun {
		return 0, nil
	}
	return r.repoClient.CreateIssue(ctx, owner, name, title, body)
}

func (r *recordingClient) EditIssue(ctx context.Context, owner, name string, number int, edit *github.IssueRequest) error {
	r.step("edit issue #%d: %s", number, editedFields(edit.Title, edit.Body, edit.State))
	if r.dryRun {
		return nil
	}
	return r.repoClient.EditIssue(ctx, owner, name, number, edit)
}

// editedFields names what an edit of a pull request or an issue sets.
func editedFields(title, body, state *string) string {
	var what []string
	if title != nil {
		what = append(what, "title")
	}
	if body != nil {
		what = append(what, "body")
	}
	if state != nil {
		what = append(what, "state "+*state)
	}
	return strings.Join(what, ", ")
}

// firstLine is the first line of a comment that is not a hidden marker.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "<!--") {
			continue
		}
		if len(l) > 100 {
			l = l[:97] + "..."
		}
		return l
	}
	return ""
}
