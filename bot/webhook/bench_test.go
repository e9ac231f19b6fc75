package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pss-bot/pss-bot/bot/queue"
	"github.com/pss-bot/pss-bot/bot/queue/queuetest"
	"github.com/pss-bot/pss-bot/bot/webhook"
)

// BenchmarkWebhookWhileBusy measures the webhook handler's latency (verify,
// parse, enqueue) while every worker is busy with a sweep and a backlog
// waits, against a baseline handler whose enqueuer does nothing. Each
// delivery is a push to a different repository, so every one is a real
// insert. Besides ns/op it reports the p50 and p99 latency of one delivery.
//
//	go test ./bot/webhook/ -run '^$' -bench WebhookWhileBusy -benchtime 2000x
func BenchmarkWebhookWhileBusy(b *testing.B) {
	b.Run("baseline-noop-enqueuer", func(b *testing.B) {
		benchHandler(b, noopEnqueuer{})
	})
	// "idle": the same queue with its workers stopped, to tell the cost of
	// the insert from the cost of sharing the machine with busy workers.
	for _, busy := range []bool{false, true} {
		state := map[bool]string{false: "idle", true: "busy"}[busy]
		b.Run("sqlite-workers-"+state, func(b *testing.B) {
			q := busyQueue(b, queue.Options{SQLitePath: filepath.Join(b.TempDir(), "queue.db")}, busy)
			benchHandler(b, q)
		})
		b.Run("postgres-workers-"+state, func(b *testing.B) {
			q := busyQueue(b, queue.Options{DatabaseURL: queuetest.FreshPostgres(b)}, busy)
			benchHandler(b, q)
		})
	}
}

var benchSecret = []byte("bench secret")

type noopEnqueuer struct{}

func (noopEnqueuer) EnqueueRepos(ctx context.Context, reason, delivery string, repos []queue.Repo) (int, error) {
	return len(repos), nil
}

func (noopEnqueuer) EnqueueInstallation(ctx context.Context, reason, delivery string, id int64) (int, error) {
	return 1, nil
}

func (noopEnqueuer) EnqueueCommand(ctx context.Context, delivery string, repo queue.Repo, issue int, author, body string) (int, error) {
	return 1, nil
}

var benchRun atomic.Int64

func benchHandler(b *testing.B, e webhook.Enqueuer) {
	h, err := webhook.New(webhook.Options{Secret: benchSecret, Enqueuer: e, BotLogin: "pss-bot[bot]"})
	if err != nil {
		b.Fatal(err)
	}
	run := benchRun.Add(1)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = pushBody(b, fmt.Sprintf("repo-%d-%d", run, i))
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("d-%d-%d", run, i))
		req.Header.Set("X-Hub-Signature-256", webhook.Sign(benchSecret, bodies[i]))
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		lat[i] = time.Since(start)
		if w.Code != http.StatusAccepted {
			b.Fatalf("delivery %d: %d %s", i, w.Code, w.Body)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func pushBody(b *testing.B, name string) []byte {
	body, err := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		"repository": map[string]any{
			"id": 1296269, "name": name, "full_name": "acme/" + name, "default_branch": "main",
			"owner": map[string]any{"login": "acme", "id": 1, "type": "Organization"},
		},
		"pusher":       map[string]any{"name": "octocat", "email": "octocat@github.com"},
		"sender":       map[string]any{"login": "octocat", "id": 1, "type": "User"},
		"installation": map[string]any{"id": 7},
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// cpuSweeper keeps a worker busy for the length of a sweep, on the CPU as
// the engine would be.
type cpuSweeper struct{ d time.Duration }

func (cpuSweeper) Installations(ctx context.Context) ([]int64, error) { return nil, nil }
func (cpuSweeper) Repositories(ctx context.Context, id int64) ([]queue.Repo, error) {
	return nil, nil
}
func (cpuSweeper) HandleCommand(ctx context.Context, r queue.Repo, issue int, author, body string) error {
	return nil
}

func (s cpuSweeper) SweepRepo(ctx context.Context, r queue.Repo) (queue.Result, error) {
	end := time.Now().Add(s.d)
	x := 0
	for time.Now().Before(end) && ctx.Err() == nil {
		for i := 0; i < 10000; i++ {
			x += i
		}
	}
	_ = x
	return queue.Result{Action: "none"}, nil
}

// busyQueue opens a queue with a backlog of 500 repositories waiting and,
// if busy, starts its workers, which are then all sweeping.
func busyQueue(b *testing.B, opts queue.Options, busy bool) *queue.Queue {
	b.Helper()
	opts.Workers = 4
	opts.Sweeper = cpuSweeper{d: 20 * time.Millisecond}
	opts.RedeliverEvery = -1
	opts.FetchPollInterval = 50 * time.Millisecond
	opts.Logger = slog.New(slog.DiscardHandler)
	ctx := context.Background()
	q, err := queue.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	var backlog []queue.Repo
	for i := 0; i < 500; i++ {
		backlog = append(backlog, queue.Repo{InstallationID: 7, Owner: "acme", Name: fmt.Sprintf("backlog-%d", i)})
	}
	if _, err := q.EnqueueRepos(ctx, "bench", "", backlog); err != nil {
		b.Fatal(err)
	}
	if !busy {
		b.Cleanup(q.Close)
		return q
	}
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.StopAndCancel(stopCtx)
		q.Close()
	})
	time.Sleep(200 * time.Millisecond) // the workers pick up their first jobs
	return q
}
