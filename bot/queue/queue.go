// Package queue is pss-bot's durable job queue, built on River: one job per
// repository sweep, per installation fan-out, per `/pss` command, plus the
// periodic sweep of every installation and the periodic redelivery of failed
// webhook deliveries.
//
// Two databases: an SQLite file (the default; one binary needs nothing else)
// and PostgreSQL (N replicas share the work). Jobs survive a restart. At most
// one job per repository runs at a time and duplicates collapse (River unique
// jobs, plus a check at the start of each job); failures retry with River's
// back-off and end discarded, with their errors, after MaxAttempts.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pss-bot/pss-bot/bot/metrics"
)

// Repo names one repository of one installation.
type Repo struct {
	InstallationID int64
	Owner, Name    string
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// Result is what a sweep did to one repository: its pull request action
// ("opened", "updated", "closed", "none", ...), the PR number, and the
// failing checks by PSA check ID before the fix, fixed by it, and remaining.
type Result struct {
	Action                  string
	PR                      int
	Found, Fixed, Remaining map[string]int
}

// Sweeper is what the workers need from the bot (package bot's Sweeper,
// through a small adapter that converts its types).
type Sweeper interface {
	Installations(ctx context.Context) ([]int64, error)
	Repositories(ctx context.Context, installationID int64) ([]Repo, error)
	SweepRepo(ctx context.Context, ref Repo) (Result, error)
	HandleCommand(ctx context.Context, ref Repo, issueNumber int, author, body string) error
}

// Deliveries is the App's webhook delivery log; go-github's *AppsService
// implements it.
type Deliveries interface {
	ListHookDeliveries(ctx context.Context, opts *github.ListCursorOptions) ([]*github.HookDelivery, *github.Response, error)
	RedeliverHookDelivery(ctx context.Context, deliveryID int64) (*github.HookDelivery, *github.Response, error)
}

// Options configure a Queue. Sweeper is required; the rest have defaults.
type Options struct {
	// DatabaseURL, when set (postgres://…), selects PostgreSQL; otherwise
	// SQLitePath (default "pss-bot.db") holds the queue.
	DatabaseURL string
	SQLitePath  string
	// Schema is the PostgreSQL schema of River's tables ("" = search path).
	Schema string

	// Workers is the number of repository sweeps run at once by this process.
	Workers int
	// Schedule, if not nil, queues a sweep of every installation at each of
	// its times.
	Schedule river.PeriodicSchedule
	// RedeliverEvery is the period of the failed-delivery check (default 10
	// minutes; negative disables it). RedeliverLookback bounds how far back it
	// looks (default 24h; GitHub redelivers up to 3 days back).
	RedeliverEvery    time.Duration
	RedeliverLookback time.Duration
	// MaxRedeliveries bounds the redeliveries asked for one delivery
	// (default 3), so a delivery the bot keeps refusing is not retried forever.
	MaxRedeliveries int

	// MaxAttempts is how often a job is tried before it is discarded with
	// its errors (default 8: with River's back-off, about an hour and a half).
	MaxAttempts int
	// JobTimeout bounds one attempt (default 15 minutes).
	JobTimeout time.Duration
	// Snooze is how long a job waits when another job of the same
	// repository is running (default 10s).
	Snooze time.Duration
	// FetchPollInterval is how often idle workers look for jobs (default 1s;
	// SQLite has no LISTEN/NOTIFY so it always polls).
	FetchPollInterval time.Duration
	// ID names this process among the replicas (default: River's).
	ID string

	Sweeper    Sweeper
	Deliveries Deliveries
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
}

func (o *Options) defaults() error {
	if o.Sweeper == nil {
		return errors.New("queue: Options.Sweeper is required")
	}
	if o.SQLitePath == "" {
		o.SQLitePath = "pss-bot.db"
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.RedeliverEvery == 0 {
		o.RedeliverEvery = 10 * time.Minute
	}
	if o.RedeliverLookback <= 0 {
		o.RedeliverLookback = 24 * time.Hour
	}
	if o.MaxRedeliveries <= 0 {
		o.MaxRedeliveries = 3
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 15 * time.Minute
	}
	if o.Snooze <= 0 {
		o.Snooze = 10 * time.Second
	}
	if o.FetchPollInterval <= 0 {
		o.FetchPollInterval = time.Second
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// riverClient is the part of *river.Client[TTx] the queue uses; both drivers'
// clients implement it, which keeps the rest of the package free of the
// transaction type parameter.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// Queue is a River client with pss-bot's jobs and workers.
type Queue struct {
	opts   Options
	client riverClient
	ping   func(context.Context) error
	counts func(context.Context) (map[metrics.QueueKey]int, error)
	close  func()
	log    *slog.Logger
}

// Open connects to the database, migrates River's tables up and builds the
// client. Workers start with Start.
func Open(ctx context.Context, opts Options) (*Queue, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	q := &Queue{opts: opts, log: opts.Logger}

	workers := river.NewWorkers()
	river.AddWorker(workers, &repoWorker{q: q})
	river.AddWorker(workers, &installationWorker{q: q})
	river.AddWorker(workers, &sweepAllWorker{q: q})
	river.AddWorker(workers, &commandWorker{q: q})
	river.AddWorker(workers, &redeliverWorker{q: q})

	cfg := &river.Config{
		ID:                opts.ID,
		Logger:            opts.Logger.With("component", "river"),
		Workers:           workers,
		PeriodicJobs:      q.periodicJobs(),
		MaxAttempts:       opts.MaxAttempts,
		JobTimeout:        opts.JobTimeout,
		FetchPollInterval: opts.FetchPollInterval,
		FetchCooldown:     min(100*time.Millisecond, opts.FetchPollInterval),
		// A job whose process died stays "running" until rescued; rescue it
		// soon after it could no longer be legitimately running.
		RescueStuckJobsAfter: opts.JobTimeout + 5*time.Minute,
		Queues: map[string]river.QueueConfig{
			queueSweeps:  {MaxWorkers: opts.Workers},
			queueControl: {MaxWorkers: 2},
		},
		Schema: opts.Schema,
	}
	var err error
	if isPostgresURL(opts.DatabaseURL) {
		err = q.openPostgres(ctx, cfg)
	} else if opts.DatabaseURL != "" {
		return nil, fmt.Errorf("queue: database-url %q: only postgres:// or postgresql:// URLs are supported (leave it empty for SQLite)", redactURL(opts.DatabaseURL))
	} else {
		err = q.openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	opts.Metrics.QueueDepth(q.Counts)
	return q, nil
}

// Counts returns the number of jobs in the database by kind and state.
func (q *Queue) Counts(ctx context.Context) (map[metrics.QueueKey]int, error) {
	return q.counts(ctx)
}

// Start starts the workers, the periodic jobs (on the leader) and River's
// maintenance.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish, or for ctx.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// StopAndCancel cancels running jobs' contexts and waits for them to return;
// River puts them back as retryable, so another process (or this one, after a
// restart) runs them again.
func (q *Queue) StopAndCancel(ctx context.Context) error { return q.client.StopAndCancel(ctx) }

// Close releases the database connections; call it after Stop.
func (q *Queue) Close() { q.close() }

// Ping reports whether the database answers.
func (q *Queue) Ping(ctx context.Context) error { return q.ping(ctx) }

// Subscribe passes River's job events (completed, failed, snoozed, ...).
func (q *Queue) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return q.client.Subscribe(kinds...)
}

// Jobs lists up to 1000 jobs of the given kinds in any state, oldest first.
func (q *Queue) Jobs(ctx context.Context, kinds ...string) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().Kinds(kinds...).States(rivertype.JobStates()...).First(1000)
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("queue: list jobs: %w", err)
	}
	return res.Jobs, nil
}

// EnqueueRepos queues a sweep of each repository and returns how many new
// jobs that made (duplicates of a waiting job collapse into it).
func (q *Queue) EnqueueRepos(ctx context.Context, reason, delivery string, repos []Repo) (int, error) {
	queued := 0
	for _, r := range repos {
		ok, err := q.enqueueRepo(ctx, reason, delivery, r)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

func (q *Queue) enqueueRepo(ctx context.Context, reason, delivery string, r Repo) (bool, error) {
	args := RepoArgs{InstallationID: r.InstallationID, Owner: r.Owner, Name: r.Name, Reason: reason, Delivery: delivery}
	res, err := q.insert(ctx, args, q.repoInsertOpts(r))
	if err != nil {
		return false, fmt.Errorf("queue: sweep of %s: %w", r.FullName(), err)
	}
	if !res.UniqueSkippedAsDuplicate || res.Job.State != rivertype.JobStateRunning {
		return !res.UniqueSkippedAsDuplicate, nil
	}
	// The sweep already running may have read the repository before this
	// event's change: queue the one follow-up.
	args.Slot = 1
	res, err = q.insert(ctx, args, q.repoInsertOpts(r))
	if err != nil {
		return false, fmt.Errorf("queue: follow-up sweep of %s: %w", r.FullName(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// EnqueueInstallation queues a job that lists the installation's
// repositories and queues a sweep of each.
func (q *Queue) EnqueueInstallation(ctx context.Context, reason, delivery string, installationID int64) (int, error) {
	res, err := q.insert(ctx, InstallationArgs{InstallationID: installationID, Reason: reason, Delivery: delivery}, q.controlInsertOpts())
	if err != nil {
		return 0, fmt.Errorf("queue: installation %d: %w", installationID, err)
	}
	if res.UniqueSkippedAsDuplicate {
		return 0, nil
	}
	return 1, nil
}

// EnqueueCommand queues the answer to a `/pss` comment; a delivery already
// queued (or answered) is not queued again.
func (q *Queue) EnqueueCommand(ctx context.Context, delivery string, ref Repo, issue int, author, body string) (int, error) {
	if delivery == "" {
		return 0, errors.New("queue: a command needs its delivery ID")
	}
	args := CommandArgs{Delivery: delivery, InstallationID: ref.InstallationID, Owner: ref.Owner, Name: ref.Name, Issue: issue, Author: author, Body: body}
	res, err := q.insert(ctx, args, q.commandInsertOpts(ref))
	if err != nil {
		return 0, fmt.Errorf("queue: command on %s#%d: %w", ref.FullName(), issue, err)
	}
	if res.UniqueSkippedAsDuplicate {
		return 0, nil
	}
	return 1, nil
}

func (q *Queue) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return nil, err
	}
	q.opts.Metrics.JobInserted(args.Kind(), res.UniqueSkippedAsDuplicate)
	return res, nil
}

// waitTurn reports whether another job of the same repository is running
// and started before this one; if so this one must wait. Comparing start
// times (then IDs) means exactly one of any set of overlapping jobs goes on.
func (q *Queue) waitTurn(ctx context.Context, job *rivertype.JobRow, ref Repo) (bool, error) {
	params := river.NewJobListParams().
		Kinds(repoKinds...).
		States(rivertype.JobStateRunning).
		TagsAny(repoTag(ref)).
		First(100)
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return false, fmt.Errorf("list running jobs of %s: %w", ref.FullName(), err)
	}
	for _, other := range res.Jobs {
		if other.ID == job.ID || other.AttemptedAt == nil || job.AttemptedAt == nil {
			continue
		}
		if other.AttemptedAt.Before(*job.AttemptedAt) ||
			(other.AttemptedAt.Equal(*job.AttemptedAt) && other.ID < job.ID) {
			return true, nil
		}
	}
	return false, nil
}
