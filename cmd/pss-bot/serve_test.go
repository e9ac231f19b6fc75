package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/pss-bot/pss-bot/bot"
	"github.com/pss-bot/pss-bot/bot/fakegithub"
	"github.com/pss-bot/pss-bot/bot/queue"
	"github.com/pss-bot/pss-bot/bot/queue/queuetest"
	"github.com/pss-bot/pss-bot/bot/webhook"
)

// These tests run `pss-bot serve` in-process (the same function as the
// binary, minus signal handling) against the fake GitHub and its git
// server, with the real sweep, and drive it over HTTP with signed
// deliveries shaped like GitHub's.

const (
	serveInst    = 7
	serveOwner   = "acme"
	serveSecret  = "It's a Secret to Everybody"
	rootWorkload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      # the storefront
      containers:
        - name: web
          image: example/web:1.0
`
)

// syncBuffer collects a server's logs for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is one running `pss-bot serve`.
type server struct {
	t      *testing.T
	url    string
	q      *queue.Queue
	cancel context.CancelFunc
	done   chan int
	logs   *syncBuffer
}

type serveSetup struct {
	dbPath    string // SQLite file; a fresh one when empty
	args      []string
	transport func(http.RoundTripper) http.RoundTripper
	queue     func(*queue.Options)
}

// startServe runs serve against gh until the test ends (or stop is called)
// and points gh's webhook at it.
func startServe(t *testing.T, gh *fakegithub.Server, setup serveSetup) *server {
	t.Helper()
	if setup.dbPath == "" {
		setup.dbPath = filepath.Join(t.TempDir(), "queue.db")
	}
	env := map[string]string{
		"PSS_BOT_GITHUB_URL":     gh.APIURL,
		"PSS_BOT_APP_ID":         fmt.Sprint(gh.AppID),
		"PSS_BOT_PRIVATE_KEY":    string(gh.PrivateKeyPEM),
		"PSS_BOT_WEBHOOK_SECRET": serveSecret,
		"PSS_BOT_LISTEN":         "127.0.0.1:0",
		"PSS_BOT_SQLITE_PATH":    setup.dbPath,
		"PSS_BOT_WORKERS":        "2",
		"PSS_BOT_LOG_LEVEL":      "debug",
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, cancel: cancel, done: make(chan int, 1), logs: &syncBuffer{}}
	listening := make(chan string, 1)
	hooks := serveHooks{
		listening: func(addr string) { listening <- addr },
		started:   func(q *queue.Queue) { s.q = q },
		transport: setup.transport,
		queue: func(o *queue.Options) {
			o.FetchPollInterval = 50 * time.Millisecond
			o.Snooze = 200 * time.Millisecond
			if setup.queue != nil {
				setup.queue(o)
			}
		},
	}
	go func() {
		s.done <- serve(ctx, setup.args, func(k string) string { return env[k] }, io.Discard, s.logs, hooks)
	}()
	select {
	case addr := <-listening:
		s.url = "http://" + addr
	case code := <-s.done:
		t.Fatalf("serve exited with %d before listening:\n%s", code, s.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s:\n%s", s.logs)
	}
	gh.SetWebhook(s.url+"/webhook", serveSecret)
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("serve logs:\n%s", s.logs)
		}
	})
	return s
}

// stop is SIGTERM: it returns serve's exit code.
func (s *server) stop() int {
	s.t.Helper()
	s.cancel()
	select {
	case code, ok := <-s.done:
		if !ok {
			return 0
		}
		close(s.done)
		return code
	case <-time.After(60 * time.Second):
		s.t.Fatalf("serve did not stop within 60s")
		return -1
	}
}

// post sends body to /webhook as GitHub would, signed with secret.
func (s *server) post(event, guid string, body []byte, secret string) *http.Response {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/webhook", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", guid)
	req.Header.Set("X-Hub-Signature-256", webhook.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (s *server) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// repoJobs lists the repository sweep jobs in the queue.
func (s *server) repoJobs() []*rivertype.JobRow {
	s.t.Helper()
	jobs, err := s.q.Jobs(context.Background(), queue.KindSweepRepo)
	if err != nil {
		s.t.Fatal(err)
	}
	return jobs
}

// waitIdle waits until every job has finished.
func (s *server) waitIdle(d time.Duration) {
	s.t.Helper()
	waitUntil(s.t, "the queue to drain", d, func() bool {
		jobs, err := s.q.Jobs(context.Background(), queue.KindSweepRepo, queue.KindSweepInstallation, queue.KindCommand)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, j := range jobs {
			if j.FinalizedAt == nil {
				return false
			}
		}
		return true
	})
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Payloads shaped like GitHub's documented examples, trimmed to what a
// receiver reads.

func ghRepoJSON(r *fakegithub.Repo) map[string]any {
	return map[string]any{
		"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": r.Name, "full_name": r.FullName(), "private": false,
		"owner":          map[string]any{"login": r.Owner, "id": 1, "type": "Organization"},
		"default_branch": r.DefaultBranch(), "master_branch": r.DefaultBranch(),
	}
}

func installationCreated(repos ...*fakegithub.Repo) map[string]any {
	var list []any
	for i, r := range repos {
		list = append(list, map[string]any{"id": 1000 + i, "name": r.Name, "full_name": r.FullName(), "private": false})
	}
	return map[string]any{
		"action": "created",
		"installation": map[string]any{
			"id": serveInst, "account": map[string]any{"login": serveOwner, "id": 1, "type": "Organization"},
			"repository_selection": "selected", "app_id": 1, "target_type": "Organization",
			"permissions": map[string]any{"contents": "write", "pull_requests": "write", "issues": "write", "checks": "write", "metadata": "read"},
		},
		"repositories": list,
		"sender":       map[string]any{"login": "octocat", "id": 2, "type": "User"},
	}
}

func pushEvent(r *fakegithub.Repo, branch, after, sender, senderType string) map[string]any {
	return map[string]any{
		"ref": "refs/heads/" + branch, "before": strings.Repeat("0", 40), "after": after,
		"created": false, "deleted": false, "forced": false,
		"repository":   ghRepoJSON(r),
		"pusher":       map[string]any{"name": sender, "email": sender + "@example.com"},
		"sender":       map[string]any{"login": sender, "id": 3, "type": senderType},
		"installation": map[string]any{"id": serveInst},
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFakeGitHub(t *testing.T) *fakegithub.Server {
	t.Helper()
	gh := fakegithub.New(t)
	gh.AddInstallation(serveInst, serveOwner)
	return gh
}

func addRepo(gh *fakegithub.Server, name string) *fakegithub.Repo {
	r := gh.AddRepo(serveInst, serveOwner+"/"+name, fakegithub.RepoOptions{})
	r.Commit("main", "dev", "initial", map[string]string{"deploy/web.yaml": rootWorkload})
	return r
}

// assertOneCompletePR checks that r has exactly one open bot PR whose branch
// is one commit on main holding the fixed manifest.
func assertOneCompletePR(t *testing.T, gh *fakegithub.Server, r *fakegithub.Repo) {
	t.Helper()
	var open []fakegithub.Issue
	for _, pr := range gh.PullRequests(r) {
		if pr.User == gh.BotLogin() && pr.State == "open" {
			open = append(open, pr)
		}
	}
	if len(open) != 1 {
		t.Fatalf("%s: %d open bot PRs, want 1", r.FullName(), len(open))
	}
	log := r.Log(bot.Branch)
	if len(log) == 0 || len(log[0].Parents) != 1 || log[0].Parents[0] != r.Branch("main") {
		t.Fatalf("%s: bot branch is not one commit on main: %+v", r.FullName(), log)
	}
	fixed, _ := r.File(bot.Branch, "deploy/web.yaml")
	for _, want := range []string{"runAsNonRoot: true", "# the storefront", "RuntimeDefault"} {
		if !strings.Contains(fixed, want) {
			t.Errorf("%s: fixed manifest lacks %q:\n%s", r.FullName(), want, fixed)
		}
	}
}

func TestServeInstallationEndsWithThePROpen(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	s := startServe(t, gh, serveSetup{})

	if code, body := s.get("/healthz"); code != 200 {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := s.get("/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	status, err := gh.Deliver("installation", installationCreated(app))
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("delivery answered %d, %v; want 202", status, err)
	}
	waitUntil(t, "the PR", 60*time.Second, func() bool { return len(gh.OpenPullRequests(app)) == 1 })
	s.waitIdle(30 * time.Second)
	assertOneCompletePR(t, gh, app)

	_, metrics := s.get("/metrics")
	for _, want := range []string{
		`pss_bot_webhook_deliveries_total{event="installation",result="queued"} 1`,
		`pss_bot_pull_requests_total{action="opened"} 1`,
		`pss_bot_jobs_finished_total{kind="pss_bot_sweep_repo",result="done"} 1`,
		`pss_bot_violations{check="runAsNonRoot",repository="acme/app",stage="found"}`,
		`pss_bot_github_api_requests_total{status="201"}`,
		`pss_bot_github_rate_limit_remaining{resource="core"}`,
		`pss_bot_queue_jobs{kind="pss_bot_sweep_repo",state="completed"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(metrics, "pss_bot_"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestServeRefusesABadSignature(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	s := startServe(t, gh, serveSetup{})
	body := mustJSON(t, installationCreated(app))
	if resp := s.post("installation", "guid-1", body, "not the secret"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong signature answered %d, want 401", resp.StatusCode)
	}
	time.Sleep(300 * time.Millisecond)
	if jobs := s.repoJobs(); len(jobs) != 0 {
		t.Fatalf("%d jobs queued by an unsigned delivery", len(jobs))
	}
	if n := gh.CountWrites(); n != 0 {
		t.Fatalf("%d write calls to GitHub after a refused delivery", n)
	}
}

// gateGitHub holds GitHub calls while closed, so a test decides what
// happens before the sweeps go on.
type gateGitHub struct {
	base http.RoundTripper
	mu   sync.Mutex
	gate chan struct{} // nil when open
}

func (g *gateGitHub) close() { g.mu.Lock(); g.gate = make(chan struct{}); g.mu.Unlock() }

func (g *gateGitHub) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gateGitHub) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return g.base.RoundTrip(req)
}

func TestServeBurstOfPushesMakesOneOrTwoJobsAndOnePR(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	gate := &gateGitHub{}
	s := startServe(t, gh, serveSetup{transport: func(base http.RoundTripper) http.RoundTripper { gate.base = base; return gate }})

	head := app.Commit("main", "dev", "scale up", map[string]string{"deploy/web.yaml": strings.Replace(rootWorkload, "image: example/web:1.0", "image: example/web:1.1", 1)})
	body := mustJSON(t, pushEvent(app, "main", head, "dev", "User"))
	// However slow the machine, the burst ends before any sweep gets
	// anywhere: the first job may have started (and waits at its first
	// GitHub call), none has finished.
	gate.close()
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes <- s.post("push", fmt.Sprintf("burst-%d", i), body, serveSecret).StatusCode
		}(i)
	}
	wg.Wait()
	close(codes)
	gate.open()
	for c := range codes {
		if c != http.StatusAccepted {
			t.Fatalf("a push delivery answered %d, want 202", c)
		}
	}
	s.waitIdle(60 * time.Second)
	if jobs := s.repoJobs(); len(jobs) < 1 || len(jobs) > 2 {
		t.Fatalf("50 pushes made %d repository jobs, want 1 or 2", len(jobs))
	} else {
		t.Logf("50 pushes made %d repository job(s)", len(jobs))
	}
	assertOneCompletePR(t, gh, app)
	if n := len(gh.PullRequests(app)); n != 1 {
		t.Fatalf("%d pull requests, want 1", n)
	}
}

// holdGitHub holds the GitHub calls that match (by default every write
// call: POST, PATCH, ...) until the request's context ends, and reports the
// first one held: the sweep is then stuck mid-way.
type holdGitHub struct {
	base  http.RoundTripper
	held  chan string
	once  sync.Once
	match func(*http.Request) bool
}

func (h *holdGitHub) RoundTrip(req *http.Request) (*http.Response, error) {
	match := h.match
	if match == nil {
		match = func(req *http.Request) bool {
			return req.Method != http.MethodGet && req.Method != http.MethodHead && strings.Contains(req.URL.Path, "/repos/")
		}
	}
	if match(req) {
		h.once.Do(func() { h.held <- req.Method + " " + req.URL.Path })
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	return h.base.RoundTrip(req)
}

func TestServeStopMidJobThenRestartLosesNothing(t *testing.T) {
	gh := newFakeGitHub(t)
	repos := []*fakegithub.Repo{addRepo(gh, "app"), addRepo(gh, "api"), addRepo(gh, "web")}
	dbPath := filepath.Join(t.TempDir(), "queue.db")

	// First process: one worker, every GitHub write held. The installation
	// queues three jobs; the first holds mid-sweep, the others wait.
	hold := &holdGitHub{held: make(chan string, 1)}
	s1 := startServe(t, gh, serveSetup{
		dbPath:    dbPath,
		args:      []string{"--workers", "1", "--shutdown-timeout", "300ms"},
		transport: func(base http.RoundTripper) http.RoundTripper { hold.base = base; return hold },
	})
	if status, err := gh.Deliver("installation", installationCreated(repos...)); err != nil || status != http.StatusAccepted {
		t.Fatalf("delivery answered %d, %v", status, err)
	}
	select {
	case call := <-hold.held:
		t.Logf("sweep held at %s", call)
	case <-time.After(60 * time.Second):
		t.Fatal("no sweep reached a write call")
	}
	// SIGTERM: the held job outlives the grace period, is cancelled and
	// handed back.
	if code := s1.stop(); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM, want 0", code)
	}
	for _, r := range repos {
		if prs := gh.PullRequests(r); len(prs) != 0 {
			t.Fatalf("%s: a PR exists after the cancelled sweep: %+v", r.FullName(), prs)
		}
		if b := r.Branch(bot.Branch); b != "" {
			t.Fatalf("%s: half-made bot branch %s after the cancelled sweep", r.FullName(), b)
		}
	}

	// Second process on the same SQLite file, GitHub reachable again.
	restarted := time.Now()
	s2 := startServe(t, gh, serveSetup{dbPath: dbPath})
	waitUntil(t, "the three PRs", 90*time.Second, func() bool {
		for _, r := range repos {
			if len(gh.OpenPullRequests(r)) != 1 {
				return false
			}
		}
		return true
	})
	s2.waitIdle(30 * time.Second)
	for _, r := range repos {
		assertOneCompletePR(t, gh, r)
	}
	jobs := s2.repoJobs()
	if len(jobs) != 3 {
		t.Fatalf("%d repository jobs, want the 3 queued by the first process", len(jobs))
	}
	for _, j := range jobs {
		// River hands a job cancelled by shutdown back without counting the
		// attempt; all three ran to completion in the second process.
		if j.State != rivertype.JobStateCompleted || j.FinalizedAt == nil || j.FinalizedAt.Before(restarted) {
			t.Errorf("job %d (%s): %s, finalized %v; want completed after the restart at %v", j.ID, j.EncodedArgs, j.State, j.FinalizedAt, restarted)
		}
	}
}

func TestServeStopBetweenBranchAndPRThenRestart(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	dbPath := filepath.Join(t.TempDir(), "queue.db")
	// The commit and the branch are made; the PR creation hangs.
	hold := &holdGitHub{held: make(chan string, 1), match: func(req *http.Request) bool {
		return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/pulls")
	}}
	s1 := startServe(t, gh, serveSetup{
		dbPath:    dbPath,
		args:      []string{"--shutdown-timeout", "300ms"},
		transport: func(base http.RoundTripper) http.RoundTripper { hold.base = base; return hold },
	})
	if status, err := gh.Deliver("installation", installationCreated(app)); err != nil || status != http.StatusAccepted {
		t.Fatalf("delivery answered %d, %v", status, err)
	}
	select {
	case call := <-hold.held:
		t.Logf("sweep held at %s", call)
	case <-time.After(60 * time.Second):
		t.Fatal("the sweep never asked for its PR")
	}
	if code := s1.stop(); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM, want 0", code)
	}
	if prs := gh.PullRequests(app); len(prs) != 0 {
		t.Fatalf("a PR exists after the cancelled sweep: %+v", prs)
	}

	s2 := startServe(t, gh, serveSetup{dbPath: dbPath})
	waitUntil(t, "the PR", 90*time.Second, func() bool { return len(gh.OpenPullRequests(app)) == 1 })
	s2.waitIdle(30 * time.Second)
	assertOneCompletePR(t, gh, app)
	if n := len(gh.PullRequests(app)); n != 1 {
		t.Fatalf("%d pull requests, want 1", n)
	}
}

func TestServeRedeliversFailedDeliveries(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	// The bot was down: GitHub's delivery failed to connect.
	gh.SetWebhook("http://127.0.0.1:1/webhook", serveSecret)
	if _, err := gh.Deliver("installation", installationCreated(app)); err == nil {
		t.Fatal("delivery to a closed port succeeded")
	}
	failed := gh.Deliveries()
	if len(failed) != 1 || failed[0].StatusCode != 0 {
		t.Fatalf("deliveries %+v, want one failed", failed)
	}

	// On start, the bot looks up the failed deliveries and asks for them
	// again; GitHub sends them to it.
	startServe(t, gh, serveSetup{})
	waitUntil(t, "the redelivered event's PR", 60*time.Second, func() bool { return len(gh.OpenPullRequests(app)) == 1 })
	if got := gh.Redelivered(); len(got) != 1 || got[0] != failed[0].ID {
		t.Fatalf("redelivered %v, want [%d]", got, failed[0].ID)
	}
	assertOneCompletePR(t, gh, app)
}

func TestServeAnswersPssHelp(t *testing.T) {
	gh := newFakeGitHub(t)
	app := addRepo(gh, "app")
	s := startServe(t, gh, serveSetup{})
	if status, err := gh.Deliver("installation", installationCreated(app)); err != nil || status != http.StatusAccepted {
		t.Fatalf("delivery answered %d, %v", status, err)
	}
	waitUntil(t, "the PR", 60*time.Second, func() bool { return len(gh.OpenPullRequests(app)) == 1 })
	pr := gh.OpenPullRequests(app)[0]
	before := len(gh.Comments(app, pr.Number))
	gh.CommentAs("octocat", app, pr.Number, "/pss help")
	payload := map[string]any{
		"action": "created",
		"issue": map[string]any{
			"number": pr.Number, "title": pr.Title, "state": "open",
			"user":         map[string]any{"login": gh.BotLogin(), "type": "Bot"},
			"pull_request": map[string]any{"url": gh.APIURL + "repos/acme/app/pulls/" + fmt.Sprint(pr.Number)},
		},
		"comment":      map[string]any{"id": 1, "body": "/pss help", "user": map[string]any{"login": "octocat", "type": "User"}},
		"repository":   ghRepoJSON(app),
		"installation": map[string]any{"id": serveInst},
		"sender":       map[string]any{"login": "octocat", "type": "User"},
	}
	// GitHub may deliver twice: answered once.
	body := mustJSON(t, payload)
	for i := 0; i < 2; i++ {
		if resp := s.post("issue_comment", "help-guid", body, serveSecret); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("comment delivery answered %d", resp.StatusCode)
		}
	}
	waitUntil(t, "the bot's reply", 30*time.Second, func() bool {
		for _, c := range gh.Comments(app, pr.Number)[before:] {
			if c.User == gh.BotLogin() {
				return true
			}
		}
		return false
	})
	s.waitIdle(30 * time.Second)
	replies := 0
	for _, c := range gh.Comments(app, pr.Number)[before:] {
		if c.User == gh.BotLogin() {
			replies++
		}
	}
	if replies != 1 {
		t.Fatalf("%d bot replies to one /pss help delivered twice, want 1", replies)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	var stderr syncBuffer
	code := serve(context.Background(), nil, func(string) string { return "" }, io.Discard, &stderr, serveHooks{})
	if code != serveExitUsage {
		t.Fatalf("serve without settings exited %d, want %d", code, serveExitUsage)
	}
	for _, want := range []string{"webhook-secret", "app-id"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("error does not name %s:\n%s", want, stderr.String())
		}
	}
}

// TestServeRefusesBadDurations: serve's durations are settings like the
// others, from the flag or the environment, each refused with its source.
func TestServeRefusesBadDurations(t *testing.T) {
	env := map[string]string{"PSS_BOT_JOB_TIMEOUT": "abc", "PSS_BOT_REDELIVER_INTERVAL": "-1m"}
	var stderr syncBuffer
	code := serve(context.Background(), []string{"--shutdown-timeout", "0"}, func(k string) string { return env[k] }, io.Discard, &stderr, serveHooks{})
	if code != serveExitUsage {
		t.Fatalf("serve with bad durations exited %d, want %d", code, serveExitUsage)
	}
	for _, want := range []string{
		`shutdown-timeout: must be a positive duration such as 30s, got "0s" (from flag --shutdown-timeout)`,
		`job-timeout: must be a positive duration such as 15m, got "abc" (from PSS_BOT_JOB_TIMEOUT)`,
		`redeliver-interval: must be a duration such as 10m, or 0 to disable, got "-1m" (from PSS_BOT_REDELIVER_INTERVAL)`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr.String())
		}
	}
}

func TestDeployManifestsPassRestricted(t *testing.T) {
	if _, err := os.Stat("../../deploy"); err != nil {
		t.Fatalf("deploy/: %v", err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", "--level", "restricted", "../../deploy"}, &stdout, &stderr); code != 0 {
		t.Fatalf("pss-bot check --level restricted deploy/ exited %d:\n%s\n%s", code, stdout.String(), stderr.String())
	}
}

func TestServeReplicasOnPostgresOpenEachPROnce(t *testing.T) {
	dbURL := queuetest.FreshPostgres(t)
	gh := newFakeGitHub(t)
	var repos []*fakegithub.Repo
	for i := 0; i < 6; i++ {
		repos = append(repos, addRepo(gh, fmt.Sprintf("svc-%d", i)))
	}
	args := []string{"--database-url", dbURL, "--redeliver-interval", "0"}
	s1 := startServe(t, gh, serveSetup{args: args})
	s2 := startServe(t, gh, serveSetup{args: args})

	// The installation reaches one replica, then every repository gets a
	// push through the other, and the same pushes again through the first.
	if resp := s1.post("installation", "inst-guid", mustJSON(t, installationCreated(repos...)), serveSecret); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("installation answered %d", resp.StatusCode)
	}
	for round, s := range []*server{s2, s1} {
		for i, r := range repos {
			body := mustJSON(t, pushEvent(r, "main", r.Branch("main"), "dev", "User"))
			if resp := s.post("push", fmt.Sprintf("push-%d-%d", round, i), body, serveSecret); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("push answered %d", resp.StatusCode)
			}
		}
	}
	waitUntil(t, "a PR in every repository", 120*time.Second, func() bool {
		for _, r := range repos {
			if len(gh.OpenPullRequests(r)) != 1 {
				return false
			}
		}
		return true
	})
	s1.waitIdle(60 * time.Second)
	for _, r := range repos {
		assertOneCompletePR(t, gh, r)
		if n := len(gh.PullRequests(r)); n != 1 {
			t.Errorf("%s: %d pull requests, want 1", r.FullName(), n)
		}
	}
	// Both replicas see one queue: every job once, none left behind.
	jobs := s2.repoJobs()
	if len(jobs) < len(repos) || len(jobs) > 3*len(repos) {
		t.Fatalf("%d repository jobs for %d repositories and 3 events each", len(jobs), len(repos))
	}
	for _, j := range jobs {
		if j.State != rivertype.JobStateCompleted || j.Attempt != 1 {
			t.Errorf("job %d: %s after %d attempts", j.ID, j.State, j.Attempt)
		}
	}
	// Of the bot's write calls, exactly one PR creation per repository.
	if n := gh.Count("POST", "/repos/*/*/pulls"); n != len(repos) {
		t.Errorf("%d POST /pulls, want %d", n, len(repos))
	}
}
