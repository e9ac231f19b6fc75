package fakegithub

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The object layer. Objects are written by Go as loose objects (git's own
// format, so git http-backend and the git CLI read them); reads go through
// the git CLI. Objects are immutable, so what is read is memoized per
// repository; refs are cached and kept up to date by every writer (API,
// helpers, smart-HTTP pushes). Callers hold s.mu.

const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

var errNoObject = errors.New("object does not exist")

// initBare lays out a bare repository (what `git init --bare` makes).
func initBare(dir, branch string) error {
	for _, d := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags", "info"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	files := map[string]string{
		"HEAD": "ref: refs/heads/" + branch + "\n",
		// Pushes through the smart-HTTP server are allowed (as a person
		// would); no automatic gc, so refs stay loose and fast to read.
		"config": "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n" +
			"[http]\n\treceivepack = true\n[receive]\n\tautogc = false\n[gc]\n\tauto = 0\n",
		"description": "fakegithub repository\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (r *Repo) memoGet(key string) (any, bool) {
	v, ok := r.memo[key]
	return v, ok
}

func (r *Repo) memoSet(key string, v any) { r.memo[key] = v }

// ---------------------------------------------------------------------------
// Refs.

func (r *Repo) loadRefs() map[string]string {
	if r.refCache != nil {
		return r.refCache
	}
	m := map[string]string{}
	out, err := r.git(nil, nil, "for-each-ref", "--format=%(objectname) %(refname)")
	if err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if sha, name, ok := strings.Cut(line, " "); ok {
				m[name] = sha
			}
		}
	}
	r.refCache = m
	return m
}

// refs returns the refs under prefix (full names) with their shas.
func (r *Repo) refs(prefix string) map[string]string {
	out := map[string]string{}
	for name, sha := range r.loadRefs() {
		if strings.HasPrefix(name, prefix) {
			out[name] = sha
		}
	}
	return out
}

func (r *Repo) branchSHA(branch string) string { return r.loadRefs()["refs/heads/"+branch] }

func (r *Repo) isEmpty() bool {
	for name := range r.loadRefs() {
		if strings.HasPrefix(name, "refs/heads/") {
			return false
		}
	}
	return true
}

// setRef points ref at sha, keeping pull requests' head shas in step.
func (r *Repo) setRef(ref, sha string) error {
	if _, err := r.git(nil, nil, "update-ref", ref, sha); err != nil {
		return err
	}
	r.loadRefs()[ref] = sha
	r.pushedAt = r.s.now()
	r.refMoved(ref)
	return nil
}

func (r *Repo) deleteRef(ref string) error {
	if _, err := r.git(nil, nil, "update-ref", "-d", ref); err != nil {
		return err
	}
	delete(r.loadRefs(), ref)
	r.refMoved(ref)
	return nil
}

// ---------------------------------------------------------------------------
// Object reads.

// objType is the type of a full sha, "" when absent.
func (r *Repo) objType(sha string) string {
	if len(sha) != 40 || !isHex(sha) {
		return ""
	}
	if v, ok := r.memoGet("type:" + sha); ok {
		return v.(string)
	}
	out, err := r.git(nil, nil, "cat-file", "-t", sha)
	if err != nil {
		return ""
	}
	t := strings.TrimSpace(string(out))
	r.memoSet("type:"+sha, t)
	return t
}

// resolve turns a branch, tag, full ref or sha into an object of kind
// (commit or tree).
func (r *Repo) resolve(ref, kind string) (string, bool) {
	if !validRefName(ref) {
		return "", false
	}
	refs := r.loadRefs()
	sha := ""
	for _, cand := range []string{"refs/heads/" + ref, "refs/tags/" + ref, ref} {
		if s, ok := refs[cand]; ok {
			sha = s
			break
		}
	}
	if sha == "" && isHex(ref) {
		sha = ref
		if len(ref) < 40 {
			out, err := r.git(nil, nil, "rev-parse", "--verify", "--quiet", ref+"^{object}")
			if err != nil {
				return "", false
			}
			sha = strings.TrimSpace(string(out))
		}
	}
	if sha == "" {
		return "", false
	}
	for i := 0; i < 5; i++ { // peel tags, then commits to trees
		switch t := r.objType(sha); {
		case t == kind:
			return sha, true
		case t == "commit" && kind == "tree":
			c, err := r.readCommit(sha)
			if err != nil {
				return "", false
			}
			return c.tree, true
		case t == "tag":
			out, err := r.git(nil, nil, "rev-parse", "--verify", "--quiet", sha+"^{}")
			if err != nil {
				return "", false
			}
			sha = strings.TrimSpace(string(out))
		default:
			return "", false
		}
	}
	return "", false
}

func (r *Repo) treeOf(commit string) string {
	c, err := r.readCommit(commit)
	if err != nil {
		return ""
	}
	return c.tree
}

func (r *Repo) readCommit(sha string) (*gitCommit, error) {
	if v, ok := r.memoGet("commit:" + sha); ok {
		return v.(*gitCommit), nil
	}
	if r.objType(sha) != "commit" {
		return nil, errNoObject
	}
	out, err := r.git(nil, nil, "cat-file", "commit", sha)
	if err != nil {
		return nil, err
	}
	c := parseCommit(sha, out)
	r.memoSet("commit:"+sha, c)
	return c, nil
}

func parseCommit(sha string, raw []byte) *gitCommit {
	hdr, msg, _ := strings.Cut(string(raw), "\n\n")
	c := &gitCommit{sha: sha, message: strings.TrimRight(msg, "\n")}
	for _, line := range strings.Split(hdr, "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "tree":
			c.tree = v
		case "parent":
			c.parents = append(c.parents, v)
		case "author":
			c.author = parseIdent(v)
		case "committer":
			c.committer = parseIdent(v)
		}
	}
	return c
}

// catBlobs reads blobs by sha.
func (r *Repo) catBlobs(shas []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	var need []string
	for _, sha := range shas {
		if v, ok := r.memoGet("blob:" + sha); ok {
			out[sha] = v.([]byte)
		} else if _, dup := out[sha]; !dup {
			need = append(need, sha)
		}
	}
	if len(need) == 0 {
		return out, nil
	}
	res, err := r.git([]byte(strings.Join(need, "\n")+"\n"), nil, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(res))
	for range need {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("cat-file --batch: %w", err)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 {
			return nil, fmt.Errorf("cat-file --batch: %q: %w", strings.TrimSpace(hdr), errNoObject)
		}
		n, _ := strconv.Atoi(f[2])
		buf := make([]byte, n+1)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		out[f[0]] = buf[:n]
		r.memoSet("blob:"+f[0], buf[:n])
	}
	return out, nil
}

func (r *Repo) catBlob(sha string) ([]byte, error) {
	m, err := r.catBlobs([]string{sha})
	if err != nil {
		return nil, err
	}
	return m[sha], nil
}

// readTree lists a tree's direct entries.
func (r *Repo) readTree(sha string) ([]treeEntry, error) {
	if v, ok := r.memoGet("tree:" + sha); ok {
		return v.([]treeEntry), nil
	}
	if r.objType(sha) != "tree" {
		return nil, errNoObject
	}
	out, err := r.git(nil, nil, "ls-tree", "-l", "-z", sha)
	if err != nil {
		return nil, err
	}
	var entries []treeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 4 {
			continue
		}
		size := int64(-1)
		if f[3] != "-" {
			size, _ = strconv.ParseInt(f[3], 10, 64)
		}
		entries = append(entries, treeEntry{mode: f[0], typ: f[1], sha: f[2], path: p, size: size})
	}
	r.memoSet("tree:"+sha, entries)
	return entries, nil
}

// lsTree lists a tree; recursive descends into sub-trees, listing them
// as entries too when withTrees (like ls-tree -r -t).
func (r *Repo) lsTree(treeSHA string, recursive, withTrees bool) ([]treeEntry, error) {
	entries, err := r.readTree(treeSHA)
	if err != nil || !recursive {
		return entries, err
	}
	var out []treeEntry
	for _, e := range entries {
		if e.typ != "tree" {
			out = append(out, e)
			continue
		}
		if withTrees {
			out = append(out, e)
		}
		sub, err := r.lsTree(e.sha, true, withTrees)
		if err != nil {
			return nil, err
		}
		for _, se := range sub {
			se.path = e.path + "/" + se.path
			out = append(out, se)
		}
	}
	return out, nil
}

// lookupPath finds path in a tree ("" is the tree itself).
func (r *Repo) lookupPath(treeSHA, p string) (treeEntry, bool) {
	cur := treeEntry{mode: "040000", typ: "tree", sha: treeSHA, size: -1}
	if p == "" {
		return cur, true
	}
	for _, seg := range strings.Split(p, "/") {
		if cur.typ != "tree" {
			return treeEntry{}, false
		}
		entries, err := r.readTree(cur.sha)
		if err != nil {
			return treeEntry{}, false
		}
		found := false
		for _, e := range entries {
			if e.path == seg {
				cur, found = e, true
				break
			}
		}
		if !found {
			return treeEntry{}, false
		}
	}
	cur.path = p
	return cur, true
}

// ---------------------------------------------------------------------------
// Object writes.

func (r *Repo) writeObject(typ string, content []byte) (string, error) {
	hdr := fmt.Sprintf("%s %d\x00", typ, len(content))
	h := sha1.New()
	h.Write([]byte(hdr))
	h.Write(content)
	sha := hex.EncodeToString(h.Sum(nil))
	if _, ok := r.memoGet("type:" + sha); ok {
		return sha, nil
	}
	dir := filepath.Join(r.Dir, "objects", sha[:2])
	final := filepath.Join(dir, sha[2:])
	if _, err := os.Stat(final); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		zw.Write([]byte(hdr))
		zw.Write(content)
		if err := zw.Close(); err != nil {
			return "", err
		}
		tmp, err := os.CreateTemp(dir, "tmp_obj_")
		if err != nil {
			return "", err
		}
		if _, err := tmp.Write(buf.Bytes()); err != nil {
			tmp.Close()
			return "", err
		}
		if err := tmp.Close(); err != nil {
			return "", err
		}
		os.Chmod(tmp.Name(), 0o444)
		if err := os.Rename(tmp.Name(), final); err != nil {
			return "", err
		}
	}
	r.memoSet("type:"+sha, typ)
	return sha, nil
}

func (r *Repo) hashObject(content []byte) (string, error) {
	sha, err := r.writeObject("blob", content)
	if err == nil {
		r.memoSet("blob:"+sha, append([]byte(nil), content...))
	}
	return sha, err
}

// writeTree applies edits to base (a tree sha, or "" for an empty tree) and
// writes the resulting trees.
func (r *Repo) writeTree(base string, edits []treeEdit) (string, error) {
	type ent struct{ mode, sha string }
	files := map[string]ent{}
	if base != "" {
		entries, err := r.lsTree(base, true, false)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			files[e.path] = ent{e.mode, e.sha}
		}
	}
	removeUnder := func(p string) {
		delete(files, p)
		for f := range files {
			if strings.HasPrefix(f, p+"/") {
				delete(files, f)
			}
		}
	}
	for _, e := range edits {
		removeUnder(e.path)
		if e.del {
			continue
		}
		// A file where a parent directory path held a file replaces it.
		for dir := path.Dir(e.path); dir != "." && dir != "/"; dir = path.Dir(dir) {
			delete(files, dir)
		}
		if e.mode == "040000" || e.typ == "tree" {
			sub, err := r.lsTree(e.sha, true, false)
			if err != nil {
				return "", err
			}
			for _, s := range sub {
				files[e.path+"/"+s.path] = ent{s.mode, s.sha}
			}
			continue
		}
		files[e.path] = ent{e.mode, e.sha}
	}

	type node struct {
		files map[string]ent
		dirs  map[string]*node
	}
	newNode := func() *node { return &node{files: map[string]ent{}, dirs: map[string]*node{}} }
	root := newNode()
	for p, e := range files {
		n := root
		segs := strings.Split(p, "/")
		for _, d := range segs[:len(segs)-1] {
			if n.dirs[d] == nil {
				n.dirs[d] = newNode()
			}
			n = n.dirs[d]
		}
		n.files[segs[len(segs)-1]] = e
	}
	var write func(n *node) (string, error)
	write = func(n *node) (string, error) {
		type item struct{ mode, name, sha, key string }
		var items []item
		for name, e := range n.files {
			items = append(items, item{strings.TrimPrefix(e.mode, "0"), name, e.sha, name})
		}
		for name, d := range n.dirs {
			sha, err := write(d)
			if err != nil {
				return "", err
			}
			items = append(items, item{"40000", name, sha, name + "/"})
		}
		sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
		var buf bytes.Buffer
		for _, it := range items {
			raw, err := hex.DecodeString(it.sha)
			if err != nil || len(raw) != 20 {
				return "", fmt.Errorf("bad sha %q", it.sha)
			}
			buf.WriteString(it.mode + " " + it.name + "\x00")
			buf.Write(raw)
		}
		return r.writeObject("tree", buf.Bytes())
	}
	return write(root)
}

func fmtIdent(id ident) string {
	return fmt.Sprintf("%s <%s> %d +0000", id.name, id.email, id.when.Unix())
}

func (r *Repo) commitTree(tree string, parents []string, author, committer ident, message string) (string, error) {
	var b strings.Builder
	b.WriteString("tree " + tree + "\n")
	for _, p := range parents {
		b.WriteString("parent " + p + "\n")
	}
	b.WriteString("author " + fmtIdent(author) + "\n")
	b.WriteString("committer " + fmtIdent(committer) + "\n\n")
	b.WriteString(message)
	if !strings.HasSuffix(message, "\n") {
		b.WriteString("\n")
	}
	sha, err := r.writeObject("commit", []byte(b.String()))
	if err != nil {
		return "", err
	}
	r.memoSet("commit:"+sha, parseCommit(sha, []byte(b.String())))
	return sha, nil
}

// ---------------------------------------------------------------------------
// History.

func isSHA(s string) bool { return len(s) == 40 && isHex(s) }

func (r *Repo) isAncestor(a, b string) bool {
	key := "anc:" + a + ":" + b
	if v, ok := r.memoGet(key); ok {
		return v.(bool)
	}
	_, err := r.git(nil, nil, "merge-base", "--is-ancestor", a, b)
	if isSHA(a) && isSHA(b) {
		r.memoSet(key, err == nil)
	}
	return err == nil
}

// countRange counts commits reachable from head and not from base.
func (r *Repo) countRange(base, head string) int {
	key := "count:" + base + ":" + head
	if v, ok := r.memoGet(key); ok {
		return v.(int)
	}
	out, err := r.git(nil, nil, "rev-list", "--count", base+".."+head)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if isSHA(base) && isSHA(head) {
		r.memoSet(key, n)
	}
	return n
}

func (r *Repo) mergeBase(a, b string) (string, bool) {
	key := "mb:" + a + ":" + b
	if v, ok := r.memoGet(key); ok {
		return v.(string), v.(string) != ""
	}
	out, err := r.git(nil, nil, "merge-base", a, b)
	mb := ""
	if err == nil {
		mb = strings.TrimSpace(string(out))
	}
	if isSHA(a) && isSHA(b) {
		r.memoSet(key, mb)
	}
	return mb, mb != ""
}

// log lists commits from rev (a sha, ref or range), newest first.
func (r *Repo) log(rev string, limit int, extra ...string) ([]CommitInfo, error) {
	key := fmt.Sprintf("log:%s:%d:%q", rev, limit, extra)
	deterministic := isSHA(rev)
	if a, b, ok := strings.Cut(rev, ".."); ok {
		deterministic = isSHA(a) && isSHA(b)
	}
	if deterministic {
		if v, ok := r.memoGet(key); ok {
			return r.withLogins(v.([]CommitInfo)), nil
		}
	}
	args := []string{"log", "--format=%H%x00%P%x00%T%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x1e"}
	if limit > 0 {
		args = append(args, "-n", strconv.Itoa(limit))
	}
	args = append(args, rev)
	args = append(args, extra...)
	out, err := r.git(nil, nil, args...)
	if err != nil {
		return nil, err
	}
	var cs []CommitInfo
	for _, rec := range strings.Split(string(out), "\x1e") {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, "\x00", 10)
		if len(f) != 10 {
			continue
		}
		ats, _ := strconv.ParseInt(f[5], 10, 64)
		cts, _ := strconv.ParseInt(f[8], 10, 64)
		cs = append(cs, CommitInfo{
			SHA: f[0], Parents: strings.Fields(f[1]), Tree: f[2], AuthorName: f[3], AuthorEmail: f[4],
			Time: time.Unix(ats, 0).UTC(), CommitterName: f[6], CommitterEmail: f[7],
			CommitTime: time.Unix(cts, 0).UTC(), Message: strings.TrimRight(f[9], "\n"),
		})
	}
	if deterministic {
		r.memoSet(key, cs)
	}
	return r.withLogins(cs), nil
}

// withLogins fills the fields that can change after the commit was made.
func (r *Repo) withLogins(cs []CommitInfo) []CommitInfo {
	out := make([]CommitInfo, len(cs))
	for i, ci := range cs {
		ci.AuthorLogin = r.s.loginFor(ci.AuthorEmail)
		ci.Verified = r.verified[ci.SHA]
		out[i] = ci
	}
	return out
}

// diffFiles lists the files changed from base (a commit, or "" for none) to
// head.
func (r *Repo) diffNames(base, head string) [][2]string {
	if base == "" {
		base = emptyTree
	}
	key := "diff:" + base + ":" + head
	if v, ok := r.memoGet(key); ok {
		return v.([][2]string)
	}
	out, err := r.git(nil, nil, "diff-tree", "-r", "--no-renames", "--name-status", "-z", base, head)
	if err != nil {
		return nil
	}
	var res [][2]string
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		res = append(res, [2]string{f[i], f[i+1]})
	}
	if isSHA(base) && isSHA(head) {
		r.memoSet(key, res)
	}
	return res
}
