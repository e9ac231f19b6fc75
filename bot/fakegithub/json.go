package fakegithub

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// JSON builders: go-github's types give GitHub's field names.

func (s *Server) api(format string, args ...any) string {
	return s.URL + "/api/v3" + fmt.Sprintf(format, args...)
}

func (s *Server) html(format string, args ...any) string {
	return s.URL + fmt.Sprintf(format, args...)
}

func ts(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t}
}

func (s *Server) userID(login string) int64 {
	if login == s.BotLogin() {
		return s.botUserID
	}
	id, ok := s.userIDs[login]
	if !ok {
		id = int64(583231 + len(s.userIDs))
		s.userIDs[login] = id
	}
	return id
}

func (s *Server) userJSON(login string) *github.User {
	if login == "" {
		return nil
	}
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	id := s.userID(login)
	return &github.User{
		Login: ptr(login), ID: ptr(id), NodeID: ptr(fmt.Sprintf("U_fake%d", id)), Type: ptr(typ),
		SiteAdmin: ptr(false), URL: ptr(s.api("/users/%s", login)), HTMLURL: ptr(s.html("/%s", login)),
		AvatarURL: ptr(fmt.Sprintf("%s/avatars/u/%d", s.URL, id)),
	}
}

func (s *Server) accountJSON(in *Installation) *github.User {
	u := s.userJSON(in.Account)
	u.Type = ptr(in.AccountType)
	return u
}

func (s *Server) repoJSON(r *Repo) *github.Repository {
	in := s.installations[r.installationID]
	size := 0
	if !r.opts.Empty && !r.isEmpty() {
		size = r.sizeKB()
	}
	vis := "public"
	if r.opts.Private {
		vis = "private"
	}
	full := r.FullName()
	return &github.Repository{
		ID: ptr(r.ID), NodeID: ptr(fmt.Sprintf("R_fake%d", r.ID)), Name: ptr(r.Name), FullName: ptr(full),
		Owner: s.accountJSON(in), Private: ptr(r.opts.Private), Visibility: ptr(vis),
		HTMLURL: ptr(s.html("/%s", full)), URL: ptr(s.api("/repos/%s", full)),
		CloneURL: ptr(r.CloneURL()), GitURL: ptr(strings.Replace(r.CloneURL(), "http", "git", 1)),
		SSHURL:        ptr(fmt.Sprintf("git@%s:%s.git", strings.TrimPrefix(s.URL, "http://"), full)),
		DefaultBranch: ptr(r.opts.DefaultBranch), MasterBranch: nil,
		Archived: ptr(r.opts.Archived), Disabled: ptr(r.opts.Disabled), Fork: ptr(false),
		Size: ptr(size), CreatedAt: ts(r.createdAt), UpdatedAt: ts(r.createdAt), PushedAt: ts(r.pushedAt),
		HasIssues: ptr(true), Language: nil, Topics: []string{},
	}
}

func (s *Server) installationJSON(in *Installation) *github.Installation {
	perms := &github.InstallationPermissions{}
	setPerms(perms, in.Permissions)
	out := &github.Installation{
		ID: ptr(in.ID), AppID: ptr(s.AppID), AppSlug: ptr(s.AppSlug), Account: s.accountJSON(in),
		TargetType: ptr(in.AccountType), TargetID: ptr(s.userID(in.Account)),
		RepositorySelection: ptr("all"), Permissions: perms,
		AccessTokensURL: ptr(s.api("/app/installations/%d/access_tokens", in.ID)),
		RepositoriesURL: ptr(s.api("/installation/repositories")),
		HTMLURL:         ptr(s.html("/organizations/%s/settings/installations/%d", in.Account, in.ID)),
		Events:          []string{"installation", "installation_repositories", "push", "pull_request", "issue_comment"},
		CreatedAt:       ts(in.CreatedAt), UpdatedAt: ts(in.CreatedAt),
	}
	if in.Suspended {
		out.SuspendedAt = ts(in.CreatedAt)
	}
	return out
}

func setPerms(p *github.InstallationPermissions, m map[string]string) {
	for k, v := range m {
		v := v
		switch k {
		case "contents":
			p.Contents = &v
		case "pull_requests":
			p.PullRequests = &v
		case "issues":
			p.Issues = &v
		case "checks":
			p.Checks = &v
		case "metadata":
			p.Metadata = &v
		case "statuses":
			p.Statuses = &v
		case "workflows":
			p.Workflows = &v
		}
	}
}

// gitCommitJSON is the Git Data API commit object.
func (r *Repo) gitCommitJSON(c *gitCommit) *github.Commit {
	s := r.s
	full := r.FullName()
	var parents []*github.Commit
	for _, p := range c.parents {
		parents = append(parents, &github.Commit{
			SHA: ptr(p), URL: ptr(s.api("/repos/%s/git/commits/%s", full, p)),
			HTMLURL: ptr(s.html("/%s/commit/%s", full, p)),
		})
	}
	if parents == nil {
		parents = []*github.Commit{}
	}
	return &github.Commit{
		SHA: ptr(c.sha), NodeID: ptr("C_fake" + c.sha[:12]),
		Author:       &github.CommitAuthor{Name: ptr(c.author.name), Email: ptr(c.author.email), Date: ts(c.author.when)},
		Committer:    &github.CommitAuthor{Name: ptr(c.committer.name), Email: ptr(c.committer.email), Date: ts(c.committer.when)},
		Message:      ptr(c.message),
		Tree:         &github.Tree{SHA: ptr(c.tree)},
		Parents:      parents,
		URL:          ptr(s.api("/repos/%s/git/commits/%s", full, c.sha)),
		HTMLURL:      ptr(s.html("/%s/commit/%s", full, c.sha)),
		Verification: r.verification(c.sha),
	}
}

func (r *Repo) verification(sha string) *github.SignatureVerification {
	if r.verified[sha] {
		return &github.SignatureVerification{
			Verified: ptr(true), Reason: ptr("valid"),
			Signature: ptr("-----BEGIN PGP SIGNATURE-----\n\nfakegithub\n-----END PGP SIGNATURE-----\n"),
			Payload:   ptr("tree " + sha),
		}
	}
	return &github.SignatureVerification{Verified: ptr(false), Reason: ptr("unsigned")}
}

// repoCommitJSON is the commits API object (with login mapping).
func (r *Repo) repoCommitJSON(ci CommitInfo) *github.RepositoryCommit {
	s := r.s
	full := r.FullName()
	gc := &gitCommit{
		sha: ci.SHA, tree: ci.Tree, parents: ci.Parents, message: ci.Message,
		author:    ident{ci.AuthorName, ci.AuthorEmail, ci.Time},
		committer: ident{ci.CommitterName, ci.CommitterEmail, ci.CommitTime},
	}
	inner := r.gitCommitJSON(gc)
	inner.SHA, inner.NodeID, inner.HTMLURL = nil, nil, nil
	inner.URL = ptr(s.api("/repos/%s/git/commits/%s", full, ci.SHA))
	inner.CommentCount = ptr(0)
	parents := []*github.Commit{}
	for _, p := range ci.Parents {
		parents = append(parents, &github.Commit{SHA: ptr(p), URL: ptr(s.api("/repos/%s/commits/%s", full, p)),
			HTMLURL: ptr(s.html("/%s/commit/%s", full, p))})
	}
	out := &github.RepositoryCommit{
		SHA: ptr(ci.SHA), NodeID: ptr("C_fake" + ci.SHA[:12]), Commit: inner,
		URL: ptr(s.api("/repos/%s/commits/%s", full, ci.SHA)), HTMLURL: ptr(s.html("/%s/commit/%s", full, ci.SHA)),
		CommentsURL: ptr(s.api("/repos/%s/commits/%s/comments", full, ci.SHA)),
		Parents:     parents,
	}
	if l := s.loginFor(ci.AuthorEmail); l != "" {
		out.Author = s.userJSON(l)
	}
	switch {
	case ci.CommitterEmail == "noreply@github.com":
		out.Committer = s.userJSON("web-flow")
	default:
		if l := s.loginFor(ci.CommitterEmail); l != "" {
			out.Committer = s.userJSON(l)
		}
	}
	return out
}

func (r *Repo) labelJSON(l *label) *github.Label {
	return &github.Label{
		ID: ptr(l.ID), NodeID: ptr(fmt.Sprintf("LA_fake%d", l.ID)), Name: ptr(l.Name), Color: ptr(l.Color),
		Description: ptr(l.Description), Default: ptr(l.Default),
		URL: ptr(r.s.api("/repos/%s/labels/%s", r.FullName(), l.Name)),
	}
}

// sizeKB approximates GitHub's size (KB, at least 1 once there is a
// commit) from the default branch's files.
func (r *Repo) sizeKB() int {
	head := r.branchSHA(r.opts.DefaultBranch)
	if head == "" {
		return 1
	}
	if v, ok := r.memoGet("size:" + head); ok {
		return v.(int)
	}
	var total int64
	entries, _ := r.lsTree(r.treeOf(head), true, false)
	for _, e := range entries {
		total += max(e.size, 0)
	}
	kb := 1 + int(total/1024)
	r.memoSet("size:"+head, kb)
	return kb
}
