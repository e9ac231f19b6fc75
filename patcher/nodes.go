package patcher

import (
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Helpers over kyaml's node tree (yaml.v3 nodes under kyaml's aliases). The
// fixers mutate the tree; patcher/yamledit writes the mutations back in the
// file's own style, at the positions chosen here. Positions matter: a new key
// goes where a person would put it and existing keys never move.

// mapGet returns the key and value nodes of key in mapping m, or nils.
func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// mapValue returns the value of key when it is a mapping.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	_, v := mapGet(m, key)
	if v == nil || v.Kind != yaml.MappingNode {
		return nil
	}
	return v
}

// scalar returns the value of key when it is a scalar.
func scalar(m *yaml.Node, key string) (string, bool) {
	_, v := mapGet(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == yaml.NodeTagNull {
		return "", false
	}
	return v.Value, true
}

// isNull reports whether n is absent or an explicit null.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull)
}

func keys(m *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	return out
}

// insertPos says where a new key goes in m. When the existing keys are in
// alphabetical order (kubectl and generated manifests) the new key keeps that
// order; otherwise it goes right after the last of the keys in after that is
// present, or at the end.
func insertPos(m *yaml.Node, key string, after []string) int {
	ks := keys(m)
	// A mapping the engine created (it has no line) is kept sorted too, so
	// that a new block reads the same whatever order the fixers ran in.
	if (m.Line == 0 || len(ks) >= 2) && sort.StringsAreSorted(ks) {
		i := sort.SearchStrings(ks, key)
		return 2 * i
	}
	pos := -1
	for i, k := range ks {
		for _, a := range after {
			if k == a {
				pos = i
			}
		}
	}
	if pos >= 0 {
		return 2 * (pos + 1)
	}
	// At the end, after the keys that were there; keys added in this run
	// (they have no line yet) stay in alphabetical order among themselves.
	end := len(m.Content)
	for end >= 2 && m.Content[end-2].Line == 0 && m.Content[end-2].Value > key {
		end -= 2
	}
	return end
}

// insertKey inserts key: value into m at the position insertPos chooses.
func insertKey(m *yaml.Node, key string, value *yaml.Node, after []string) {
	pos := insertPos(m, key, after)
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: key}
	m.Content = append(m.Content, nil, nil)
	copy(m.Content[pos+2:], m.Content[pos:])
	m.Content[pos], m.Content[pos+1] = k, value
}

// removeKey deletes key from m; it reports whether it was there.
func removeKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return true
		}
	}
	return false
}

// ensureMap returns the mapping under key in m, creating an empty block
// mapping (or replacing an explicit null) when there is none.
func ensureMap(m *yaml.Node, key string, after []string) *yaml.Node {
	_, v := mapGet(m, key)
	if v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	nm := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	if v != nil { // explicit null (or a scalar the decoder would have refused)
		*v = *nm
		return v
	}
	insertKey(m, key, nm, after)
	return nm
}

// setScalar sets key in m to a scalar, inserting the key when absent. It
// returns the previous value (nil when absent).
func setScalar(m *yaml.Node, key string, value *yaml.Node, after []string) {
	_, v := mapGet(m, key)
	if v == nil {
		insertKey(m, key, value, after)
		return
	}
	// Keep the node (and its comments); change only what it says. A string
	// replacing a string keeps its quoting.
	keepStyle := v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagString && value.Tag == yaml.NodeTagString
	v.Kind = yaml.ScalarNode
	v.Tag = value.Tag
	v.Value = value.Value
	if !keepStyle {
		v.Style = value.Style
	}
	v.Content = nil
}

// appendItem appends a string item to a sequence, quoted like the item
// before it.
func appendItem(seq *yaml.Node, s string) {
	n := strNode(s)
	if k := len(seq.Content); k > 0 && seq.Content[k-1].Kind == yaml.ScalarNode {
		n.Style = seq.Content[k-1].Style &^ (yaml.LiteralStyle | yaml.FoldedStyle)
	}
	seq.Content = append(seq.Content, n)
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: strconv.FormatBool(b)}
}

func intNode(i int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(i, 10)}
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
}

// seqStrings returns the scalar values of a sequence.
func seqStrings(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, c.Value)
	}
	return out
}

// boolValue reads a YAML boolean scalar ("true"/"false" in YAML 1.2, as the
// API server's JSON conversion sees it).
func boolValue(m *yaml.Node, key string) (bool, bool) {
	_, v := mapGet(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != yaml.NodeTagBool {
		return false, false
	}
	b, err := strconv.ParseBool(v.Value)
	if err != nil {
		return false, false
	}
	return b, true
}

// hasAliases reports whether the subtree under n uses anchors or aliases.
// The engine does not edit such subtrees: an edit through an alias would also
// change every other place the anchor is used.
func hasAliases(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAliases(c) {
			return true
		}
	}
	return false
}

func splitDots(s string) []string { return strings.Split(s, ".") }
