// Package bot is pss-bot as a GitHub App: it finds the repositories the App is
// installed on, runs the engine on each, and keeps one pull request per
// repository in step with it. The webhook server and the job queue call into
// the same sweep.
package bot

// RepoRef names one repository of one installation.
type RepoRef struct {
	InstallationID int64
	Owner          string
	Name           string
}

// FullName is "owner/name".
func (r RepoRef) FullName() string { return r.Owner + "/" + r.Name }

// Action is what a sweep did to a repository's pull request.
type Action string

const (
	ActionNone        Action = "none"         // nothing to do, or the PR is already current
	ActionOpened      Action = "opened"       // a new PR
	ActionUpdated     Action = "updated"      // new commit and/or new title/body/labels
	ActionClosed      Action = "closed"       // the repository became compliant without the PR
	ActionSkipped     Action = "skipped"      // archived, disabled, empty
	ActionRefused     Action = "refused"      // the same proposal was declined before
	ActionEdited      Action = "edited"       // a person pushed to the bot branch; the bot stands back
	ActionConfigError Action = "config-error" // .github/pss-bot.yaml is invalid; issue opened or kept
	ActionFailed      Action = "failed"       // the sweep of this repository failed; see Outcome.Err
)

// Outcome is the result of sweeping one repository.
type Outcome struct {
	Repo   RepoRef
	Action Action
	// PR is the pull request number, 0 if none.
	PR int
	// Violations counts failing checks by PSA check ID: Found before the fix,
	// Fixed by it, Remaining after it.
	Found, Fixed, Remaining map[string]int
	// Steps says, for people, what the sweep did to GitHub (or, in a dry
	// run, would have done), in order: "open pull request ...".
	Steps []string
	// Reason explains a skip, a refusal or a configuration error.
	Reason string
	// Err is set when Action is ActionFailed.
	Err error
}
