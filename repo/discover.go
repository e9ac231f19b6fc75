// Package repo gets a repository's manifests onto the local disk and finds them
// there: cloning with go-git, and discovering the manifest files under a set of
// paths with the safety rules every caller needs (size limit, binary files,
// symlinks that leave the tree). Which files are wanted is the caller's
// choice, a match function (config.Paths.Matches for the include/exclude
// globs people write), so that globs mean one thing everywhere.
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
	// Match, when not nil, keeps only the files below a folder root whose
	// path relative to the root (File.Rel, forward slashes) it accepts; the
	// others are neither read nor reported. nil keeps every file. It is not
	// applied to a root that is itself a file: naming a file is an explicit
	// request.
	Match func(rel string) bool
	// SkipDir, when not nil, names the folders below a root (by their path
	// relative to it) not to walk at all, because Match refuses every file
	// in them (config.Paths.SkipsDir); nothing below them is reported.
	SkipDir func(rel string) bool
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
// returned once. Everything that goes wrong with a path is a Problem, and the
// walk goes on.
func Discover(roots []string, opts DiscoverOptions) ([]File, []Problem) {
	d := newDiscoverer(opts)
	for _, root := range roots {
		d.root(root)
	}
	files := d.result() // may add problems
	return files, d.problems
}

// link is a symlink met while walking that points at a file inside its root.
type link struct {
	path, target string
}

type discoverer struct {
	match, skipDir func(rel string) bool
	exts           []string
	max            int64

	files    []File
	links    []link
	problems []Problem
}

func newDiscoverer(opts DiscoverOptions) *discoverer {
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	d := &discoverer{match: opts.Match, skipDir: opts.SkipDir, max: opts.MaxFileSize, exts: opts.Extensions}
	if d.match == nil {
		d.match = all
	}
	if d.skipDir == nil {
		d.skipDir = none
	}
	if d.max <= 0 {
		d.max = patcher.DefaultMaxFileSize
	}
	if len(d.exts) == 0 {
		d.exts = DefaultExtensions
	}
	return d
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
			if entry.Name() == ".git" || d.skipDir(rel) {
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
		if !inside && !d.skipDir(rel) {
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
	return ok && d.match(rel)
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
