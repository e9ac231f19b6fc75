package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pss-bot/pss-bot/bot/metrics"
	"github.com/pss-bot/pss-bot/bot/queue/queuetest"
)

func openPostgres(t *testing.T, dbURL, id string, s Sweeper, mod func(*Options)) *Queue {
	t.Helper()
	opts := Options{
		DatabaseURL:       dbURL,
		ID:                id,
		Workers:           3,
		Sweeper:           s,
		Snooze:            100 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		RedeliverEvery:    -1,
		Logger:            testLogger(t).With("replica", id),
	}
	if mod != nil {
		mod(&opts)
	}
	q, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open %s: %v", id, err)
	}
	return q
}

// workerSweeper tells which replica ran each sweep.
type workerSweeper struct {
	*fakeSweeper
	replica string
	mu      *sync.Mutex
	ranBy   map[string][]string
}

func (w workerSweeper) SweepRepo(ctx context.Context, r Repo) (Result, error) {
	w.mu.Lock()
	w.ranBy[r.FullName()] = append(w.ranBy[r.FullName()], w.replica)
	w.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // long enough for both replicas to be busy
	return w.fakeSweeper.SweepRepo(ctx, r)
}

func (w workerSweeper) Installations(ctx context.Context) ([]int64, error) {
	w.mu.Lock()
	w.ranBy["installations"] = append(w.ranBy["installations"], w.replica)
	w.mu.Unlock()
	return w.fakeSweeper.Installations(ctx)
}

func TestPostgresReplicasShareTheWork(t *testing.T) {
	dbURL := queuetest.FreshPostgres(t)
	f := newFakeSweeper()
	var repos []Repo
	for i := 0; i < 40; i++ {
		repos = append(repos, Repo{InstallationID: int64(1 + i%3), Owner: "org", Name: fmt.Sprintf("repo-%02d", i)})
	}
	for _, r := range repos {
		f.repos[r.InstallationID] = append(f.repos[r.InstallationID], r)
	}
	var mu sync.Mutex
	ranBy := map[string][]string{}
	// Both replicas carry the same schedule; only the elected leader may
	// insert it.
	var qs []*Queue
	for _, id := range []string{"replica-a", "replica-b"} {
		s := workerSweeper{fakeSweeper: f, replica: id, mu: &mu, ranBy: ranBy}
		q := openPostgres(t, dbURL, id, s, func(o *Options) { o.Schedule = &onceSoon{} })
		start(t, q)
		qs = append(qs, q)
	}
	// Events arrive at either replica, some twice.
	ctx := context.Background()
	for i, r := range repos {
		for k := 0; k < 2; k++ {
			if _, err := qs[(i+k)%2].EnqueueRepos(ctx, "push", fmt.Sprintf("d-%d-%d", i, k), []Repo{r}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "the scheduled sweep on the leader", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ranBy["installations"]) >= 1
	})
	waitIdle(t, qs[0], 30*time.Second, KindSweepRepo, KindSweepAll)
	time.Sleep(300 * time.Millisecond) // a second periodic insert, if any, would show now
	jobs := waitIdle(t, qs[0], 30*time.Second, KindSweepRepo, KindSweepAll)
	jobsPerRepo := map[string]int{}
	for _, j := range jobs {
		if j.Kind != KindSweepRepo {
			continue
		}
		if j.State != "completed" || j.Attempt != 1 {
			t.Errorf("job %d: state %s after %d attempts, want completed after 1", j.ID, j.State, j.Attempt)
		}
		var a RepoArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		jobsPerRepo[a.Ref().FullName()]++
	}

	counts, err := qs[1].Counts(ctx)
	if err != nil || counts[metrics.QueueKey{Kind: KindSweepRepo, State: "completed"}]+counts[metrics.QueueKey{Kind: KindSweepAll, State: "completed"}] != len(jobs) {
		t.Errorf("counts by state %v, %v; want %d completed", counts, err, len(jobs))
	}

	mu.Lock()
	defer mu.Unlock()
	if got := ranBy["installations"]; len(got) != 1 {
		t.Fatalf("the scheduled sweep ran %d times (%v), want once on one replica", len(got), got)
	}
	perReplica := map[string]int{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range repos {
		// Each job ran exactly once, on one replica: as many sweeps as jobs.
		// Two events plus the schedule make one to three jobs, depending on
		// what was running when each arrived.
		runs := ranBy[r.FullName()]
		if len(runs) != jobsPerRepo[r.FullName()] || len(runs) < 1 || len(runs) > 3 {
			t.Errorf("%s swept %d times (%v) for %d jobs", r.FullName(), len(runs), runs, jobsPerRepo[r.FullName()])
		}
		if f.maxParallel[r.FullName()] > 1 {
			t.Errorf("%s: %d sweeps ran at once", r.FullName(), f.maxParallel[r.FullName()])
		}
		for _, id := range runs {
			perReplica[id]++
		}
	}
	if perReplica["replica-a"] == 0 || perReplica["replica-b"] == 0 {
		t.Errorf("work was not shared: %v", perReplica)
	}
	t.Logf("sweeps per replica: %v; scheduled sweep on %v", perReplica, ranBy["installations"])
}
