package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// track wraps one job attempt with metrics and a log line; a job that has
// used its last attempt is logged as discarded, with its error.
func (q *Queue) track(ctx context.Context, row *rivertype.JobRow, log *slog.Logger, work func(context.Context) error) error {
	finish := q.opts.Metrics.JobStarted(row.Kind)
	err := work(ctx)
	result := jobResult(err)
	finish(result)
	switch {
	case err == nil:
		log.Debug("job done")
	case result == "snoozed":
		log.Debug("job waits for another job of its repository")
	case result == "cancelled" && ctx.Err() != nil:
		log.Info("job cancelled (shutdown or timeout); River runs it again", "attempt", row.Attempt, "err", err)
	case row.Attempt >= row.MaxAttempts:
		log.Error("job discarded after its last attempt", "attempt", row.Attempt, "err", err)
	default:
		log.Warn("job failed; River retries it", "attempt", row.Attempt, "max_attempts", row.MaxAttempts, "err", err)
	}
	return err
}

type repoWorker struct {
	river.WorkerDefaults[RepoArgs]
	q *Queue
}

func (w *repoWorker) Work(ctx context.Context, job *river.Job[RepoArgs]) error {
	ref := job.Args.Ref()
	log := w.q.log.With("job", job.ID, "kind", job.Kind, "repo", ref.FullName(), "installation", ref.InstallationID, "reason", job.Args.Reason, "delivery", job.Args.Delivery)
	return w.q.track(ctx, job.JobRow, log, func(ctx context.Context) error {
		wait, err := w.q.waitTurn(ctx, job.JobRow, ref)
		if err != nil {
			return err
		}
		if wait {
			return river.JobSnooze(jitter(w.q.opts.Snooze, job.ID))
		}
		out, err := w.q.opts.Sweeper.SweepRepo(ctx, ref)
		if err != nil {
			return fmt.Errorf("sweep %s: %w", ref.FullName(), err)
		}
		w.q.opts.Metrics.Sweep(ref.FullName(), out.Action, out.Found, out.Fixed, out.Remaining)
		log.Info("repository swept", "action", out.Action, "pr", out.PR)
		return nil
	})
}

type commandWorker struct {
	river.WorkerDefaults[CommandArgs]
	q *Queue
}

func (w *commandWorker) Work(ctx context.Context, job *river.Job[CommandArgs]) error {
	ref := job.Args.Ref()
	log := w.q.log.With("job", job.ID, "kind", job.Kind, "repo", ref.FullName(), "issue", job.Args.Issue, "author", job.Args.Author, "delivery", job.Args.Delivery)
	return w.q.track(ctx, job.JobRow, log, func(ctx context.Context) error {
		wait, err := w.q.waitTurn(ctx, job.JobRow, ref)
		if err != nil {
			return err
		}
		if wait {
			return river.JobSnooze(jitter(w.q.opts.Snooze, job.ID))
		}
		if err := w.q.opts.Sweeper.HandleCommand(ctx, ref, job.Args.Issue, job.Args.Author, job.Args.Body); err != nil {
			return fmt.Errorf("command on %s#%d: %w", ref.FullName(), job.Args.Issue, err)
		}
		return nil
	})
}

type installationWorker struct {
	river.WorkerDefaults[InstallationArgs]
	q *Queue
}

func (w *installationWorker) Work(ctx context.Context, job *river.Job[InstallationArgs]) error {
	log := w.q.log.With("job", job.ID, "kind", job.Kind, "installation", job.Args.InstallationID, "delivery", job.Args.Delivery)
	return w.q.track(ctx, job.JobRow, log, func(ctx context.Context) error {
		repos, err := w.q.opts.Sweeper.Repositories(ctx, job.Args.InstallationID)
		if err != nil {
			return fmt.Errorf("repositories of installation %d: %w", job.Args.InstallationID, err)
		}
		n, err := w.q.EnqueueRepos(ctx, job.Args.Reason, job.Args.Delivery, repos)
		if err != nil {
			return err
		}
		log.Info("installation fanned out", "repositories", len(repos), "queued", n)
		return nil
	})
}

type sweepAllWorker struct {
	river.WorkerDefaults[SweepAllArgs]
	q *Queue
}

func (w *sweepAllWorker) Work(ctx context.Context, job *river.Job[SweepAllArgs]) error {
	log := w.q.log.With("job", job.ID, "kind", job.Kind)
	return w.q.track(ctx, job.JobRow, log, func(ctx context.Context) error {
		ids, err := w.q.opts.Sweeper.Installations(ctx)
		if err != nil {
			return fmt.Errorf("list installations: %w", err)
		}
		// One installation failing does not stop the others; the job fails
		// at the end so River retries, and the repositories already queued
		// collapse into their waiting jobs.
		var errs []error
		total := 0
		for _, id := range ids {
			repos, err := w.q.opts.Sweeper.Repositories(ctx, id)
			if err != nil {
				errs = append(errs, fmt.Errorf("repositories of installation %d: %w", id, err))
				continue
			}
			n, err := w.q.EnqueueRepos(ctx, "schedule", "", repos)
			total += n
			if err != nil {
				errs = append(errs, err)
			}
		}
		log.Info("scheduled sweep queued", "installations", len(ids), "queued", total)
		return errors.Join(errs...)
	})
}
