package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTransportCountsStatusAndRateLimit(t *testing.T) {
	remaining := []string{"4999", "4998", ""}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r := remaining[calls]; r != "" {
			w.Header().Set("X-RateLimit-Remaining", r)
			w.Header().Set("X-RateLimit-Resource", "core")
		}
		calls++
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()

	m := New()
	client := &http.Client{Transport: m.Transport(nil)}
	for _, path := range []string{"/a", "/missing", "/b"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// A connection refused is counted as "error".
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	if _, err := client.Get(deadURL); err == nil {
		t.Fatal("request to a closed server succeeded")
	}

	for status, want := range map[string]float64{"200": 2, "404": 1, "error": 1} {
		if got := testutil.ToFloat64(m.githubRequests.WithLabelValues(status)); got != want {
			t.Errorf("requests{status=%q} = %v, want %v", status, got, want)
		}
	}
	// The third response had no header: the last known value stays.
	if got := testutil.ToFloat64(m.githubRemaining.WithLabelValues("core")); got != 4998 {
		t.Errorf("rate limit remaining = %v, want 4998", got)
	}
}

func TestSweepReplacesRepositoryGauges(t *testing.T) {
	m := New()
	m.Sweep("acme/deploy", "opened",
		map[string]int{"runAsNonRoot": 3, "capabilities_restricted": 2},
		map[string]int{"runAsNonRoot": 3, "capabilities_restricted": 1},
		map[string]int{"capabilities_restricted": 1})
	if got := testutil.ToFloat64(m.violations.WithLabelValues("acme/deploy", "runAsNonRoot", "found")); got != 3 {
		t.Errorf("found runAsNonRoot = %v, want 3", got)
	}
	m.Sweep("acme/deploy", "updated",
		map[string]int{"capabilities_restricted": 1},
		map[string]int{},
		map[string]int{"capabilities_restricted": 1})
	// runAsNonRoot no longer fails: its series is gone.
	if n := testutil.CollectAndCount(m.violations); n != 2 {
		t.Errorf("violation series = %d, want 2 (found and remaining of capabilities_restricted)", n)
	}
	// A skipped repository keeps its last figures.
	m.Sweep("acme/deploy", "skipped", nil, nil, nil)
	if n := testutil.CollectAndCount(m.violations); n != 2 {
		t.Errorf("violation series after skip = %d, want 2", n)
	}
	for action, want := range map[string]float64{"opened": 1, "updated": 1, "skipped": 1, "closed": 0} {
		if got := testutil.ToFloat64(m.pullRequests.WithLabelValues(action)); got != want {
			t.Errorf("pull_requests{action=%q} = %v, want %v", action, got, want)
		}
	}
}

func TestHandlerExposesOwnRegistry(t *testing.T) {
	m := New()
	m.WebhookDelivery("push", "queued", 3*time.Millisecond)
	m.JobInserted("sweep_repo", false)
	finish := m.JobStarted("sweep_repo")
	if got := testutil.ToFloat64(m.jobsRunning.WithLabelValues("sweep_repo")); got != 1 {
		t.Errorf("running = %v, want 1", got)
	}
	finish("done")
	if got := testutil.ToFloat64(m.jobsRunning.WithLabelValues("sweep_repo")); got != 0 {
		t.Errorf("running after finish = %v, want 0", got)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`pss_bot_webhook_deliveries_total{event="push",result="queued"} 1`,
		`pss_bot_jobs_queued_total{kind="sweep_repo",result="queued"} 1`,
		`pss_bot_jobs_finished_total{kind="sweep_repo",result="done"} 1`,
		`pss_bot_job_duration_seconds_count{kind="sweep_repo",result="done"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Two servers in one process do not collide.
	_ = New()
}

func TestQueueDepthIsReadAtScrape(t *testing.T) {
	m := New()
	calls := 0
	m.QueueDepth(func(ctx context.Context) (map[QueueKey]int, error) {
		calls++
		if calls > 1 {
			return nil, errors.New("database is gone")
		}
		return map[QueueKey]int{{"sweep", "available"}: 3, {"sweep", "running"}: 1}, nil
	})
	m.QueueDepth(func(ctx context.Context) (map[QueueKey]int, error) { return nil, nil }) // ignored
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/metrics answered %d", rec.Code)
		}
		return rec.Body.String()
	}
	if body := scrape(); !strings.Contains(body, `pss_bot_queue_jobs{kind="sweep",state="available"} 3`) || !strings.Contains(body, `pss_bot_queue_jobs{kind="sweep",state="running"} 1`) {
		t.Fatalf("queue depth missing:\n%s", body)
	}
	// An unreachable database leaves the series out; the scrape succeeds.
	if body := scrape(); strings.Contains(body, "pss_bot_queue_jobs{") {
		t.Fatalf("stale queue depth after an error")
	}
}
