package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	// The schedule's CRON_TZ zones must resolve in a scratch or distroless
	// image too.
	_ "time/tzdata"

	"github.com/spf13/pflag"

	"github.com/pss-bot/pss-bot/bot"
	"github.com/pss-bot/pss-bot/bot/metrics"
	"github.com/pss-bot/pss-bot/bot/queue"
	"github.com/pss-bot/pss-bot/bot/webhook"
	"github.com/pss-bot/pss-bot/config"
)

// Exit codes of serve.
const (
	serveExitOK    = 0 // stopped on a signal, jobs finished or handed back
	serveExitError = 1 // the server or the queue failed while running
	serveExitUsage = 2 // bad flags or settings, or startup failed
)

const serveUsage = `Usage: pss-bot serve [flags]

Receive GitHub's webhook deliveries, queue one job per repository in a durable
queue, run the jobs with a pool of workers, sweep every installation on the
schedule, and ask GitHub to redeliver deliveries that failed.

The queue is an SQLite file by default (one process); with
--database-url postgres://... any number of replicas share it.

Endpoints: POST /webhook, GET /healthz, GET /readyz, GET /metrics.

Flags:
`

// runServe is `pss-bot serve`; SIGTERM or SIGINT stops it gracefully.
func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, os.Getenv, stdout, stderr, serveHooks{})
}

// serveHooks let tests watch and tune a server run in-process.
type serveHooks struct {
	// listening receives the bound address once the server accepts.
	listening func(addr string)
	// queue adjusts the queue options (shorter intervals in tests).
	queue func(*queue.Options)
	// started receives the queue once its workers run.
	started func(*queue.Queue)
	// transport wraps the transport of GitHub calls (to slow or hold them).
	transport func(http.RoundTripper) http.RoundTripper
}

// serve runs the server until ctx is done, then shuts down: stop accepting
// deliveries, let running jobs finish for --shutdown-timeout, then cancel
// them (River hands them back as retryable, to be run again). The durations
// are settings of config.App: shutdown-timeout, job-timeout, redeliver-interval.
func serve(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, hooks serveHooks) int {
	fs := pflag.NewFlagSet("pss-bot serve", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	config.RegisterAppFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return serveExitOK
		}
		return serveExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pss-bot serve: unexpected argument %q\n", fs.Arg(0))
		return serveExitUsage
	}
	app, err := config.LoadApp(fs, env, config.NeedServe)
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot serve: invalid settings:\n%s\n", indentLines(err.Error()))
		return serveExitUsage
	}
	log := app.Logger(stderr)
	m := metrics.New()

	var base http.RoundTripper = http.DefaultTransport
	if hooks.transport != nil {
		base = hooks.transport(base)
	}
	sweeper, err := bot.NewSweeper(app, bot.SweeperOptions{Transport: m.Transport(base), Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot serve: %v\n", err)
		return serveExitUsage
	}
	// The bot's login tells its own pushes and comments from people's. If
	// GitHub cannot be asked now, any Bot account is taken for it.
	loginCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	botLogin, err := sweeper.BotLogin(loginCtx)
	cancel()
	if err != nil {
		log.Warn("could not read the App's bot login; treating every Bot account as the bot", "err", err)
	}

	db := app.Database()
	qopts := queue.Options{
		Workers:        app.Workers,
		JobTimeout:     app.JobTimeout,
		Schedule:       app.Cron(),
		RedeliverEvery: app.RedeliverInterval,
		Sweeper:        sweeperAdapter{sweeper},
		Deliveries:     sweeper.AppClient().Apps,
		Metrics:        m,
		Logger:         log,
	}
	if app.RedeliverInterval <= 0 {
		qopts.RedeliverEvery = -1
	}
	if db.Driver == "postgres" {
		qopts.DatabaseURL = db.DSN
	} else {
		qopts.SQLitePath = db.DSN
	}
	if hooks.queue != nil {
		hooks.queue(&qopts)
	}
	q, err := queue.Open(ctx, qopts)
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot serve: %v\n", err)
		return serveExitUsage
	}
	defer q.Close()

	wh, err := webhook.New(webhook.Options{
		Secret: []byte(app.WebhookSecret), Enqueuer: q, BotLogin: botLogin, Metrics: m, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot serve: %v\n", err)
		return serveExitUsage
	}

	var stopping atomic.Bool
	srv := &http.Server{
		Handler:           routes(wh, m, q, app, &stopping),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", app.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot serve: listen %s: %v\n", app.Listen, err)
		return serveExitUsage
	}
	// Jobs outlive ctx: the shutdown below decides when they stop.
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "pss-bot serve: %v\n", err)
		return serveExitUsage
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "listen", ln.Addr().String(), "database", db.Driver, "database_location", db.Redacted,
		"workers", app.Workers, "schedule", app.Cron().String(), "bot", botLogin)
	if hooks.started != nil {
		hooks.started(q)
	}
	if hooks.listening != nil {
		hooks.listening(ln.Addr().String())
	}

	code := serveExitOK
	select {
	case <-ctx.Done():
		log.Info("shutting down: no new deliveries; running jobs get a grace period", "grace", app.ShutdownTimeout.String())
	case err := <-served:
		log.Error("HTTP server failed", "err", err)
		code = serveExitError
	}
	stopping.Store(true)
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), 10*time.Second)
	if err := srv.Shutdown(httpCtx); err != nil {
		log.Warn("HTTP shutdown incomplete", "err", err)
	}
	cancelHTTP()

	graceCtx, cancelGrace := context.WithTimeout(context.Background(), app.ShutdownTimeout)
	err = q.Stop(graceCtx)
	cancelGrace()
	if err != nil {
		log.Warn("jobs still running after the grace period: cancelling them; the queue runs them again later")
		hardCtx, cancelHard := context.WithTimeout(context.Background(), 30*time.Second)
		if err := q.StopAndCancel(hardCtx); err != nil {
			log.Error("jobs did not stop after cancellation", "err", err)
			code = serveExitError
		}
		cancelHard()
	}
	log.Info("stopped")
	return code
}

// routes is the server's mux.
func routes(wh http.Handler, m *metrics.Metrics, q *queue.Queue, app *config.App, stopping *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhook", wh)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		var problems []string
		if stopping.Load() {
			problems = append(problems, "shutting down")
		}
		if app.RSAKey() == nil && len(app.PrivateKey) == 0 {
			problems = append(problems, "no App private key")
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := q.Ping(ctx); err != nil {
			problems = append(problems, "queue database unreachable")
		}
		if len(problems) > 0 {
			http.Error(w, strings.Join(problems, "; "), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

func indentLines(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// sweeperAdapter gives the queue the bot's Sweeper in the queue's own terms.
type sweeperAdapter struct{ s *bot.Sweeper }

func (a sweeperAdapter) Installations(ctx context.Context) ([]int64, error) {
	return a.s.Installations(ctx)
}

func (a sweeperAdapter) Repositories(ctx context.Context, installationID int64) ([]queue.Repo, error) {
	refs, err := a.s.Repositories(ctx, installationID)
	repos := make([]queue.Repo, 0, len(refs))
	for _, r := range refs {
		repos = append(repos, queue.Repo{InstallationID: r.InstallationID, Owner: r.Owner, Name: r.Name})
	}
	return repos, err
}

func (a sweeperAdapter) SweepRepo(ctx context.Context, r queue.Repo) (queue.Result, error) {
	o, err := a.s.SweepRepo(ctx, bot.RepoRef{InstallationID: r.InstallationID, Owner: r.Owner, Name: r.Name})
	return queue.Result{Action: string(o.Action), PR: o.PR, Found: o.Found, Fixed: o.Fixed, Remaining: o.Remaining}, err
}

func (a sweeperAdapter) HandleCommand(ctx context.Context, r queue.Repo, issue int, author, body string) error {
	return a.s.HandleCommand(ctx, bot.RepoRef{InstallationID: r.InstallationID, Owner: r.Owner, Name: r.Name}, issue, author, body)
}
