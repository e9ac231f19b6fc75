package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/config"
	"github.com/pss-bot/pss-bot/patcher"
	"github.com/pss-bot/pss-bot/repo"
)

// SweeperOptions are the parts of a Sweeper that callers (the CLI, the
// server, tests) choose.
type SweeperOptions struct {
	// Transport is the base transport of every GitHub call (the metrics
	// layer goes here); nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits out rate limits; nil means a real, context-aware wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// TempDir is where clones are made; "" means os.TempDir().
	TempDir string
	// PageSize is the per_page of list calls; 0 means 100, GitHub's maximum.
	PageSize int
}

// Sweeper runs sweeps for one GitHub App: it lists installations and their
// repositories, and keeps one pull request per repository in step with the
// engine. It is safe for concurrent use; installation tokens are cached per
// installation until near expiry.
type Sweeper struct {
	app       *config.App
	opts      SweeperOptions
	log       *slog.Logger
	apps      *ghinstallation.AppsTransport
	appClient *github.Client

	engine string

	mu    sync.Mutex
	insts map[int64]*installation
	login string // the App's bot user, "slug[bot]"
}

type installation struct {
	tr     *ghinstallation.Transport
	client repoClient
	gh     *github.Client
}

// Filter narrows SweepAll. The zero value sweeps everything the App sees.
type Filter struct {
	// Installation, when not 0, is the only installation swept.
	Installation int64
	// Repos, when not empty, are the only repositories swept ("owner/name",
	// case-insensitive).
	Repos []string
}

// NewSweeper builds a Sweeper from the App settings. The private key is
// parsed here, so a bad one fails before any request.
func NewSweeper(app *config.App, opts SweeperOptions) (*Sweeper, error) {
	if app == nil {
		return nil, errors.New("bot: no App settings")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var rt http.RoundTripper = &RateLimitTransport{Base: base, Now: opts.Now, Sleep: opts.Sleep, Log: log}
	if app.DryRun {
		rt = readOnlyTransport{base: rt}
	}
	var atr *ghinstallation.AppsTransport
	if key := app.RSAKey(); key != nil {
		atr = ghinstallation.NewAppsTransportFromPrivateKey(rt, app.AppID, key)
	} else {
		var err error
		atr, err = ghinstallation.NewAppsTransport(rt, app.AppID, app.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("private-key: %w", err)
		}
	}
	apiURL := app.GitHubURL
	if apiURL == "" {
		apiURL = "https://api.github.com/"
	}
	atr.BaseURL = strings.TrimSuffix(apiURL, "/")
	appClient, err := newGitHubClient(atr, apiURL)
	if err != nil {
		return nil, err
	}
	return &Sweeper{app: app, opts: opts, log: log, apps: atr, appClient: appClient, engine: EngineVersion(), insts: map[int64]*installation{}}, nil
}

// AppClient is a go-github client authenticated as the App itself (JWT), for
// App-level endpoints such as /app/hook/deliveries.
func (s *Sweeper) AppClient() *github.Client { return s.appClient }

// InstallationClient is a go-github client authenticated as the installation
// (token cached until near expiry), with conditional requests and rate-limit
// waits.
func (s *Sweeper) InstallationClient(id int64) (*github.Client, error) {
	in, err := s.installation(id)
	if err != nil {
		return nil, err
	}
	return in.gh, nil
}

func (s *Sweeper) installation(id int64) (*installation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.insts[id]; in != nil {
		return in, nil
	}
	itr := ghinstallation.NewFromAppsTransport(s.apps, id)
	// One ETag cache per installation: cached bodies never cross tokens.
	gh, err := newGitHubClient(newETagTransport(itr), s.apps.BaseURL+"/")
	if err != nil {
		return nil, err
	}
	in := &installation{tr: itr, client: ghClient{c: gh, pageSize: s.opts.PageSize}, gh: gh}
	s.insts[id] = in
	return in, nil
}

// BotLogin is the login of the App's bot user ("slug[bot]"), the author of
// its pull requests, comments and commits.
func (s *Sweeper) BotLogin(ctx context.Context) (string, error) {
	s.mu.Lock()
	login := s.login
	s.mu.Unlock()
	if login != "" {
		return login, nil
	}
	a, resp, err := s.appClient.Apps.Get(ctx, "")
	if err != nil {
		return "", apiErr(resp, err, "get the App")
	}
	if a.GetSlug() == "" {
		return "", errors.New("get the App: GitHub returned no slug")
	}
	login = a.GetSlug() + "[bot]"
	s.mu.Lock()
	s.login = login
	s.mu.Unlock()
	return login, nil
}

// Installations lists the App's installation IDs.
func (s *Sweeper) Installations(ctx context.Context) ([]int64, error) {
	opts := &github.ListOptions{PerPage: s.pageSize()}
	is, resp, err := allPages(opts, func() ([]*github.Installation, *github.Response, error) {
		return s.appClient.Apps.ListInstallations(ctx, opts)
	})
	if err != nil {
		return nil, apiErr(resp, err, "list installations")
	}
	var ids []int64
	for _, i := range is {
		ids = append(ids, i.GetID())
	}
	return ids, nil
}

// Repositories lists the repositories an installation can access.
func (s *Sweeper) Repositories(ctx context.Context, installationID int64) ([]RepoRef, error) {
	in, err := s.installation(installationID)
	if err != nil {
		return nil, err
	}
	opts := &github.ListOptions{PerPage: s.pageSize()}
	rs, resp, err := allPages(opts, func() ([]*github.Repository, *github.Response, error) {
		page, resp, err := in.gh.Apps.ListRepos(ctx, opts)
		if page == nil {
			return nil, resp, err
		}
		return page.Repositories, resp, err
	})
	if err != nil {
		return nil, apiErr(resp, err, "list repositories of installation %d", installationID)
	}
	var refs []RepoRef
	for _, r := range rs {
		refs = append(refs, RepoRef{InstallationID: installationID, Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
	}
	return refs, nil
}

func (s *Sweeper) pageSize() int {
	if s.opts.PageSize > 0 {
		return s.opts.PageSize
	}
	return maxPageSize
}

// RepoFailure is the failure of one repository in a sweep.
type RepoFailure struct {
	Repo string
	Err  error
}

func (e *RepoFailure) Error() string { return e.Repo + ": " + e.Err.Error() }
func (e *RepoFailure) Unwrap() error { return e.Err }

// SweepAll sweeps every repository the filter selects, Concurrency at a
// time. A repository that fails does not stop the others: its Outcome has
// ActionFailed, and the error joins one *RepoFailure per failed repository.
// Outcomes are sorted by repository name.
func (s *Sweeper) SweepAll(ctx context.Context, f Filter) ([]Outcome, error) {
	var refs []RepoRef
	var errs []error
	ids := []int64{f.Installation}
	if f.Installation == 0 {
		var err error
		if ids, err = s.Installations(ctx); err != nil {
			return nil, err
		}
	}
	want := map[string]bool{}
	for _, r := range f.Repos {
		want[strings.ToLower(r)] = true
	}
	found := map[string]bool{}
	for _, id := range ids {
		rs, err := s.Repositories(ctx, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("installation %d: %w", id, err))
			continue
		}
		for _, r := range rs {
			key := strings.ToLower(r.FullName())
			if len(want) > 0 && !want[key] {
				continue
			}
			found[key] = true
			refs = append(refs, r)
		}
	}
	var outcomes []Outcome
	for _, r := range f.Repos {
		if !found[strings.ToLower(r)] {
			err := &RepoFailure{Repo: r, Err: errors.New("not a repository of the App's installations")}
			errs = append(errs, err)
			owner, name, _ := strings.Cut(r, "/")
			outcomes = append(outcomes, Outcome{Repo: RepoRef{InstallationID: f.Installation, Owner: owner, Name: name}, Action: ActionFailed, Err: err.Err})
		}
	}
	n := s.app.Concurrency
	if n <= 0 {
		n = 1
	}
	results := make([]Outcome, len(refs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], _ = s.SweepRepo(ctx, r)
		}()
	}
	wg.Wait()
	for _, o := range results {
		if o.Action == ActionFailed {
			errs = append(errs, &RepoFailure{Repo: o.Repo.FullName(), Err: o.Err})
		}
	}
	outcomes = append(outcomes, results...)
	sort.SliceStable(outcomes, func(i, j int) bool { return outcomes[i].Repo.FullName() < outcomes[j].Repo.FullName() })
	return outcomes, errors.Join(errs...)
}

// SweepRepo brings one repository's pull request in step with the engine.
// On error the Outcome has ActionFailed and Err set (and names what failed).
func (s *Sweeper) SweepRepo(ctx context.Context, ref RepoRef) (Outcome, error) {
	start := s.opts.Now()
	sw := &repoSweep{s: s, ref: ref, out: Outcome{Repo: ref}}
	sw.log = s.log.With("repo", ref.FullName(), "installation", ref.InstallationID)
	err := sw.run(ctx)
	if err != nil {
		sw.out.Action = ActionFailed
		sw.out.Err = err
		sw.log.Error("sweep failed", "err", err.Error())
	} else {
		sw.log.Info("swept", "action", string(sw.out.Action), "pr", sw.out.PR, "steps", len(sw.out.Steps),
			"duration", s.opts.Now().Sub(start).Round(time.Millisecond).String(), "reason", sw.out.Reason)
	}
	return sw.out, err
}

// repoSweep is the state of one repository's sweep.
type repoSweep struct {
	s     *Sweeper
	ref   RepoRef
	out   Outcome
	log   *slog.Logger
	gh    repoClient
	in    *installation
	login string
	// edited is the login of whoever pushed to the bot's branch.
	edited string
}

func (w *repoSweep) run(ctx context.Context) error {
	s, ref := w.s, w.ref
	in, err := s.installation(ref.InstallationID)
	if err != nil {
		return err
	}
	w.in = in
	if w.login, err = s.BotLogin(ctx); err != nil {
		return err
	}
	w.gh = &recordingClient{repoClient: in.client, steps: &w.out.Steps, dryRun: s.app.DryRun}

	r, err := w.gh.GetRepo(ctx, ref.Owner, ref.Name)
	if errors.Is(err, ErrBlocked) {
		return w.skip("disabled (access blocked)")
	}
	if err != nil {
		return err
	}
	switch {
	case r.GetArchived():
		return w.skip("archived")
	case r.GetDisabled():
		return w.skip("disabled")
	}
	branch := r.GetDefaultBranch()
	if branch == "" {
		return w.skip("empty (no default branch)")
	}
	base, err := w.gh.BranchHead(ctx, ref.Owner, ref.Name, branch)
	if errors.Is(err, ErrEmptyRepo) || errors.Is(err, ErrNotFound) {
		return w.skip("empty")
	}
	if err != nil {
		return err
	}

	cfg, err := w.repoConfig(ctx, branch, base)
	if err != nil || cfg == nil {
		return err
	}

	st, err := w.state(ctx, base, cfg)
	if err != nil {
		return err
	}
	if st.Open != nil {
		w.out.PR = st.Open.Number
	}
	if st.Open != nil && st.Edited {
		w.fromMeta(st.Open)
		return w.execute(ctx, st, Decide(st, nil), nil, cfg, branch, "")
	}
	if st.Current() {
		w.out.Action = ActionNone
		w.out.Reason = "pull request is current"
		w.fromMeta(st.Open)
		return nil
	}
	if st.RefusedWithoutClone() {
		w.out.Action = ActionRefused
		w.out.Reason = fmt.Sprintf("the proposal of #%d, made from this commit, was declined", st.Declined[0].Number)
		w.fromMeta(&st.Declined[0])
		return nil
	}

	prop, tree, head, err := w.propose(ctx, r.GetCloneURL(), branch, cfg)
	if err != nil {
		return err
	}
	st.BaseSHA = head
	w.out.Found, w.out.Fixed, w.out.Remaining = prop.Counts()
	plan := Decide(st, prop)
	return w.execute(ctx, st, plan, prop, cfg, branch, tree)
}

func (w *repoSweep) skip(why string) error {
	w.out.Action = ActionSkipped
	w.out.Reason = why
	w.log.Info("repository skipped", "reason", why)
	return nil
}

func (w *repoSweep) fromMeta(pr *PRState) {
	if pr != nil && pr.HasMeta {
		w.out.Found, w.out.Fixed, w.out.Remaining = pr.Meta.Found, pr.Meta.Fixed, pr.Meta.Remaining
	}
}

// repoConfig reads .github/pss-bot.yaml from the default branch. An invalid
// file opens (or updates) the configuration issue and returns nil, nil; a
// valid one closes that issue if it is open.
func (w *repoSweep) repoConfig(ctx context.Context, branch, base string) (*config.Repo, error) {
	ref := w.ref
	data, err := w.gh.GetFile(ctx, ref.Owner, ref.Name, config.RepoConfigPath, branch)
	cfg := config.DefaultRepo()
	var cfgErr *config.RepoError
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	default:
		c, perr := config.ParseRepo(data)
		if perr != nil {
			if !errors.As(perr, &cfgErr) {
				cfgErr = &config.RepoError{Msg: perr.Error()}
			}
		} else {
			cfg = c
		}
	}
	issues, err := w.gh.ListIssues(ctx, ref.Owner, ref.Name, w.login)
	if err != nil {
		return nil, err
	}
	var issue *github.Issue
	for _, i := range issues {
		if i.GetTitle() == ConfigIssueTitle && i.GetUser().GetLogin() == w.login {
			issue = i
			break
		}
	}
	if cfgErr != nil {
		w.out.Action = ActionConfigError
		w.out.Reason = cfgErr.Error()
		body := ConfigIssueBody(config.RepoConfigPath, cfgErr.Key, cfgErr.Line, cfgErr.Msg, base)
		switch {
		case issue == nil:
			n, err := w.gh.CreateIssue(ctx, ref.Owner, ref.Name, ConfigIssueTitle, body)
			if err != nil {
				return nil, err
			}
			w.log.Warn("invalid repository configuration; issue opened", "issue", n, "key", cfgErr.Key, "line", cfgErr.Line)
		case !sameText(issue.GetBody(), body):
			if err := w.gh.EditIssue(ctx, ref.Owner, ref.Name, issue.GetNumber(), &github.IssueRequest{Body: github.String(body)}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	if issue != nil {
		if err := w.gh.CreateComment(ctx, ref.Owner, ref.Name, issue.GetNumber(), ConfigFixedComment(config.RepoConfigPath, base)); err != nil {
			return nil, err
		}
		if err := w.gh.EditIssue(ctx, ref.Owner, ref.Name, issue.GetNumber(), &github.IssueRequest{State: github.String("closed")}); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// state gathers the bot's pull requests: the open one, the declined ones,
// and whether someone else pushed to the open one.
func (w *repoSweep) state(ctx context.Context, base string, cfg *config.Repo) (RepoState, error) {
	ref := w.ref
	st := RepoState{BaseSHA: base, Labels: cfg.Labels, Reviewers: cfg.Reviewers, Engine: w.s.engine}
	prs, err := w.gh.ListPulls(ctx, ref.Owner, ref.Name, Branch)
	if err != nil {
		return st, err
	}
	// Newest first: GitHub lists by creation, newest first, but do not rely
	// on it.
	sort.Slice(prs, func(i, j int) bool { return prs[i].GetNumber() > prs[j].GetNumber() })
	for _, pr := range prs {
		if pr.GetUser().GetLogin() != w.login || pr.GetHead().GetRef() != Branch {
			continue
		}
		ps := PRState{
			Number: pr.GetNumber(), Open: pr.GetState() == "open", Merged: pr.GetMerged() || pr.MergedAt != nil,
			Title: pr.GetTitle(), Body: pr.GetBody(), HeadSHA: pr.GetHead().GetSHA(),
		}
		for _, l := range pr.Labels {
			ps.Labels = append(ps.Labels, l.GetName())
		}
		for _, u := range pr.RequestedReviewers {
			ps.RequestedUsers = append(ps.RequestedUsers, u.GetLogin())
		}
		for _, t := range pr.RequestedTeams {
			ps.RequestedTeams = append(ps.RequestedTeams, t.GetSlug())
		}
		m, ok, err := ParseMeta(ps.Body)
		if err != nil {
			w.log.Warn("unreadable metadata in pull request body; regenerating", "pr", ps.Number, "err", err.Error())
		}
		ps.Meta, ps.HasMeta = m, ok
		switch {
		case ps.Open && st.Open == nil:
			st.Open = &ps
		case !ps.Open && !ps.Merged:
			st.Declined = append(st.Declined, ps)
		}
	}
	if o := st.Open; o != nil && !(o.HasMeta && o.HeadSHA == o.Meta.Head) {
		// The branch is not at the commit the bot made: find out who moved it.
		commits, err := w.gh.ListPullCommits(ctx, ref.Owner, ref.Name, o.Number)
		if err != nil {
			return st, err
		}
		for _, c := range commits {
			if login := c.GetAuthor().GetLogin(); login != w.login {
				st.Edited = true
				w.edited = login
				break
			}
		}
	}
	return st, nil
}

// propose clones the default branch and runs the engine over its manifests.
// It returns the proposal, the tree and the sha of the commit it was made
// from.
func (w *repoSweep) propose(ctx context.Context, cloneURL, branch string, cfg *config.Repo) (*Proposal, string, string, error) {
	token, err := w.in.tr.Token(ctx)
	if err != nil {
		return nil, "", "", fmt.Errorf("installation token: %w", err)
	}
	co, err := repo.Clone(ctx, repo.CloneOptions{URL: cloneURL, Branch: branch, Token: token, TempDir: w.s.opts.TempDir})
	if err != nil {
		return nil, "", "", err
	}
	defer func() {
		if err := co.Remove(); err != nil {
			w.log.Warn("could not remove clone", "dir", co.Dir, "err", err.Error())
		}
	}()
	w.log.Debug("cloned", "head", co.Head)
	// The repository's paths decide what the walk reads and reports; the
	// settings file itself is never a manifest.
	files, problems := repo.Discover([]string{co.Dir}, repo.DiscoverOptions{
		Match:   func(rel string) bool { return rel != config.RepoConfigPath && cfg.Matches(rel) },
		SkipDir: cfg.SkipsDir,
	})
	// One engine for the whole repository: building the policy evaluator
	// costs more than fixing a typical file.
	eng, err := patcher.NewEngine(cfg.PatcherOptions())
	if err != nil {
		return nil, "", "", fmt.Errorf("engine: %w", err)
	}
	var results []*patcher.FileResult
	var errs []patcher.Error
	modes := map[string]string{}
	for _, p := range problems {
		if rel, err := filepath.Rel(co.Dir, p.Path); err == nil && !p.Skipped {
			errs = append(errs, patcher.Error{Path: filepath.ToSlash(rel), Message: p.Message})
		}
	}
	// Discover never follows a symlink below the root and returns each file
	// once, at its own path: a manifest reached through a link is changed at
	// its target, so the commit never replaces a link with a copy.
	for _, f := range files {
		rel := f.Rel
		res, err := eng.Fix(rel, f.Data)
		if err != nil {
			var pe *patcher.Error
			if errors.As(err, &pe) {
				errs = append(errs, *pe)
				continue
			}
			return nil, "", "", fmt.Errorf("%s: %w", rel, err)
		}
		res.Path = rel
		results = append(results, res)
		if f.Mode&0o111 != 0 {
			modes[rel] = "100755"
		}
	}
	return NewProposal(results, modes, errs), co.Tree, co.Head, nil
}

// execute carries a plan out.
func (w *repoSweep) execute(ctx context.Context, st RepoState, plan Plan, prop *Proposal, cfg *config.Repo, branch, tree string) error {
	ref := w.ref
	owner, name := ref.Owner, ref.Name
	w.out.Action = plan.Action
	level, version := cfg.Level, cfg.Version
	if plan.Action == ActionRefused {
		w.out.Reason = "this proposal was declined before"
	}
	if plan.EditedNotice {
		w.out.Reason = "someone else pushed to " + Branch
		return w.ensureComment(ctx, st.Open.Number, editedMarker, EditedComment(w.edited))
	}
	if plan.ClosePR {
		o := st.Open
		w.out.Reason = "compliant without the pull request"
		if err := w.gh.CreateComment(ctx, owner, name, o.Number, CloseComment(st.BaseSHA)); err != nil {
			return err
		}
		if err := w.gh.EditPull(ctx, owner, name, o.Number, &github.PullRequest{State: github.String("closed")}); err != nil {
			return err
		}
		return w.gh.DeleteBranch(ctx, owner, name, Branch)
	}
	meta := plan.Meta
	if plan.Commit {
		blobs := make([]string, len(prop.Files))
		for i, f := range prop.Files {
			sha, err := w.gh.CreateBlob(ctx, owner, name, f.Content)
			if err != nil {
				return err
			}
			blobs[i] = sha
		}
		t, err := w.gh.CreateTree(ctx, owner, name, tree, prop.Files, blobs)
		if err != nil {
			return err
		}
		c, err := w.gh.CreateCommit(ctx, owner, name, CommitMessage(level, prop), t, st.BaseSHA)
		if err != nil {
			return err
		}
		if err := w.gh.SetBranch(ctx, owner, name, Branch, c, st.Open != nil); err != nil {
			return err
		}
		meta.Head = c
	}
	if !plan.OpenPR && !plan.Sync {
		return nil
	}
	title := PRTitle(level)
	body := PRBody(BodyInput{Level: level, Version: version, Proposal: prop, Meta: meta, Declined: plan.Declined})
	if plan.OpenPR {
		pr, err := w.gh.CreatePull(ctx, owner, name, &github.NewPullRequest{
			Title: github.String(title), Head: github.String(Branch), Base: github.String(branch),
			Body: github.String(body), MaintainerCanModify: github.Bool(false),
		})
		if err != nil {
			return err
		}
		w.out.PR = pr.GetNumber()
		if len(cfg.Labels) > 0 {
			if err := w.gh.AddLabels(ctx, owner, name, w.out.PR, cfg.Labels); err != nil {
				return err
			}
		}
		if users, teams := cfg.Users(), cfg.Teams(); len(users)+len(teams) > 0 {
			// The PR exists now; a reviewer GitHub refuses (not a
			// collaborator, a team of another organization) is the
			// configuration's problem, not a failed sweep.
			if err := w.gh.RequestReviewers(ctx, owner, name, w.out.PR, users, teams); err != nil {
				w.log.Warn("could not request reviewers", "pr", w.out.PR, "reviewers", cfg.Reviewers, "err", err.Error())
				w.out.Steps = append(w.out.Steps, "reviewers not requested: "+err.Error())
			}
		}
		return nil
	}
	o := st.Open
	// Reviewers first: the body records them as asked, so a request that
	// fails leaves them to the next sweep.
	if missing := MissingReviewers(o, cfg.Reviewers); len(missing) > 0 {
		users, teams := splitReviewers(missing)
		err := w.gh.RequestReviewers(ctx, owner, name, o.Number, users, teams)
		var ge *github.ErrorResponse
		switch {
		case errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusUnprocessableEntity:
			// Refused (not a collaborator, a team of another
			// organization): the configuration's problem, not a failed
			// sweep; recorded as asked, so it is not retried every sweep.
			w.log.Warn("could not request reviewers", "pr", o.Number, "reviewers", missing, "err", err.Error())
			w.out.Steps = append(w.out.Steps, "reviewers not requested: "+err.Error())
		case err != nil:
			return err
		}
		if w.out.Action == ActionNone {
			w.out.Action = ActionUpdated
		}
	}
	edit := &github.PullRequest{}
	changed := false
	if o.Title != title {
		edit.Title = github.String(title)
		changed = true
	}
	if !sameText(o.Body, body) {
		edit.Body = github.String(body)
		changed = true
	}
	if changed {
		if err := w.gh.EditPull(ctx, owner, name, o.Number, edit); err != nil {
			return err
		}
		if plan.Action == ActionNone {
			w.out.Action = ActionUpdated
		}
	}
	if missing := MissingLabels(o.Labels, cfg.Labels); len(missing) > 0 {
		if err := w.gh.AddLabels(ctx, owner, name, o.Number, missing); err != nil {
			return err
		}
		if w.out.Action == ActionNone {
			w.out.Action = ActionUpdated
		}
	}
	return nil
}

// ensureComment makes sure issue number carries exactly one comment of the
// bot with marker, with this body: created once, edited in place after.
func (w *repoSweep) ensureComment(ctx context.Context, number int, marker, body string) error {
	owner, name := w.ref.Owner, w.ref.Name
	cs, err := w.gh.ListComments(ctx, owner, name, number)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.GetUser().GetLogin() == w.login && strings.Contains(c.GetBody(), marker) {
			if sameText(c.GetBody(), body) {
				return nil
			}
			return w.gh.EditComment(ctx, owner, name, c.GetID(), body)
		}
	}
	return w.gh.CreateComment(ctx, owner, name, number, body)
}

// sameText compares bodies as GitHub stores them (it turns "\n" into "\r\n"
// in some bodies edited on the web).
func sameText(a, b string) bool {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(a) == norm(b)
}

// HandleCommand answers the /pss commands of a comment on an issue or pull
// request. Comments by the bot itself are ignored.
func (s *Sweeper) HandleCommand(ctx context.Context, ref RepoRef, issueNumber int, author, body string) error {
	login, err := s.BotLogin(ctx)
	if err != nil {
		return err
	}
	if author == login {
		return nil
	}
	cmds := ParseCommands(body)
	if len(cmds) == 0 {
		return nil
	}
	in, err := s.installation(ref.InstallationID)
	if err != nil {
		return err
	}
	var steps []string
	gh := &recordingClient{repoClient: in.client, steps: &steps, dryRun: s.app.DryRun}
	var errs []error
	for _, c := range cmds {
		var reply string
		switch c.Verb {
		case "help":
			reply = HelpReply()
		default:
			reply = UnknownCommandReply(c)
		}
		s.log.Info("command", "repo", ref.FullName(), "number", issueNumber, "verb", c.Verb, "author", author)
		if err := gh.CreateComment(ctx, ref.Owner, ref.Name, issueNumber, reply); err != nil {
			errs = append(errs, fmt.Errorf("/pss %s on %s#%d: %w", c.Verb, ref.FullName(), issueNumber, err))
		}
	}
	return errors.Join(errs...)
}
