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
		d := &document{pristine: doc, origin: map[*yaml.Node]*yaml.Node{}}
		d.root = copyTree(doc.Content[0], map[*yaml.Node]*yaml.Node{}, d.origin)
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
	r := &renderer{f: f, t: f.txt}
	for i, d := range f.docs {
		if err := normalize(d.root, 0); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		r.doc = d
		if r.unchanged(d.pristine.Content[0], d.root) {
			continue
		}
		if err := r.diffNode(d.pristine.Content[0], d.root, ctx{kind: ctxRoot, json: d.style.json}); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	if len(r.edits) == 0 {
		return f.src, nil
	}
	out, err := applyEdits(f.raw, r.edits)
	if err != nil {
		return nil, err
	}
	if len(f.raw) != len(f.src) {
		out = bytes.TrimSuffix(out, []byte(f.nl))
	}
	if err := f.verify(out); err != nil {
		return nil, fmt.Errorf("refusing to write the edited file: %w", err)
	}
	return out, nil
}

// verify parses out and checks that it holds exactly the caller's trees.
func (f *File) verify(out []byte) error {
	got, err := decodeDocs(out)
	if err != nil {
		return fmt.Errorf("the result does not parse: %w", err)
	}
	if len(got) != len(f.docs) {
		return fmt.Errorf("the result has %d documents, want %d", len(got), len(f.docs))
	}
	for i := range f.docs {
		if err := sameTree(got[i].Content[0], f.docs[i].root, "$"); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	return nil
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

// copyTree deep-copies n, keeping aliases pointing into the copy and
// recording for every copied node the pristine node it came from.
func copyTree(n *yaml.Node, memo, origin map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := memo[n]; ok {
		return c
	}
	c := &yaml.Node{}
	*c = *n
	memo[n] = c
	origin[c] = n
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = copyTree(ch, memo, origin)
		}
	}
	if n.Alias != nil {
		if a, ok := memo[n.Alias]; ok {
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
