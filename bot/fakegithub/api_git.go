package fakegithub

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// The Git Data API writes real objects into the bare repository. Like
// GitHub, it answers 409 "Git Repository is empty." on a repository without
// any commit.

func invalid(msg string) (int, any) {
	return fail(http.StatusUnprocessableEntity, "Invalid request.\n\n"+msg)
}

// POST /repos/{owner}/{repo}/git/blobs
func (s *Server) createBlob(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	var in struct {
		Content  *string `json:"content"`
		Encoding *string `json:"encoding"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Content == nil {
		return invalid(`"content" wasn't supplied.`)
	}
	data := []byte(*in.Content)
	if in.Encoding != nil {
		switch *in.Encoding {
		case "utf-8":
		case "base64":
			d, err := base64.StdEncoding.DecodeString(*in.Content)
			if err != nil {
				return invalid("content is not valid Base64")
			}
			data = d
		default:
			return invalid(fmt.Sprintf("encoding %q is not a supported encoding", *in.Encoding))
		}
	}
	sha, err := r.hashObject(data)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusCreated, map[string]string{"sha": sha, "url": s.api("/repos/%s/git/blobs/%s", r.FullName(), sha)}
}

// GET /repos/{owner}/{repo}/git/blobs/{sha}
func (s *Server) getBlob(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	sha := c.params["sha"]
	if r.objType(sha) != "blob" {
		return notFound()
	}
	data, err := r.catBlob(sha)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusOK, &github.Blob{
		SHA: ptr(sha), NodeID: ptr("B_fake" + sha[:12]), Size: ptr(len(data)),
		Content: ptr(wrap60(base64.StdEncoding.EncodeToString(data))), Encoding: ptr("base64"),
		URL: ptr(s.api("/repos/%s/git/blobs/%s", r.FullName(), sha)),
	}
}

// GET /repos/{owner}/{repo}/git/commits/{sha}
func (s *Server) getGitCommit(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	gc, err := r.readCommit(c.params["sha"])
	if err != nil {
		return notFound()
	}
	return http.StatusOK, r.gitCommitJSON(gc)
}

type identIn struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Date  *string `json:"date"`
}

func (s *Server) parseIdentIn(in *identIn, field string) (ident, string) {
	if in.Name == nil || in.Email == nil {
		return ident{}, fmt.Sprintf(`"name" and "email" are required in %q.`, field)
	}
	id := ident{name: *in.Name, email: *in.Email, when: s.now()}
	if in.Date != nil {
		t, err := time.Parse(time.RFC3339, *in.Date)
		if err != nil {
			return ident{}, fmt.Sprintf("%s.date %q is not a valid date-time.", field, *in.Date)
		}
		id.when = t.UTC()
	}
	return id, ""
}

// POST /repos/{owner}/{repo}/git/commits
func (s *Server) createGitCommit(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	var in struct {
		Message   *string  `json:"message"`
		Tree      *string  `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *identIn `json:"author"`
		Committer *identIn `json:"committer"`
		Signature *string  `json:"signature"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Message == nil {
		return invalid(`"message" wasn't supplied.`)
	}
	if in.Tree == nil {
		return invalid(`"tree" wasn't supplied.`)
	}
	if r.objType(*in.Tree) != "tree" {
		return fail(http.StatusUnprocessableEntity, "Tree SHA does not exist")
	}
	for _, p := range in.Parents {
		if r.objType(p) != "commit" {
			return fail(http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object")
		}
	}
	author := ident{s.BotLogin(), s.BotEmail(), s.now()}
	if in.Author != nil {
		var msg string
		if author, msg = s.parseIdentIn(in.Author, "author"); msg != "" {
			return invalid(msg)
		}
	}
	// GitHub signs commits made through the API when it is the committer
	// (no committer given, no signature supplied): committer "GitHub".
	committer := ident{"GitHub", "noreply@github.com", s.now()}
	signed := in.Committer == nil && in.Signature == nil
	if in.Committer != nil {
		var msg string
		if committer, msg = s.parseIdentIn(in.Committer, "committer"); msg != "" {
			return invalid(msg)
		}
	}
	sha, err := r.commitTree(*in.Tree, in.Parents, author, committer, *in.Message)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	if signed {
		r.verified[sha] = true
	}
	gc, err := r.readCommit(sha)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusCreated, r.gitCommitJSON(gc)
}

// GET /repos/{owner}/{repo}/git/trees/{sha...}
func (s *Server) getTree(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	sha, ok := r.resolve(c.params["sha"], "tree")
	if !ok {
		return notFound()
	}
	return http.StatusOK, r.treeJSON(sha, c.query.Has("recursive"))
}

func (r *Repo) treeJSON(sha string, recursive bool) *github.Tree {
	entries, _ := r.lsTree(sha, recursive, true)
	out := []*github.TreeEntry{}
	for _, e := range entries {
		te := &github.TreeEntry{Path: ptr(e.path), Mode: ptr(e.mode), Type: ptr(e.typ), SHA: ptr(e.sha)}
		switch e.typ {
		case "blob":
			te.Size = ptr(int(e.size))
			te.URL = ptr(r.s.api("/repos/%s/git/blobs/%s", r.FullName(), e.sha))
		case "tree":
			te.URL = ptr(r.s.api("/repos/%s/git/trees/%s", r.FullName(), e.sha))
		}
		out = append(out, te)
	}
	return &github.Tree{SHA: ptr(sha), Entries: out, Truncated: ptr(false)}
}

func validTreePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.EqualFold(seg, ".git") || strings.ContainsRune(seg, 0) {
			return false
		}
	}
	return true
}

// POST /repos/{owner}/{repo}/git/trees
func (s *Server) createTree(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	var in struct {
		BaseTree *string `json:"base_tree"`
		Tree     []struct {
			Path    *string         `json:"path"`
			Mode    *string         `json:"mode"`
			Type    *string         `json:"type"`
			SHA     json.RawMessage `json:"sha"`
			Content *string         `json:"content"`
		} `json:"tree"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Tree == nil {
		return invalid(`"tree" wasn't supplied.`)
	}
	base := ""
	if in.BaseTree != nil {
		sha, ok := r.resolve(*in.BaseTree, "tree")
		if !ok || len(*in.BaseTree) != 40 {
			return fail(http.StatusUnprocessableEntity, "Invalid tree info")
		}
		base = sha
	}
	var edits []treeEdit
	for i, e := range in.Tree {
		field := fmt.Sprintf("tree[%d]", i)
		if e.Path == nil {
			return invalid(fmt.Sprintf(`"path" wasn't supplied for %s.`, field))
		}
		if !validTreePath(*e.Path) {
			return fail(http.StatusUnprocessableEntity, "tree.path contains a malformed path component")
		}
		isNull := string(e.SHA) == "null"
		hasSHA := len(e.SHA) > 0 && !isNull
		if isNull && e.Content == nil {
			edits = append(edits, treeEdit{path: *e.Path, del: true})
			continue
		}
		if hasSHA == (e.Content != nil) || isNull {
			return fail(http.StatusUnprocessableEntity, "Must supply either tree.sha or tree.content. Request will be rejected if both are present.")
		}
		if e.Mode == nil {
			return invalid(fmt.Sprintf(`"mode" wasn't supplied for %s.`, field))
		}
		wantType := map[string]string{"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}[*e.Mode]
		if wantType == "" {
			return invalid(fmt.Sprintf("%s.mode %q is not a valid mode.", field, *e.Mode))
		}
		if e.Type != nil && *e.Type != wantType {
			return invalid(fmt.Sprintf("%s.type %q does not match mode %s.", field, *e.Type, *e.Mode))
		}
		var sha string
		if e.Content != nil {
			if wantType != "blob" {
				return invalid(fmt.Sprintf("%s: content is only valid for blobs.", field))
			}
			var err error
			if sha, err = r.hashObject([]byte(*e.Content)); err != nil {
				return fail(http.StatusInternalServerError, err.Error())
			}
		} else {
			if err := json.Unmarshal(e.SHA, &sha); err != nil {
				return invalid(fmt.Sprintf("%s.sha is not a string.", field))
			}
			if wantType != "commit" && r.objType(sha) != wantType {
				return fail(http.StatusUnprocessableEntity, fmt.Sprintf("tree.sha %s is not a valid %s", sha, wantType))
			}
		}
		edits = append(edits, treeEdit{path: *e.Path, mode: *e.Mode, typ: wantType, sha: sha})
	}
	sha, err := r.writeTree(base, edits)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusCreated, r.treeJSON(sha, false)
}

func (r *Repo) refJSON(name, sha string) *github.Reference {
	typ := r.objType(sha)
	kind := typ + "s"
	return &github.Reference{
		Ref: ptr(name), NodeID: ptr("REF_fake" + sha[:8]), URL: ptr(r.s.api("/repos/%s/git/%s", r.FullName(), name)),
		Object: &github.GitObject{Type: ptr(typ), SHA: ptr(sha), URL: ptr(r.s.api("/repos/%s/git/%s/%s", r.FullName(), kind, sha))},
	}
}

// GET /repos/{owner}/{repo}/git/ref/{ref...}; legacy GET .../git/refs/{ref...}
// answers an array when the ref is only a prefix.
func (s *Server) getRef(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	name := "refs/" + c.params["ref"]
	refs := r.refs("refs/")
	if sha, ok := refs[name]; ok {
		return http.StatusOK, r.refJSON(name, sha)
	}
	if strings.HasPrefix(c.path, "/repos/"+c.params["owner"]+"/"+c.params["repo"]+"/git/refs/") {
		out := []*github.Reference{}
		for _, n := range sortedKeys(refs) {
			if strings.HasPrefix(n, name+"/") {
				out = append(out, r.refJSON(n, refs[n]))
			}
		}
		if len(out) > 0 {
			return http.StatusOK, out
		}
	}
	return notFound()
}

// GET /repos/{owner}/{repo}/git/matching-refs/{ref...} and GET .../git/refs
func (s *Server) matchingRefs(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	prefix := "refs/" + c.params["ref"]
	refs := r.refs("refs/")
	var names []string
	for _, n := range sortedKeys(refs) {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	lo, hi := len(names), len(names)
	if c.params["ref"] == "" {
		lo, hi = c.paginate(len(names))
	} else {
		lo = 0
	}
	out := []*github.Reference{}
	for _, n := range names[lo:hi] {
		out = append(out, r.refJSON(n, refs[n]))
	}
	return http.StatusOK, out
}

func checkRefFormat(name string) bool {
	if !strings.HasPrefix(name, "refs/") || strings.Count(name, "/") < 2 || !validRefName(name) {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") || strings.HasSuffix(seg, ".lock") {
			return false
		}
	}
	return !strings.HasSuffix(name, ".") && !strings.Contains(name, "@{")
}

// POST /repos/{owner}/{repo}/git/refs
func (s *Server) createRef(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	var in struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Ref == nil {
		return invalid(`"ref" wasn't supplied.`)
	}
	if in.SHA == nil {
		return invalid(`"sha" wasn't supplied.`)
	}
	if !checkRefFormat(*in.Ref) {
		return fail(http.StatusUnprocessableEntity, "Reference name is invalid")
	}
	if _, ok := r.refs("refs/")[*in.Ref]; ok {
		return fail(http.StatusUnprocessableEntity, "Reference already exists")
	}
	if r.objType(*in.SHA) == "" {
		return fail(http.StatusUnprocessableEntity, "Object does not exist")
	}
	if strings.HasPrefix(*in.Ref, "refs/heads/") && r.objType(*in.SHA) != "commit" {
		return fail(http.StatusUnprocessableEntity, "Object is not a commit")
	}
	if err := r.setRef(*in.Ref, *in.SHA); err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusCreated, r.refJSON(*in.Ref, *in.SHA)
}

// PATCH /repos/{owner}/{repo}/git/refs/{ref...}
func (s *Server) updateRef(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	var in struct {
		SHA   *string `json:"sha"`
		Force *bool   `json:"force"`
	}
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.SHA == nil {
		return invalid(`"sha" wasn't supplied.`)
	}
	name := "refs/" + c.params["ref"]
	old, ok := r.refs("refs/")[name]
	if !ok {
		return fail(http.StatusUnprocessableEntity, "Reference does not exist")
	}
	if r.objType(*in.SHA) == "" {
		return fail(http.StatusUnprocessableEntity, "Object does not exist")
	}
	force := in.Force != nil && *in.Force
	if !force && !r.isAncestor(old, *in.SHA) {
		return fail(http.StatusUnprocessableEntity, "Update is not a fast forward")
	}
	if err := r.setRef(name, *in.SHA); err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusOK, r.refJSON(name, *in.SHA)
}

// DELETE /repos/{owner}/{repo}/git/refs/{ref...}
func (s *Server) deleteRefAPI(c *call) (int, any) {
	r := c.repo
	if r.isEmpty() {
		return emptyRepo()
	}
	name := "refs/" + c.params["ref"]
	if _, ok := r.refs("refs/")[name]; !ok {
		return fail(http.StatusUnprocessableEntity, "Reference does not exist")
	}
	if err := r.deleteRef(name); err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	return http.StatusNoContent, nil
}
