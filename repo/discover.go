// Package repo gets a repository's manifests onto the local disk and finds them
// there: cloning with go-git, and discovering the manifest files under a set of
// paths with the safety rules every caller needs (size limit, binary files,
// symlinks that leave the tree, include/exclude globs).
package repo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pss-bot/pss-bot/patcher"
)

// DefaultExtensions are the file name extensions Discover looks for in folders.
var DefaultExtensions = []string{".yaml", ".yml", ".json"}

// binarySniffLen is how much of a file is searched for a NUL byte to decide it
// is binary; git uses the same heuristic and length.
const binarySniffLen = 8000

// DiscoverOptions narrow what Discover returns. The zero value finds every
// .yaml, .yml and .json file up to patcher.DefaultMaxFileSize.
type DiscoverOptions struct {
	// Include, when not empty, keeps only files whose path relative to their
	// root matches at least one glob. Exclude drops files (and prunes
	// folders) that match any glob. Globs use forward slashes and
	// path.Match syntax per segment; "**" matches any number of segments,
	// including none; a glob without a slash matches the base name at any
	// depth (as in .gitignore). Globs are not applied to a root that is
	// itself a file: naming a file is an explicit request.
	Include []string
	Exclude []string
	// Extensions overrides DefaultExtensions (compared case-insensitively).
	Extensions []string
	// MaxFileSize is the largest file read, in bytes; larger files are
	// reported as errors. Zero means patcher.DefaultMaxFileSize.
	MaxFileSize int64
}

// File is one manifest file found by Discover, already read.
type File struct {
	// Path is the file as the user would name it: the root joined with the
	// path below it. Reports show this path.
	Path string
	// Root is the root (as given to Discover) the file was found under.
	Root string
	// Rel is the path relative to Root with forward slashes; for a root that
	// is a file, its base name.
	Rel string
	// Real is the absolute path with every symlink resolved (only a root
	// itself may be a symlink): the file to write to.
	Real string
	// Mode is the file's permission bits, to keep when rewriting it.
	Mode fs.FileMode
	// Data is the content of the file.
	Data []byte
}

// Problem is a path Discover did not return as a File.
type Problem struct {
	Path string
	// Skipped is true for a deliberate skip that is not an error (a symlink
	// leaving the root, a symlink loop, something that is not a regular
	// file); false for a file that should have been read but could not be
	// (too big, binary, unreadable, missing root).
	Skipped bool
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Discover finds the manifest files under roots, in a deterministic order:
// roots in the order given, and within a folder in lexical order. A root may be
// a file (read whatever its extension) or a folder (walked recursively for
// files with one of the extensions, skipping .git folders). Symlinks found
// while walking are never followed, so a walk cannot leave its root nor loop:
// one that resolves outside the root, a broken one and a loop are skipped with
// a Problem; one to a file or folder inside the root is skipped silently when
// its target is read at its own path, else with a Problem. Only a root itself
// may be a symlink (the user named it). A file named by overlapping roots is
// returned once.
//
// The error is for bad options (an invalid glob); everything that goes wrong
// with a path is a Problem, and the walk goes on.
func Discover(roots []string, opts DiscoverOptions) ([]File, []Problem, error) {
	d, err := newDiscoverer(opts)
	if err != nil {
		return nil, nil, err
	}
	for _, root := range roots {
		d.root(root)
	}
	files := d.result() // may add problems
	return files, d.problems, nil
}

// link is a symlink met while walking that points at a file inside its root.
type link struct {
	path, target string
}

type discoverer struct {
	include, exclude []glob
	exts             []string
	max              int64

	files    []File
	links    []link
	problems []Problem
}

func newDiscoverer(opts DiscoverOptions) (*discoverer, error) {
	d := &discoverer{max: opts.MaxFileSize, exts: opts.Extensions}
	if d.max <= 0 {
		d.max = patcher.DefaultMaxFileSize
	}
	if len(d.exts) == 0 {
		d.exts = DefaultExtensions
	}
	var err error
	if d.include, err = compileGlobs(opts.Include); err != nil {
		return nil, fmt.Errorf("include: %w", err)
	}
	if d.exclude, err = compileGlobs(opts.Exclude); err != nil {
		return nil, fmt.Errorf("exclude: %w", err)
	}
	return d, nil
}

func (d *discoverer) problem(p string, skipped bool, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: p, Skipped: skipped, Message: fmt.Sprintf(format, args...)})
}

func (d *discoverer) root(root string) {
	root = filepath.Clean(root)
	// A root is what the user named: following its own symlinks is asked for.
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		d.problem(root, false, "%s", describePathError(err))
		return
	}
	if real, err = filepath.Abs(real); err != nil {
		d.problem(root, false, "%v", err)
		return
	}
	info, err := os.Stat(real)
	if err != nil {
		d.problem(root, false, "%s", describePathError(err))
		return
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			d.problem(root, true, "not a regular file; skipped")
			return
		}
		d.read(File{Path: root, Root: root, Rel: filepath.Base(root), Real: real})
		return
	}

	// Walk the resolved folder (WalkDir does not descend into a symlinked
	// root) but name every file below the root as given.
	walkErr := filepath.WalkDir(real, func(rp string, entry fs.DirEntry, err error) error {
		p := root
		if rp != real {
			rel, relErr := filepath.Rel(real, rp)
			if relErr != nil {
				d.problem(rp, false, "%v", relErr)
				return nil
			}
			p = filepath.Join(root, rel)
		}
		if err != nil {
			if p == root {
				return err
			}
			d.problem(p, false, "%s", describePathError(err))
			if entry != nil && entry.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			d.problem(p, false, "%v", err)
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case entry.IsDir():
			if entry.Name() == ".git" || matchAny(d.exclude, rel) {
				return fs.SkipDir
			}
			return nil
		case entry.Type()&fs.ModeSymlink != 0:
			d.symlink(root, real, rp, p, rel)
			return nil
		case !d.wanted(rel):
			return nil
		case !entry.Type().IsRegular():
			d.problem(p, true, "not a regular file; skipped")
			return nil
		}
		d.read(File{Path: p, Root: root, Rel: rel, Real: rp})
		return nil
	})
	if walkErr != nil {
		d.problem(root, false, "%s", describePathError(walkErr))
	}
}

// symlink handles a symlink met while walking rootReal (the resolved root).
// rp is the link's path below rootReal, p the same below root as given.
func (d *discoverer) symlink(root, rootReal, rp, p, rel string) {
	target, err := filepath.EvalSymlinks(rp)
	if err != nil {
		link, _ := os.Readlink(rp)
		if d.wanted(rel) {
			d.problem(p, true, "broken symlink or symlink loop (-> %s); skipped", link)
		}
		return
	}
	if target, err = filepath.Abs(target); err != nil {
		d.problem(p, false, "%v", err)
		return
	}
	info, err := os.Stat(target)
	if err != nil {
		d.problem(p, true, "symlink target unreadable: %s; skipped", describePathError(err))
		return
	}
	inside := within(rootReal, target)
	if info.IsDir() {
		if !inside && !matchAny(d.exclude, rel) {
			d.problem(p, true, "symlink to a folder outside %s (-> %s); not followed", root, target)
		}
		// A folder inside the root is walked where it really is.
		return
	}
	if !d.wanted(rel) {
		return
	}
	if !inside {
		d.problem(p, true, "symlink points outside %s (-> %s); not followed", root, target)
		return
	}
	// Not followed either: its target is read at its own path if it is a
	// manifest; result says so when it is not.
	d.links = append(d.links, link{path: p, target: target})
}

// wanted reports whether a file at rel (below a folder root) is a candidate.
func (d *discoverer) wanted(rel string) bool {
	ext := strings.ToLower(path.Ext(rel))
	ok := false
	for _, e := range d.exts {
		if strings.EqualFold(e, ext) {
			ok = true
			break
		}
	}
	if !ok || matchAny(d.exclude, rel) {
		return false
	}
	return len(d.include) == 0 || matchAny(d.include, rel)
}

func (d *discoverer) read(f File) {
	data, mode, err := readLimited(f.Real, d.max)
	if err != nil {
		d.problem(f.Path, false, "%s", err.Error())
		return
	}
	if i := bytes.IndexByte(data[:min(len(data), binarySniffLen)], 0); i >= 0 {
		d.problem(f.Path, false, "binary file (NUL byte at offset %d), not a manifest", i)
		return
	}
	f.Mode, f.Data = mode, data
	d.files = append(d.files, f)
}

// errTooBig is wrapped by the error of a file over the size limit.
var errTooBig = errors.New("file too large")

func readLimited(name string, max int64) ([]byte, fs.FileMode, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, 0, errors.New(describePathError(err))
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		return nil, 0, errors.New("not a regular file")
	}
	if info.Size() > max {
		return nil, 0, fmt.Errorf("%w: %d bytes, over the %d-byte limit", errTooBig, info.Size(), max)
	}
	// The file may grow between Stat and Read: never read past the limit.
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > max {
		return nil, 0, fmt.Errorf("%w: over the %d-byte limit", errTooBig, max)
	}
	return data, info.Mode().Perm(), nil
}

// result drops files reached twice (overlapping roots), and reports the
// symlinks whose target was not read at its own path.
func (d *discoverer) result() []File {
	seen := map[string]bool{}
	files := make([]File, 0, len(d.files))
	for _, f := range d.files {
		if !seen[f.Real] {
			seen[f.Real] = true
			files = append(files, f)
		}
	}
	for _, l := range d.links {
		if !seen[l.target] {
			d.problem(l.path, true, "symlink (-> %s) not followed, and its target is not a manifest file under the given paths; skipped", l.target)
		}
	}
	return files
}

// within reports whether target is dir or below it (both absolute, clean).
func within(dir, target string) bool {
	rel, err := filepath.Rel(dir, target)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// describePathError turns *fs.PathError into its message ("no such file or
// directory", "permission denied") without repeating the path, which the
// Problem already names.
func describePathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// glob is a compiled include/exclude pattern: slash-separated segments, "**"
// standing for any number of segments.
type glob struct {
	segs     []string
	baseOnly bool
}

func compileGlobs(patterns []string) ([]glob, error) {
	globs := make([]glob, 0, len(patterns))
	for _, p := range patterns {
		g, err := compileGlob(p)
		if err != nil {
			return nil, err
		}
		globs = append(globs, g)
	}
	return globs, nil
}

func compileGlob(pattern string) (glob, error) {
	p := strings.TrimPrefix(filepath.ToSlash(pattern), "./")
	p = strings.Trim(p, "/")
	if p == "" {
		return glob{}, fmt.Errorf("empty glob %q", pattern)
	}
	g := glob{segs: strings.Split(p, "/"), baseOnly: !strings.Contains(p, "/")}
	for _, s := range g.segs {
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return glob{}, fmt.Errorf("glob %q: %w", pattern, err)
		}
	}
	return g, nil
}

// MatchGlob reports whether the slash-separated relative path rel matches the
// include/exclude glob pattern, with the rules of DiscoverOptions.
func MatchGlob(pattern, rel string) (bool, error) {
	g, err := compileGlob(pattern)
	if err != nil {
		return false, err
	}
	return g.match(rel), nil
}

func matchAny(globs []glob, rel string) bool {
	for _, g := range globs {
		if g.match(rel) {
			return true
		}
	}
	return false
}

func (g glob) match(rel string) bool {
	if g.baseOnly && g.segs[0] != "**" {
		ok, _ := path.Match(g.segs[0], path.Base(rel))
		return ok
	}
	return matchSegs(g.segs, strings.Split(rel, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			// Collapse runs of "**", then try every split point.
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
