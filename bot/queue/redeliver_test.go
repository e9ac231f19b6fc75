package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/bot/metrics"
)

// fakeDeliveries is a delivery log, newest first, served two per page by
// cursor like GitHub's.
type fakeDeliveries struct {
	mu          sync.Mutex
	log         []*github.HookDelivery
	redelivered []int64
	pages       int
}

func (f *fakeDeliveries) ListHookDeliveries(ctx context.Context, opts *github.ListCursorOptions) ([]*github.HookDelivery, *github.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	start := 0
	if opts.Cursor != "" {
		fmt.Sscanf(opts.Cursor, "c%d", &start)
	}
	end := min(start+2, len(f.log))
	resp := &github.Response{}
	if end < len(f.log) {
		resp.Cursor = fmt.Sprintf("c%d", end)
	}
	return f.log[start:end], resp, nil
}

func (f *fakeDeliveries) RedeliverHookDelivery(ctx context.Context, id int64) (*github.HookDelivery, *github.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.redelivered = append(f.redelivered, id)
	// GitHub answers 202 Accepted, which go-github reports as an error.
	return nil, &github.Response{}, &github.AcceptedError{}
}

func delivery(id int64, guid string, code int, age time.Duration) *github.HookDelivery {
	status := "OK"
	if code < 200 || code >= 300 {
		status = fmt.Sprintf("Invalid HTTP Response: %d", code)
	}
	return &github.HookDelivery{
		ID: github.Int64(id), GUID: github.String(guid), StatusCode: github.Int(code), Status: github.String(status),
		Event: github.String("push"), DeliveredAt: &github.Timestamp{Time: time.Now().Add(-age)},
	}
}

func TestRedeliverAsksForFailedDeliveriesOnly(t *testing.T) {
	d := &fakeDeliveries{log: []*github.HookDelivery{
		delivery(10, "ok", 202, time.Minute),
		delivery(9, "down", 502, 2*time.Minute),
		delivery(8, "recovered", 202, 3*time.Minute), // a redelivery that worked
		delivery(7, "recovered", 503, 4*time.Minute),
		delivery(6, "timeout", 0, 5*time.Minute),
		delivery(5, "hopeless", 401, 6*time.Minute),
		delivery(4, "hopeless", 401, 7*time.Minute),
		delivery(3, "hopeless", 401, 8*time.Minute),
		delivery(2, "hopeless", 401, 9*time.Minute), // three redeliveries failed already
		delivery(1, "ancient", 500, 48*time.Hour),   // beyond the lookback
	}}
	m := metrics.New()
	q := openSQLite(t, "", newFakeSweeper(), func(o *Options) {
		o.Deliveries = d
		o.Metrics = m
		o.RedeliverEvery = time.Hour // RunOnStart fires it once at start
	})
	start(t, q)
	waitFor(t, "the redelivery job", 30*time.Second, func() bool {
		jobs, err := q.Jobs(context.Background(), KindRedeliver)
		return err == nil && len(jobs) == 1 && jobs[0].FinalizedAt != nil
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	if fmt.Sprint(d.redelivered) != "[9 6]" {
		t.Fatalf("redelivered %v, want [9 6] (the failed ones, not the recovered, hopeless or ancient)", d.redelivered)
	}
	if d.pages != 5 {
		t.Errorf("read %d pages, want 5 (stopping at the first delivery older than the lookback)", d.pages)
	}
	if got := metricValue(t, m, "pss_bot_webhook_redeliveries_total", map[string]string{"result": "requested"}); got != 2 {
		t.Errorf("redeliveries metric = %v, want 2", got)
	}
}
