// Command pss-bot rewrites Kubernetes manifests toward the Pod Security
// Standards. Locally: `pss-bot fix PATH` and `pss-bot check PATH`. As a GitHub
// App: `pss-bot sweep` (one pass over every installed repository) and
// `pss-bot serve` (webhooks, queue, schedule).
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `pss-bot fixes Kubernetes manifests toward Pod Security Standards.

Usage:
  pss-bot fix   [flags] PATH...   rewrite manifests in place (--dry-run prints a diff)
  pss-bot check [flags] PATH...   evaluate without writing
  pss-bot sweep [flags]           open or update one pull request per installed repository
  pss-bot serve [flags]           receive webhooks, queue and run sweeps, on a schedule

Run 'pss-bot COMMAND --help' for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "fix":
		return runFix(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "sweep":
		return runSweep(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "pss-bot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
