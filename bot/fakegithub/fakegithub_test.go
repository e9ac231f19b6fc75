package fakegithub_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/bot/fakegithub"
)

const instID = 7

// setup starts a server with one installation and one seeded repository.
func setup(t *testing.T) (*fakegithub.Server, *fakegithub.Repo) {
	t.Helper()
	s := fakegithub.New(t)
	s.AddInstallation(instID, "acme")
	r := s.AddRepo(instID, "acme/app", fakegithub.RepoOptions{})
	r.Commit("main", "Alice <alice@example.com>", "initial", map[string]string{
		"README.md":        "# app\n",
		"deploy/web.yaml":  "kind: Deployment\n",
		"deploy/job.yaml":  "kind: Job\n",
		"docs/a/b/c/d.txt": "deep\n",
	})
	return s, r
}

// installationClient is go-github over ghinstallation, in GHES mode.
func installationClient(t *testing.T, s *fakegithub.Server, id int64) *github.Client {
	t.Helper()
	tr, err := ghinstallation.New(http.DefaultTransport, s.AppID, id, s.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = strings.TrimSuffix(s.APIURL, "/")
	c, err := github.NewClient(&http.Client{Transport: tr}).WithEnterpriseURLs(s.APIURL, s.APIURL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func appClient(t *testing.T, s *fakegithub.Server, pemKey []byte) *github.Client {
	t.Helper()
	tr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, s.AppID, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := github.NewClient(&http.Client{Transport: tr}).WithEnterpriseURLs(s.APIURL, s.APIURL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawClient is go-github with a fixed installation token.
func rawClient(t *testing.T, s *fakegithub.Server, token string) *github.Client {
	t.Helper()
	c, err := github.NewClient(nil).WithAuthToken(token).WithEnterpriseURLs(s.APIURL, s.APIURL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantStatus(t *testing.T, err error, status int) *github.ErrorResponse {
	t.Helper()
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("err = %v (%T), want *github.ErrorResponse with status %d", err, err, status)
	}
	if er.Response.StatusCode != status {
		t.Fatalf("status = %d (%s), want %d", er.Response.StatusCode, er.Message, status)
	}
	return er
}

var ctx = context.Background()

func TestInstallationTokenFlow(t *testing.T) {
	s, _ := setup(t)
	c := installationClient(t, s, instID)
	repo, _, err := c.Repositories.Get(ctx, "acme", "app")
	if err != nil {
		t.Fatal(err)
	}
	if repo.GetDefaultBranch() != "main" || repo.GetCloneURL() != s.URL+"/git/acme/app.git" || repo.GetSize() == 0 {
		t.Errorf("repo = %v", repo)
	}
	if repo.GetOwner().GetLogin() != "acme" || repo.GetFullName() != "acme/app" {
		t.Errorf("owner/full_name = %q %q", repo.GetOwner().GetLogin(), repo.GetFullName())
	}
	// A second call reuses the cached token.
	if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
		t.Fatal(err)
	}
	if n := s.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d, want 1", n)
	}
	if n := s.Count("POST", "/app/installations/*/access_tokens"); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	// Other installations' repositories are invisible (404), as on GitHub.
	s.AddInstallation(8, "other")
	s.AddRepo(8, "other/secret", fakegithub.RepoOptions{Private: true})
	_, _, err = c.Repositories.Get(ctx, "other", "secret")
	wantStatus(t, err, 404)

	// The App lists its installations with its JWT.
	app := appClient(t, s, s.PrivateKeyPEM)
	ins, _, err := app.Apps.ListInstallations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].GetID() != instID || ins[0].GetAccount().GetLogin() != "acme" {
		t.Errorf("installations = %v", ins)
	}
	// An installation token cannot call /app endpoints.
	_, _, err = c.Apps.ListInstallations(ctx, nil)
	wantStatus(t, err, 401)
}

func TestJWTRejected(t *testing.T) {
	s, _ := setup(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	_, _, err = appClient(t, s, otherPEM).Apps.Get(ctx, "")
	er := wantStatus(t, err, 401)
	if er.Message != "A JSON web token could not be decoded" {
		t.Errorf("message = %q", er.Message)
	}

	key, err := jwt.ParseRSAPrivateKeyFromPEM(s.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for name, claims := range map[string]jwt.MapClaims{
		"expired":       {"iss": s.AppID, "iat": now.Add(-20 * time.Minute).Unix(), "exp": now.Add(-10 * time.Minute).Unix()},
		"too long":      {"iss": s.AppID, "iat": now.Unix(), "exp": now.Add(30 * time.Minute).Unix()},
		"wrong app":     {"iss": s.AppID + 1, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()},
		"no iat":        {"iss": s.AppID, "exp": now.Add(5 * time.Minute).Unix()},
		"future iat":    {"iss": s.AppID, "iat": now.Add(5 * time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix()},
		"string issuer": {"iss": strconv.FormatInt(s.AppID, 10), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()},
	} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", s.APIURL+"app", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := 401
		if name == "string issuer" {
			want = 200
		}
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, want)
		}
	}

	// HS256 with the public key as secret (alg confusion) is refused too.
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": s.AppID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}).SignedString([]byte("x"))
	req, _ := http.NewRequest("GET", s.APIURL+"app", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("HS256: status %d", resp.StatusCode)
	}
}

func TestBadAndExpiredToken(t *testing.T) {
	s, _ := setup(t)
	_, _, err := rawClient(t, s, "ghs_nope").Repositories.Get(ctx, "acme", "app")
	if er := wantStatus(t, err, 401); er.Message != "Bad credentials" {
		t.Errorf("message = %q", er.Message)
	}
	tok := s.Token(instID)
	c := rawClient(t, s, tok)
	if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	_, _, err = c.Repositories.Get(ctx, "acme", "app")
	wantStatus(t, err, 401)
	// Anonymous requests are refused.
	resp, err := http.Get(s.APIURL + "repos/acme/app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}

func TestPaginationRepositories(t *testing.T) {
	s := fakegithub.New(t)
	s.AddInstallation(instID, "acme")
	for i := 0; i < 150; i++ {
		s.AddRepo(instID, fmt.Sprintf("acme/r%03d", i), fakegithub.RepoOptions{})
	}
	c := rawClient(t, s, s.Token(instID))
	opts := &github.ListOptions{PerPage: 60}
	var names []string
	pages := 0
	for {
		list, resp, err := c.Apps.ListRepos(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if list.GetTotalCount() != 150 {
			t.Fatalf("total_count = %d", list.GetTotalCount())
		}
		if pages == 1 && (resp.LastPage != 3 || resp.NextPage != 2) {
			t.Errorf("page 1: next %d last %d, want 2 and 3", resp.NextPage, resp.LastPage)
		}
		if pages == 2 && (resp.PrevPage != 1 || resp.FirstPage != 1) {
			t.Errorf("page 2: prev %d first %d", resp.PrevPage, resp.FirstPage)
		}
		for _, r := range list.Repositories {
			names = append(names, r.GetName())
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pages != 3 || len(names) != 150 || names[0] != "r000" || names[149] != "r149" {
		t.Errorf("pages %d, %d repos (%v…)", pages, len(names), names[:3])
	}
	// Default page size is 30, maximum 100.
	list, resp, err := c.Apps.ListRepos(ctx, &github.ListOptions{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Repositories) != 100 || resp.LastPage != 2 {
		t.Errorf("per_page 500: %d repos, last %d", len(list.Repositories), resp.LastPage)
	}
	list, _, err = c.Apps.ListRepos(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Repositories) != 30 {
		t.Errorf("default page: %d", len(list.Repositories))
	}
}

func TestPaginationFilesAndCommits(t *testing.T) {
	s, r := setup(t)
	files := map[string]string{}
	for i := 0; i < 150; i++ {
		files[fmt.Sprintf("k8s/app-%03d.yaml", i)] = fmt.Sprintf("name: app-%d\n", i)
	}
	r.Commit("main", "bob", "many files", files)
	for i := 0; i < 3; i++ {
		r.Commit("main", "bob", fmt.Sprintf("change %d", i), map[string]string{"k8s/app-000.yaml": strconv.Itoa(i)})
	}
	c := rawClient(t, s, s.Token(instID))
	tree, _, err := c.Git.GetTree(ctx, "acme", "app", "main", true)
	if err != nil {
		t.Fatal(err)
	}
	blobs := 0
	for _, e := range tree.Entries {
		if e.GetType() == "blob" && strings.HasPrefix(e.GetPath(), "k8s/") {
			blobs++
		}
	}
	if blobs != 150 || tree.GetTruncated() {
		t.Errorf("tree: %d k8s blobs, truncated %v", blobs, tree.GetTruncated())
	}
	_, dir, _, err := c.Repositories.GetContents(ctx, "acme", "app", "k8s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dir) != 150 {
		t.Errorf("contents dir: %d entries", len(dir))
	}
	opts := &github.CommitsListOptions{SHA: "main", ListOptions: github.ListOptions{PerPage: 2}}
	var msgs []string
	for {
		cs, resp, err := c.Repositories.ListCommits(ctx, "acme", "app", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			msgs = append(msgs, c.GetCommit().GetMessage())
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	want := []string{"change 2", "change 1", "change 0", "many files", "initial"}
	if fmt.Sprint(msgs) != fmt.Sprint(want) {
		t.Errorf("commits = %q, want %q", msgs, want)
	}
}

func TestGitDataAPIWritesRealObjects(t *testing.T) {
	s, r := setup(t)
	c := installationClient(t, s, instID)
	ref, _, err := c.Git.GetRef(ctx, "acme", "app", "heads/main")
	if err != nil {
		t.Fatal(err)
	}
	base := ref.GetObject().GetSHA()
	parent, _, err := c.Git.GetCommit(ctx, "acme", "app", base)
	if err != nil {
		t.Fatal(err)
	}
	if parent.GetVerification().GetVerified() {
		t.Error("a pushed commit must not be verified")
	}
	blob, resp, err := c.Git.CreateBlob(ctx, "acme", "app", &github.Blob{Content: github.String("kind: Deployment\nspec: {}\n"), Encoding: github.String("utf-8")})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("blob: %v %v", err, resp)
	}
	tree, _, err := c.Git.CreateTree(ctx, "acme", "app", parent.GetTree().GetSHA(), []*github.TreeEntry{
		{Path: github.String("deploy/web.yaml"), Mode: github.String("100644"), Type: github.String("blob"), SHA: blob.SHA},
		{Path: github.String("deploy/new.yaml"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("new\n")},
		{Path: github.String("deploy/job.yaml"), Mode: github.String("100644"), Type: github.String("blob")}, // sha: null → delete
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, resp, err := c.Git.CreateCommit(ctx, "acme", "app", &github.Commit{
		Message: github.String("pss-bot: restricted"), Tree: tree, Parents: []*github.Commit{{SHA: github.String(base)}},
	}, nil)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("commit: %v", err)
	}
	if !commit.GetVerification().GetVerified() {
		t.Error("an API commit must be verified")
	}
	if _, _, err := c.Git.CreateRef(ctx, "acme", "app", &github.Reference{
		Ref: github.String("refs/heads/pss-bot/restricted"), Object: &github.GitObject{SHA: commit.SHA},
	}); err != nil {
		t.Fatal(err)
	}
	files := r.Files("pss-bot/restricted")
	want := map[string]string{
		"README.md": "# app\n", "deploy/web.yaml": "kind: Deployment\nspec: {}\n", "deploy/new.yaml": "new\n", "docs/a/b/c/d.txt": "deep\n",
	}
	if fmt.Sprint(files) != fmt.Sprint(want) {
		t.Errorf("branch files = %v, want %v", files, want)
	}
	log := r.Log("pss-bot/restricted")
	if len(log) != 2 || log[0].AuthorLogin != s.BotLogin() || !log[0].Verified || log[1].AuthorLogin != "" {
		t.Errorf("log = %+v", log)
	}
	// The commits API maps authors to logins.
	s.SetLogin("alice@example.com", "alice")
	cs, _, err := c.Repositories.ListCommits(ctx, "acme", "app", &github.CommitsListOptions{SHA: "pss-bot/restricted"})
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].GetAuthor().GetLogin() != "pss-bot[bot]" || cs[0].GetAuthor().GetType() != "Bot" || cs[1].GetAuthor().GetLogin() != "alice" {
		t.Errorf("authors = %v, %v", cs[0].GetAuthor(), cs[1].GetAuthor())
	}
	br, _, err := c.Repositories.GetBranch(ctx, "acme", "app", "pss-bot/restricted", 0)
	if err != nil || br.GetCommit().GetSHA() != commit.GetSHA() {
		t.Fatalf("branch: %v %v", br, err)
	}
	// The recursive tree lists every path.
	gt, _, err := c.Git.GetTree(ctx, "acme", "app", commit.GetSHA(), true)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range gt.Entries {
		paths = append(paths, e.GetType()+":"+e.GetPath())
	}
	if !strings.Contains(strings.Join(paths, " "), "tree:docs/a/b/c blob:docs/a/b/c/d.txt") {
		t.Errorf("recursive tree: %v", paths)
	}
}

func TestRefRules(t *testing.T) {
	s, r := setup(t)
	c := rawClient(t, s, s.Token(instID))
	main := r.Branch("main")
	_, _, err := c.Git.CreateRef(ctx, "acme", "app", &github.Reference{Ref: github.String("refs/heads/main"), Object: &github.GitObject{SHA: &main}})
	if er := wantStatus(t, err, 422); er.Message != "Reference already exists" {
		t.Errorf("message %q", er.Message)
	}
	_, _, err = c.Git.CreateRef(ctx, "acme", "app", &github.Reference{Ref: github.String("refs/heads/x"), Object: &github.GitObject{SHA: github.String(strings.Repeat("a", 40))}})
	wantStatus(t, err, 422)

	side := r.Commit("side", "bob", "side work", map[string]string{"x": "1"})
	other := r.Commit("other", "bob", "other work", map[string]string{"y": "1"})
	// side → other is not a fast-forward.
	_, _, err = c.Git.UpdateRef(ctx, "acme", "app", &github.Reference{Ref: github.String("refs/heads/side"), Object: &github.GitObject{SHA: &other}}, false)
	if er := wantStatus(t, err, 422); er.Message != "Update is not a fast forward" {
		t.Errorf("message %q", er.Message)
	}
	if _, _, err := c.Git.UpdateRef(ctx, "acme", "app", &github.Reference{Ref: github.String("refs/heads/side"), Object: &github.GitObject{SHA: &other}}, true); err != nil {
		t.Fatal(err)
	}
	if r.Branch("side") != other || side == other {
		t.Error("force update did not move the branch")
	}
	if _, err := c.Git.DeleteRef(ctx, "acme", "app", "heads/side"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Git.DeleteRef(ctx, "acme", "app", "heads/side")
	wantStatus(t, err, 422)
	_, _, err = c.Git.GetRef(ctx, "acme", "app", "heads/side")
	wantStatus(t, err, 404)
	refs, _, err := c.Git.ListMatchingRefs(ctx, "acme", "app", &github.ReferenceListOptions{Ref: "heads/"})
	if err != nil || len(refs) != 2 {
		t.Errorf("matching refs = %v, %v", refs, err)
	}
}

func TestEmptyArchivedDisabled(t *testing.T) {
	s := fakegithub.New(t)
	s.AddInstallation(instID, "acme")
	s.AddRepo(instID, "acme/empty", fakegithub.RepoOptions{})
	arch := s.AddRepo(instID, "acme/old", fakegithub.RepoOptions{Archived: true})
	arch.Commit("main", "bob", "x", map[string]string{"a": "b"})
	s.AddRepo(instID, "acme/off", fakegithub.RepoOptions{Disabled: true})
	c := rawClient(t, s, s.Token(instID))
	repo, _, err := c.Repositories.Get(ctx, "acme", "empty")
	if err != nil || repo.GetSize() != 0 {
		t.Fatalf("empty repo size %d, %v", repo.GetSize(), err)
	}
	_, _, err = c.Git.GetRef(ctx, "acme", "empty", "heads/main")
	if er := wantStatus(t, err, 409); er.Message != "Git Repository is empty." {
		t.Errorf("message %q", er.Message)
	}
	repo, _, err = c.Repositories.Get(ctx, "acme", "old")
	if err != nil || !repo.GetArchived() {
		t.Fatalf("archived: %v %v", repo.GetArchived(), err)
	}
	_, _, err = c.Git.CreateBlob(ctx, "acme", "old", &github.Blob{Content: github.String("x")})
	wantStatus(t, err, 403)
	repo, _, err = c.Repositories.Get(ctx, "acme", "off")
	if err != nil || !repo.GetDisabled() {
		t.Fatalf("disabled: %v %v", repo.GetDisabled(), err)
	}
	_, _, _, err = c.Repositories.GetContents(ctx, "acme", "off", "a", nil)
	if er := wantStatus(t, err, 403); er.Message != "Repository access blocked" {
		t.Errorf("message %q", er.Message)
	}
}

func TestPullRequests(t *testing.T) {
	s, r := setup(t)
	c := rawClient(t, s, s.Token(instID))
	r.Commit("pss-bot/restricted", "pss-bot[bot]", "fix", map[string]string{"deploy/web.yaml": "fixed\n"})
	newPR := &github.NewPullRequest{Title: github.String("Restricted"), Head: github.String("pss-bot/restricted"), Base: github.String("main"), Body: github.String("body")}
	pr, resp, err := c.PullRequests.Create(ctx, "acme", "app", newPR)
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(err)
	}
	if pr.GetNumber() != 1 || pr.GetUser().GetLogin() != "pss-bot[bot]" || pr.GetHead().GetRef() != "pss-bot/restricted" || pr.GetState() != "open" {
		t.Errorf("pr = %v", pr)
	}
	_, _, err = c.PullRequests.Create(ctx, "acme", "app", newPR)
	er := wantStatus(t, err, 422)
	if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Message != "A pull request already exists for acme:pss-bot/restricted." || er.Errors[0].Resource != "PullRequest" || er.Errors[0].Code != "custom" {
		t.Errorf("duplicate: %+v", er)
	}
	// No commits between: 422.
	r.Commit("same", "bob", "noop", nil)
	r.SetBranch("same", r.Branch("main"))
	_, _, err = c.PullRequests.Create(ctx, "acme", "app", &github.NewPullRequest{Title: github.String("t"), Head: github.String("same"), Base: github.String("main")})
	if er := wantStatus(t, err, 422); !strings.HasPrefix(er.Errors[0].Message, "No commits between") {
		t.Errorf("no commits: %+v", er.Errors)
	}
	_, _, err = c.PullRequests.Create(ctx, "acme", "app", &github.NewPullRequest{Title: github.String("t"), Head: github.String("missing"), Base: github.String("main")})
	wantStatus(t, err, 422)
	_, _, err = c.PullRequests.Create(ctx, "acme", "app", &github.NewPullRequest{Head: github.String("pss-bot/restricted"), Base: github.String("main")})
	if er := wantStatus(t, err, 422); er.Errors[0].Field != "title" || er.Errors[0].Code != "missing_field" {
		t.Errorf("missing title: %+v", er.Errors)
	}

	// Issues and pulls share numbers.
	iss, _, err := c.Issues.Create(ctx, "acme", "app", &github.IssueRequest{Title: github.String("config error")})
	if err != nil || iss.GetNumber() != 2 {
		t.Fatalf("issue number %d, %v", iss.GetNumber(), err)
	}
	// Filter by head needs owner:branch.
	list, _, err := c.PullRequests.List(ctx, "acme", "app", &github.PullRequestListOptions{Head: "acme:pss-bot/restricted", State: "all"})
	if err != nil || len(list) != 1 {
		t.Fatalf("list by head: %d, %v", len(list), err)
	}
	list, _, _ = c.PullRequests.List(ctx, "acme", "app", &github.PullRequestListOptions{Head: "acme:other"})
	if len(list) != 0 {
		t.Errorf("list by other head: %d", len(list))
	}

	// A person pushes to the PR branch: head follows.
	person := r.Commit("pss-bot/restricted", "carol", "my change", map[string]string{"x": "y"})
	got, _, _ := c.PullRequests.Get(ctx, "acme", "app", 1)
	if got.GetHead().GetSHA() != person {
		t.Errorf("head sha %s, want %s", got.GetHead().GetSHA(), person)
	}

	// Edit and close, then reopen.
	_, _, err = c.PullRequests.Edit(ctx, "acme", "app", 1, &github.PullRequest{Title: github.String("New"), State: github.String("closed")})
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Issue(r, 1); p.State != "closed" || p.Title != "New" || p.Merged {
		t.Errorf("after close: %+v", p)
	}
	if _, _, err := c.PullRequests.Edit(ctx, "acme", "app", 1, &github.PullRequest{State: github.String("open")}); err != nil {
		t.Fatal(err)
	}
	// A closed PR whose branch was force-pushed cannot be reopened.
	s.ClosePR(r, 1)
	kept := r.Branch("pss-bot/restricted")
	r.SetBranch("pss-bot/restricted", r.Branch("main"))
	r.Commit("pss-bot/restricted", "pss-bot[bot]", "regenerated", map[string]string{"deploy/web.yaml": "fixed again\n"})
	_, _, err = c.PullRequests.Edit(ctx, "acme", "app", 1, &github.PullRequest{State: github.String("open")})
	if er := wantStatus(t, err, 422); !strings.Contains(er.Errors[0].Message, "force-pushed or recreated") {
		t.Errorf("reopen after force push: %+v", er.Errors)
	}
	r.SetBranch("pss-bot/restricted", kept)
	if _, _, err := c.PullRequests.Edit(ctx, "acme", "app", 1, &github.PullRequest{State: github.String("open")}); err != nil {
		t.Fatal(err)
	}
	// Deleting the head branch closes the PR; it cannot be reopened.
	if _, err := c.Git.DeleteRef(ctx, "acme", "app", "heads/pss-bot/restricted"); err != nil {
		t.Fatal(err)
	}
	if p := s.Issue(r, 1); p.State != "closed" {
		t.Errorf("PR still %s after its branch was deleted", p.State)
	}
	_, _, err = c.PullRequests.Edit(ctx, "acme", "app", 1, &github.PullRequest{State: github.String("open")})
	if er := wantStatus(t, err, 422); !strings.Contains(er.Errors[0].Message, "branch has been deleted") {
		t.Errorf("reopen: %+v", er.Errors)
	}

	// Reviewers: the author cannot be asked; collaborators can.
	r.Commit("feature", "dave", "f", map[string]string{"f": "1"})
	n := s.CreatePRAs("dave", r, "feature", "main", "feat", "")
	_, _, err = c.PullRequests.RequestReviewers(ctx, "acme", "app", n, github.ReviewersRequest{Reviewers: []string{"dave"}})
	wantStatus(t, err, 422)
	if _, _, err := c.PullRequests.RequestReviewers(ctx, "acme", "app", n, github.ReviewersRequest{Reviewers: []string{"erin"}}); err != nil {
		t.Fatal(err)
	}
	if p := s.Issue(r, n); fmt.Sprint(p.Reviewers) != "[erin]" {
		t.Errorf("reviewers %v", p.Reviewers)
	}
	sha := s.MergePR(r, n, "dave")
	if p := s.Issue(r, n); !p.Merged || p.State != "closed" || r.Branch("main") != sha {
		t.Errorf("merge: %+v", p)
	}
	if f, _ := r.File("main", "f"); f != "1" {
		t.Errorf("merged file %q", f)
	}
}

func TestIssuesCommentsLabels(t *testing.T) {
	s, r := setup(t)
	c := rawClient(t, s, s.Token(instID))
	iss, _, err := c.Issues.Create(ctx, "acme", "app", &github.IssueRequest{
		Title: github.String("pss-bot: configuration error"), Body: github.String("line 3"), Labels: &[]string{"pss-bot"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.CreateIssueAs("frank", r, "unrelated", "")
	list, _, err := c.Issues.ListByRepo(ctx, "acme", "app", &github.IssueListByRepoOptions{Creator: "pss-bot[bot]", Labels: []string{"pss-bot"}})
	if err != nil || len(list) != 1 || list[0].GetNumber() != iss.GetNumber() {
		t.Fatalf("filtered issues: %v %v", list, err)
	}
	// Labels: adding a missing one creates it; creating a duplicate is 422.
	_, _, err = c.Issues.CreateLabel(ctx, "acme", "app", &github.Label{Name: github.String("PSS-BOT"), Color: github.String("ff0000")})
	if er := wantStatus(t, err, 422); er.Errors[0].Code != "already_exists" {
		t.Errorf("label: %+v", er.Errors)
	}
	if _, _, err := c.Issues.AddLabelsToIssue(ctx, "acme", "app", iss.GetNumber(), []string{"security"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Issues.RemoveLabelForIssue(ctx, "acme", "app", iss.GetNumber(), "pss-bot"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Issues.RemoveLabelForIssue(ctx, "acme", "app", iss.GetNumber(), "pss-bot")
	wantStatus(t, err, 404)
	if got := s.Issue(r, iss.GetNumber()).Labels; fmt.Sprint(got) != "[security]" {
		t.Errorf("labels %v", got)
	}
	// Comments: created by the bot, edited in place; people comment too.
	cm, _, err := c.Issues.CreateComment(ctx, "acme", "app", iss.GetNumber(), &github.IssueComment{Body: github.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issues.EditComment(ctx, "acme", "app", cm.GetID(), &github.IssueComment{Body: github.String("edited")}); err != nil {
		t.Fatal(err)
	}
	s.CommentAs("grace", r, iss.GetNumber(), "/pss help")
	cms, _, err := c.Issues.ListComments(ctx, "acme", "app", iss.GetNumber(), nil)
	if err != nil || len(cms) != 2 || cms[0].GetBody() != "edited" || cms[1].GetUser().GetLogin() != "grace" || cms[1].GetAuthorAssociation() != "MEMBER" {
		t.Fatalf("comments %v %v", cms, err)
	}
	_, _, err = c.Issues.CreateComment(ctx, "acme", "app", iss.GetNumber(), &github.IssueComment{})
	wantStatus(t, err, 422)
	// Close the issue; PRs appear in the issues list with pull_request.
	if _, _, err := c.Issues.Edit(ctx, "acme", "app", iss.GetNumber(), &github.IssueRequest{State: github.String("closed")}); err != nil {
		t.Fatal(err)
	}
	r.Commit("b", "bob", "b", map[string]string{"b": "b"})
	s.CreatePRAs("bob", r, "b", "main", "pr", "")
	all, _, err := c.Issues.ListByRepo(ctx, "acme", "app", &github.IssueListByRepoOptions{State: "all"})
	if err != nil || len(all) != 3 {
		t.Fatalf("all issues: %d %v", len(all), err)
	}
	if !all[0].IsPullRequest() || all[1].IsPullRequest() {
		t.Errorf("newest first, PR flagged: %v %v", all[0].IsPullRequest(), all[1].IsPullRequest())
	}
}

func TestContentsAndETag(t *testing.T) {
	s, r := setup(t)
	r.Commit("main", "bob", "config", map[string]string{".github/pss-bot.yaml": "level: restricted\n"})
	c := rawClient(t, s, s.Token(instID))
	fc, _, resp, err := c.Repositories.GetContents(ctx, "acme", "app", ".github/pss-bot.yaml", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatal(err)
	}
	text, err := fc.GetContent()
	if err != nil || text != "level: restricted\n" {
		t.Errorf("content %q %v", text, err)
	}
	etag := resp.Header.Get("ETag")
	_, _, _, err = c.Repositories.GetContents(ctx, "acme", "app", "nope.yaml", nil)
	wantStatus(t, err, 404)

	// A conditional request answers 304 and costs nothing.
	get := func(etag string) *http.Response {
		req, _ := http.NewRequest("GET", s.APIURL+"repos/acme/app/contents/.github/pss-bot.yaml?ref=main", nil)
		req.Header.Set("Authorization", "token "+s.Token(instID))
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	first := get("")
	second := get(etag)
	if second.StatusCode != 304 {
		t.Fatalf("status %d, want 304", second.StatusCode)
	}
	if first.Header.Get("X-RateLimit-Remaining") != second.Header.Get("X-RateLimit-Remaining") {
		t.Errorf("304 counted: remaining %s then %s", first.Header.Get("X-RateLimit-Remaining"), second.Header.Get("X-RateLimit-Remaining"))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource"} {
		if second.Header.Get(h) == "" {
			t.Errorf("304 lacks %s", h)
		}
	}
	// A change makes the ETag stale.
	r.Commit("main", "bob", "config 2", map[string]string{".github/pss-bot.yaml": "level: baseline\n"})
	if resp := get(etag); resp.StatusCode != 200 {
		t.Errorf("after change: %d", resp.StatusCode)
	}
}

func TestRateLimits(t *testing.T) {
	s, _ := setup(t)
	c := rawClient(t, s, s.Token(instID))
	_, resp, err := c.Repositories.Get(ctx, "acme", "app")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 {
		t.Errorf("rate = %+v", resp.Rate)
	}
	s.SecondaryRateLimit(2, 3*time.Second)
	_, _, err = c.Repositories.Get(ctx, "acme", "app")
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != 3*time.Second || !strings.HasPrefix(abuse.Message, "You have exceeded a secondary rate limit") {
		t.Fatalf("secondary: %T %v", err, err)
	}
	// go-github remembers the limit client-side; fresh clients reach the server.
	_, _, err = rawClient(t, s, s.Token(instID)).Repositories.Get(ctx, "acme", "app")
	if !errors.As(err, &abuse) {
		t.Fatalf("second secondary: %v", err)
	}
	c = rawClient(t, s, s.Token(instID))
	if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
		t.Fatalf("after secondary: %v", err)
	}
	s.SecondaryRateLimitStatus(1, time.Second, 429)
	_, resp, err = c.Repositories.Get(ctx, "acme", "app")
	if err == nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("429: %v", err)
	}

	s.SetRateRemaining(instID, 0, time.Hour)
	_, _, err = c.Repositories.Get(ctx, "acme", "app")
	var rl *github.RateLimitError
	if !errors.As(err, &rl) || rl.Rate.Remaining != 0 || !strings.HasPrefix(rl.Message, fmt.Sprintf("API rate limit exceeded for installation ID %d.", instID)) {
		t.Fatalf("primary: %T %v", err, err)
	}
	if time.Until(rl.Rate.Reset.Time) < 50*time.Minute {
		t.Errorf("reset %v", rl.Rate.Reset)
	}
	// The window resets when the clock passes the reset time.
	s.Advance(61 * time.Minute)
	_, resp, err = rawClient(t, s, s.Token(instID)).Repositories.Get(ctx, "acme", "app")
	if err != nil || resp.Rate.Remaining != 4999 {
		t.Fatalf("after reset: %v %+v", err, resp.Rate)
	}
}

func TestStrictErrors(t *testing.T) {
	s, _ := setup(t)
	tok := s.Token(instID)
	do := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, s.APIURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "token "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{"GET", "repos/acme/app/nonsense", "", 404, "Not Found"},
		{"DELETE", "repos/acme/app", "", 404, "Not Found"},
		{"POST", "repos/acme/app/issues", "{bad", 400, "Problems parsing JSON"},
		{"POST", "repos/acme/app/issues", `{"title": 5}`, 422, ""},
		{"POST", "repos/acme/app/issues", `{}`, 422, "Validation Failed"},
		{"POST", "repos/acme/app/git/trees", `{"tree":[{"path":"/abs","mode":"100644","type":"blob","content":"x"}]}`, 422, ""},
		{"POST", "repos/acme/app/git/commits", `{"message":"m","tree":"` + strings.Repeat("0", 40) + `"}`, 422, "Tree SHA does not exist"},
		{"GET", "repos/acme/app/pulls?state=weird", "", 422, "Validation Failed"},
	} {
		st, m := do(tc.method, tc.path, tc.body)
		if st != tc.status || (tc.message != "" && m["message"] != tc.message) {
			t.Errorf("%s %s: %d %v, want %d %q", tc.method, tc.path, st, m["message"], tc.status, tc.message)
		}
		if m["documentation_url"] == nil {
			t.Errorf("%s %s: no documentation_url", tc.method, tc.path)
		}
	}
	// Served at the root as well as /api/v3/.
	req, _ := http.NewRequest("GET", s.URL+"/repos/acme/app", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("root layout: %d", resp.StatusCode)
	}
	// Injected failures are consumed once.
	s.FailNext("POST", "/repos/*/*/pulls", 502)
	if st, _ := do("POST", "repos/acme/app/pulls", `{}`); st != 502 {
		t.Errorf("FailNext: %d", st)
	}
	if st, _ := do("POST", "repos/acme/app/pulls", `{}`); st != 422 {
		t.Errorf("after FailNext: %d", st)
	}
	// Permissions are enforced: a read-only token cannot write.
	s.Repo("acme/app")
	in := s.AddInstallation(9, "ro")
	in.Permissions = map[string]string{"contents": "read", "metadata": "read"}
	s.AddRepo(9, "ro/x", fakegithub.RepoOptions{}).Commit("main", "bob", "x", map[string]string{"a": "b"})
	_, _, err = rawClient(t, s, s.Token(9)).Git.CreateBlob(ctx, "ro", "x", &github.Blob{Content: github.String("x")})
	if er := wantStatus(t, err, 403); er.Message != "Resource not accessible by integration" {
		t.Errorf("message %q", er.Message)
	}
}

func TestRecording(t *testing.T) {
	s, _ := setup(t)
	c := rawClient(t, s, s.Token(instID))
	s.Reset()
	c.Repositories.Get(ctx, "acme", "app")
	c.Issues.Create(ctx, "acme", "app", &github.IssueRequest{Title: github.String("x")})
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Write || !reqs[1].Write || reqs[1].Status != 201 || reqs[1].Path != "/repos/acme/app/issues" || reqs[1].InstallationID != instID {
		t.Errorf("requests %+v", reqs)
	}
	if s.CountWrites() != 1 {
		t.Errorf("writes %d", s.CountWrites())
	}
}

func TestHookDeliveries(t *testing.T) {
	s, _ := setup(t)
	for i := 0; i < 5; i++ {
		code := 200
		if i%2 == 1 {
			code = 503
		}
		s.AddDelivery(fakegithub.Delivery{Event: "push", StatusCode: code, InstallationID: instID})
	}
	app := appClient(t, s, s.PrivateKeyPEM)
	opts := &github.ListCursorOptions{PerPage: 2}
	var got []*github.HookDelivery
	pages := 0
	for {
		ds, resp, err := app.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, ds...)
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	if pages != 3 || len(got) != 5 || got[0].GetID() < got[4].GetID() {
		t.Fatalf("deliveries: %d pages, %d", pages, len(got))
	}
	var failed []int64
	for _, d := range got {
		if d.GetStatusCode() >= 400 {
			failed = append(failed, d.GetID())
			if d.GetStatus() != "Invalid HTTP Response: 503" {
				t.Errorf("status %q", d.GetStatus())
			}
		}
	}
	for _, id := range failed {
		_, _, err := app.Apps.RedeliverHookDelivery(ctx, id)
		var acc *github.AcceptedError
		if !errors.As(err, &acc) {
			t.Fatalf("redeliver: %v", err)
		}
	}
	if fmt.Sprint(s.Redelivered()) != fmt.Sprint(failed) {
		t.Errorf("redelivered %v, want %v", s.Redelivered(), failed)
	}
	if n := len(s.Deliveries()); n != 7 {
		t.Errorf("deliveries after redelivery: %d", n)
	}
}

func TestWebhookDelivery(t *testing.T) {
	s, _ := setup(t)
	var got []string
	hook := http.NewServeMux()
	hook.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Hub-Signature-256") == "" || r.Header.Get("X-GitHub-Event") != "push" {
			w.WriteHeader(400)
			return
		}
		got = append(got, string(body))
		w.WriteHeader(202)
	})
	srv := newHTTPServer(t, hook)
	s.SetWebhook(srv+"/hook", "secret")
	st, err := s.Deliver("push", map[string]any{"ref": "refs/heads/main", "installation": map[string]any{"id": instID}})
	if err != nil || st != 202 || len(got) != 1 {
		t.Fatalf("deliver: %d %v %v", st, err, got)
	}
	d := s.Deliveries()
	if len(d) != 1 || d[0].InstallationID != instID || d[0].StatusCode != 202 {
		t.Errorf("delivery %+v", d)
	}
}

func TestGitCloneShallow(t *testing.T) {
	s, r := setup(t)
	r.Commit("main", "bob", "second", map[string]string{"deploy/web.yaml": "kind: Deployment\nv: 2\n"})
	tok := s.Token(instID)
	clone := func(auth *githttp.BasicAuth) (*git.Repository, error) {
		return git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &git.CloneOptions{
			URL: r.CloneURL(), Auth: auth, Depth: 1, SingleBranch: true,
			ReferenceName: plumbing.NewBranchReferenceName("main"),
		})
	}
	repo, err := clone(&githttp.BasicAuth{Username: "x-access-token", Password: tok})
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil || head.Hash().String() != r.Branch("main") {
		t.Fatalf("head %v %v", head, err)
	}
	wt, _ := repo.Worktree()
	f, err := wt.Filesystem.Open("deploy/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	if string(b) != "kind: Deployment\nv: 2\n" {
		t.Errorf("file %q", b)
	}
	// Shallow: only one commit is present.
	commit, _ := repo.CommitObject(head.Hash())
	if _, err := commit.Parent(0); !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Errorf("parent of a depth-1 clone: %v", err)
	}
	if s.CountClones() != 1 {
		t.Errorf("clones %d", s.CountClones())
	}

	for name, auth := range map[string]*githttp.BasicAuth{
		"none": nil, "bad": {Username: "x-access-token", Password: "ghs_wrong"},
		"user": {Username: "someone", Password: tok},
	} {
		if _, err := clone(auth); err == nil || !strings.Contains(err.Error(), "authentication required") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Another installation's token cannot read the repository.
	s.AddInstallation(8, "other")
	if _, err := clone(&githttp.BasicAuth{Username: "x-access-token", Password: s.Token(8)}); err == nil {
		t.Error("clone with a foreign token succeeded")
	}
}

func TestGitPushMovesPR(t *testing.T) {
	s, r := setup(t)
	tok := s.Token(instID)
	r.Commit("pss-bot/restricted", "pss-bot[bot]", "fix", map[string]string{"a": "1"})
	n := s.CreatePRAs(s.BotLogin(), r, "pss-bot/restricted", "main", "t", "")
	auth := &githttp.BasicAuth{Username: "x-access-token", Password: tok}
	repo, err := git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &git.CloneOptions{
		URL: r.CloneURL(), Auth: auth, ReferenceName: plumbing.NewBranchReferenceName("pss-bot/restricted"), SingleBranch: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	fh, _ := wt.Filesystem.Create("b")
	fh.Write([]byte("2"))
	fh.Close()
	wt.Add("b")
	sha, err := wt.Commit("person", &git.CommitOptions{Author: &object.Signature{Name: "Heidi", Email: "heidi@example.com", When: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.PushContext(ctx, &git.PushOptions{Auth: auth}); err != nil {
		t.Fatal(err)
	}
	if p := s.Issue(r, n); p.HeadSHA != sha.String() {
		t.Errorf("PR head %s, want pushed %s", p.HeadSHA, sha)
	}
	if s.CountWrites() != 1 {
		t.Errorf("push writes %d", s.CountWrites())
	}
}

func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestEventPayloads(t *testing.T) {
	s, r := setup(t)
	before := r.Branch("main")
	r.Commit("main", "ivan", "tweak", map[string]string{"deploy/web.yaml": "kind: Deployment\nv: 3\n", "deploy/job.yaml": fakegithub.Delete})
	var got []any
	hook := http.NewServeMux()
	hook.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		body, err := github.ValidatePayload(r, []byte("s3cret"))
		if err != nil {
			w.WriteHeader(401)
			return
		}
		ev, err := github.ParseWebHook(github.WebHookType(r), body)
		if err != nil {
			w.WriteHeader(400)
			return
		}
		got = append(got, ev)
		w.WriteHeader(202)
	})
	s.SetWebhook(newHTTPServer(t, hook)+"/hook", "s3cret")
	for _, tc := range []struct {
		event   string
		payload any
	}{
		{"push", s.PushEvent(r, "main", before, "ivan")},
		{"installation", s.InstallationEvent(instID, "created", "acme-admin")},
		{"installation_repositories", s.InstallationRepositoriesEvent(instID, "added", "acme-admin", r)},
	} {
		if st, err := s.Deliver(tc.event, tc.payload); err != nil || st != 202 {
			t.Fatalf("%s: %d %v", tc.event, st, err)
		}
	}
	push := got[0].(*github.PushEvent)
	hc := push.GetHeadCommit()
	if push.GetAfter() != r.Branch("main") || push.GetRepo().GetDefaultBranch() != "main" || push.GetInstallation().GetID() != instID ||
		fmt.Sprint(hc.Modified, hc.Removed) != "[deploy/web.yaml] [deploy/job.yaml]" || hc.GetAuthor().GetLogin() != "ivan" {
		t.Errorf("push = %+v", push)
	}
	if ins := got[1].(*github.InstallationEvent); len(ins.Repositories) != 1 || ins.GetAction() != "created" {
		t.Errorf("installation = %+v", ins)
	}
	if d := s.Deliveries(); len(d) != 3 || d[0].Event != "push" || d[1].Action != "created" || d[1].InstallationID != instID {
		t.Errorf("deliveries %+v", d)
	}
	// Pull request and comment events reflect the state.
	r.Commit("x", "ivan", "x", map[string]string{"x": "1"})
	n := s.CreatePRAs("ivan", r, "x", "main", "t", "")
	id := s.CommentAs("ivan", r, n, "/pss help")
	if ev := s.IssueCommentEvent(r, id, "created"); ev.GetIssue().GetNumber() != n || !ev.GetIssue().IsPullRequest() || ev.GetComment().GetBody() != "/pss help" {
		t.Errorf("comment event %+v", ev)
	}
	s.ClosePR(r, n)
	if ev := s.PullRequestEvent(r, n, "closed", "ivan"); ev.GetPullRequest().GetMerged() || ev.GetPullRequest().GetState() != "closed" {
		t.Errorf("pr event %+v", ev)
	}
}

func TestHold(t *testing.T) {
	s, _ := setup(t)
	c := rawClient(t, s, s.Token(instID))
	reached, release := s.Hold("POST", "/repos/*/*/issues")
	done := make(chan error)
	go func() {
		_, _, err := c.Issues.Create(ctx, "acme", "app", &github.IssueRequest{Title: github.String("held")})
		done <- err
	}()
	<-reached
	// Other requests go on meanwhile.
	if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Issues(s.Repo("acme/app"))); n != 0 {
		t.Fatalf("held request ran: %d issues", n)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(s.Issues(s.Repo("acme/app"))); n != 1 {
		t.Errorf("issues %d", n)
	}
}
