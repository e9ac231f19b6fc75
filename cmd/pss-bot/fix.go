package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/pss-bot/pss-bot/config"
	"github.com/pss-bot/pss-bot/patcher"
	"github.com/pss-bot/pss-bot/repo"
	"github.com/pss-bot/pss-bot/report"
)

// Exit codes of fix and check.
const (
	exitOK        = 0 // fix: every workload passes now; check: clean
	exitRemaining = 1 // something still fails
	exitError     = 2 // usage error, or a file that could not be read, parsed or written
)

// localCommand is what differs between fix and check.
type localCommand struct {
	name    string
	outputs []string
	// run is (*patcher.Engine).Fix or (*patcher.Engine).Check.
	run   func(e *patcher.Engine, path string, src []byte) (*patcher.FileResult, error)
	write bool
}

func fixCommand() localCommand {
	return localCommand{name: "fix", outputs: []string{"text", "json"}, run: (*patcher.Engine).Fix, write: true}
}

func checkCommand() localCommand {
	return localCommand{name: "check", outputs: []string{"text", "json", "sarif"}, run: (*patcher.Engine).Check}
}

// runFix is `pss-bot fix`: it rewrites manifests in place, or prints the
// diff with --dry-run.
func runFix(args []string, stdout, stderr io.Writer) int {
	return runLocal(fixCommand(), args, stdout, stderr)
}

// runCheck is `pss-bot check`: it evaluates manifests without writing.
func runCheck(args []string, stdout, stderr io.Writer) int {
	return runLocal(checkCommand(), args, stdout, stderr)
}

// localFlags are the parsed flags of fix and check.
type localFlags struct {
	dryRun bool
	output string
	opts   patcher.Options
	// include and exclude are the globs as given; match is built from them.
	include []string
	exclude []string
	match   config.Paths
	paths   []string
}

const fixUsage = `Usage: pss-bot fix [flags] PATH...

Rewrites the Kubernetes manifests under each PATH (files or folders, searched
recursively for .yaml, .yml and .json files) toward the Pod Security Standards,
changing only the lines that need it. Workloads that need the host are not
broken: a namespace exemption is proposed instead.

Exit status: 0 every workload passes now, 1 something still fails (see the
proposed exemptions), 2 usage error or a file that could not be read, parsed
or written (the other files are still processed; the bad one is left untouched).

Flags:
`

const checkUsage = `Usage: pss-bot check [flags] PATH...

Evaluates the Kubernetes manifests under each PATH against the Pod Security
Standards with the official policy code, without changing anything.

Exit status: 0 clean, 1 violations, 2 usage error or a file that could not be
read or parsed.

Flags:
`

// parseLocalFlags parses the flags of fix or check. A nil result with code
// means: stop and exit with code (help was printed, or a usage error).
func parseLocalFlags(cmd localCommand, args []string, stdout, stderr io.Writer) (*localFlags, int) {
	fl := &localFlags{}
	fs := pflag.NewFlagSet("pss-bot "+cmd.name, pflag.ContinueOnError)
	// With ContinueOnError, pflag prints only the usage asked for by --help.
	fs.SetOutput(stdout)
	fs.SortFlags = false
	if cmd.write {
		fs.BoolVar(&fl.dryRun, "dry-run", false, "write nothing; print a unified diff on stdout and the text report on stderr (with --output json: only the JSON report)")
	}
	fs.StringVarP(&fl.output, "output", "o", "text", "report format: "+strings.Join(cmd.outputs, "|"))
	level := fs.String("level", "restricted", "Pod Security Standards level: restricted|baseline")
	version := fs.String("version", "latest", "policy version: latest|v1.N")
	runAsUser := fs.Int64("run-as-user", patcher.DefaultRunAsUser, "non-root UID that replaces runAsUser: 0")
	strategies := fs.StringSlice("strategy", nil, "per-check strategy CHECK=fix|exempt|report (repeatable), e.g. hostNamespaces=report")
	kinds := fs.StringSlice("kind", nil, "extra workload kind and its pod template path, Kind=spec.path (repeatable), e.g. Rollout=spec.template")
	fs.BoolVar(&fl.opts.ReadOnlyRootFilesystem, "read-only-root-filesystem", false,
		"also set readOnlyRootFilesystem: true (opt-in hardening, not required by any level) with writable emptyDir mounts")
	fs.StringSliceVar(&fl.include, "include", nil, "only files whose path below PATH matches one of these globs (* stays in a folder, ** crosses folders, dir/ is all below dir)")
	fs.StringSliceVar(&fl.exclude, "exclude", nil, "skip files and folders whose path below PATH matches one of these globs")
	fs.Usage = func() {
		u := fixUsage
		if !cmd.write {
			u = checkUsage
		}
		fmt.Fprint(fs.Output(), u)
		fs.PrintDefaults()
	}

	usageErr := func(format string, a ...any) (*localFlags, int) {
		fmt.Fprintf(stderr, "pss-bot %s: %s\nRun 'pss-bot %s --help' for usage.\n", cmd.name, fmt.Sprintf(format, a...), cmd.name)
		return nil, exitError
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, exitOK // pflag has printed the usage
		}
		return usageErr("%v", err)
	}

	if !slices.Contains(cmd.outputs, fl.output) {
		return usageErr("--output must be one of %s, not %q", strings.Join(cmd.outputs, ", "), fl.output)
	}
	if *level != "restricted" && *level != "baseline" {
		return usageErr("--level must be restricted or baseline, not %q", *level)
	}
	fl.opts.Level = *level
	if _, err := api.ParseVersion(*version); err != nil {
		return usageErr("--version %s, not %q", err, *version)
	}
	fl.opts.Version = *version
	if *runAsUser <= 0 {
		return usageErr("--run-as-user must be a non-root UID (greater than 0), not %d", *runAsUser)
	}
	fl.opts.RunAsUser = *runAsUser
	known := map[string]bool{}
	for _, c := range policy.DefaultChecks() {
		known[string(c.ID)] = true
	}
	for _, s := range *strategies {
		check, strategy, ok := strings.Cut(s, "=")
		if !ok || !known[check] {
			return usageErr("--strategy %q: want CHECK=fix|exempt|report with CHECK a Pod Security check ID (%s)", s, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		switch st := patcher.Strategy(strategy); st {
		case patcher.StrategyFix, patcher.StrategyExempt, patcher.StrategyReport:
			if fl.opts.Strategies == nil {
				fl.opts.Strategies = map[string]patcher.Strategy{}
			}
			fl.opts.Strategies[check] = st
		default:
			return usageErr("--strategy %q: the strategy must be fix, exempt or report", s)
		}
	}
	for _, k := range *kinds {
		kind, path, ok := strings.Cut(k, "=")
		if !ok || kind == "" || path == "" || strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") {
			return usageErr("--kind %q: want Kind=dotted.path.of.the.pod.template, e.g. Rollout=spec.template", k)
		}
		if fl.opts.Kinds == nil {
			fl.opts.Kinds = map[string]string{}
		}
		fl.opts.Kinds[kind] = path
	}
	// The globs of .github/pss-bot.yaml, with its messages.
	match, err := config.NewPaths(fl.include, fl.exclude)
	if err != nil {
		return usageErr("--%v", err)
	}
	fl.match = match
	fl.paths = fs.Args()
	if len(fl.paths) == 0 {
		return usageErr("no PATH given")
	}
	return fl, exitOK
}

func runLocal(cmd localCommand, args []string, stdout, stderr io.Writer) int {
	fl, code := parseLocalFlags(cmd, args, stdout, stderr)
	if fl == nil {
		return code
	}
	files, problems := repo.Discover(fl.paths, repo.DiscoverOptions{Match: fl.match.Matches, SkipDir: fl.match.SkipsDir})

	// One engine for every file: building the policy evaluator costs more
	// than fixing a typical file.
	eng, err := patcher.NewEngine(fl.opts)
	if err != nil {
		fmt.Fprintf(stderr, "pss-bot %s: %v\n", cmd.name, err)
		return exitError
	}
	rep := eng.NewReport()
	var diffs strings.Builder
	for _, f := range files {
		res, err := runEngine(cmd, eng, f)
		if err != nil {
			rep.Errors = append(rep.Errors, asFileError(f.Path, err))
			continue
		}
		changed := res.Changed && !bytes.Equal(res.Output, f.Data)
		if cmd.write && changed {
			switch {
			case len(res.Output) == 0:
				// Never replace a manifest by nothing, whatever the engine says.
				rep.Errors = append(rep.Errors, patcher.Error{Path: f.Path, Message: "the engine returned an empty file; not written"})
				continue
			case fl.dryRun:
				diffs.WriteString(report.Unified(f.Path, f.Data, res.Output))
			default:
				if err := writeAtomic(f.Real, res.Output, f.Mode); err != nil {
					rep.Errors = append(rep.Errors, patcher.Error{Path: f.Path, Message: err.Error()})
					continue
				}
			}
		}
		res.Changed = changed
		rep.Files = append(rep.Files, *res)
	}
	for _, p := range problems {
		if p.Skipped {
			rep.Files = append(rep.Files, patcher.FileResult{Path: p.Path, Skipped: p.Message, Workloads: []patcher.Workload{}})
		} else {
			rep.Errors = append(rep.Errors, patcher.Error{Path: p.Path, Message: p.Message})
		}
	}

	mode := report.ModeCheck
	if cmd.write {
		mode = report.ModeFix
		if fl.dryRun {
			mode = report.ModeDryRun
		}
	}
	if err := render(fl.output, mode, rep, diffs.String(), stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "pss-bot %s: %v\n", cmd.name, err)
		return exitError
	}
	return exitCode(rep)
}

// runEngine runs the engine on one file. A panic in the engine becomes an
// error for that file so that the other files are still processed.
func runEngine(cmd localCommand, eng *patcher.Engine, f repo.File) (res *patcher.FileResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("internal error, please report it: %v", r)
		}
	}()
	res, err = cmd.run(eng, f.Path, f.Data)
	if err == nil && res == nil {
		err = errors.New("internal error: the engine returned no result")
	}
	if res != nil {
		res.Path = f.Path
		if res.Output == nil && !res.Changed {
			res.Output = f.Data
		}
	}
	return res, err
}

// asFileError turns an engine error into the report's error entry, keeping
// the file and line of a *patcher.Error.
func asFileError(path string, err error) patcher.Error {
	var pe *patcher.Error
	if errors.As(err, &pe) {
		e := *pe
		if e.Path == "" {
			e.Path = path
		}
		return e
	}
	return patcher.Error{Path: path, Message: err.Error()}
}

func render(output string, mode report.Mode, rep *patcher.Report, diff string, stdout, stderr io.Writer) error {
	switch output {
	case "json":
		printErrors(rep, stderr)
		return report.JSON(stdout, rep)
	case "sarif":
		printErrors(rep, stderr)
		return report.SARIF(stdout, relativePaths(rep), toolVersion())
	}
	if mode == report.ModeDryRun {
		// The diff alone on stdout, so that it can be piped to git apply.
		if _, err := io.WriteString(stdout, diff); err != nil {
			return err
		}
		return report.Text(stderr, rep, mode)
	}
	return report.Text(stdout, rep, mode)
}

// printErrors names the files in error on stderr, for people watching a
// machine-readable run.
func printErrors(rep *patcher.Report, stderr io.Writer) {
	for _, e := range rep.Errors {
		fmt.Fprintf(stderr, "pss-bot: %s\n", e.Error())
	}
}

func exitCode(rep *patcher.Report) int {
	if len(rep.Errors) > 0 {
		return exitError
	}
	for _, f := range rep.Files {
		for _, w := range f.Workloads {
			if len(w.Remaining) > 0 {
				return exitRemaining
			}
		}
	}
	return exitOK
}

// writeAtomic replaces path with data: a temporary file in the same folder,
// given the original mode, synced, then renamed over path, so that a reader
// sees either the old or the new file, never a partial one.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".pss-bot-*")
	if err != nil {
		return fmt.Errorf("write: %w (file left unchanged)", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write: %w (file left unchanged)", err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// relativePaths returns a copy of rep whose absolute paths are made relative
// to the working folder when they are below it, as code scanning expects.
func relativePaths(rep *patcher.Report) *patcher.Report {
	wd, err := os.Getwd()
	if err != nil {
		return rep
	}
	rel := func(p string) string {
		if !filepath.IsAbs(p) {
			return p
		}
		r, err := filepath.Rel(wd, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return p
		}
		return r
	}
	out := *rep
	out.Files = append([]patcher.FileResult{}, rep.Files...)
	for i := range out.Files {
		out.Files[i].Path = rel(out.Files[i].Path)
	}
	out.Errors = append([]patcher.Error{}, rep.Errors...)
	for i := range out.Errors {
		out.Errors[i].Path = rel(out.Errors[i].Path)
	}
	return &out
}

// toolVersion is pss-bot's module version without its "v" (SARIF wants a
// version that starts with a number), empty for a development build.
func toolVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && strings.HasPrefix(info.Main.Version, "v") {
		return strings.TrimPrefix(info.Main.Version, "v")
	}
	return ""
}
