package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/riverqueue/river"
)

// maxDeliveryPages bounds one check of the delivery log (100 per page).
const maxDeliveryPages = 50

// redeliverWorker asks GitHub to redeliver the App's failed webhook
// deliveries; GitHub never retries on its own, so an outage of the bot would
// otherwise lose every event sent during it.
type redeliverWorker struct {
	river.WorkerDefaults[RedeliverArgs]
	q *Queue
}

// deliveryGroup is every attempt GitHub made for one event (one GUID).
type deliveryGroup struct {
	guid      string
	succeeded bool
	attempts  int
	// latestFailed is the newest failed attempt, the one to redeliver.
	latestFailed *github.HookDelivery
}

// succeeded: GitHub reports the response code of our handler, 0 when it got
// none (timeout, connection refused), and "OK" as the status of a 2xx.
func deliverySucceeded(d *github.HookDelivery) bool {
	code := d.GetStatusCode()
	return code >= 200 && code < 300
}

func (w *redeliverWorker) Work(ctx context.Context, job *river.Job[RedeliverArgs]) error {
	log := w.q.log.With("job", job.ID, "kind", job.Kind)
	return w.q.track(ctx, job.JobRow, log, func(ctx context.Context) error {
		groups, err := w.failedDeliveries(ctx, time.Now().Add(-w.q.opts.RedeliverLookback))
		if err != nil {
			return err
		}
		requested := 0
		var firstErr error
		for _, g := range groups {
			if g.attempts > w.q.opts.MaxRedeliveries {
				// The first delivery plus MaxRedeliveries redeliveries all
				// failed: the bot refuses this event; stop asking.
				log.Warn("webhook delivery keeps failing; not redelivering it again", "guid", g.guid, "attempts", g.attempts, "status_code", g.latestFailed.GetStatusCode())
				continue
			}
			d := g.latestFailed
			if err := redeliver(ctx, w.q.opts.Deliveries, d.GetID()); err != nil {
				w.q.opts.Metrics.Redelivery("error")
				log.Warn("redelivery request failed", "guid", g.guid, "delivery_id", d.GetID(), "err", err)
				if firstErr == nil {
					firstErr = fmt.Errorf("redeliver delivery %d: %w", d.GetID(), err)
				}
				continue
			}
			w.q.opts.Metrics.Redelivery("requested")
			requested++
			log.Info("asked GitHub to redeliver a failed webhook delivery", "guid", g.guid, "delivery_id", d.GetID(), "event", d.GetEvent(), "status_code", d.GetStatusCode())
		}
		log.Debug("delivery log checked", "failed", len(groups), "redelivered", requested)
		return firstErr
	})
}

// redeliver asks for one redelivery. GitHub answers 202 Accepted, which
// go-github reports as an *AcceptedError: that is success.
func redeliver(ctx context.Context, d Deliveries, id int64) error {
	_, _, err := d.RedeliverHookDelivery(ctx, id)
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		return err
	}
	return nil
}

// failedDeliveries walks the delivery log back to since (newest first, by
// cursor) and returns the events none of whose attempts succeeded, newest
// first.
func (w *redeliverWorker) failedDeliveries(ctx context.Context, since time.Time) ([]*deliveryGroup, error) {
	byGUID := map[string]*deliveryGroup{}
	var order []string
	opts := &github.ListCursorOptions{PerPage: 100}
	for page := 0; page < maxDeliveryPages; page++ {
		ds, resp, err := w.q.opts.Deliveries.ListHookDeliveries(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list webhook deliveries: %w", err)
		}
		older := false
		for _, d := range ds {
			if d.DeliveredAt != nil && d.DeliveredAt.Before(since) {
				older = true
				continue
			}
			guid := d.GetGUID()
			g := byGUID[guid]
			if g == nil {
				g = &deliveryGroup{guid: guid}
				byGUID[guid] = g
				order = append(order, guid)
			}
			g.attempts++
			if deliverySucceeded(d) {
				g.succeeded = true
			} else if g.latestFailed == nil || d.GetDeliveredAt().After(g.latestFailed.GetDeliveredAt().Time) {
				g.latestFailed = d
			}
		}
		if older || resp == nil || resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	var failed []*deliveryGroup
	for _, guid := range order {
		if g := byGUID[guid]; !g.succeeded && g.latestFailed != nil {
			failed = append(failed, g)
		}
	}
	return failed, nil
}
