package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pss-bot/pss-bot/bot"
	"github.com/pss-bot/pss-bot/bot/fakegithub"
	"github.com/pss-bot/pss-bot/config"
	"github.com/pss-bot/pss-bot/patcher"
)

// These tests run the real sweep (real engine, real go-git clones) against
// the fake GitHub and its git server, and assert on what GitHub ends up
// holding and on the requests the bot made.

const (
	instID = 7
	owner  = "acme"
)

const apiYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
spec:
  template:
    spec:
      # the API server
      containers:
        - name: api
          image: example/api:1.0
`

const ingressYAML = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: controller
  namespace: ingress-nginx
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: controller
          image: example/ingress:1.0
`

// compliantYAML passes restricted as it is.
const compliantYAML = `apiVersion: v1
kind: Pod
metadata:
  name: ok
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: ok
      image: example/ok:1.0
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
`

type harness struct {
	t     *testing.T
	gh    *fakegithub.Server
	app   *config.App
	s     *bot.Sweeper
	mu    sync.Mutex
	waits []time.Duration
	// slept is added to the real time: the bot's waits advance the clock
	// of the fake (and of the bot) instantly.
	slept time.Duration
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.slept)
}

func newHarness(t *testing.T, edit ...func(*config.App, *bot.SweeperOptions)) *harness {
	t.Helper()
	gh := fakegithub.New(t)
	gh.AddInstallation(instID, owner)
	h := &harness{t: t, gh: gh}
	h.app = &config.App{GitHubURL: gh.APIURL, AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, Concurrency: 2, LogLevel: "debug"}
	gh.SetClock(h.now)
	tmp := t.TempDir()
	t.Cleanup(func() {
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("clones left behind in the temporary folder: %d", len(left))
		}
	})
	opts := bot.SweeperOptions{
		Logger:  testLogger(t),
		TempDir: tmp,
		Now:     h.now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.waits = append(h.waits, d)
			h.slept += d
			h.mu.Unlock()
			return nil
		},
	}
	for _, e := range edit {
		e(h.app, &opts)
	}
	s, err := bot.NewSweeper(h.app, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

// repo creates owner/name with files committed on main by a person.
func (h *harness) repo(name string, files map[string]string) *fakegithub.Repo {
	h.t.Helper()
	r := h.gh.AddRepo(instID, owner+"/"+name, fakegithub.RepoOptions{})
	r.Commit("main", "dev", "initial", files)
	return r
}

func (h *harness) sweep(r *fakegithub.Repo) bot.Outcome {
	h.t.Helper()
	o, err := h.s.SweepRepo(context.Background(), bot.RepoRef{InstallationID: instID, Owner: r.Owner, Name: r.Name})
	if err != nil {
		h.t.Fatalf("SweepRepo(%s): %v", r.FullName(), err)
	}
	return o
}

// engine runs the engine on content as the bot would with the default
// configuration.
func engine(t *testing.T, path, content string) string {
	t.Helper()
	res, err := patcher.Fix(path, []byte(content), config.DefaultRepo().PatcherOptions())
	if err != nil {
		t.Fatalf("engine on %s: %v", path, err)
	}
	return string(res.Output)
}

// botPRs returns the bot's pull requests of r.
func (h *harness) botPRs(r *fakegithub.Repo) (open, all []fakegithub.Issue) {
	for _, pr := range h.gh.PullRequests(r) {
		if pr.User != h.gh.BotLogin() {
			continue
		}
		all = append(all, pr)
		if pr.State == "open" {
			open = append(open, pr)
		}
	}
	return open, all
}

func (h *harness) onePR(r *fakegithub.Repo) fakegithub.Issue {
	h.t.Helper()
	open, _ := h.botPRs(r)
	if len(open) != 1 {
		h.t.Fatalf("%d open bot PRs, want 1: %+v", len(open), open)
	}
	return open[0]
}

// assertBranchHolds checks that the bot branch is one verified commit on
// top of main whose files are main's, with the engine's output for each
// manifest.
func (h *harness) assertBranchHolds(r *fakegithub.Repo, manifests map[string]string) {
	h.t.Helper()
	t := h.t
	head := r.Branch(bot.Branch)
	main := r.Branch("main")
	log := r.Log(bot.Branch)
	if len(log) == 0 || log[0].SHA != head {
		t.Fatalf("branch %s log %+v", bot.Branch, log)
	}
	if len(log[0].Parents) != 1 || log[0].Parents[0] != main {
		t.Fatalf("bot commit parents %v, want [%s] (main's head)", log[0].Parents, main)
	}
	if !r.Verified(head) {
		t.Error("bot commit is not Verified: it was not made through the Git Data API")
	}
	if log[0].AuthorLogin != h.gh.BotLogin() {
		t.Errorf("bot commit author %q, want %q", log[0].AuthorLogin, h.gh.BotLogin())
	}
	want := r.Files("main")
	for p, c := range manifests {
		want[p] = engine(t, p, c)
	}
	got := r.Files(bot.Branch)
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s on the bot branch:\n%s\nwant (engine output):\n%s", p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("bot branch has an extra file %s", p)
		}
	}
}

func wantAction(t *testing.T, o bot.Outcome, a bot.Action) {
	t.Helper()
	if o.Action != a {
		t.Fatalf("%s: action %s (%s; steps %v), want %s", o.Repo.FullName(), o.Action, o.Reason, o.Steps, a)
	}
}

func TestSweepOpensOnePRThenStaysQuiet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	files := map[string]string{"deploy/api.yaml": apiYAML, "deploy/ingress.yaml": ingressYAML, "deploy/ok.yaml": compliantYAML, "README.md": "# app\n"}
	r := h.repo("app", files)

	o := h.sweep(r)
	wantAction(t, o, bot.ActionOpened)
	pr := h.onePR(r)
	if o.PR != pr.Number || pr.Head != bot.Branch || pr.Base != "main" {
		t.Errorf("outcome PR %d, fake PR %+v", o.PR, pr)
	}
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML, "deploy/ingress.yaml": ingressYAML})
	if r.Files(bot.Branch)["deploy/ok.yaml"] != compliantYAML {
		t.Error("a compliant file was rewritten")
	}
	for _, want := range []string{"deploy/api.yaml", "deploy/ingress.yaml", "hostNamespaces", "pod-security.kubernetes.io/enforce: privileged", "<!-- pss-bot:meta "} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("PR body lacks %q", want)
		}
	}
	if o.Fixed["runAsNonRoot"] == 0 || o.Remaining["hostNamespaces"] != 1 {
		t.Errorf("counts: fixed %v remaining %v", o.Fixed, o.Remaining)
	}
	head := r.Branch(bot.Branch)

	// Second sweep: nothing moved, so no clone and no write at all.
	h.gh.Reset()
	o = h.sweep(r)
	wantAction(t, o, bot.ActionNone)
	if n := h.gh.CountWrites(); n != 0 {
		t.Errorf("second sweep made %d write calls: %+v", n, writes(h.gh))
	}
	if n := h.gh.CountClones(); n != 0 {
		t.Errorf("second sweep cloned %d times", n)
	}
	if r.Branch(bot.Branch) != head {
		t.Error("second sweep moved the branch")
	}
	if _, all := h.botPRs(r); len(all) != 1 {
		t.Errorf("%d bot PRs after the second sweep", len(all))
	}
	if o.Fixed["runAsNonRoot"] == 0 {
		t.Errorf("counts lost on a sweep without clone: %v", o.Fixed)
	}
	// What the sweep re-reads is asked conditionally: once the first
	// sweep's own writes are behind, the answers are 304s.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	notModified := 0
	for _, req := range h.gh.Requests() {
		if req.Status == 304 {
			notModified++
		}
	}
	if notModified < 4 {
		t.Errorf("%d conditional hits of %d requests, want at least 4 (repository, branch, issues, pulls): %+v", notModified, len(h.gh.Requests()), h.gh.Requests())
	}
	if n := h.gh.TokensIssued(); n != 1 {
		t.Errorf("%d installation tokens issued over three sweeps, want 1 (cached)", n)
	}
	t.Logf("third sweep: %d requests, all reads, %d answered 304", len(h.gh.Requests()), notModified)
}

func writes(gh *fakegithub.Server) []string {
	var out []string
	for _, r := range gh.Requests() {
		if r.Write {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestSweepRegeneratesOnNewBase(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)
	first := r.Branch(bot.Branch)

	changed := strings.Replace(apiYAML, "example/api:1.0", "example/api:2.0", 1) + `---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: example/migrate:1.0
`
	r.Commit("main", "dev", "bump api, add migration", map[string]string{"deploy/api.yaml": changed})
	o := h.sweep(r)
	wantAction(t, o, bot.ActionUpdated)
	if got := h.onePR(r); got.Number != pr.Number {
		t.Errorf("a new PR #%d replaced #%d", got.Number, pr.Number)
	}
	if r.Branch(bot.Branch) == first {
		t.Fatal("branch not regenerated")
	}
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": changed})
	meta, ok, err := bot.ParseMeta(h.onePR(r).Body)
	if !ok || err != nil || meta.Base != r.Branch("main") || meta.Head != r.Branch(bot.Branch) {
		t.Errorf("PR metadata %+v (ok %v, err %v) not updated to base %s head %s", meta, ok, err, r.Branch("main"), r.Branch(bot.Branch))
	}
	if !strings.Contains(h.onePR(r).Body, "migrate") {
		t.Error("PR body does not describe the new workload")
	}

	// A push that changes no workload still moves the base: the single
	// commit is rebuilt on it, with the same proposal.
	r.Commit("main", "dev", "docs", map[string]string{"README.md": "hello\n"})
	wantAction(t, h.sweep(r), bot.ActionUpdated)
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": changed})
}

func TestSweepStandsBackWhenSomeonePushes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)

	mine := r.Commit(bot.Branch, "alice", "keep root for now", map[string]string{"deploy/api.yaml": apiYAML + "# reviewed\n"})
	o := h.sweep(r)
	wantAction(t, o, bot.ActionEdited)
	if r.Branch(bot.Branch) != mine {
		t.Fatal("the bot overwrote alice's commit")
	}
	notices := func() []fakegithub.Comment {
		var out []fakegithub.Comment
		for _, c := range h.gh.Comments(r, pr.Number) {
			if c.User == h.gh.BotLogin() {
				out = append(out, c)
			}
		}
		return out
	}
	if n := notices(); len(n) != 1 || !strings.Contains(n[0].Body, "@alice") {
		t.Fatalf("bot comments %+v, want one naming @alice", n)
	}

	// Later sweeps, even after main moves, keep away and do not comment again.
	r.Commit("main", "dev", "bump", map[string]string{"deploy/api.yaml": strings.Replace(apiYAML, "1.0", "1.1", 1)})
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionEdited)
	wantAction(t, h.sweep(r), bot.ActionEdited)
	if r.Branch(bot.Branch) != mine {
		t.Fatal("a later sweep overwrote alice's commit")
	}
	if n := notices(); len(n) != 1 {
		t.Errorf("%d bot comments after more sweeps, want still 1", len(n))
	}
	if n := h.gh.CountWrites(); n != 0 {
		t.Errorf("sweeps of an edited PR wrote %d times: %v", n, writes(h.gh))
	}
	if n := h.gh.CountClones(); n != 0 {
		t.Errorf("sweeps of an edited PR cloned %d times", n)
	}
}

func TestSweepRespectsRefusal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	first := h.onePR(r)
	h.gh.ClosePR(r, first.Number)

	// Same base: refused without cloning or writing.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionRefused)
	if h.gh.CountWrites() != 0 || h.gh.CountClones() != 0 {
		t.Errorf("refused sweep: %d writes %v, %d clones", h.gh.CountWrites(), writes(h.gh), h.gh.CountClones())
	}
	// A push that does not change the proposal: still refused.
	r.Commit("main", "dev", "docs", map[string]string{"README.md": "hello\n"})
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionRefused)
	if h.gh.CountWrites() != 0 {
		t.Errorf("refused sweep wrote: %v", writes(h.gh))
	}
	if open, _ := h.botPRs(r); len(open) != 0 {
		t.Fatalf("declined PR reopened or replaced: %+v", open)
	}
	if h.gh.Issue(r, first.Number).State != "closed" {
		t.Fatal("declined PR is open again")
	}

	// A different proposal may be opened, saying the first was declined.
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      containers:\n        - name: j\n          image: example/j:1\n"
	r.Commit("main", "dev", "add job", map[string]string{"deploy/job.yaml": job})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	second := h.onePR(r)
	if second.Number == first.Number {
		t.Fatal("the declined PR was reused")
	}
	if !strings.Contains(second.Body, fmt.Sprintf("#%d", first.Number)) || !strings.Contains(second.Body, "declined") {
		t.Errorf("new PR body does not mention the declined #%d", first.Number)
	}
	m1, _, _ := bot.ParseMeta(first.Body)
	m2, _, _ := bot.ParseMeta(second.Body)
	if len(m2.Refused) != 1 || m2.Refused[0] != m1.Hash {
		t.Errorf("new PR refusals %v, want [%s]", m2.Refused, m1.Hash)
	}
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML, "deploy/job.yaml": job})
}

func TestSweepClosesPRWhenFixedByHand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML, "deploy/ingress.yaml": ingressYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)

	// The team applies the fixes themselves (and the ingress only needs
	// an exemption, which changes no file).
	r.Commit("main", "dev", "harden by hand", map[string]string{
		"deploy/api.yaml":     engine(t, "deploy/api.yaml", apiYAML),
		"deploy/ingress.yaml": engine(t, "deploy/ingress.yaml", ingressYAML),
	})
	o := h.sweep(r)
	wantAction(t, o, bot.ActionClosed)
	if got := h.gh.Issue(r, pr.Number); got.State != "closed" || got.Merged {
		t.Errorf("PR state %s merged %v, want closed", got.State, got.Merged)
	}
	if r.Branch(bot.Branch) != "" {
		t.Error("bot branch not deleted")
	}
	cs := h.gh.Comments(r, pr.Number)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "compliant without this pull request") {
		t.Errorf("close comments %+v", cs)
	}
	// And then nothing more to do.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	if h.gh.CountWrites() != 0 {
		t.Errorf("sweep of a compliant repository wrote: %v", writes(h.gh))
	}
}

func TestSweepDoesNotCloseAnEditedPR(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)
	r.Commit(bot.Branch, "bob", "tweak", map[string]string{"notes.txt": "x\n"})
	r.Commit("main", "dev", "fix by hand", map[string]string{"deploy/api.yaml": engine(t, "deploy/api.yaml", apiYAML)})
	wantAction(t, h.sweep(r), bot.ActionEdited)
	if h.gh.Issue(r, pr.Number).State != "open" || r.Branch(bot.Branch) == "" {
		t.Error("the bot closed a PR a person had pushed to")
	}
}

func TestSweepConfigErrorIssue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bad := "level: restricted\nchecks:\n  runAsNonRot: fix\n"
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML, config.RepoConfigPath: bad})

	o := h.sweep(r)
	wantAction(t, o, bot.ActionConfigError)
	configIssues := func() (open []fakegithub.Issue) {
		for _, i := range h.gh.Issues(r) {
			if !i.IsPR && i.Title == bot.ConfigIssueTitle && i.State == "open" {
				open = append(open, i)
			}
		}
		return open
	}
	is := configIssues()
	if len(is) != 1 {
		t.Fatalf("%d open configuration issues, want 1", len(is))
	}
	if !strings.Contains(is[0].Body, "checks.runAsNonRot") || !strings.Contains(is[0].Body, "line 3") {
		t.Errorf("issue does not name key and line:\n%s", is[0].Body)
	}
	if _, all := h.botPRs(r); len(all) != 0 {
		t.Fatal("a fix PR was opened despite the invalid configuration")
	}

	// Again: the issue is kept, not duplicated, not rewritten.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionConfigError)
	if len(configIssues()) != 1 || h.gh.CountWrites() != 0 {
		t.Errorf("second sweep: %d issues, writes %v", len(configIssues()), writes(h.gh))
	}

	// Another mistake: the same issue is updated in place.
	r.Commit("main", "dev", "config", map[string]string{config.RepoConfigPath: "level: strict\n"})
	wantAction(t, h.sweep(r), bot.ActionConfigError)
	is = configIssues()
	if len(is) != 1 || !strings.Contains(is[0].Body, "`level`") || !strings.Contains(is[0].Body, "line 1") {
		t.Fatalf("issue not updated in place: %+v", is)
	}

	// Fixed: the issue is closed with a comment and the PR opened, with the
	// configured labels.
	r.Commit("main", "dev", "config", map[string]string{config.RepoConfigPath: "level: restricted\nlabels: [security]\n"})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	if len(configIssues()) != 0 {
		t.Error("configuration issue still open")
	}
	closed := h.gh.Issue(r, is[0].Number)
	cs := h.gh.Comments(r, closed.Number)
	if closed.State != "closed" || len(cs) != 1 || !strings.Contains(cs[0].Body, "valid again") {
		t.Errorf("issue %+v comments %+v", closed, cs)
	}
	pr := h.onePR(r)
	if len(pr.Labels) != 1 || pr.Labels[0] != "security" {
		t.Errorf("PR labels %v, want [security]", pr.Labels)
	}
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	if h.gh.CountWrites() != 0 {
		t.Errorf("labels rewritten on a current PR: %v", writes(h.gh))
	}
}

func TestSweepWaitsOutSecondaryRateLimit(t *testing.T) {
	t.Parallel()
	for _, status := range []int{403, 429} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			h := newHarness(t)
			r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
			h.gh.SecondaryRateLimitStatus(3, 42*time.Second, status)
			wantAction(t, h.sweep(r), bot.ActionOpened)
			h.onePR(r)
			h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML})
			limited := 0
			for _, req := range h.gh.Requests() {
				if req.Status == status {
					limited++
				}
			}
			if limited != 3 {
				t.Errorf("%d requests answered %d, want 3", limited, status)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.waits) != 3 {
				t.Fatalf("waits %v, want 3 of 42s", h.waits)
			}
			for _, w := range h.waits {
				if w != 42*time.Second {
					t.Errorf("waited %v, want the Retry-After of 42s", w)
				}
			}
		})
	}
}

func TestAppClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	if _, _, err := h.s.AppClient().Apps.ListHookDeliveries(ctx, nil); err != nil {
		t.Errorf("App-level call with the JWT: %v", err)
	}
	ids, err := h.s.Installations(ctx)
	if err != nil || len(ids) != 1 || ids[0] != instID {
		t.Errorf("Installations = %v, %v", ids, err)
	}
	if login, err := h.s.BotLogin(ctx); err != nil || login != h.gh.BotLogin() {
		t.Errorf("BotLogin = %q, %v", login, err)
	}
}

func TestSweepWaitsOutPrimaryRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	// Mint the token first so the budget applies to the sweep's own calls.
	if _, err := h.s.InstallationClient(instID); err != nil {
		t.Fatal(err)
	}
	h.gh.SetRateRemaining(instID, 0, 2*time.Second)
	wantAction(t, h.sweep(r), bot.ActionOpened)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.waits) == 0 || h.waits[0] > 4*time.Second {
		t.Errorf("waits %v, want one until the reset (about 3s)", h.waits)
	}
}

func TestSweepSkipsArchivedDisabledEmpty(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	archived := h.repo("old", map[string]string{"deploy/api.yaml": apiYAML})
	archived.SetArchived(true)
	disabled := h.repo("off", map[string]string{"deploy/api.yaml": apiYAML})
	disabled.SetDisabled(true)
	empty := h.gh.AddRepo(instID, owner+"/empty", fakegithub.RepoOptions{})
	h.gh.Reset()
	for _, r := range []*fakegithub.Repo{archived, disabled, empty} {
		o := h.sweep(r)
		wantAction(t, o, bot.ActionSkipped)
		if o.Reason == "" {
			t.Errorf("%s: skipped without a reason", r.FullName())
		}
	}
	if w := writes(h.gh); len(w) != 1 || !strings.HasSuffix(w[0], "/access_tokens") || h.gh.CountClones() != 0 {
		t.Errorf("skipped repositories: writes %v (want only the token), %d clones", w, h.gh.CountClones())
	}
}

func TestSweepManyFilesAndPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(_ *config.App, o *bot.SweeperOptions) { o.PageSize = 50 })
	files := map[string]string{}
	for i := range 150 {
		files[fmt.Sprintf("apps/app-%03d.yaml", i)] = strings.ReplaceAll(apiYAML, "name: api", fmt.Sprintf("name: api-%03d", i))
	}
	r := h.repo("big", files)
	// 149 more repositories so the installation's listing spans 3 pages.
	for i := range 149 {
		h.gh.AddRepo(instID, fmt.Sprintf("%s/other-%03d", owner, i), fakegithub.RepoOptions{})
	}
	h.gh.Reset()
	outcomes, err := h.s.SweepAll(context.Background(), bot.Filter{Repos: []string{"ACME/big"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 1 {
		t.Fatalf("outcomes %+v", outcomes)
	}
	wantAction(t, outcomes[0], bot.ActionOpened)
	if n := h.gh.Count("GET", "/installation/repositories"); n != 3 {
		t.Errorf("listed repositories in %d requests, want 3 pages", n)
	}
	if n := h.gh.Count("POST", "/repos/*/*/git/blobs"); n != 150 {
		t.Errorf("%d blobs, want 150", n)
	}
	if n := h.gh.Count("POST", "/repos/*/*/git/commits"); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	h.assertBranchHolds(r, files)
	body := h.onePR(r).Body
	if !strings.Contains(body, "apps/app-000.yaml") || !strings.Contains(body, "apps/app-149.yaml") {
		t.Error("PR body does not list every file")
	}
}

func TestSweepAllNamesFailuresAndDoesTheRest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	good := h.repo("good", map[string]string{"deploy/api.yaml": apiYAML})
	bad := h.repo("bad", map[string]string{"deploy/api.yaml": apiYAML})
	h.gh.FailNext("POST", "/repos/acme/bad/git/blobs", 500)
	outcomes, err := h.s.SweepAll(context.Background(), bot.Filter{})
	if err == nil || !strings.Contains(err.Error(), "acme/bad") {
		t.Fatalf("error %v does not name acme/bad", err)
	}
	if strings.Contains(err.Error(), "acme/good") {
		t.Errorf("error names a repository that did not fail: %v", err)
	}
	byName := map[string]bot.Outcome{}
	for _, o := range outcomes {
		byName[o.Repo.FullName()] = o
	}
	wantAction(t, byName["acme/good"], bot.ActionOpened)
	if byName["acme/bad"].Action != bot.ActionFailed || byName["acme/bad"].Err == nil {
		t.Errorf("bad outcome %+v", byName["acme/bad"])
	}
	h.onePR(good)
	// The next sweep recovers.
	wantAction(t, h.sweep(bad), bot.ActionOpened)
}

func TestSweepDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(a *config.App, _ *bot.SweeperOptions) { a.DryRun = true })
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	h.gh.Reset()
	o := h.sweep(r)
	wantAction(t, o, bot.ActionOpened)
	if len(o.Steps) == 0 || !strings.Contains(strings.Join(o.Steps, "\n"), "open pull request") {
		t.Errorf("dry run does not say what it would do: %v", o.Steps)
	}
	for _, w := range writes(h.gh) {
		if !strings.HasSuffix(w, "/access_tokens") {
			t.Errorf("dry run wrote %s", w)
		}
	}
	if r.Branch(bot.Branch) != "" || len(h.gh.PullRequests(r)) != 0 {
		t.Error("dry run changed the repository")
	}
}

func TestHandleCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)
	ref := bot.RepoRef{InstallationID: instID, Owner: owner, Name: "app"}
	ctx := context.Background()
	if err := h.s.HandleCommand(ctx, ref, pr.Number, "alice", "Thanks!\n/pss help"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.HandleCommand(ctx, ref, pr.Number, "alice", "/pss frobnicate now"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.HandleCommand(ctx, ref, pr.Number, "alice", "no command here, not even /pss help"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.HandleCommand(ctx, ref, pr.Number, h.gh.BotLogin(), "/pss help"); err != nil {
		t.Fatal(err)
	}
	cs := h.gh.Comments(r, pr.Number)
	if len(cs) != 2 {
		t.Fatalf("%d replies, want 2: %+v", len(cs), cs)
	}
	if !strings.Contains(cs[0].Body, "`/pss help`") || cs[0].User != h.gh.BotLogin() {
		t.Errorf("help reply %+v", cs[0])
	}
	if !strings.HasPrefix(cs[1].Body, "> /pss frobnicate now") {
		t.Errorf("unknown command reply does not quote it: %q", cs[1].Body)
	}
}

func TestSweepRequestsReviewersAndLabels(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML,
		config.RepoConfigPath: "labels: [security, pod-security]\nreviewers: [alice]\n"})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)
	if strings.Join(pr.Labels, ",") != "security,pod-security" && strings.Join(pr.Labels, ",") != "pod-security,security" {
		t.Errorf("labels %v", pr.Labels)
	}
	if len(pr.Reviewers) != 1 || pr.Reviewers[0] != "alice" {
		t.Errorf("reviewers %v, want [alice]", pr.Reviewers)
	}
	// A label a person adds stays; a bot label a person removes comes back.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	if h.gh.CountWrites() != 0 {
		t.Errorf("writes on a current PR: %v", writes(h.gh))
	}
}

// TestSweepKeepsSymlinksAndModes pushes, with real git, a repository with a
// symlink to a manifest and an executable manifest: the bot's commit fixes
// the link's target once, keeps the link a link, and keeps the file modes.
func TestSweepKeepsSymlinksAndModes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.gh.AddRepo(instID, owner+"/links", fakegithub.RepoOptions{})
	work := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com",
			"GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init", "-q", "-b", "main")
	os.MkdirAll(filepath.Join(work, "deploy"), 0o755)
	os.WriteFile(filepath.Join(work, "deploy", "api.yaml"), []byte(apiYAML), 0o644)
	os.Symlink("api.yaml", filepath.Join(work, "deploy", "current.yaml"))
	os.WriteFile(filepath.Join(work, "gen.yaml"), []byte(strings.Replace(apiYAML, "name: api\n", "name: gen\n", 1)), 0o755)
	run("add", ".")
	run("commit", "-q", "-m", "init")
	pushURL := strings.Replace(r.CloneURL(), "://", "://x-access-token:"+h.gh.Token(instID)+"@", 1)
	run("push", "-q", pushURL, "main")

	wantAction(t, h.sweep(r), bot.ActionOpened)
	tree := exec.Command("git", "ls-tree", "-r", bot.Branch)
	tree.Dir = r.Dir
	out, err := tree.CombinedOutput()
	if err != nil {
		t.Fatalf("ls-tree: %v\n%s", err, out)
	}
	modes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		modes[f[3]] = f[0]
	}
	want := map[string]string{"deploy/api.yaml": "100644", "deploy/current.yaml": "120000", "gen.yaml": "100755"}
	for p, m := range want {
		if modes[p] != m {
			t.Errorf("%s has mode %s on the bot branch, want %s (tree:\n%s)", p, modes[p], m, out)
		}
	}
	files := r.Files(bot.Branch)
	if files["deploy/current.yaml"] != "api.yaml" {
		t.Errorf("the symlink now holds %q", files["deploy/current.yaml"])
	}
	if files["deploy/api.yaml"] != engine(t, "deploy/api.yaml", apiYAML) {
		t.Errorf("the symlink's target was not fixed:\n%s", files["src/api.manifest"])
	}
}

// TestSweepFollowsRepositoryPaths checks that paths.include/exclude decide
// what the sweep reads: files left out are neither fixed nor reported, even
// when they could not be parsed.
func TestSweepFollowsRepositoryPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	broken := "kind: Pod\nmetadata:\n  labels: a: b\n"
	r := h.repo("paths", map[string]string{
		"deploy/api.yaml":        apiYAML,
		"deploy/legacy/api.yaml": apiYAML,
		"other/api.yaml":         apiYAML,
		"vendor/broken.yaml":     broken,
		config.RepoConfigPath:    "paths:\n  include: [deploy/, vendor/]\n  exclude: [deploy/legacy/, '**/broken.yaml']\n",
	})
	o := h.sweep(r)
	wantAction(t, o, bot.ActionOpened)
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML})
	if body := h.onePR(r).Body; strings.Contains(body, "broken.yaml") || strings.Contains(body, "legacy") || strings.Contains(body, "other/") {
		t.Errorf("the PR body names a file the paths leave out:\n%s", body)
	}
}

func TestSweepRetriesTransientFailuresOfSafeRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	h.gh.FailNext("GET", "/repos/acme/app", 502)
	h.gh.FailNext("GET", "/repos/acme/app/git/ref/heads/main", 503)
	o := h.sweep(r)
	wantAction(t, o, bot.ActionOpened)
	h.onePR(r)
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML})
	statuses := map[int]int{}
	for _, req := range h.gh.Requests() {
		if req.Method == "GET" && req.Path == "/repos/acme/app" {
			statuses[req.Status]++
		}
	}
	if statuses[502] != 1 || statuses[200] < 1 {
		t.Errorf("GET /repos/acme/app answered %v, want one 502 then a success", statuses)
	}
	h.mu.Lock()
	waits := fmt.Sprint(h.waits)
	h.mu.Unlock()
	if waits != "[1s 1s]" {
		t.Errorf("waits %s, want [1s 1s] (one back-off per failed read, through the injected Sleep)", waits)
	}
}

func TestSweepDoesNotRepeatAFailedPost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML})
	h.gh.FailNext("POST", "/repos/acme/app/pulls", 502)
	_, err := h.s.SweepAll(context.Background(), bot.Filter{})
	if err == nil || !strings.Contains(err.Error(), "acme/app") {
		t.Fatalf("error %v does not name acme/app", err)
	}
	if n := h.gh.Count("POST", "/repos/acme/app/pulls"); n != 1 {
		t.Errorf("POST /pulls sent %d times, want 1 (a POST is never repeated)", n)
	}
	if len(h.gh.PullRequests(r)) != 0 {
		t.Fatalf("a pull request exists after the failed POST: %+v", h.gh.PullRequests(r))
	}
	// The next sweep recovers: the branch is there already, the PR is opened once.
	wantAction(t, h.sweep(r), bot.ActionOpened)
	h.onePR(r)
	h.assertBranchHolds(r, map[string]string{"deploy/api.yaml": apiYAML})
}

// reviewRequest changes the requested reviewers of PR number as a person
// would (method POST adds, DELETE removes; GitHub also removes a reviewer
// from the list once they have reviewed).
func (h *harness) reviewRequest(r *fakegithub.Repo, number int, method string, logins ...string) {
	h.t.Helper()
	body := fmt.Sprintf(`{"reviewers":["%s"]}`, strings.Join(logins, `","`))
	req, err := http.NewRequest(method, fmt.Sprintf("%srepos/%s/pulls/%d/requested_reviewers", h.gh.APIURL, r.FullName(), number), strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+h.gh.Token(instID))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		h.t.Fatalf("%s requested_reviewers %v: %s", method, logins, resp.Status)
	}
}

func sortedReviewers(pr fakegithub.Issue) string {
	rs := slices.Clone(pr.Reviewers)
	slices.Sort(rs)
	return strings.Join(rs, ",")
}

func TestSweepRequestsReviewersAddedToTheConfiguration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.repo("app", map[string]string{"deploy/api.yaml": apiYAML, config.RepoConfigPath: "reviewers: [alice]\n"})
	wantAction(t, h.sweep(r), bot.ActionOpened)
	pr := h.onePR(r)
	if got := sortedReviewers(pr); got != "alice" {
		t.Fatalf("reviewers %s, want alice", got)
	}
	// A person asks carol too; then the configuration adds bob.
	h.reviewRequest(r, pr.Number, "POST", "carol")
	r.Commit("main", "dev", "add bob", map[string]string{config.RepoConfigPath: "reviewers: [alice, bob]\n"})
	h.gh.Reset()
	o := h.sweep(r)
	wantAction(t, o, bot.ActionUpdated)
	var asked []string
	for _, s := range o.Steps {
		if strings.HasPrefix(s, "request reviews") {
			asked = append(asked, s)
		}
	}
	if want := fmt.Sprintf("request reviews on #%d from bob", pr.Number); len(asked) != 1 || asked[0] != want {
		t.Errorf("review requests %q, want [%q] (alice is requested already)", asked, want)
	}
	if n := h.gh.Count("POST", "/repos/acme/app/pulls/*/requested_reviewers"); n != 1 {
		t.Errorf("%d review requests, want 1", n)
	}
	if n := h.gh.Count("DELETE", "/repos/acme/app/pulls/*/requested_reviewers"); n != 0 {
		t.Errorf("%d review requests removed, want 0", n)
	}
	if got := sortedReviewers(h.onePR(r)); got != "alice,bob,carol" {
		t.Errorf("reviewers %s, want alice,bob,carol (carol, added by a person, kept)", got)
	}

	// Every configured reviewer is asked: the PR is current.
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	if n := h.gh.CountWrites(); n != 0 {
		t.Errorf("writes on a current PR: %v", writes(h.gh))
	}
	if n := h.gh.CountClones(); n != 0 {
		t.Errorf("%d clones on a current PR", n)
	}

	// alice reviews, so GitHub drops her from the requested reviewers: she
	// was asked once and is not asked again.
	h.reviewRequest(r, pr.Number, "DELETE", "alice")
	h.gh.Reset()
	wantAction(t, h.sweep(r), bot.ActionNone)
	if n := h.gh.CountWrites(); n != 0 {
		t.Errorf("writes after a reviewer left the requested list: %v", writes(h.gh))
	}
	if got := sortedReviewers(h.onePR(r)); got != "bob,carol" {
		t.Errorf("reviewers %s, want bob,carol", got)
	}
}
