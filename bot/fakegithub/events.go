package fakegithub

import (
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Webhook payload builders. They describe the fake's current state in the
// shape of GitHub's webhook payloads (go-github's event types), ready for
// Deliver or for signing and posting by a test.

func (s *Server) eventInstallation(id int64) *github.Installation {
	return &github.Installation{ID: ptr(id), NodeID: ptr(fmt.Sprintf("MDIz_fake%d", id))}
}

// InstallationEvent is the "installation" payload (action created, deleted,
// suspend, unsuspend, new_permissions_accepted) listing the installation's
// repositories.
func (s *Server) InstallationEvent(installationID int64, action, sender string) *github.InstallationEvent {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.installations[installationID]
	if in == nil {
		s.t.Fatalf("fakegithub: InstallationEvent: no installation %d", installationID)
	}
	var repos []*github.Repository
	for _, k := range sortedKeys(s.repos) {
		if r := s.repos[k]; r.installationID == installationID {
			repos = append(repos, s.shortRepo(r))
		}
	}
	return &github.InstallationEvent{
		Action: ptr(action), Repositories: repos, Sender: s.userJSON(sender), Installation: s.installationJSON(in),
	}
}

// InstallationRepositoriesEvent is the "installation_repositories" payload
// (action added or removed).
func (s *Server) InstallationRepositoriesEvent(installationID int64, action, sender string, repos ...*Repo) *github.InstallationRepositoriesEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*github.Repository
	for _, r := range repos {
		list = append(list, s.shortRepo(r))
	}
	ev := &github.InstallationRepositoriesEvent{
		Action: ptr(action), RepositorySelection: ptr("selected"), Sender: s.userJSON(sender),
		Installation: s.installationJSON(s.installations[installationID]),
	}
	if action == "removed" {
		ev.RepositoriesRemoved = list
	} else {
		ev.RepositoriesAdded = list
	}
	return ev
}

func (s *Server) shortRepo(r *Repo) *github.Repository {
	return &github.Repository{
		ID: ptr(r.ID), NodeID: ptr(fmt.Sprintf("R_fake%d", r.ID)), Name: ptr(r.Name),
		FullName: ptr(r.FullName()), Private: ptr(r.opts.Private),
	}
}

// PushEvent is the "push" payload for branch having moved from before ("" if
// it was created) to its current head, pushed by pusher (a login).
func (s *Server) PushEvent(r *Repo, branch, before, pusher string) *github.PushEvent {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	after := r.branchSHA(branch)
	const zero = "0000000000000000000000000000000000000000"
	if before == "" {
		before = zero
	}
	ev := &github.PushEvent{
		Ref: ptr("refs/heads/" + branch), Before: ptr(before), After: ptr(after),
		Created: ptr(before == zero), Deleted: ptr(after == ""), Forced: ptr(false),
		Compare:      ptr(s.html("/%s/compare/%s...%s", r.FullName(), short(before), short(after))),
		Pusher:       &github.CommitAuthor{Name: ptr(pusher), Email: ptr(pusher + "@users.noreply.github.com")},
		Sender:       s.userJSON(pusher),
		Installation: s.eventInstallation(r.installationID),
		Commits:      []*github.HeadCommit{},
	}
	if after == "" {
		ev.After = ptr(zero)
	} else {
		rev := after
		if before != zero {
			rev = before + ".." + after
			ev.Forced = ptr(!r.isAncestor(before, after))
		}
		cs, _ := r.log(rev, 20, "--reverse")
		for _, ci := range cs {
			ev.Commits = append(ev.Commits, r.headCommit(ci))
		}
		if len(cs) > 0 {
			ev.HeadCommit = ev.Commits[len(ev.Commits)-1]
		} else if head, _ := r.log(after, 1); len(head) > 0 {
			ev.HeadCommit = r.headCommit(head[0])
		}
	}
	repo := s.repoJSON(r)
	in := s.installations[r.installationID]
	ev.Repo = &github.PushEventRepository{
		ID: repo.ID, NodeID: repo.NodeID, Name: repo.Name, FullName: repo.FullName, Owner: repo.Owner,
		Private: repo.Private, Fork: repo.Fork, CreatedAt: repo.CreatedAt, PushedAt: repo.PushedAt,
		UpdatedAt: repo.UpdatedAt, Size: repo.Size, Archived: repo.Archived, Disabled: repo.Disabled,
		DefaultBranch: repo.DefaultBranch, MasterBranch: repo.DefaultBranch, URL: repo.HTMLURL, HTMLURL: repo.HTMLURL,
		GitURL: repo.GitURL, SSHURL: repo.SSHURL, CloneURL: repo.CloneURL, Topics: []string{},
	}
	if in.AccountType == "Organization" {
		ev.Repo.Organization = ptr(in.Account)
		ev.Organization = &github.Organization{Login: ptr(in.Account), ID: ptr(s.userID(in.Account))}
	}
	return ev
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func (r *Repo) headCommit(ci CommitInfo) *github.HeadCommit {
	s := r.s
	hc := &github.HeadCommit{
		ID: ptr(ci.SHA), TreeID: ptr(ci.Tree), Distinct: ptr(true), Message: ptr(ci.Message),
		Timestamp: ts(ci.Time), URL: ptr(s.html("/%s/commit/%s", r.FullName(), ci.SHA)),
		Author:    &github.CommitAuthor{Name: ptr(ci.AuthorName), Email: ptr(ci.AuthorEmail)},
		Committer: &github.CommitAuthor{Name: ptr(ci.CommitterName), Email: ptr(ci.CommitterEmail)},
		Added:     []string{}, Removed: []string{}, Modified: []string{},
	}
	if l := s.loginFor(ci.AuthorEmail); l != "" {
		hc.Author.Login = ptr(l)
	}
	if l := s.loginFor(ci.CommitterEmail); l != "" {
		hc.Committer.Login = ptr(l)
	} else if ci.CommitterEmail == "noreply@github.com" {
		hc.Committer.Login = ptr("web-flow")
	}
	parent := ""
	if len(ci.Parents) > 0 {
		parent = ci.Parents[0]
	}
	for _, d := range r.diffNames(parent, ci.SHA) {
		switch d[0] {
		case "A":
			hc.Added = append(hc.Added, d[1])
		case "D":
			hc.Removed = append(hc.Removed, d[1])
		default:
			hc.Modified = append(hc.Modified, d[1])
		}
	}
	return hc
}

// PullRequestEvent is the "pull_request" payload for pull request n
// (action opened, closed, reopened, edited, synchronize…), sent by sender.
func (s *Server) PullRequestEvent(r *Repo, n int, action, sender string) *github.PullRequestEvent {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	it := r.issue(n)
	if it == nil || it.pr == nil {
		s.t.Fatalf("fakegithub: PullRequestEvent: %s has no pull request #%d", r.FullName(), n)
	}
	return &github.PullRequestEvent{
		Action: ptr(action), Number: ptr(n), PullRequest: r.pullJSON(it), Repo: s.repoJSON(r),
		Sender: s.userJSON(sender), Installation: s.eventInstallation(r.installationID),
	}
}

// IssueCommentEvent is the "issue_comment" payload for comment id (action
// created, edited, deleted), sent by its author.
func (s *Server) IssueCommentEvent(r *Repo, commentID int64, action string) *github.IssueCommentEvent {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := r.comments[commentID]
	if c == nil {
		s.t.Fatalf("fakegithub: IssueCommentEvent: %s has no comment %d", r.FullName(), commentID)
	}
	return &github.IssueCommentEvent{
		Action: ptr(action), Issue: r.issueJSON(r.issue(c.Issue)), Comment: r.commentJSON(c), Repo: s.repoJSON(r),
		Sender: s.userJSON(c.User), Installation: s.eventInstallation(r.installationID),
	}
}
