package yamledit

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// docStyle is how a document is laid out, learned from its text so that new
// lines look like their neighbours.
type docStyle struct {
	width     int    // indentation step of nested mappings
	seqOffset int    // columns between a key and the "- " of its block sequence (0: flush)
	gapColl   int    // columns from a "-" to a mapping item ("- a: 1": 2, "-   a: 1": 4)
	gapScalar int    // columns from a "-" to a scalar item
	json      bool   // the document is JSON: new content is written as JSON
	jsonColon string // for JSON: between a key and its value (": " or ":")
	jsonComma string // for JSON: between entries on one line (", " or ",")
	multiline bool   // for JSON: collections are spread over lines
}

type styleVotes struct {
	width, seq, gap, gapScalar map[int]int
}

func newVotes() styleVotes {
	return styleVotes{width: map[int]int{}, seq: map[int]int{}, gap: map[int]int{}, gapScalar: map[int]int{}}
}

func (v styleVotes) best(m map[int]int, def int) int {
	best, n := def, 0
	for k, c := range m {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

// detectStyles sets the style of every document: from its own text where it
// shows one, else from the rest of the file, else 2-space indentation with
// flush sequences.
func detectStyles(f *File) {
	file := newVotes()
	per := make([]styleVotes, len(f.docs))
	for i, d := range f.docs {
		per[i] = newVotes()
		vote(f.txt, d.pristine.Content[0], per[i])
		for k, c := range per[i].width {
			file.width[k] += c
		}
		for k, c := range per[i].seq {
			file.seq[k] += c
		}
		for k, c := range per[i].gap {
			file.gap[k] += c
		}
		for k, c := range per[i].gapScalar {
			file.gapScalar[k] += c
		}
	}
	fw := file.best(file.width, 2)
	fs := file.best(file.seq, 0)
	fg := file.best(file.gap, 2)
	fgs := file.best(file.gapScalar, 2)
	for i, d := range f.docs {
		d.style.width = per[i].best(per[i].width, fw)
		d.style.seqOffset = per[i].best(per[i].seq, fs)
		d.style.gapColl = per[i].best(per[i].gap, fg)
		d.style.gapScalar = per[i].best(per[i].gapScalar, fgs)
		root := d.pristine.Content[0]
		if (root.Kind == yaml.MappingNode || root.Kind == yaml.SequenceNode) && root.Style&yaml.FlowStyle != 0 {
			if s, err := f.txt.start(root); err == nil && s < len(f.src) && (f.src[s] == '{' || f.src[s] == '[') {
				d.style.json = true
				d.style.jsonColon, d.style.jsonComma = ": ", ", "
				jsonSeparators(f.txt, root, &d.style, 0)
				if e, err := f.txt.end(root, false, false); err == nil {
					d.style.multiline = f.txt.lineOf(e) > f.txt.lineOf(s)
				}
			}
		}
	}
}

// vote records the indentation steps visible in the tree under n.
func vote(t *text, n *yaml.Node, v styleVotes) {
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		if n.Style&yaml.FlowStyle != 0 {
			voteFlow(t, n, v)
			break
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if val.Style&yaml.FlowStyle != 0 || len(val.Content) == 0 {
				continue
			}
			switch val.Kind {
			case yaml.MappingNode:
				if d := val.Content[0].Column - k.Column; d > 0 && val.Content[0].Line > k.Line {
					v.width[d]++
				}
			case yaml.SequenceNode:
				s, err := t.start(val.Content[0])
				if err != nil {
					continue
				}
				dash, err := t.dashBefore(s)
				if err != nil || t.lineOf(dash) <= k.Line {
					continue
				}
				if d := t.column(dash) - (k.Column - 1); d >= 0 {
					v.seq[d]++
				}
			}
		}
	case yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			voteFlow(t, n, v)
			break
		}
		for _, it := range n.Content {
			s, err := t.start(it)
			if err != nil {
				continue
			}
			dash, err := t.dashBefore(s)
			if err != nil || t.lineOf(dash) != t.lineOf(s) {
				continue
			}
			if g := t.column(s) - t.column(dash); g >= 2 {
				if it.Kind == yaml.MappingNode || it.Kind == yaml.SequenceNode {
					v.gap[g]++
				} else {
					v.gapScalar[g]++
				}
			}
		}
	}
	for _, c := range n.Content {
		vote(t, c, v)
	}
}

// voteFlow learns the indentation step of a JSON-like multi-line flow
// collection.
func voteFlow(t *text, n *yaml.Node, v styleVotes) {
	if len(n.Content) == 0 || n.Content[0].Line <= n.Line {
		return
	}
	s, err := t.start(n)
	if err != nil {
		return
	}
	c, err := t.start(n.Content[0])
	if err != nil {
		return
	}
	if d := t.indentOf(c) - t.indentOf(s); d > 0 {
		v.width[d]++
	}
}

// jsonSeparators learns how a JSON document spaces ":" and "," (minified
// files write neither space).
func jsonSeparators(t *text, n *yaml.Node, st *docStyle, depth int) (colon, comma bool) {
	if n == nil || depth > MaxDepth || (n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode) {
		return false, false
	}
	step := 1
	if n.Kind == yaml.MappingNode {
		step = 2
		if len(n.Content) >= 2 {
			if ke, err := t.end(n.Content[0], true, true); err == nil {
				if vs, err := t.start(n.Content[1]); err == nil && vs >= ke {
					if sep := string(t.src[ke:vs]); strings.Count(sep, ":") == 1 && strings.Trim(sep, ": ") == "" {
						st.jsonColon, colon = sep, true
					}
				}
			}
		}
	}
	if len(n.Content) >= 2*step {
		if e, err := t.end(n.Content[step-1], true, false); err == nil {
			if s, err := t.start(n.Content[step]); err == nil && s >= e {
				if sep := string(t.src[e:s]); strings.Count(sep, ",") == 1 && strings.Trim(sep, ", ") == "" {
					st.jsonComma, comma = sep, true
				}
			}
		}
	}
	for i := 0; i < len(n.Content) && !(colon && comma); i++ {
		c2, m2 := jsonSeparators(t, n.Content[i], st, depth+1)
		colon, comma = colon || c2, comma || m2
	}
	return colon, comma
}
