package repo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// CloneOptions say what to clone and with which credential.
type CloneOptions struct {
	// URL is the repository's clone_url as the API gives it (so GitHub
	// Enterprise and test servers work). It must not hold credentials.
	URL string
	// Branch is the branch to check out, usually the default branch.
	Branch string
	// Token is an installation token, sent as HTTP basic auth
	// (x-access-token:TOKEN), never in the URL.
	Token string
	// TempDir is where the working folder is made; "" means os.TempDir().
	TempDir string
}

// Checkout is a cloned working tree. Remove it when done.
type Checkout struct {
	// Dir is the working tree.
	Dir string
	// Head is the sha of the checked-out commit.
	Head string
	// Tree is the sha of Head's tree (the base_tree of a commit made on it
	// through GitHub's Git Data API).
	Tree string
}

// Remove deletes the working tree.
func (c *Checkout) Remove() error {
	if c == nil || c.Dir == "" {
		return nil
	}
	return os.RemoveAll(c.Dir)
}

// Sentinel errors a caller may test with errors.Is; other clone errors are
// returned as text only, scrubbed of credentials.
var (
	ErrEmptyRepository = transport.ErrEmptyRemoteRepository
	ErrNotFound        = transport.ErrRepositoryNotFound
	ErrAuth            = transport.ErrAuthenticationRequired
	ErrForbidden       = transport.ErrAuthorizationFailed
)

// Clone makes a shallow (depth 1), single-branch clone of opts.Branch into a
// new temporary folder. On error nothing is left on disk and the error names
// the repository without any credential.
func Clone(ctx context.Context, opts CloneOptions) (*Checkout, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("clone: %q is not a URL", scrub(opts.URL, opts.Token))
	}
	// A credential in the URL would end up in go-git's errors: drop it (the
	// token goes as basic auth). where names the repository in errors.
	u.User = nil
	where := scrub(u.String(), opts.Token)
	if opts.Branch == "" {
		return nil, fmt.Errorf("clone %s: no branch given", where)
	}
	dir, err := os.MkdirTemp(opts.TempDir, "pss-bot-clone-")
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", where, err)
	}
	fail := func(err error) (*Checkout, error) {
		os.RemoveAll(dir)
		return nil, cloneError(where, opts.Branch, err, opts.Token)
	}
	co := &git.CloneOptions{
		URL:           u.String(),
		ReferenceName: plumbing.NewBranchReferenceName(opts.Branch),
		SingleBranch:  true,
		Depth:         1,
		Tags:          git.NoTags,
	}
	if opts.Token != "" {
		co.Auth = &githttp.BasicAuth{Username: "x-access-token", Password: opts.Token}
	}
	r, err := git.PlainCloneContext(ctx, dir, false, co)
	if err != nil {
		return fail(err)
	}
	head, err := r.Head()
	if err != nil {
		return fail(err)
	}
	commit, err := r.CommitObject(head.Hash())
	if err != nil {
		return fail(err)
	}
	return &Checkout{Dir: dir, Head: head.Hash().String(), Tree: commit.TreeHash.String()}, nil
}

// cloneError rebuilds err's message without credentials, keeping the known
// sentinels reachable with errors.Is but not the original error, whose text
// may hold a URL with a password.
func cloneError(where, branch string, err error, token string) error {
	msg := scrub(err.Error(), token)
	for _, s := range []error{ErrEmptyRepository, ErrNotFound, ErrAuth, ErrForbidden, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, s) {
			return &scrubbedError{msg: fmt.Sprintf("clone %s (branch %s): %s", where, branch, msg), sentinel: s}
		}
	}
	return &scrubbedError{msg: fmt.Sprintf("clone %s (branch %s): %s", where, branch, msg)}
}

type scrubbedError struct {
	msg      string
	sentinel error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.sentinel }

var userinfoRE = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://)[^/@\s]+@`)

// scrub removes the token and any URL user-info from s.
func scrub(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "***")
	}
	return userinfoRE.ReplaceAllString(s, "${1}***@")
}
