package patcher

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A field path names a field of a document, as in the report:
//
//	spec.template.spec.containers[name=api].securityContext.allowPrivilegeEscalation
//	items[2].spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/api
//
// Keys are separated by dots; a sequence item is selected by [name=x] or by
// [index]. Annotation keys contain dots themselves, so resolution tries the
// longest key that exists first.

// lineOf returns the line of the field at path in root, or of its deepest
// existing ancestor when the field is absent (a removed field points at the
// mapping it was removed from). 0 when nothing matches.
func lineOf(root *yaml.Node, path string) int {
	_, line, _ := resolve(root, path)
	return line
}

// nodeAt returns the node at path, nil when absent.
func nodeAt(root *yaml.Node, path string) *yaml.Node {
	n, _, ok := resolve(root, path)
	if !ok {
		return nil
	}
	return n
}

// resolve follows path from root. It returns the deepest node reached, the
// line of that field (its key's line) and whether the whole path resolved.
func resolve(root *yaml.Node, path string) (*yaml.Node, int, bool) {
	n, line := root, 0
	if root != nil {
		line = root.Line
	}
	rest := path
	for rest != "" && n != nil {
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 || n.Kind != yaml.SequenceNode {
				return n, line, false
			}
			sel := rest[1:end]
			rest = strings.TrimPrefix(rest[end+1:], ".")
			var next *yaml.Node
			if name, ok := strings.CutPrefix(sel, "name="); ok {
				for _, it := range n.Content {
					if v, _ := scalar(it, "name"); v == name {
						next = it
						break
					}
				}
			} else if i, err := strconv.Atoi(sel); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
			if next == nil {
				return n, line, false
			}
			n, line = next, next.Line
			continue
		}
		if n.Kind != yaml.MappingNode {
			return n, line, false
		}
		// The longest key at this level that matches a prefix of rest.
		seg := rest
		if i := strings.IndexAny(rest, ".["); i >= 0 {
			seg = rest[:i]
		}
		var kn, vn *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if (k == seg || strings.HasPrefix(rest, k+".") || strings.HasPrefix(rest, k+"[") || k == rest) && (kn == nil || len(k) > len(kn.Value)) {
				kn, vn = n.Content[i], n.Content[i+1]
			}
		}
		if kn == nil {
			return n, line, false
		}
		rest = strings.TrimPrefix(rest[len(kn.Value):], ".")
		n, line = vn, kn.Line
	}
	return n, line, rest == "" && n != nil
}
