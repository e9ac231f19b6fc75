package config

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Paths selects files by their slash-separated path relative to a root (the
// repository root for .github/pss-bot.yaml, each PATH for `pss-bot fix` and
// `pss-bot check`). The same globs mean the same thing wherever a person
// writes them:
//
// Globs match the whole path: "*" and "?" and [classes] stay inside one path
// segment, "**" matches any number of segments (zero included), and a glob
// ending in "/" matches everything under that directory. So "*.yaml" is only
// the root's YAML files, "**/*.yaml" all of them.
//
// Build a Paths with NewPaths (or ParseRepo), which validates the globs and
// writes them in canonical form; a hand-built one is canonicalized when
// matched.
type Paths struct {
	// Include and Exclude are path globs relative to the root. No Include
	// means every file; Exclude wins over Include.
	Include, Exclude []string
}

// NewPaths validates include and exclude globs. The error names the list and
// the glob, with the message .github/pss-bot.yaml gives for the same glob.
func NewPaths(include, exclude []string) (Paths, error) {
	var p Paths
	var err error
	if p.Include, err = normalizeGlobs("include", include); err != nil {
		return Paths{}, err
	}
	if p.Exclude, err = normalizeGlobs("exclude", exclude); err != nil {
		return Paths{}, err
	}
	return p, nil
}

func normalizeGlobs(list string, globs []string) ([]string, error) {
	if len(globs) == 0 {
		return nil, nil
	}
	out := make([]string, len(globs))
	for i, g := range globs {
		norm, err := normalizeGlob(g)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", list, g, err)
		}
		out[i] = norm
	}
	return out, nil
}

// Matches reports whether a file, by its slash-separated path relative to
// the root, is in scope: it matches an include glob (or there are none) and
// no exclude glob.
func (p Paths) Matches(relPath string) bool {
	rel := strings.TrimPrefix(path.Clean("/"+relPath), "/")
	if rel == "" {
		return false
	}
	if len(p.Include) > 0 && !matchAny(p.Include, rel) {
		return false
	}
	return !matchAny(p.Exclude, rel)
}

// SkipsDir reports whether no file below the folder dir (slash-separated,
// relative to the root) can match, so that a walk need not enter it: an
// exclude glob covers all of it ("vendor/**", "test/"), or no include glob
// can reach below it. It is conservative: false means "maybe".
func (p Paths) SkipsDir(dir string) bool {
	rel := strings.TrimPrefix(path.Clean("/"+dir), "/")
	if rel == "" {
		return false
	}
	segs := strings.Split(rel, "/")
	for _, g := range p.Exclude {
		gs := strings.Split(canonicalGlob(g), "/")
		n := len(gs)
		for n > 0 && gs[n-1] == "**" {
			n--
		}
		if n == len(gs) {
			continue // it does not end in "**": it may leave files out
		}
		// dir, or a folder above it, is all excluded.
		for i := 0; i <= len(segs); i++ {
			if (n == 0 || i > 0) && matchSegs(gs[:n], segs[:i]) {
				return true
			}
		}
	}
	if len(p.Include) == 0 {
		return false
	}
	for _, g := range p.Include {
		if mayMatchBelow(strings.Split(canonicalGlob(g), "/"), segs) {
			return false
		}
	}
	return true
}

// mayMatchBelow reports whether some path below the folder dir could match
// the glob g (conservatively true once a "**" is reached).
func mayMatchBelow(g, dir []string) bool {
	for ; len(dir) > 0; g, dir = g[1:], dir[1:] {
		if len(g) == 0 {
			return false
		}
		if g[0] == "**" {
			return true
		}
		if ok, _ := path.Match(g[0], dir[0]); !ok {
			return false
		}
	}
	return len(g) > 0
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if MatchGlob(canonicalGlob(g), rel) {
			return true
		}
	}
	return false
}

// canonicalGlob drops a leading "./" and turns "dir/" into "dir/**".
func canonicalGlob(g string) string {
	g = strings.TrimPrefix(g, "./")
	if strings.HasSuffix(g, "/") {
		g += "**"
	}
	return g
}

// normalizeGlob validates a glob and writes it in canonical form.
func normalizeGlob(g string) (string, error) {
	if strings.HasPrefix(g, "/") {
		return "", errors.New("patterns are relative to the repository root (to PATH on the command line); drop the leading /")
	}
	g = canonicalGlob(g)
	switch {
	case g == "":
		return "", errors.New("empty pattern")
	case strings.Contains(g, `\`):
		return "", errors.New("use forward slashes")
	}
	for _, seg := range strings.Split(g, "/") {
		switch {
		case seg == "..":
			return "", errors.New(`".." is not allowed`)
		case seg == "":
			return "", errors.New("empty path segment (//)")
		case seg != "**" && strings.Contains(seg, "**"):
			return "", errors.New(`"**" must be a whole path segment, as in "a/**/b"`)
		}
		if _, err := path.Match(seg, ""); err != nil {
			return "", fmt.Errorf("bad pattern segment %q: %w", seg, err)
		}
	}
	return g, nil
}

// MatchGlob matches a slash-separated path against a canonical glob (see
// Paths) in which "**" spans any number of whole segments.
func MatchGlob(glob, name string) bool {
	return matchSegs(strings.Split(glob, "/"), strings.Split(name, "/"))
}

func matchSegs(g, n []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			// Collapse runs of "**", then try every split point.
			for len(g) > 1 && g[1] == "**" {
				g = g[1:]
			}
			if len(g) == 1 {
				return true
			}
			for i := 0; i <= len(n); i++ {
				if matchSegs(g[1:], n[i:]) {
					return true
				}
			}
			return false
		}
		if len(n) == 0 {
			return false
		}
		if ok, _ := path.Match(g[0], n[0]); !ok {
			return false
		}
		g, n = g[1:], n[1:]
	}
	return len(n) == 0
}
