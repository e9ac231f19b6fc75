package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/pss-bot/pss-bot/bot"
	"github.com/pss-bot/pss-bot/config"
)

// Exit codes of sweep.
const (
	sweepExitOK     = 0 // every repository swept
	sweepExitFailed = 1 // at least one repository failed (each is named)
	sweepExitUsage  = 2 // bad flags or settings
)

const sweepUsage = `Usage: pss-bot sweep [--installation ID] [--repo owner/name]... [--dry-run] [flags]

One pass over every repository the GitHub App is installed on (or the ones
named): run the engine and open or update one pull request per repository.
Exit 0, or 1 if any repository failed (each failure is named).

Flags:
`

// runSweep is `pss-bot sweep`.
func runSweep(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return sweep(ctx, args, os.Getenv, stdout, stderr)
}

// sweep runs the command with the environment given, so tests need not
// touch the process's own.
func sweep(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("pss-bot sweep", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, sweepUsage)
		fs.PrintDefaults()
	}
	config.RegisterAppFlags(fs, false)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return sweepExitOK
		}
		return sweepExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pss-bot sweep: unexpected argument %q\n", fs.Arg(0))
		return sweepExitUsage
	}
	app, err := config.LoadApp(fs, env, config.NeedGitHub)
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot sweep: invalid settings:\n%s\n", sweepIndent(err.Error()))
		return sweepExitUsage
	}
	log := app.Logger(stderr)
	s, err := bot.NewSweeper(app, bot.SweeperOptions{Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot sweep: %v\n", err)
		return sweepExitUsage
	}
	log.Info("sweep starting", "settings", app)
	outcomes, err := s.SweepAll(ctx, bot.Filter{Installation: app.Installation, Repos: app.Repos})
	printOutcomes(stdout, outcomes, app.DryRun)
	if err != nil {
		var failures []string
		for _, o := range outcomes {
			if o.Action == bot.ActionFailed {
				failures = append(failures, o.Repo.FullName())
			}
		}
		if len(failures) == 0 {
			// The listing itself failed (installations, repositories).
			fmt.Fprintf(stderr, "pss-bot sweep: %v\n", err)
		} else {
			sort.Strings(failures)
			fmt.Fprintf(stderr, "pss-bot sweep: %d repositor%s failed: %s\n", len(failures), sweepPlural(len(failures), "y", "ies"), strings.Join(failures, ", "))
		}
		return sweepExitFailed
	}
	return sweepExitOK
}

// printOutcomes writes one line per repository, then its steps.
func printOutcomes(w io.Writer, outcomes []bot.Outcome, dryRun bool) {
	counts := map[bot.Action]int{}
	for _, o := range outcomes {
		counts[o.Action]++
		line := o.Repo.FullName() + ": " + string(o.Action)
		if o.PR > 0 {
			line += fmt.Sprintf(" #%d", o.PR)
		}
		switch {
		case o.Err != nil:
			line += ": " + o.Err.Error()
		case o.Reason != "":
			line += " (" + o.Reason + ")"
		}
		fmt.Fprintln(w, line)
		verb := "  - "
		if dryRun {
			verb = "  - would "
		}
		for _, s := range o.Steps {
			fmt.Fprintln(w, verb+s)
		}
	}
	actions := make([]string, 0, len(counts))
	for a, n := range counts {
		actions = append(actions, fmt.Sprintf("%s %d", a, n))
	}
	sort.Strings(actions)
	summary := fmt.Sprintf("%d repositor%s", len(outcomes), sweepPlural(len(outcomes), "y", "ies"))
	if len(actions) > 0 {
		summary += ": " + strings.Join(actions, ", ")
	}
	if dryRun {
		summary += " (dry run: nothing written to GitHub)"
	}
	fmt.Fprintln(w, summary)
}

func sweepPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sweepIndent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
