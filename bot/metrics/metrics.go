// Package metrics holds pss-bot's Prometheus collectors: webhook deliveries,
// queue jobs, pull request actions, GitHub API calls and the remaining rate
// limit, and the violations each repository still has, per check. Every
// collector lives on the Registry of one Metrics value; nothing is registered
// globally, so tests and several servers in one process do not collide.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of pss-bot's collectors and the registry that serves them.
type Metrics struct {
	Registry *prometheus.Registry

	webhookDeliveries *prometheus.CounterVec
	webhookDuration   prometheus.Histogram
	jobInserts        *prometheus.CounterVec
	jobsRunning       *prometheus.GaugeVec
	jobsFinished      *prometheus.CounterVec
	jobDuration       *prometheus.HistogramVec
	pullRequests      *prometheus.CounterVec
	githubRequests    *prometheus.CounterVec
	githubRemaining   *prometheus.GaugeVec
	violations        *prometheus.GaugeVec
	redeliveries      *prometheus.CounterVec
}

// New returns collectors registered on a fresh registry, together with the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		webhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_webhook_deliveries_total",
			Help: "Webhook deliveries received, by GitHub event and result (queued, duplicate, ignored, unauthorized, too_large, bad_request, error).",
		}, []string{"event", "result"}),
		webhookDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "pss_bot_webhook_duration_seconds",
			Help:    "Time to verify, parse and enqueue one webhook delivery.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		jobInserts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_jobs_queued_total",
			Help: "Jobs handed to the queue, by kind and result (queued, or duplicate when an identical job was already waiting).",
		}, []string{"kind", "result"}),
		jobsRunning: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pss_bot_jobs_running",
			Help: "Jobs being worked by this process, by kind.",
		}, []string{"kind"}),
		jobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_jobs_finished_total",
			Help: "Job attempts finished by this process, by kind and result (done, failed, snoozed, cancelled).",
		}, []string{"kind", "result"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pss_bot_job_duration_seconds",
			Help:    "Duration of job attempts, by kind and result.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"kind", "result"}),
		pullRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_pull_requests_total",
			Help: "What repository sweeps did to their pull request (opened, updated, closed, none, skipped, refused, edited, config-error).",
		}, []string{"action"}),
		githubRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_github_api_requests_total",
			Help: "GitHub API requests, by HTTP status code (\"error\" when no response came back).",
		}, []string{"status"}),
		githubRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pss_bot_github_rate_limit_remaining",
			Help: "X-RateLimit-Remaining of the latest GitHub API response, by rate-limit resource.",
		}, []string{"resource"}),
		violations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pss_bot_violations",
			Help: "Pod Security violations at the latest sweep, by repository, check and stage (found before the fix, fixed by it, remaining after it).",
		}, []string{"repository", "check", "stage"}),
		redeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pss_bot_webhook_redeliveries_total",
			Help: "Failed webhook deliveries the bot asked GitHub to redeliver, by result (requested, error).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.webhookDeliveries, m.webhookDuration, m.jobInserts, m.jobsRunning, m.jobsFinished,
		m.jobDuration, m.pullRequests, m.githubRequests, m.githubRemaining, m.violations, m.redeliveries,
	)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// WebhookDelivery counts one delivery of event with its result and the time
// the handler took.
func (m *Metrics) WebhookDelivery(event, result string, took time.Duration) {
	if event == "" {
		event = "unknown"
	}
	m.webhookDeliveries.WithLabelValues(event, result).Inc()
	m.webhookDuration.Observe(took.Seconds())
}

// JobInserted counts a job handed to the queue; duplicate means the queue
// collapsed it into a job already waiting.
func (m *Metrics) JobInserted(kind string, duplicate bool) {
	result := "queued"
	if duplicate {
		result = "duplicate"
	}
	m.jobInserts.WithLabelValues(kind, result).Inc()
}

// JobStarted marks a job of kind as running and returns the function to call
// when the attempt ends, with its result (done, failed, snoozed, cancelled).
func (m *Metrics) JobStarted(kind string) (finish func(result string)) {
	start := time.Now()
	g := m.jobsRunning.WithLabelValues(kind)
	g.Inc()
	return func(result string) {
		g.Dec()
		m.jobsFinished.WithLabelValues(kind, result).Inc()
		m.jobDuration.WithLabelValues(kind, result).Observe(time.Since(start).Seconds())
	}
}

// Redelivery counts a redelivery request (result "requested" or "error").
func (m *Metrics) Redelivery(result string) {
	m.redeliveries.WithLabelValues(result).Inc()
}

// Sweep records what a repository sweep did: its pull request action
// (opened, updated, closed, ...) and the repository's violations per check,
// before the fix (found), fixed by it, and remaining after it. The
// repository's earlier gauges are replaced, so a check that no longer fails
// disappears instead of lingering.
func (m *Metrics) Sweep(repo, action string, found, fixed, remaining map[string]int) {
	if action != "" {
		m.pullRequests.WithLabelValues(action).Inc()
	}
	if found == nil && fixed == nil && remaining == nil {
		// Skipped, refused or stopped early: nothing was evaluated, keep the
		// last known figures.
		return
	}
	m.violations.DeletePartialMatch(prometheus.Labels{"repository": repo})
	for stage, counts := range map[string]map[string]int{"found": found, "fixed": fixed, "remaining": remaining} {
		for check, n := range counts {
			m.violations.WithLabelValues(repo, check, stage).Set(float64(n))
		}
	}
}

// QueueDepth registers pss_bot_queue_jobs{kind,state}, the number of jobs
// in the queue database by kind and state (available, running, retryable,
// ...), read by count at each scrape. Unlike the counters it covers every
// replica. count returns the numbers keyed by QueueKey.
// Only the first registration counts: queues sharing one Metrics share one
// database.
func (m *Metrics) QueueDepth(count func(context.Context) (map[QueueKey]int, error)) {
	_ = m.Registry.Register(&queueDepth{count: count, desc: prometheus.NewDesc(
		"pss_bot_queue_jobs",
		"Jobs in the queue database by kind and state, all replicas included.",
		[]string{"kind", "state"}, nil)})
}

// QueueKey is one series of pss_bot_queue_jobs.
type QueueKey struct{ Kind, State string }

type queueDepth struct {
	count func(context.Context) (map[QueueKey]int, error)
	desc  *prometheus.Desc
}

func (q *queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q *queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := q.count(ctx)
	if err != nil {
		// An unreachable database shows on /readyz; a scrape still succeeds.
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(n), k.Kind, k.State)
	}
}

// Transport wraps base (http.DefaultTransport if nil) so that every GitHub
// API call is counted by status and the remaining rate limit is recorded.
func (m *Metrics) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &countingTransport{base: base, m: m}
}

type countingTransport struct {
	base http.RoundTripper
	m    *Metrics
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.m.githubRequests.WithLabelValues("error").Inc()
		return resp, err
	}
	t.m.githubRequests.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
	if v := resp.Header.Get("X-RateLimit-Remaining"); v != "" {
		if n, perr := strconv.ParseFloat(v, 64); perr == nil {
			resource := resp.Header.Get("X-RateLimit-Resource")
			if resource == "" {
				resource = "core"
			}
			t.m.githubRemaining.WithLabelValues(resource).Set(n)
		}
	}
	return resp, nil
}
