package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Job kinds, as stored in River's river_job table.
const (
	KindSweepRepo         = "pss_bot_sweep_repo"
	KindSweepInstallation = "pss_bot_sweep_installation"
	KindSweepAll          = "pss_bot_sweep_all"
	KindCommand           = "pss_bot_command"
	KindRedeliver         = "pss_bot_redeliver"
)

// Queues: repository sweeps get the worker pool; the short control jobs
// (fan-outs, commands, redelivery) have their own so that a pool full of
// sweeps never delays them behind hours of work.
const (
	queueSweeps  = river.QueueDefault
	queueControl = "control"
)

// pendingStates are the states in which a job still has work ahead of it
// soon. A job unique over them collapses every duplicate inserted before it
// starts; once it completed, the next event queues a fresh job. Retryable is
// left out on purpose (River allows removing only that one): a job waiting
// out a long back-off must not make a new event wait with it, so the event
// queues a job that runs now; the retry, when its time comes, finds the
// repository current and writes nothing.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// RepoArgs sweeps one repository.
//
// Slot makes room for exactly one follow-up: an event that arrives while the
// slot-0 job is already running (so the sweep may have read the repository
// before the event's change) queues a slot-1 job, which waits for the first
// to finish. Any further events collapse into whichever is waiting.
type RepoArgs struct {
	InstallationID int64  `json:"installation_id" river:"unique"`
	Owner          string `json:"owner" river:"unique"`
	Name           string `json:"name" river:"unique"`
	Slot           int    `json:"slot" river:"unique"`
	// Reason and Delivery say why the job was queued, for logs only; they are
	// outside the uniqueness key so that different events collapse.
	Reason   string `json:"reason,omitempty"`
	Delivery string `json:"delivery,omitempty"`
}

// Kind is River's job kind.
func (RepoArgs) Kind() string { return KindSweepRepo }

// Ref is the repository the job sweeps.
func (a RepoArgs) Ref() Repo {
	return Repo{InstallationID: a.InstallationID, Owner: a.Owner, Name: a.Name}
}

// InstallationArgs lists an installation's repositories and queues a sweep
// for each; used when an event names an installation without its
// repositories.
type InstallationArgs struct {
	InstallationID int64  `json:"installation_id" river:"unique"`
	Reason         string `json:"reason,omitempty"`
	Delivery       string `json:"delivery,omitempty"`
}

// Kind is River's job kind.
func (InstallationArgs) Kind() string { return KindSweepInstallation }

// SweepAllArgs is the scheduled sweep of every installation.
type SweepAllArgs struct{}

// Kind is River's job kind.
func (SweepAllArgs) Kind() string { return KindSweepAll }

// CommandArgs answers one `/pss` comment. It is unique by delivery, in every
// state, so a delivery GitHub sends twice is answered once.
type CommandArgs struct {
	Delivery       string `json:"delivery" river:"unique"`
	InstallationID int64  `json:"installation_id"`
	Owner          string `json:"owner"`
	Name           string `json:"name"`
	Issue          int    `json:"issue"`
	Author         string `json:"author"`
	Body           string `json:"body"`
}

// Kind is River's job kind.
func (CommandArgs) Kind() string { return KindCommand }

// Ref is the repository the comment was made in.
func (a CommandArgs) Ref() Repo {
	return Repo{InstallationID: a.InstallationID, Owner: a.Owner, Name: a.Name}
}

// RedeliverArgs is the periodic check of the App's failed webhook deliveries.
type RedeliverArgs struct{}

// Kind is River's job kind.
func (RedeliverArgs) Kind() string { return KindRedeliver }

// repoKinds are the kinds that act on one repository; at most one of them
// runs per repository at a time.
var repoKinds = []string{KindSweepRepo, KindCommand}

// repoTag is the River tag shared by every job acting on one repository. Tags
// allow only word characters and hyphens, and GitHub names are
// case-insensitive, hence a hash of the lower-cased name.
func repoTag(r Repo) string {
	sum := sha256.Sum256([]byte(strings.ToLower(r.FullName())))
	return "repo-" + hex.EncodeToString(sum[:12])
}

func (q *Queue) repoInsertOpts(r Repo) *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       queueSweeps,
		MaxAttempts: q.opts.MaxAttempts,
		Tags:        []string{repoTag(r)},
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: pendingStates},
	}
}

func (q *Queue) commandInsertOpts(r Repo) *river.InsertOpts {
	return &river.InsertOpts{
		Queue: queueControl,
		// A command answered hours late is noise: a few tries, then give up.
		MaxAttempts: 5,
		Tags:        []string{repoTag(r)},
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: rivertype.JobStates()},
	}
}

func (q *Queue) controlInsertOpts() *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       queueControl,
		MaxAttempts: q.opts.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: pendingStates},
	}
}

// periodicJobs are the River periodic jobs: the sweep schedule (if any) and
// the redelivery check. River inserts them only on the elected leader, so of
// N replicas one runs each.
func (q *Queue) periodicJobs() []*river.PeriodicJob {
	var jobs []*river.PeriodicJob
	if q.opts.Schedule != nil {
		jobs = append(jobs, river.NewPeriodicJob(q.opts.Schedule, func() (river.JobArgs, *river.InsertOpts) {
			return SweepAllArgs{}, q.controlInsertOpts()
		}, &river.PeriodicJobOpts{ID: "sweep"}))
	}
	if q.opts.Deliveries != nil && q.opts.RedeliverEvery > 0 {
		// RunOnStart: deliveries that failed while no replica was up are
		// caught as soon as one starts (and wins the leadership).
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(q.opts.RedeliverEvery), func() (river.JobArgs, *river.InsertOpts) {
			opts := q.controlInsertOpts()
			// The next period tries again anyway; a few quick retries are
			// enough.
			opts.MaxAttempts = 3
			return RedeliverArgs{}, opts
		}, &river.PeriodicJobOpts{ID: "redeliver", RunOnStart: true}))
	}
	return jobs
}

// jobResult names how a job attempt ended, for metrics and logs.
func jobResult(err error) string {
	if err == nil {
		return "done"
	}
	var snooze *rivertype.JobSnoozeError
	if errors.As(err, &snooze) {
		return "snoozed"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "cancelled"
	}
	return "failed"
}

// jitter spreads snoozes so that two jobs waiting on one repository do not
// wake in lockstep.
func jitter(d time.Duration, id int64) time.Duration {
	return d + time.Duration(id%7)*d/10
}
