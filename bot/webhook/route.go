package webhook

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/bot/queue"
)

// route is what one event asks for: either a reason to ignore it, or the
// jobs to queue.
type route struct {
	ignore  string
	enqueue func(ctx context.Context, e Enqueuer, delivery string) (int, error)
}

func ignore(format string, args ...any) route { return route{ignore: fmt.Sprintf(format, args...)} }

func sweepRepos(reason string, repos []queue.Repo) route {
	return route{enqueue: func(ctx context.Context, e Enqueuer, delivery string) (int, error) {
		return e.EnqueueRepos(ctx, reason, delivery, repos)
	}}
}

// route decides what a parsed event asks for.
func (h *Handler) route(event any) route {
	switch ev := event.(type) {
	case *github.InstallationEvent:
		switch ev.GetAction() {
		case "created", "new_permissions_accepted":
		default:
			return ignore("installation %s ignored", ev.GetAction())
		}
		id := ev.GetInstallation().GetID()
		if id == 0 {
			return ignore("installation event without an installation")
		}
		if len(ev.Repositories) == 0 {
			// Not listed in the payload: a job asks GitHub for them.
			reason := "installation " + ev.GetAction()
			return route{enqueue: func(ctx context.Context, e Enqueuer, delivery string) (int, error) {
				return e.EnqueueInstallation(ctx, reason, delivery, id)
			}}
		}
		return sweepRepos("installation "+ev.GetAction(), listedRepos(id, ev.Repositories))

	case *github.InstallationRepositoriesEvent:
		if ev.GetAction() != "added" {
			return ignore("installation_repositories %s ignored", ev.GetAction())
		}
		id := ev.GetInstallation().GetID()
		if id == 0 || len(ev.RepositoriesAdded) == 0 {
			return ignore("installation_repositories event without an installation or repositories")
		}
		return sweepRepos("repositories added", listedRepos(id, ev.RepositoriesAdded))

	case *github.PushEvent:
		repo, ok := pushRepo(ev)
		if !ok {
			return ignore("push event without an installation or repository")
		}
		branch, isBranch := strings.CutPrefix(ev.GetRef(), "refs/heads/")
		switch {
		case !isBranch:
			return ignore("push to %s (not a branch) ignored", ev.GetRef())
		case branch == h.opts.Branch:
			if h.isBot(ev.GetSender()) {
				return ignore("the bot's own push ignored")
			}
			// A person's commit on the bot's branch: the sweep sees it and
			// stands back, saying so on the PR.
			return sweepRepos("push to the bot branch", []queue.Repo{repo})
		case branch == ev.GetRepo().GetDefaultBranch():
			return sweepRepos("push to the default branch", []queue.Repo{repo})
		default:
			return ignore("push to branch %s ignored", branch)
		}

	case *github.PullRequestEvent:
		if ev.GetAction() != "closed" {
			return ignore("pull_request %s ignored", ev.GetAction())
		}
		if !h.isBotPR(ev.GetPullRequest(), ev.GetRepo()) {
			return ignore("pull request not the bot's")
		}
		if h.isBot(ev.GetSender()) {
			return ignore("the bot closed its own pull request")
		}
		repo, ok := eventRepo(ev.GetInstallation(), ev.GetRepo())
		if !ok {
			return ignore("pull_request event without an installation or repository")
		}
		// Closed unmerged, the sweep records the refusal; merged, it finds
		// the repository compliant. Either way the repository is re-read.
		return sweepRepos("bot pull request closed", []queue.Repo{repo})

	case *github.IssueCommentEvent:
		if ev.GetAction() != "created" {
			return ignore("issue_comment %s ignored", ev.GetAction())
		}
		issue := ev.GetIssue()
		if !issue.IsPullRequest() || !h.isBot(issue.GetUser()) {
			return ignore("comment not on a bot pull request")
		}
		return h.command(ev.GetInstallation(), ev.GetRepo(), issue.GetNumber(), ev.GetComment().GetUser(), ev.GetComment().GetBody())

	case *github.PullRequestReviewCommentEvent:
		if ev.GetAction() != "created" {
			return ignore("pull_request_review_comment %s ignored", ev.GetAction())
		}
		if !h.isBotPR(ev.GetPullRequest(), ev.GetRepo()) {
			return ignore("comment not on a bot pull request")
		}
		return h.command(ev.GetInstallation(), ev.GetRepo(), ev.GetPullRequest().GetNumber(), ev.GetComment().GetUser(), ev.GetComment().GetBody())
	}
	return ignore("event ignored")
}

func (h *Handler) command(inst *github.Installation, r *github.Repository, number int, author *github.User, body string) route {
	if h.isBot(author) {
		// The bot's own replies quote commands; never answer itself.
		return ignore("the bot's own comment ignored")
	}
	if !commandLine.MatchString(body) {
		return ignore("comment without a /pss command")
	}
	repo, ok := eventRepo(inst, r)
	if !ok || number == 0 {
		return ignore("comment event without an installation, repository or number")
	}
	login := author.GetLogin()
	return route{enqueue: func(ctx context.Context, e Enqueuer, delivery string) (int, error) {
		return e.EnqueueCommand(ctx, delivery, repo, number, login, body)
	}}
}

// isBot tells whether u is the App's bot user.
func (h *Handler) isBot(u *github.User) bool {
	if u == nil {
		return false
	}
	if h.opts.BotLogin != "" {
		return strings.EqualFold(u.GetLogin(), h.opts.BotLogin)
	}
	return u.GetType() == "Bot"
}

// isBotPR: the bot's pull request comes from its branch in the repository
// itself (a fork's branch of the same name is someone else's).
func (h *Handler) isBotPR(pr *github.PullRequest, repo *github.Repository) bool {
	if pr == nil || pr.GetHead().GetRef() != h.opts.Branch {
		return false
	}
	if headRepo := pr.GetHead().GetRepo(); headRepo != nil && repo != nil && headRepo.GetID() != 0 && headRepo.GetID() != repo.GetID() {
		return false
	}
	if pr.GetUser() != nil && pr.GetUser().GetLogin() != "" && !h.isBot(pr.GetUser()) {
		return false
	}
	return true
}

func eventRepo(inst *github.Installation, r *github.Repository) (queue.Repo, bool) {
	id := inst.GetID()
	owner, name := r.GetOwner().GetLogin(), r.GetName()
	if owner == "" || name == "" {
		owner, name, _ = strings.Cut(r.GetFullName(), "/")
	}
	if id == 0 || owner == "" || name == "" {
		return queue.Repo{}, false
	}
	return queue.Repo{InstallationID: id, Owner: owner, Name: name}, true
}

func pushRepo(ev *github.PushEvent) (queue.Repo, bool) {
	r := ev.GetRepo()
	id := ev.GetInstallation().GetID()
	owner, name := r.GetOwner().GetLogin(), r.GetName()
	if owner == "" || name == "" {
		owner, name, _ = strings.Cut(r.GetFullName(), "/")
	}
	if id == 0 || owner == "" || name == "" {
		return queue.Repo{}, false
	}
	return queue.Repo{InstallationID: id, Owner: owner, Name: name}, true
}

// listedRepos converts the repositories of installation events, which carry
// full_name but no owner object.
func listedRepos(installationID int64, rs []*github.Repository) []queue.Repo {
	var out []queue.Repo
	for _, r := range rs {
		if repo, ok := eventRepo(&github.Installation{ID: &installationID}, r); ok {
			out = append(out, repo)
		}
	}
	return out
}
