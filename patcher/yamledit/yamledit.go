// Package yamledit edits YAML files the way a person would: the caller parses a
// file, changes the kyaml node trees of its documents freely, and Render writes
// the original bytes back with only the changed values, keys and items edited
// in place, in the file's own style (indentation width, sequence indentation,
// quoting, flow or block style, comments, blank lines, document markers, line
// endings, final newline). Everything the caller did not change stays byte for
// byte: a file whose trees were not changed renders to its exact input.
//
// Parse keeps two copies of every document: a pristine tree whose nodes carry
// their positions in the original bytes, and a deep copy handed out by Docs.
// Render walks both trees in parallel (mappings by key, sequences by node
// identity, then by equal value), turns every difference into a minimal text
// edit against the original bytes (replace a token, insert lines, delete
// lines or a flow segment) and, where no minimal edit can express the change
// (a reordering, a style change), re-renders only that value in the file's
// style. Before returning, Render parses its output again and compares it with
// the changed trees; if they differ it returns an error instead of wrong bytes.
//
// JSON files are YAML too; a change to a JSON document is written as JSON.
//
// Scalars written by Render follow the node's intent, not kyaml's encoder:
//   - a node with an explicit core tag other than !!str (!!bool, !!int,
//     !!float, !!null) is written plain, whatever its Style;
//   - an untagged node (yaml.NewScalarRNode) means what its value reads as:
//     "false" is the boolean false and "65532" the integer 65532, even when
//     kyaml's FieldSetter has given it yaml.DoubleQuotedStyle;
//   - a !!str node is a string when its Style is quoted, literal or folded;
//     a plain (Style 0) !!str node whose Value the caller set to "false" is
//     taken as the plain text false (the tag is the stale one it was decoded
//     with).
//
// So to write the string "false", use a !!str node with a quoted Style
// (yaml.NewStringRNode passed to kyaml's SetField for a new field does this).
//
// Where new content goes and how it looks:
//   - a new key goes where the caller put it in the mapping's Content: after
//     the whole entry of the key before it (nested blocks, block scalars and
//     the comments indented under it included) and before the comments above
//     the next key; a key put first goes above the first key's comments;
//   - new blocks use the document's indentation width, its sequence style
//     ("- " flush under the key or indented) and its gap after "-", learned
//     from the document (else from the file, else 2 spaces, flush, "- ");
//   - an empty flow placeholder ("securityContext: {}", "args: []") that
//     gets content becomes a block; a non-empty flow collection stays flow;
//   - a mapping or sequence left empty is written {} or [];
//   - removing an entry deletes its lines (comments above it stay);
//   - new lines use the file's line break (LF, CRLF or a lone CR), and a
//     missing final newline stays missing.
//
// Render writes the comments of new nodes (head and line comments) but not
// changes to the comments of existing nodes. When kyaml has set a field on a
// null value (it appends the key and value to the null scalar's Content),
// Render turns that node into the mapping the caller meant, in the caller's
// tree.
package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// File is a parsed YAML (or JSON) stream.
type File struct {
	src   []byte
	raw   []byte // src, ending with a line break
	txt   *text  // index over raw (lone CRs read as LFs)
	nl    string
	docs  []*document
	nodes []*yaml.RNode
}

// document is one document of the stream.
type document struct {
	pristine *yaml.Node // the DocumentNode as decoded, with positions into src
	root     *yaml.Node // the caller's copy of pristine.Content[0]
	origin   map[*yaml.Node]*yaml.Node
	style    docStyle
}

// Parse parses src, a stream of YAML documents or a JSON file. Errors are
// *SyntaxError values carrying the 1-based line. Parse refuses binary data,
// invalid UTF-8, duplicate mapping keys, nesting deeper than MaxDepth and
// documents whose aliases expand to more than MaxAliasExpansion nodes.
func Parse(src []byte) (*File, error) {
	docs, err := decodeDocs(src)
	if err != nil {
		return nil, err
	}
	f := &File{src: src, nl: lineEnding(src)}
	// Edits work on the text as if it ended with a line break, which
	// Render takes off again: positions do not change, and appending after
	// or deleting the last line needs no special case.
	padded := src
	if len(src) > 0 && src[len(src)-1] != '\n' && src[len(src)-1] != '\r' {
		padded = append(append(make([]byte, 0, len(src)+2), src...), f.nl...)
	}
	f.raw = padded
	f.txt = newText(scanCopy(padded))
	for _, doc := range docs {
		d := &document{pristine: doc}
		d.root, d.origin = copyTree(doc.Content[0])
		f.docs = append(f.docs, d)
		f.nodes = append(f.nodes, yaml.NewRNode(d.root))
	}
	detectStyles(f)
	return f, nil
}

// decodeDocs decodes and checks every document of src. Every returned
// DocumentNode has exactly one child (a null scalar for an empty document).
func decodeDocs(src []byte) ([]*yaml.Node, error) {
	if err := checkBytes(src); err != nil {
		return nil, err
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		doc := &yaml.Node{}
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, syntaxError(err, src)
		}
		if doc.Kind != yaml.DocumentNode {
			return nil, &SyntaxError{Line: doc.Line, Msg: "unexpected node at the top of the stream"}
		}
		if len(doc.Content) == 0 {
			doc.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!null", Line: doc.Line, Column: doc.Column}}
		}
		if err := validate(doc); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
}

// Docs returns one node per document, in file order. The caller may change
// them freely with kyaml; Render writes the changes. An empty document (a
// bare "---") is returned as a null scalar node (yaml.IsMissingOrNull is true
// for it); callers skip it by that or by checking the node's Kind. A stream
// with no document at all (empty, or only comments) returns no nodes.
func (f *File) Docs() []*yaml.RNode { return f.nodes }

// Render returns the original bytes with the changes made to the Docs trees
// applied, and nothing else changed. If nothing changed it returns the
// original bytes themselves. It returns an error rather than bytes that would
// not parse back to the changed trees.
func (f *File) Render() ([]byte, error) {
	out, _, err := f.RenderParsed()
	return out, err
}

// RenderParsed is Render that also hands out the documents of the output as
// Render parsed them to verify it: one node per document, in file order, as
// Docs returns them (a null scalar for an empty document). A caller that
// examines the output again (to evaluate it once more) uses them instead of
// parsing the same bytes a second time. They are the parse of the output,
// checked as Parse checks a file (duplicate keys, nesting, alias bombs), not
// the caller's trees: their positions are into the output, and they are
// read-only.
func (f *File) RenderParsed() ([]byte, []*yaml.RNode, error) {
	r := &renderer{f: f, t: f.txt}
	for i, d := range f.docs {
		if err := normalize(d.root, 0); err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		r.doc = d
		if r.unchanged(d.pristine.Content[0], d.root) {
			continue
		}
		if err := r.diffNode(d.pristine.Content[0], d.root, ctx{kind: ctxRoot, json: d.style.json}); err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	if len(r.edits) == 0 {
		// The output is the input: its parse is the pristine trees.
		docs := make([]*yaml.RNode, len(f.docs))
		for i, d := range f.docs {
			docs[i] = yaml.NewRNode(d.pristine.Content[0])
		}
		return f.src, docs, nil
	}
	out, err := applyEdits(f.raw, r.edits)
	if err != nil {
		return nil, nil, err
	}
	if len(f.raw) != len(f.src) {
		out = bytes.TrimSuffix(out, []byte(f.nl))
	}
	got, err := f.verify(out)
	if err != nil {
		return nil, nil, fmt.Errorf("refusing to write the edited file: %w", err)
	}
	docs := make([]*yaml.RNode, len(got))
	for i, d := range got {
		docs[i] = yaml.NewRNode(d.Content[0])
	}
	return out, docs, nil
}

// verify parses out and checks that it holds exactly the caller's trees. It
// returns the parsed documents.
func (f *File) verify(out []byte) ([]*yaml.Node, error) {
	got, err := decodeDocs(out)
	if err != nil {
		return nil, fmt.Errorf("the result does not parse: %w", err)
	}
	if len(got) != len(f.docs) {
		return nil, fmt.Errorf("the result has %d documents, want %d", len(got), len(f.docs))
	}
	for i := range f.docs {
		if err := sameTree(got[i].Content[0], f.docs[i].root, "$"); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	return got, nil
}

// SyntaxError is a file that could not be parsed.
type SyntaxError struct {
	Line int // 1-based; 0 if unknown
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// copyTree deep-copies n, keeping aliases pointing into the copy, and
// returns the copy with, for every copied node, the pristine node it came
// from. The copies (and their Content slices) are allocated in two blocks,
// sized by a first walk: a parsed document is a tree along Content, so only
// anchored nodes need remembering, for the aliases that point at them. The
// Content slices are capped, so a caller appending to one (kyaml does) gets a
// new array rather than overwriting its neighbour's.
func copyTree(n *yaml.Node) (*yaml.Node, map[*yaml.Node]*yaml.Node) {
	nodes, edges := countTree(n)
	c := &copier{
		nodes:   make([]yaml.Node, 0, nodes),
		content: make([]*yaml.Node, 0, edges),
		origin:  make(map[*yaml.Node]*yaml.Node, nodes),
		anchors: map[*yaml.Node]*yaml.Node{},
	}
	return c.copy(n), c.origin
}

// countTree counts the nodes and Content entries under n (validate has
// bounded its depth).
func countTree(n *yaml.Node) (nodes, edges int) {
	if n == nil {
		return 0, 0
	}
	nodes, edges = 1, len(n.Content)
	for _, ch := range n.Content {
		a, b := countTree(ch)
		nodes += a
		edges += b
	}
	return nodes, edges
}

type copier struct {
	nodes   []yaml.Node
	content []*yaml.Node
	origin  map[*yaml.Node]*yaml.Node
	anchors map[*yaml.Node]*yaml.Node // anchored pristine node -> its copy
}

func (cp *copier) copy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := cp.anchors[n]; ok {
		return c
	}
	var c *yaml.Node
	if len(cp.nodes) < cap(cp.nodes) {
		cp.nodes = append(cp.nodes, *n)
		c = &cp.nodes[len(cp.nodes)-1]
	} else {
		c = &yaml.Node{}
		*c = *n
	}
	cp.origin[c] = n
	if n.Anchor != "" {
		cp.anchors[n] = c
	}
	if n.Content != nil {
		k := len(n.Content)
		if len(cp.content)+k <= cap(cp.content) {
			start := len(cp.content)
			cp.content = cp.content[:start+k]
			c.Content = cp.content[start : start+k : start+k]
		} else {
			c.Content = make([]*yaml.Node, k)
		}
		for i, ch := range n.Content {
			c.Content[i] = cp.copy(ch)
		}
	}
	if n.Alias != nil {
		if a, ok := cp.anchors[n.Alias]; ok {
			c.Alias = a
		}
	}
	return c
}

func lineEnding(src []byte) string {
	i := bytes.IndexAny(src, "\r\n")
	switch {
	case i < 0 || src[i] == '\n':
		return "\n"
	case i+1 < len(src) && src[i+1] == '\n':
		return "\r\n"
	}
	return "\r" // old Mac line breaks: YAML reads a lone CR as a line break
}

// scanCopy returns src with every lone CR (a line break to YAML) turned into
// an LF, so that the text index sees the lines yaml.v3 sees. The length does
// not change, so offsets hold for src too.
func scanCopy(src []byte) []byte {
	var out []byte
	for i, b := range src {
		if b == '\r' && (i+1 >= len(src) || src[i+1] != '\n') {
			if out == nil {
				out = append([]byte(nil), src...)
			}
			out[i] = '\n'
		}
	}
	if out == nil {
		return src
	}
	return out
}

// normalize repairs what kyaml leaves behind when a field is set on a null
// value (securityContext: with nothing after it): kyaml appends the new key
// and value to the null scalar's Content, and the node stays a scalar. Such
// a node is turned into the mapping the caller meant.
func normalize(n *yaml.Node, depth int) error {
	if n == nil || n.Kind == yaml.AliasNode || depth > 10*MaxDepth {
		return nil
	}
	if n.Kind == yaml.ScalarNode && len(n.Content) > 0 {
		if len(n.Content)%2 != 0 {
			return fmt.Errorf("line %d: a scalar node holds %d child nodes", n.Line, len(n.Content))
		}
		n.Kind, n.Tag, n.Value, n.Style = yaml.MappingNode, tagMap, "", 0
	}
	for _, c := range n.Content {
		if err := normalize(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}
