package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
)

// MetaVersion is the version of the metadata block the bot hides in its pull
// request body. A block of another version is treated as absent, so that the
// PR is regenerated rather than misread.
const MetaVersion = 1

const (
	metaPrefix = "<!-- pss-bot:meta "
	metaSuffix = " -->"
)

// Meta is what the bot remembers about its pull request, stored in the PR body
// itself (the repository is the source of truth; there is no database).
type Meta struct {
	V int `json:"v"`
	// Hash identifies the proposal: the set of files and their new contents.
	Hash string `json:"hash"`
	// Base is the default-branch commit the proposal was made from.
	Base string `json:"base"`
	// Head is the commit the bot made on its branch. A branch head other than
	// this one means someone else pushed.
	Head string `json:"head,omitempty"`
	// Engine identifies the build of pss-bot that made the proposal: a new
	// engine may propose something else, so its first sweep looks again.
	Engine string `json:"engine,omitempty"`
	// Refused lists the hashes of proposals declined earlier (PRs closed
	// without merge), so that a new PR carries the refusals forward.
	Refused []string `json:"refused,omitempty"`
	// Found, Fixed and Remaining count violations by PSA check ID, so that a
	// sweep that makes no clone can still report them.
	Found     map[string]int `json:"found,omitempty"`
	Fixed     map[string]int `json:"fixed,omitempty"`
	Remaining map[string]int `json:"remaining,omitempty"`
	// Reviewers lists the reviewers ("user" or "org/team") the bot has asked
	// on this PR, so that a person who has reviewed since (and so left the
	// PR's requested reviewers) is not asked again.
	Reviewers []string `json:"reviewers,omitempty"`
}

// EncodeMeta renders m as the hidden HTML comment placed in the PR body.
func EncodeMeta(m Meta) string {
	m.V = MetaVersion
	b, err := json.Marshal(m)
	if err != nil { // cannot happen: Meta has only strings and maps of ints
		panic(err)
	}
	// "--" would end the HTML comment early; JSON strings here never hold it,
	// but escape it anyway so a body can never be broken by a value.
	s := strings.ReplaceAll(string(b), "--", `-\u002d`)
	return metaPrefix + s + metaSuffix
}

// ParseMeta finds the metadata block in a PR body. ok is false when there is
// none or it is of another version; err is set when a block of this version is
// present but cannot be decoded.
func ParseMeta(body string) (m Meta, ok bool, err error) {
	i := strings.Index(body, metaPrefix)
	if i < 0 {
		return Meta{}, false, nil
	}
	rest := body[i+len(metaPrefix):]
	j := strings.Index(rest, metaSuffix)
	if j < 0 {
		return Meta{}, false, fmt.Errorf("pss-bot metadata block is not terminated")
	}
	if err := json.Unmarshal([]byte(rest[:j]), &m); err != nil {
		return Meta{}, false, fmt.Errorf("pss-bot metadata block: %w", err)
	}
	if m.V != MetaVersion {
		return Meta{}, false, nil
	}
	return m, true, nil
}

// ProposalHash identifies a set of file contents independently of the commit
// they are based on: the same fix on a moved base has the same hash.
func ProposalHash(files map[string][]byte) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	fmt.Fprintf(h, "pss-bot proposal v%d\n", MetaVersion)
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// EngineVersion identifies this build of pss-bot: its module version and,
// when built from a git checkout, the commit. Builds that cannot tell say
// "devel".
func EngineVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
