package yamledit

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Limits on what Parse accepts. They protect the bot (and every tool the
// caller hands the nodes to) from inputs built to exhaust memory or stack.
const (
	// MaxDepth is the deepest nesting of collections accepted.
	MaxDepth = 200
	// MaxAliasExpansion is the number of nodes a document may expand to
	// when its aliases are followed ("billion laughs").
	MaxAliasExpansion = 1_000_000
)

// checkBytes refuses data that is not text.
func checkBytes(src []byte) error {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &SyntaxError{Line: bytes.Count(src[:i], []byte("\n")) + 1, Msg: "binary data (NUL byte), not YAML"}
	}
	if !utf8.Valid(src) {
		for i := 0; i < len(src); {
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size <= 1 {
				return &SyntaxError{Line: bytes.Count(src[:i], []byte("\n")) + 1, Msg: "invalid UTF-8, not YAML text"}
			}
			i += size
		}
	}
	return nil
}

var yamlErrLine = regexp.MustCompile(`line (\d+): `)

// syntaxError turns a yaml.v3 error into a *SyntaxError with its line.
func syntaxError(err error, src []byte) *SyntaxError {
	msg := err.Error()
	line := 0
	if m := yamlErrLine.FindStringSubmatchIndex(msg); m != nil {
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	// yaml.v3 prints 0-based lines for parser errors (scanner errors are
	// 1-based): see (*parser).fail in yaml.v3's decode.go.
	if isParserProblem(msg) {
		line++
	}
	// An error at the end of the stream is reported on the last line.
	lines := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		lines++
	}
	line = min(line, lines)
	if line <= 0 {
		line = 1
	}
	return &SyntaxError{Line: line, Msg: msg}
}

// isParserProblem recognises the problems yaml.v3's parser (not its
// scanner) reports; the list is the set of messages in its parserc.go.
func isParserProblem(msg string) bool {
	for _, p := range []string{
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle",
	} {
		if msg == p {
			return true
		}
	}
	return false
}

// validate checks a decoded document for what yaml.v3's node decoding lets
// through: duplicate mapping keys, excessive nesting and alias bombs.
func validate(doc *yaml.Node) error {
	aliases := false
	if err := checkTree(doc, 0, &aliases); err != nil {
		return err
	}
	if !aliases {
		return nil // nothing expands: the text itself bounds the size
	}
	c := &aliasCounter{memo: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	if _, err := c.count(doc); err != nil {
		return err
	}
	return nil
}

func checkTree(n *yaml.Node, depth int, aliases *bool) error {
	if n == nil {
		return nil
	}
	if depth > MaxDepth {
		return &SyntaxError{Line: n.Line, Msg: fmt.Sprintf("nesting deeper than %d levels", MaxDepth)}
	}
	if n.Kind == yaml.AliasNode {
		*aliases = true
		return nil
	}
	if n.Kind == yaml.MappingNode {
		if len(n.Content)%2 != 0 {
			return &SyntaxError{Line: n.Line, Msg: "malformed mapping"}
		}
		if err := checkDuplicates(n); err != nil {
			return err
		}
	}
	for _, c := range n.Content {
		if err := checkTree(c, depth+1, aliases); err != nil {
			return err
		}
	}
	return nil
}

// aliasCounter counts the nodes a document expands to when aliases are
// followed, without expanding anything.
type aliasCounter struct {
	memo   map[*yaml.Node]int
	active map[*yaml.Node]bool
}

func (c *aliasCounter) count(n *yaml.Node) (int, error) {
	if n == nil {
		return 0, nil
	}
	if v, ok := c.memo[n]; ok {
		return v, nil
	}
	if c.active[n] {
		return 0, &SyntaxError{Line: n.Line, Msg: "an alias refers to the node that contains it"}
	}
	c.active[n] = true
	defer delete(c.active, n)
	total := 1
	if n.Kind == yaml.AliasNode {
		v, err := c.count(n.Alias)
		if err != nil {
			return 0, err
		}
		total += v
	}
	for _, ch := range n.Content {
		v, err := c.count(ch)
		if err != nil {
			return 0, err
		}
		total += v
		if total > MaxAliasExpansion {
			break
		}
	}
	if total > MaxAliasExpansion {
		return 0, &SyntaxError{Line: n.Line, Msg: fmt.Sprintf("aliases expand to more than %d nodes (alias bomb)", MaxAliasExpansion)}
	}
	c.memo[n] = total
	return total, nil
}

// checkDuplicates refuses a mapping that sets a key twice (yaml.v3's node
// decoding lets it through; kubectl does not).
func checkDuplicates(n *yaml.Node) error {
	isKey := func(k *yaml.Node) bool {
		return k.Kind == yaml.ScalarNode && k.Tag != "!!merge" && k.Value != "<<"
	}
	dup := func(k, first *yaml.Node) error {
		return &SyntaxError{Line: k.Line, Msg: fmt.Sprintf("duplicate key %q (first defined on line %d)", k.Value, first.Line)}
	}
	if len(n.Content) <= 32 {
		for i := 2; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if !isKey(k) {
				continue
			}
			for j := 0; j < i; j += 2 {
				if f := n.Content[j]; isKey(f) && f.Value == k.Value && f.Tag == k.Tag {
					return dup(k, f)
				}
			}
		}
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if !isKey(k) {
			continue
		}
		id := k.Tag + "\x00" + k.Value
		if first, ok := seen[id]; ok {
			return dup(k, first)
		}
		seen[id] = k
	}
	return nil
}
