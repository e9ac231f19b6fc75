package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/pss-bot/pss-bot/bot/metrics"
)

// fakeSweeper records calls, tracks how many sweeps of one repository run at
// once, and can hold sweeps until released or fail them.
type fakeSweeper struct {
	mu          sync.Mutex
	sweeps      map[string]int
	running     map[string]int
	maxParallel map[string]int
	commands    []string
	installs    int
	repos       map[int64][]Repo
	started     chan string   // receives the repository of each sweep as it starts
	release     chan struct{} // if not nil, sweeps wait for a value (or close)
	fail        error
}

func newFakeSweeper() *fakeSweeper {
	return &fakeSweeper{
		sweeps: map[string]int{}, running: map[string]int{}, maxParallel: map[string]int{},
		repos:   map[int64][]Repo{},
		started: make(chan string, 1000),
	}
}

func (f *fakeSweeper) Installations(ctx context.Context) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.installs++
	var ids []int64
	for id := range f.repos {
		ids = append(ids, id)
	}
	return ids, nil
}

func (f *fakeSweeper) Repositories(ctx context.Context, id int64) ([]Repo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.repos[id], nil
}

func (f *fakeSweeper) SweepRepo(ctx context.Context, r Repo) (Result, error) {
	name := r.FullName()
	f.mu.Lock()
	f.sweeps[name]++
	f.running[name]++
	if f.running[name] > f.maxParallel[name] {
		f.maxParallel[name] = f.running[name]
	}
	release, fail := f.release, f.fail
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running[name]--
		f.mu.Unlock()
	}()
	f.started <- name
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
	if fail != nil {
		return Result{}, fail
	}
	return Result{Action: "opened", PR: 1, Found: map[string]int{"runAsNonRoot": 1}, Fixed: map[string]int{"runAsNonRoot": 1}, Remaining: map[string]int{}}, nil
}

func (f *fakeSweeper) HandleCommand(ctx context.Context, r Repo, issue int, author, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, fmt.Sprintf("%s#%d %s: %s", r.FullName(), issue, author, body))
	return nil
}

func (f *fakeSweeper) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sweeps[name]
}

func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// openSQLite opens a queue on an SQLite file in a fresh directory (or path,
// if given) with short intervals for tests.
func openSQLite(t *testing.T, path string, s Sweeper, mod func(*Options)) *Queue {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "queue.db")
	}
	opts := Options{
		SQLitePath:        path,
		Workers:           4,
		Sweeper:           s,
		Snooze:            100 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		RedeliverEvery:    -1,
		Logger:            testLogger(t),
	}
	if mod != nil {
		mod(&opts)
	}
	q, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			_ = q.StopAndCancel(ctx)
		}
		q.Close()
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitIdle waits until no job of the given kinds is waiting or running.
func waitIdle(t *testing.T, q *Queue, d time.Duration, kinds ...string) []*rivertype.JobRow {
	t.Helper()
	var jobs []*rivertype.JobRow
	waitFor(t, "the queue to drain", d, func() bool {
		var err error
		jobs, err = q.Jobs(context.Background(), kinds...)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			switch j.State {
			case rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
			default:
				return false
			}
		}
		return true
	})
	return jobs
}

var acme = Repo{InstallationID: 7, Owner: "acme", Name: "deploy"}

func TestDuplicatesCollapseIntoOneWaitingJob(t *testing.T) {
	f := newFakeSweeper()
	m := metrics.New()
	q := openSQLite(t, "", f, func(o *Options) { o.Metrics = m })
	ctx := context.Background()
	total := 0
	for i := 0; i < 50; i++ {
		n, err := q.EnqueueRepos(ctx, "push", fmt.Sprintf("d-%d", i), []Repo{acme})
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	// GitHub names are case-insensitive, but a different repository is not a
	// duplicate.
	other := Repo{InstallationID: 7, Owner: "acme", Name: "apps"}
	if n, err := q.EnqueueRepos(ctx, "push", "d-x", []Repo{other}); err != nil || n != 1 {
		t.Fatalf("other repository: queued %d, %v; want 1", n, err)
	}
	if total != 1 {
		t.Fatalf("50 events for one waiting repository queued %d jobs, want 1", total)
	}
	if got := metricValue(t, m, "pss_bot_jobs_queued_total", map[string]string{"kind": KindSweepRepo, "result": "duplicate"}); got != 49 {
		t.Errorf("duplicate metric = %v, want 49", got)
	}
	start(t, q)
	jobs := waitIdle(t, q, 10*time.Second, KindSweepRepo)
	if len(jobs) != 2 || f.count("acme/deploy") != 1 || f.count("acme/apps") != 1 {
		t.Fatalf("jobs=%d sweeps=%v, want 2 jobs, one sweep each", len(jobs), f.sweeps)
	}
	// Once the job completed, a new event queues a new sweep.
	if n, err := q.EnqueueRepos(ctx, "push", "d-late", []Repo{acme}); err != nil || n != 1 {
		t.Fatalf("event after completion: queued %d, %v; want 1", n, err)
	}
	waitFor(t, "second sweep", 10*time.Second, func() bool { return f.count("acme/deploy") == 2 })
}

// metricValue reads one counter or gauge sample from the registry; 0 if absent.
func metricValue(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
	sample:
		for _, s := range fam.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue sample
				}
			}
			if c := s.GetCounter(); c != nil {
				return c.GetValue()
			}
			return s.GetGauge().GetValue()
		}
	}
	return 0
}

func TestEventWhileRunningQueuesOneFollowUp(t *testing.T) {
	f := newFakeSweeper()
	f.release = make(chan struct{})
	q := openSQLite(t, "", f, nil)
	start(t, q)
	ctx := context.Background()
	if n, err := q.EnqueueRepos(ctx, "push", "d-0", []Repo{acme}); err != nil || n != 1 {
		t.Fatalf("queued %d, %v", n, err)
	}
	<-f.started // the first sweep is running and holds
	total := 0
	for i := 1; i < 50; i++ {
		n, err := q.EnqueueRepos(ctx, "push", fmt.Sprintf("d-%d", i), []Repo{acme})
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 1 {
		t.Fatalf("49 events during a running sweep queued %d jobs, want 1 follow-up", total)
	}
	// The follow-up must not start while the first runs: give it time to try.
	time.Sleep(500 * time.Millisecond)
	if got := f.count("acme/deploy"); got != 1 {
		t.Fatalf("%d sweeps started while the first was running, want 1", got)
	}
	close(f.release)
	jobs := waitIdle(t, q, 10*time.Second, KindSweepRepo)
	if len(jobs) != 2 || f.count("acme/deploy") != 2 {
		t.Fatalf("jobs=%d sweeps=%d, want 2 and 2", len(jobs), f.count("acme/deploy"))
	}
	if f.maxParallel["acme/deploy"] != 1 {
		t.Errorf("%d sweeps of one repository ran at once", f.maxParallel["acme/deploy"])
	}
}

func TestJobsOfOneRepositoryNeverOverlap(t *testing.T) {
	f := newFakeSweeper()
	f.release = make(chan struct{})
	q := openSQLite(t, "", f, func(o *Options) { o.Workers = 6 })
	ctx := context.Background()
	// Both slots and a command, all available at once, with idle workers
	// to take them together.
	for slot := 0; slot < 2; slot++ {
		args := RepoArgs{InstallationID: acme.InstallationID, Owner: acme.Owner, Name: acme.Name, Slot: slot}
		if _, err := q.insert(ctx, args, q.repoInsertOpts(acme)); err != nil {
			t.Fatal(err)
		}
	}
	start(t, q)
	<-f.started
	time.Sleep(500 * time.Millisecond)
	f.mu.Lock()
	parallel := f.maxParallel["acme/deploy"]
	f.mu.Unlock()
	if parallel != 1 {
		t.Fatalf("%d sweeps of one repository ran at once, want 1", parallel)
	}
	close(f.release)
	waitIdle(t, q, 10*time.Second, KindSweepRepo)
	if got := f.count("acme/deploy"); got != 2 {
		t.Fatalf("sweeps = %d, want 2", got)
	}
}

func TestQueuedJobsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	f := newFakeSweeper()
	q := openSQLite(t, path, f, nil)
	repos := []Repo{acme, {InstallationID: 7, Owner: "acme", Name: "apps"}, {InstallationID: 8, Owner: "beta", Name: "infra"}}
	if n, err := q.EnqueueRepos(context.Background(), "install", "d-1", repos); err != nil || n != 3 {
		t.Fatalf("queued %d, %v", n, err)
	}
	if counts, err := q.Counts(context.Background()); err != nil || len(counts) != 1 || counts[metrics.QueueKey{Kind: KindSweepRepo, State: "available"}] != 3 {
		t.Fatalf("counts %v, %v; want 3 available", counts, err)
	}
	q.Close() // the process dies before any worker ran

	q2 := openSQLite(t, path, f, nil)
	start(t, q2)
	waitIdle(t, q2, 10*time.Second, KindSweepRepo)
	for _, r := range repos {
		if got := f.count(r.FullName()); got != 1 {
			t.Errorf("%s swept %d times after restart, want 1", r.FullName(), got)
		}
	}
}

func TestFailingJobRetriesThenEndsDiscardedWithItsError(t *testing.T) {
	f := newFakeSweeper()
	f.fail = errors.New("GitHub answered 502")
	m := metrics.New()
	q := openSQLite(t, "", f, func(o *Options) { o.MaxAttempts = 2; o.Metrics = m })
	start(t, q)
	if _, err := q.EnqueueRepos(context.Background(), "push", "d-1", []Repo{acme}); err != nil {
		t.Fatal(err)
	}
	// River's first retry comes about a second later.
	jobs := waitIdle(t, q, 20*time.Second, KindSweepRepo)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	j := jobs[0]
	if j.State != rivertype.JobStateDiscarded || j.Attempt != 2 || len(j.Errors) != 2 {
		t.Fatalf("job state=%s attempt=%d errors=%d, want discarded after 2 attempts with 2 errors", j.State, j.Attempt, len(j.Errors))
	}
	if !strings.Contains(j.Errors[1].Error, "GitHub answered 502") || !strings.Contains(j.Errors[1].Error, "acme/deploy") {
		t.Errorf("recorded error %q lacks the cause or the repository", j.Errors[1].Error)
	}
	if got := metricValue(t, m, "pss_bot_jobs_finished_total", map[string]string{"kind": KindSweepRepo, "result": "failed"}); got != 2 {
		t.Errorf("failed attempts metric = %v, want 2", got)
	}
}

func TestCommandsAreQueuedOncePerDelivery(t *testing.T) {
	f := newFakeSweeper()
	q := openSQLite(t, "", f, nil)
	start(t, q)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		n, err := q.EnqueueCommand(ctx, "delivery-1", acme, 4, "alice", "/pss help")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[i == 0]; n != want {
			t.Fatalf("enqueue %d queued %d, want %d", i, n, want)
		}
		waitIdle(t, q, 10*time.Second, KindCommand)
	}
	if n, err := q.EnqueueCommand(ctx, "delivery-2", acme, 4, "alice", "/pss help"); err != nil || n != 1 {
		t.Fatalf("second delivery queued %d, %v; want 1", n, err)
	}
	waitIdle(t, q, 10*time.Second, KindCommand)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.commands) != 2 || f.commands[0] != "acme/deploy#4 alice: /pss help" {
		t.Fatalf("commands handled: %q, want the two deliveries", f.commands)
	}
}

func TestInstallationAndScheduledSweepsFanOut(t *testing.T) {
	f := newFakeSweeper()
	f.repos[7] = []Repo{acme, {InstallationID: 7, Owner: "acme", Name: "apps"}}
	f.repos[8] = []Repo{{InstallationID: 8, Owner: "beta", Name: "infra"}}
	q := openSQLite(t, "", f, func(o *Options) { o.Schedule = &onceSoon{} })
	start(t, q)
	if n, err := q.EnqueueInstallation(context.Background(), "installation", "d-1", 7); err != nil || n != 1 {
		t.Fatalf("queued %d, %v", n, err)
	}
	waitFor(t, "the scheduled sweep", 30*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.installs == 1
	})
	waitIdle(t, q, 10*time.Second, KindSweepRepo, KindSweepInstallation, KindSweepAll)
	for name, want := range map[string]int{"acme/deploy": 1, "acme/apps": 1, "beta/infra": 1} {
		// acme's repositories may be swept once for the installation event
		// and once for the schedule, unless the two collapsed.
		if got := f.count(name); got < want || got > 2 {
			t.Errorf("%s swept %d times", name, got)
		}
	}
}

// onceSoon is a schedule whose first run is shortly after it is first asked
// (when this process becomes leader), and never again.
type onceSoon struct {
	mu    sync.Mutex
	asked bool
}

func (o *onceSoon) Next(now time.Time) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.asked {
		o.asked = true
		return now.Add(100 * time.Millisecond)
	}
	return now.Add(1000 * time.Hour)
}

func TestEventDuringABackOffQueuesAJobThatRunsNow(t *testing.T) {
	f := newFakeSweeper()
	f.fail = errors.New("GitHub answered 502")
	q := openSQLite(t, "", f, nil)
	start(t, q)
	ctx := context.Background()
	if _, err := q.EnqueueRepos(ctx, "push", "d-1", []Repo{acme}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first attempt", 10*time.Second, func() bool {
		jobs, err := q.Jobs(ctx, KindSweepRepo)
		return err == nil && len(jobs) == 1 && jobs[0].State == rivertype.JobStateRetryable
	})
	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
	// GitHub is back; a push arrives while the failed job waits out its
	// back-off.
	if n, err := q.EnqueueRepos(ctx, "push", "d-2", []Repo{acme}); err != nil || n != 1 {
		t.Fatalf("event during a back-off queued %d, %v; want 1", n, err)
	}
	// It runs now, not after the failed job's back-off (16s for a second
	// attempt).
	waitFor(t, "the new job", 5*time.Second, func() bool { return f.count("acme/deploy") == 2 })
	jobs, err := q.Jobs(ctx, KindSweepRepo)
	if err != nil {
		t.Fatal(err)
	}
	states := map[rivertype.JobState]int{}
	for _, j := range jobs {
		states[j.State]++
	}
	if len(jobs) != 2 || states[rivertype.JobStateRetryable] != 1 {
		t.Errorf("jobs by state %v, want the retryable one plus the new one", states)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxParallel["acme/deploy"] != 1 {
		t.Errorf("%d sweeps of one repository ran at once", f.maxParallel["acme/deploy"])
	}
}

func TestSQLiteQueueIsAWALFileWithRiverTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "queue.db")
	q := openSQLite(t, path, newFakeSweeper(), nil)
	if err := q.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	q.Close()
	// A plain connection, without the queue's pragmas, sees what the queue
	// left in the file: WAL journaling (persistent) and River's tables.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v; want wal", mode, err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("river_job table: %d, %v", n, err)
	}
}

func TestOpenRefusesAnUnknownDatabaseURL(t *testing.T) {
	_, err := Open(context.Background(), Options{DatabaseURL: "mysql://root:hunter2@db/pss", Sweeper: newFakeSweeper()})
	if err == nil {
		t.Fatal("Open accepted a mysql:// URL")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error leaks the password: %v", err)
	}
}
