package yamledit

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	tagStr   = "!!str"
	tagNull  = "!!null"
	tagBool  = "!!bool"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagMap   = "!!map"
	tagSeq   = "!!seq"
)

var quotedStyles = yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle

func shortTag(t string) string {
	if strings.HasPrefix(t, "tag:yaml.org,2002:") {
		return "!!" + strings.TrimPrefix(t, "tag:yaml.org,2002:")
	}
	return t
}

// resolvePlain is the tag YAML gives v written as a plain scalar.
func resolvePlain(v string) string {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return tagNull
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return tagBool
	case "<<":
		return "!!merge"
	}
	// yaml.v3 resolves a plain scalar to something other than a string only
	// when it starts with a sign, a digit or "." (numbers, .inf, .nan,
	// timestamps); the words above are the rest. This keeps the common
	// case off the slow path below.
	if c := v[0]; !(c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) {
		return tagStr
	}
	// A decimal integer without a leading zero (ports, UIDs, counts) is an
	// !!int; 18 digits always fit in an int64.
	if len(v) <= 18 && (v[0] != '0' || len(v) == 1) && allDigits(v) {
		return tagInt
	}
	return resolveParsed(v)
}

// resolveParsed is resolvePlain asking the YAML parser.
func resolveParsed(v string) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil || len(n.Content) != 1 {
		return tagStr
	}
	c := n.Content[0]
	if c.Kind != yaml.ScalarNode || c.Value != v || c.Style != 0 {
		return tagStr
	}
	return shortTag(c.Tag)
}

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// effTag is the tag a scalar node of the caller's tree stands for (see the
// package documentation).
func effTag(m *yaml.Node) string {
	t := shortTag(m.Tag)
	if m.Style&yaml.TaggedStyle != 0 && t != "" && t != "!" {
		return t
	}
	quoted := m.Style&quotedStyles != 0
	switch t {
	case "", "!":
		// Untagged: a node the caller made (decoded nodes always carry a
		// tag). kyaml's FieldSetter double-quotes such nodes when their
		// value reads as a bool or a number; the value decides.
		rt := resolvePlain(m.Value)
		if quoted && (m.Value == "" || !isCoreTag(rt) || rt == "!!timestamp") {
			return tagStr
		}
		return rt
	case tagStr:
		if quoted {
			return tagStr
		}
		// A plain node whose value the caller changed keeps the !!str tag
		// it was decoded with: plain text means what it reads as.
		return resolvePlain(m.Value)
	}
	return t
}

func isCoreTag(t string) bool {
	switch t {
	case tagStr, tagNull, tagBool, tagInt, tagFloat, tagMap, tagSeq, "!!timestamp", "!!binary", "!!merge":
		return true
	}
	return false
}

// sameTree compares a tree parsed from rendered output (got) with the
// caller's tree (want): same kinds, keys in the same order, same scalar
// values and types, same anchors and aliases. Comments and styles are not
// compared. The error names the first difference by its path under path.
func sameTree(got, want *yaml.Node, path string) error {
	d := diffTree(got, want)
	if d == nil {
		return nil
	}
	var b strings.Builder
	b.WriteString(path)
	for i := len(d.rev) - 1; i >= 0; i-- {
		b.WriteString(d.rev[i])
	}
	return fmt.Errorf("%s: %s", b.String(), d.msg)
}

// treeDiff is a difference found by diffTree: the message and the path to
// it, built only once a difference is found (leaf first).
type treeDiff struct {
	msg string
	rev []string
}

func diffTree(got, want *yaml.Node) *treeDiff {
	if got == nil || want == nil {
		if got == want {
			return nil
		}
		return &treeDiff{msg: "missing node"}
	}
	if want.Kind == yaml.DocumentNode && len(want.Content) == 1 {
		want = want.Content[0]
	}
	if got.Kind != want.Kind {
		return &treeDiff{msg: fmt.Sprintf("got a %s, want a %s", kindName(got.Kind), kindName(want.Kind))}
	}
	if got.Anchor != want.Anchor {
		return &treeDiff{msg: fmt.Sprintf("anchor %q, want %q", got.Anchor, want.Anchor)}
	}
	switch got.Kind {
	case yaml.AliasNode:
		if got.Value != want.Value {
			return &treeDiff{msg: fmt.Sprintf("alias *%s, want *%s", got.Value, want.Value)}
		}
	case yaml.ScalarNode:
		gt, wt := shortTag(got.Tag), effTag(want)
		if gt != wt {
			return &treeDiff{msg: fmt.Sprintf("%s %q, want %s %q", gt, got.Value, wt, want.Value)}
		}
		if gt != tagNull && got.Value != want.Value {
			return &treeDiff{msg: fmt.Sprintf("%q, want %q", got.Value, want.Value)}
		}
	case yaml.MappingNode, yaml.SequenceNode:
		if len(got.Content) != len(want.Content) {
			return &treeDiff{msg: fmt.Sprintf("%d children, want %d", len(got.Content), len(want.Content))}
		}
		for i := range got.Content {
			d := diffTree(got.Content[i], want.Content[i])
			if d == nil {
				continue
			}
			seg := fmt.Sprintf("[%d]", i)
			if got.Kind == yaml.MappingNode {
				if i%2 == 0 {
					seg = fmt.Sprintf(".key(%s)", got.Content[i].Value)
				} else {
					seg = "." + got.Content[i-1].Value
				}
			}
			d.rev = append(d.rev, seg)
			return d
		}
	}
	return nil
}

// equalValue reports whether two nodes hold the same data (used to
// recognise a sequence item the caller rebuilt with the same content).
func equalValue(a, b *yaml.Node) bool {
	return diffTree(a, b) == nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.DocumentNode:
		return "document"
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return fmt.Sprintf("kind %d", k)
}
