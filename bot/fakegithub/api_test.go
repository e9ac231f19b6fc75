package fakegithub_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/bot/fakegithub"
)

// post sends a raw authenticated JSON request and decodes the answer.
func post(t *testing.T, s *fakegithub.Server, auth, method, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.APIURL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestTokenNarrowingAndSuspension(t *testing.T) {
	s, _ := setup(t)
	s.AddRepo(instID, "acme/other", fakegithub.RepoOptions{}).Commit("main", "bob", "x", map[string]string{"a": "b"})
	app := appClient(t, s, s.PrivateKeyPEM)
	tok, resp, err := app.Apps.CreateInstallationToken(ctx, instID, &github.InstallationTokenOptions{
		Repositories: []string{"app"},
		Permissions:  &github.InstallationPermissions{Contents: github.String("read"), Metadata: github.String("read")},
	})
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(err)
	}
	if tok.GetExpiresAt().Sub(tok.GetExpiresAt().Time.Add(-3600e9)) <= 0 || len(tok.Repositories) != 1 || tok.GetPermissions().GetContents() != "read" {
		t.Errorf("token = %+v", tok)
	}
	c := rawClient(t, s, tok.GetToken())
	if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Repositories.Get(ctx, "acme", "other")
	wantStatus(t, err, 404)
	_, _, err = c.Git.CreateBlob(ctx, "acme", "app", &github.Blob{Content: github.String("x")})
	wantStatus(t, err, 403)
	_, _, err = c.Issues.ListByRepo(ctx, "acme", "app", nil)
	wantStatus(t, err, 403)

	_, _, err = app.Apps.CreateInstallationToken(ctx, instID, &github.InstallationTokenOptions{
		Permissions: &github.InstallationPermissions{Administration: github.String("write")},
	})
	wantStatus(t, err, 422)
	_, _, err = app.Apps.CreateInstallationToken(ctx, instID, &github.InstallationTokenOptions{Repositories: []string{"nope"}})
	wantStatus(t, err, 422)
	_, _, err = app.Apps.CreateInstallationToken(ctx, 999, nil)
	wantStatus(t, err, 404)
	in := s.AddInstallation(10, "gone")
	in.Suspended = true
	_, _, err = app.Apps.CreateInstallationToken(ctx, 10, nil)
	wantStatus(t, err, 403)
}

func TestTreeEdgeCases(t *testing.T) {
	s, r := setup(t)
	auth := "token " + s.Token(instID)
	c := rawClient(t, s, s.Token(instID))
	// base64 blob, binary content.
	bin := []byte{0, 1, 2, 255}
	blob, _, err := c.Git.CreateBlob(ctx, "acme", "app", &github.Blob{Content: github.String(base64.StdEncoding.EncodeToString(bin)), Encoding: github.String("base64")})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Git.GetBlob(ctx, "acme", "app", blob.GetSHA())
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := base64.StdEncoding.DecodeString(got.GetContent()); !bytes.Equal(raw, bin) {
		t.Errorf("blob round trip %v", raw)
	}
	base := r.Log("main")[0].Tree
	docs, _, _ := c.Git.GetTree(ctx, "acme", "app", base, false)
	var docsSHA string
	for _, e := range docs.Entries {
		if e.GetPath() == "docs" {
			docsSHA = e.GetSHA()
		}
	}
	// A tree without base_tree holds only its entries; a tree entry copies a
	// directory; a file may replace a directory; symlinks keep their mode.
	tree, _, err := c.Git.CreateTree(ctx, "acme", "app", "", []*github.TreeEntry{
		{Path: github.String("copy"), Mode: github.String("040000"), Type: github.String("tree"), SHA: &docsSHA},
		{Path: github.String("bin.dat"), Mode: github.String("100755"), Type: github.String("blob"), SHA: blob.SHA},
		{Path: github.String("link"), Mode: github.String("120000"), Type: github.String("blob"), Content: github.String("bin.dat")},
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, _, err := c.Git.CreateCommit(ctx, "acme", "app", &github.Commit{Message: github.String("root"), Tree: tree}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.SetBranch("orphan", commit.GetSHA())
	files := r.Files("orphan")
	if fmt.Sprint(files) != fmt.Sprint(map[string]string{"bin.dat": string(bin), "copy/a/b/c/d.txt": "deep\n", "link": "bin.dat"}) {
		t.Errorf("files %q", files)
	}
	fc, _, _, err := c.Repositories.GetContents(ctx, "acme", "app", "link", &github.RepositoryContentGetOptions{Ref: "orphan"})
	if err != nil || fc.GetType() != "symlink" || fc.GetTarget() != "bin.dat" {
		t.Errorf("symlink contents %v %v", fc, err)
	}
	tree2, _, err := c.Git.CreateTree(ctx, "acme", "app", tree.GetSHA(), []*github.TreeEntry{
		{Path: github.String("copy"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("now a file")},
	})
	if err != nil {
		t.Fatal(err)
	}
	gt, _, _ := c.Git.GetTree(ctx, "acme", "app", tree2.GetSHA(), true)
	if len(gt.Entries) != 3 {
		t.Errorf("file over dir: %d entries", len(gt.Entries))
	}
	for name, entry := range map[string]map[string]any{
		"bad mode":     {"path": "a", "mode": "100600", "type": "blob", "content": "x"},
		"missing blob": {"path": "a", "mode": "100644", "type": "blob", "sha": strings.Repeat("1", 40)},
		"both":         {"path": "a", "mode": "100644", "type": "blob", "sha": blob.GetSHA(), "content": "x"},
		"dotdot":       {"path": "a/../b", "mode": "100644", "type": "blob", "content": "x"},
		"type clash":   {"path": "a", "mode": "100644", "type": "tree", "content": "x"},
	} {
		if st, _ := post(t, s, auth, "POST", "repos/acme/app/git/trees", map[string]any{"tree": []any{entry}}); st != 422 {
			t.Errorf("%s: %d, want 422", name, st)
		}
	}
	if st, m := post(t, s, auth, "POST", "repos/acme/app/git/commits", map[string]any{"message": "m", "tree": tree.GetSHA(), "parents": []string{strings.Repeat("2", 40)}}); st != 422 {
		t.Errorf("bad parent: %d %v", st, m)
	}
	// A commit with an explicit committer is not signed by GitHub.
	st, m := post(t, s, auth, "POST", "repos/acme/app/git/commits", map[string]any{
		"message": "m", "tree": tree.GetSHA(),
		"author":    map[string]any{"name": "A", "email": "a@example.com", "date": "2024-01-02T03:04:05Z"},
		"committer": map[string]any{"name": "A", "email": "a@example.com"},
	})
	if st != 201 || m["verification"].(map[string]any)["verified"] != false || m["author"].(map[string]any)["date"] != "2024-01-02T03:04:05Z" {
		t.Errorf("custom committer: %d %v", st, m)
	}
}

func TestCompareFilesCommitsChecks(t *testing.T) {
	s, r := setup(t)
	c := rawClient(t, s, s.Token(instID))
	r.Commit("feat", "bob", "one", map[string]string{"new.yaml": "n"})
	head := r.Commit("feat", "bob", "two", map[string]string{"deploy/job.yaml": fakegithub.Delete, "README.md": "changed"})
	cmp, _, err := c.Repositories.CompareCommits(ctx, "acme", "app", "main", "feat", nil)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range cmp.Files {
		files = append(files, f.GetStatus()+":"+f.GetFilename())
	}
	if cmp.GetStatus() != "ahead" || cmp.GetAheadBy() != 2 || len(cmp.Commits) != 2 ||
		fmt.Sprint(files) != "[modified:README.md removed:deploy/job.yaml added:new.yaml]" {
		t.Errorf("compare %s ahead %d files %v", cmp.GetStatus(), cmp.GetAheadBy(), files)
	}
	n := s.CreatePRAs("bob", r, "feat", "main", "feat", "")
	pcs, _, err := c.PullRequests.ListCommits(ctx, "acme", "app", n, nil)
	if err != nil || len(pcs) != 2 || pcs[1].GetSHA() != head {
		t.Errorf("pr commits %v %v", len(pcs), err)
	}
	pfs, _, err := c.PullRequests.ListFiles(ctx, "acme", "app", n, nil)
	if err != nil || len(pfs) != 3 {
		t.Errorf("pr files %v %v", len(pfs), err)
	}
	pr, _, _ := c.PullRequests.Get(ctx, "acme", "app", n)
	if pr.GetCommits() != 2 || pr.GetChangedFiles() != 3 || pr.GetBase().GetSHA() != r.Branch("main") {
		t.Errorf("pr counts %d %d", pr.GetCommits(), pr.GetChangedFiles())
	}
	// Check runs.
	cr, _, err := c.Checks.CreateCheckRun(ctx, "acme", "app", github.CreateCheckRunOptions{Name: "pss-bot", HeadSHA: head, Status: github.String("in_progress")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Checks.UpdateCheckRun(ctx, "acme", "app", cr.GetID(), github.UpdateCheckRunOptions{Name: "pss-bot", Status: github.String("completed")})
	wantStatus(t, err, 422)
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "acme", "app", cr.GetID(), github.UpdateCheckRunOptions{
		Name: "pss-bot", Conclusion: github.String("failure"),
		Output: &github.CheckRunOutput{Title: github.String("3 violations"), Summary: github.String("…")},
	}); err != nil {
		t.Fatal(err)
	}
	list, _, err := c.Checks.ListCheckRunsForRef(ctx, "acme", "app", "feat", nil)
	if err != nil || list.GetTotal() != 1 || list.CheckRuns[0].GetConclusion() != "failure" || list.CheckRuns[0].GetStatus() != "completed" {
		t.Errorf("check runs %v %v", list, err)
	}
	if runs := s.CheckRuns(r); len(runs) != 1 || runs[0].Title != "3 violations" {
		t.Errorf("CheckRuns %+v", runs)
	}
}

func TestLabelsAndIssueEdits(t *testing.T) {
	s, r := setup(t)
	c := rawClient(t, s, s.Token(instID))
	if _, _, err := c.Issues.CreateLabel(ctx, "acme", "app", &github.Label{Name: github.String("pss-bot"), Color: github.String("#00ff00")}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Issues.CreateLabel(ctx, "acme", "app", &github.Label{Name: github.String("bad"), Color: github.String("green")})
	wantStatus(t, err, 422)
	if _, _, err := c.Issues.EditLabel(ctx, "acme", "app", "pss-bot", &github.Label{Name: github.String("pss"), Description: github.String("d")}); err != nil {
		t.Fatal(err)
	}
	l, _, err := c.Issues.GetLabel(ctx, "acme", "app", "pss")
	if err != nil || l.GetColor() != "00ff00" || l.GetDescription() != "d" {
		t.Errorf("label %v %v", l, err)
	}
	n := s.CreateIssueAs("judy", r, "bug", "body")
	if _, _, err := c.Issues.Edit(ctx, "acme", "app", n, &github.IssueRequest{Labels: &[]string{"pss", "bug"}, State: github.String("closed"), StateReason: github.String("not_planned")}); err != nil {
		t.Fatal(err)
	}
	is := s.Issue(r, n)
	if fmt.Sprint(is.Labels) != "[pss bug]" || is.State != "closed" || is.StateReason != "not_planned" {
		t.Errorf("issue %+v", is)
	}
	if _, err := c.Issues.DeleteLabel(ctx, "acme", "app", "pss"); err != nil {
		t.Fatal(err)
	}
	if is := s.Issue(r, n); fmt.Sprint(is.Labels) != "[bug]" {
		t.Errorf("labels after delete %v", is.Labels)
	}
	// Names with spaces travel escaped in paths.
	if _, _, err := c.Issues.AddLabelsToIssue(ctx, "acme", "app", n, []string{"needs review"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Issues.RemoveLabelForIssue(ctx, "acme", "app", n, "needs review"); err != nil {
		t.Fatal(err)
	}
	// The bot's own issue, reopened.
	if _, _, err := c.Issues.Edit(ctx, "acme", "app", n, &github.IssueRequest{State: github.String("open")}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Issues.Get(ctx, "acme", "app", 99)
	wantStatus(t, err, 404)
	_, _, err = c.PullRequests.Get(ctx, "acme", "app", n) // an issue is not a pull
	wantStatus(t, err, 404)
}

func TestConcurrentClients(t *testing.T) {
	s, r := setup(t)
	tok := s.Token(instID)
	s.Reset()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := rawClient(t, s, tok)
			for j := 0; j < 5; j++ {
				if _, _, err := c.Issues.Create(ctx, "acme", "app", &github.IssueRequest{Title: github.String(fmt.Sprintf("%d-%d", i, j))}); err != nil {
					errs <- err
				}
				if _, _, err := c.Repositories.Get(ctx, "acme", "app"); err != nil {
					errs <- err
				}
			}
			if i%4 == 0 {
				_, err := git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &git.CloneOptions{
					URL: r.CloneURL(), Auth: &githttp.BasicAuth{Username: "x-access-token", Password: tok}, Depth: 1,
				})
				if err != nil {
					errs <- err
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(s.Issues(r)); n != 40 {
		t.Errorf("issues %d, want 40", n)
	}
	if s.CountWrites() != 40 || s.Count("GET", "/repos/acme/app") != 40 || s.CountClones() != 2 {
		t.Errorf("writes %d, gets %d, clones %d", s.CountWrites(), s.Count("GET", "/repos/acme/app"), s.CountClones())
	}
}
