package bot

import (
	"slices"
	"sort"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// This file is the pure domain of a sweep: given what GitHub holds about a
// repository and what the engine proposes, decide what the pull request
// should become. It makes no call; the sweeper gathers the state, asks Plan,
// and carries the plan out.

// Branch is the bot's branch in every repository.
const Branch = "pss-bot/restricted"

// FileChange is one file the proposal rewrites.
type FileChange struct {
	Path    string
	Content []byte
	// Mode is the git file mode of the original file ("100644", "100755").
	Mode string
}

// Proposal is what the engine would change in a repository.
type Proposal struct {
	// Files holds the changed files, sorted by path. Empty means the
	// repository is compliant as far as the engine can fix it.
	Files []FileChange
	// Results holds the engine's result for every evaluated manifest,
	// changed or not, sorted by path (the PR body lists them).
	Results []*patcher.FileResult
	// Errors are files that could not be parsed; they are named in the body.
	Errors []patcher.Error
	Hash   string
}

// NewProposal builds a proposal from the engine's results, sorting them and
// hashing the changed files.
func NewProposal(results []*patcher.FileResult, modes map[string]string, errs []patcher.Error) *Proposal {
	p := &Proposal{Errors: errs}
	files := map[string][]byte{}
	for _, r := range results {
		if r == nil {
			continue
		}
		p.Results = append(p.Results, r)
		if r.Changed {
			mode := modes[r.Path]
			if mode == "" {
				mode = "100644"
			}
			p.Files = append(p.Files, FileChange{Path: r.Path, Content: r.Output, Mode: mode})
			files[r.Path] = r.Output
		}
	}
	sort.Slice(p.Results, func(i, j int) bool { return p.Results[i].Path < p.Results[j].Path })
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
	if len(p.Files) > 0 {
		p.Hash = ProposalHash(files)
	}
	return p
}

// Counts tallies the proposal's violations by PSA check ID: fixed by the
// change and remaining after it (each counted once per workload).
func (p *Proposal) Counts() (found, fixed, remaining map[string]int) {
	found, fixed, remaining = map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range p.Results {
		for _, w := range r.Workloads {
			seen := map[string]bool{}
			for _, c := range w.Changes {
				if !seen[c.Check] {
					seen[c.Check] = true
					fixed[c.Check]++
				}
			}
			rem := map[string]bool{}
			for _, c := range w.Remaining {
				if !rem[c.Check] {
					rem[c.Check] = true
					remaining[c.Check]++
				}
			}
			for c := range seen {
				if !rem[c] {
					found[c]++
				}
			}
			for c := range rem {
				found[c]++
			}
		}
	}
	return found, fixed, remaining
}

// PRState is one of the bot's pull requests as GitHub holds it.
type PRState struct {
	Number  int
	Open    bool
	Merged  bool
	Title   string
	Body    string
	HeadSHA string
	Labels  []string
	// RequestedUsers and RequestedTeams are the reviews requested and not
	// yet given: logins, and team slugs. GitHub drops a person from the list
	// once they review.
	RequestedUsers []string
	RequestedTeams []string
	// Meta is decoded from Body; HasMeta is false when the block is missing.
	Meta    Meta
	HasMeta bool
}

// RepoState is what a sweep knows about a repository before cloning it.
type RepoState struct {
	// BaseSHA is the head of the default branch.
	BaseSHA string
	// Open is the bot's open PR, nil if none.
	Open *PRState
	// Declined holds the bot's PRs closed without merge, newest first.
	Declined []PRState
	// Edited is true when someone other than the bot pushed to the open PR.
	Edited bool
	// Labels are the labels the repository's configuration asks for.
	Labels []string
	// Reviewers are the reviewers the configuration asks for: "user" or
	// "org/team".
	Reviewers []string
	// Engine is this build's EngineVersion.
	Engine string
}

// Current reports whether the open PR is up to date without looking at the
// repository's files: made by this engine from the current default-branch head, its branch
// still at the bot's own commit, carrying the configured labels, with every
// configured reviewer asked. A current PR needs no clone and no write.
func (s RepoState) Current() bool {
	o := s.Open
	return o != nil && o.HasMeta && !s.Edited && o.Meta.Engine == s.Engine &&
		o.Meta.Base == s.BaseSHA && o.Meta.Head != "" && o.HeadSHA == o.Meta.Head &&
		len(MissingLabels(o.Labels, s.Labels)) == 0 && len(MissingReviewers(o, s.Reviewers)) == 0
}

// RefusedWithoutClone reports whether the newest declined proposal was made
// from the current default-branch head by this engine and no PR is open: it would
// propose the same thing again, which was refused, so there is nothing to do.
func (s RepoState) RefusedWithoutClone() bool {
	if s.Open != nil || len(s.Declined) == 0 {
		return false
	}
	d := s.Declined[0]
	return d.HasMeta && d.Meta.Base == s.BaseSHA && d.Meta.Hash != "" && d.Meta.Engine == s.Engine
}

// Refused returns every proposal hash declined so far, oldest first, without
// duplicates: the hashes of declined PRs and the refusals they carried.
func (s RepoState) Refused() []string {
	var out []string
	add := func(h string) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	for i := len(s.Declined) - 1; i >= 0; i-- {
		d := s.Declined[i]
		if !d.HasMeta {
			continue
		}
		for _, h := range d.Meta.Refused {
			add(h)
		}
		add(d.Meta.Hash)
	}
	if s.Open != nil && s.Open.HasMeta {
		for _, h := range s.Open.Meta.Refused {
			add(h)
		}
	}
	return out
}

// Plan is what a sweep does to a repository's pull request.
type Plan struct {
	Action Action
	// Commit: make a new commit of the proposal on BaseSHA and point the
	// bot's branch at it (creating the branch if needed).
	Commit bool
	// OpenPR: open a new pull request from the branch.
	OpenPR bool
	// Sync: bring the open PR's title, body and labels in line (each written
	// only when it differs).
	Sync bool
	// ClosePR: close the open PR with a comment and delete the branch.
	ClosePR bool
	// EditedNotice: make sure the open PR carries the one comment saying the
	// bot stands back because someone else pushed.
	EditedNotice bool
	// Meta is the metadata for the PR body; Head is filled in by the commit.
	Meta Meta
	// Declined lists earlier PRs whose proposal was declined, newest first,
	// to be mentioned in a new PR's body.
	Declined []int
}

// Decide plans the pull request from the repository state and the engine's
// proposal.
func Decide(s RepoState, p *Proposal) Plan {
	empty := p == nil || len(p.Files) == 0

	if s.Open != nil && s.Edited {
		// Someone else's commit: never overwrite it, never close it.
		return Plan{Action: ActionEdited, EditedNotice: true}
	}
	if empty {
		if s.Open != nil {
			return Plan{Action: ActionClosed, ClosePR: true}
		}
		return Plan{Action: ActionNone}
	}

	// Counted only for the metadata of a commit or a PR to write.
	found, fixed, remaining := p.Counts()
	refused := s.Refused()
	meta := Meta{V: MetaVersion, Hash: p.Hash, Base: s.BaseSHA, Engine: s.Engine, Refused: refused, Found: found, Fixed: fixed, Remaining: remaining}
	// Once the plan is carried out, every configured reviewer has been asked.
	var asked []string
	if s.Open != nil && s.Open.HasMeta {
		asked = s.Open.Meta.Reviewers
	}
	meta.Reviewers = AskedReviewers(asked, s.Reviewers)
	var declined []int
	for _, d := range s.Declined {
		declined = append(declined, d.Number)
	}
	if s.Open != nil {
		o := s.Open
		if o.HasMeta && o.Meta.Hash == p.Hash && o.Meta.Base == s.BaseSHA && o.Meta.Head != "" && o.HeadSHA == o.Meta.Head {
			meta.Head = o.Meta.Head
			return Plan{Action: ActionNone, Sync: true, Meta: meta, Declined: declined}
		}
		return Plan{Action: ActionUpdated, Commit: true, Sync: true, Meta: meta, Declined: declined}
	}
	if slices.Contains(refused, p.Hash) {
		return Plan{Action: ActionRefused}
	}
	return Plan{Action: ActionOpened, Commit: true, OpenPR: true, Meta: meta, Declined: declined}
}

// MissingLabels returns the wanted labels the PR does not carry yet. Labels a
// person added are left alone: the bot only adds its own.
func MissingLabels(have, want []string) []string {
	var out []string
	for _, l := range want {
		if !slices.Contains(have, l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// MissingReviewers returns the configured reviewers ("user" or "org/team")
// to request on the open PR: those neither requested now nor asked by the
// bot before (as its metadata records). Someone who has reviewed is no
// longer "requested" on GitHub, and someone whose request a person removed
// was asked: neither is asked again. Reviewers a person added are never
// touched: the bot only adds.
func MissingReviewers(o *PRState, want []string) []string {
	var asked []string
	if o.HasMeta {
		asked = o.Meta.Reviewers
	}
	var out []string
	for _, r := range want {
		_, team, isTeam := strings.Cut(r, "/")
		requested := o.RequestedUsers
		name := r
		if isTeam {
			requested, name = o.RequestedTeams, team
		}
		if containsFold(requested, name) || containsFold(asked, r) || containsFold(out, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// AskedReviewers is the record of reviewers asked after asking want: the
// union of both, sorted, without duplicates (GitHub logins and slugs are
// case-insensitive).
func AskedReviewers(asked, want []string) []string {
	var out []string
	for _, r := range append(slices.Clone(asked), want...) {
		if !containsFold(out, r) {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// splitReviewers splits "user" and "org/team" reviewers into the users and
// the team slugs of a review request.
func splitReviewers(rs []string) (users, teams []string) {
	for _, r := range rs {
		if _, team, ok := strings.Cut(r, "/"); ok {
			teams = append(teams, team)
		} else {
			users = append(users, r)
		}
	}
	return users, teams
}
