package yamledit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// text indexes the original bytes of a file so that the Line/Column positions
// yaml.v3 records (1-based, columns counted in characters) can be turned into
// byte offsets, and so that the extent of a node's text can be found: yaml.v3
// records where a node starts but not where it ends.
type text struct {
	src        []byte
	lineStarts []int  // byte offset of the first byte of each line; line 1 is index 0
	ascii      []int8 // per line: 0 not known yet, 1 ASCII only, 2 not
	ends       map[*yaml.Node]int
}

func newText(src []byte) *text {
	t := &text{src: src, ends: map[*yaml.Node]int{}}
	start := 0
	// yaml.v3 does not count a byte order mark as a column.
	if strings.HasPrefix(string(src[:min(3, len(src))]), "\ufeff") {
		start = 3
	}
	t.lineStarts = append(t.lineStarts, start)
	for i, b := range src {
		if b == '\n' {
			t.lineStarts = append(t.lineStarts, i+1)
		}
	}
	t.ascii = make([]int8, len(t.lineStarts))
	return t
}

// isASCII reports whether line (1-based) holds only ASCII, so that columns
// are byte offsets. Long minified lines make this matter.
func (t *text) isASCII(line int) bool {
	if t.ascii[line-1] == 0 {
		end := len(t.src)
		if line < len(t.lineStarts) {
			end = t.lineStarts[line]
		}
		t.ascii[line-1] = 1
		for _, b := range t.src[t.lineStarts[line-1]:end] {
			if b >= utf8.RuneSelf {
				t.ascii[line-1] = 2
				break
			}
		}
	}
	return t.ascii[line-1] == 1
}

// offset converts a yaml.v3 position to a byte offset.
func (t *text) offset(line, col int) (int, error) {
	if line < 1 || line > len(t.lineStarts) || col < 1 {
		return 0, fmt.Errorf("position %d:%d outside the file", line, col)
	}
	off := t.lineStarts[line-1]
	if t.isASCII(line) {
		off += col - 1
		if off > len(t.src) {
			return 0, fmt.Errorf("position %d:%d outside the file", line, col)
		}
		return off, nil
	}
	for c := 1; c < col; c++ {
		if off >= len(t.src) {
			return 0, fmt.Errorf("position %d:%d outside the file", line, col)
		}
		if t.src[off] < utf8.RuneSelf {
			off++
			continue
		}
		_, size := utf8.DecodeRune(t.src[off:])
		off += size
	}
	return off, nil
}

// start is the offset where node n's text begins (its anchor or tag
// included).
func (t *text) start(n *yaml.Node) (int, error) {
	return t.offset(n.Line, n.Column)
}

// lineStart returns the offset of the start of the line containing off.
func (t *text) lineStart(off int) int {
	ls := t.lineStarts[t.lineOf(off)-1]
	if ls > off { // inside a byte order mark
		return 0
	}
	return ls
}

// lineEnd returns the offset of the line break (\n or \r\n) ending the line
// that contains off, or len(src).
func (t *text) lineEnd(off int) int {
	for off < len(t.src) && t.src[off] != '\n' {
		off++
	}
	if off > 0 && off < len(t.src) && t.src[off-1] == '\r' {
		off--
	}
	return off
}

// nextLine returns the offset just past the line break ending the line that
// contains off, or len(src).
func (t *text) nextLine(off int) int {
	for off < len(t.src) && t.src[off] != '\n' {
		off++
	}
	if off < len(t.src) {
		off++
	}
	return off
}

// firstOnLine reports whether only spaces precede off on its line.
func (t *text) firstOnLine(off int) bool {
	for i := off - 1; i >= 0 && t.src[i] != '\n'; i-- {
		if t.src[i] != ' ' && t.src[i] != '\t' {
			return false
		}
	}
	return true
}

// indentOf is the number of spaces at the start of the line containing off.
func (t *text) indentOf(off int) int {
	ls := t.lineStart(off)
	n := 0
	for ls+n < len(t.src) && t.src[ls+n] == ' ' {
		n++
	}
	return n
}

// column is the 0-based character column of off on its line.
func (t *text) column(off int) int {
	line := t.lineOf(off)
	ls := t.lineStart(off)
	if t.isASCII(line) {
		return off - ls
	}
	return utf8.RuneCount(t.src[ls:off])
}

// skipProps skips an anchor and a tag (and the blanks after them) at off.
func (t *text) skipProps(off int) int {
	for off < len(t.src) && (t.src[off] == '&' || t.src[off] == '!') {
		for off < len(t.src) && !isBlank(t.src[off]) && t.src[off] != '\n' && t.src[off] != '\r' {
			off++
		}
		// The node itself may follow on a later line (key: &a, then the
		// value below), after blanks, line breaks and comments.
		for off < len(t.src) {
			c := t.src[off]
			switch {
			case isBlank(c) || c == '\n' || c == '\r':
				off++
				continue
			case c == '#':
				off = t.nextLine(off)
				continue
			}
			break
		}
	}
	return off
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' }

func isFlowIndicator(b byte) bool { return b == ',' || b == '[' || b == ']' || b == '{' || b == '}' }

// end returns the offset just past the last character of node n's text
// (excluding a trailing comment). inFlow tells whether n is inside a flow
// collection; isKey whether it is a mapping key.
func (t *text) end(n *yaml.Node, inFlow, isKey bool) (int, error) {
	if e, ok := t.ends[n]; ok {
		return e, nil
	}
	e, err := t.computeEnd(n, inFlow, isKey)
	if err != nil {
		return 0, err
	}
	t.ends[n] = e
	return e, nil
}

func (t *text) computeEnd(n *yaml.Node, inFlow, isKey bool) (int, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return t.start(n)
		}
		return t.end(n.Content[0], false, false)
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
			s, err := t.start(n)
			if err != nil {
				return 0, err
			}
			return t.flowEnd(t.skipProps(s))
		}
		last := n.Content[len(n.Content)-1]
		return t.end(last, false, false)
	case yaml.AliasNode:
		s, err := t.start(n)
		if err != nil {
			return 0, err
		}
		i := s + 1
		for i < len(t.src) && !isBlank(t.src[i]) && t.src[i] != '\n' && t.src[i] != '\r' && !(inFlow && isFlowIndicator(t.src[i])) {
			if isKey && t.src[i] == ':' {
				break
			}
			i++
		}
		return i, nil
	case yaml.ScalarNode:
		s, err := t.start(n)
		if err != nil {
			return 0, err
		}
		return t.scalarEnd(n, t.skipProps(s), inFlow, isKey)
	}
	return 0, fmt.Errorf("unknown node kind %d", n.Kind)
}

// flowEnd returns the offset just past the bracket closing the flow
// collection that opens at off.
func (t *text) flowEnd(off int) (int, error) {
	if off >= len(t.src) || (t.src[off] != '[' && t.src[off] != '{') {
		return 0, fmt.Errorf("line %d: expected a flow collection", t.lineOf(off))
	}
	depth := 0
	for i := off; i < len(t.src); i++ {
		switch c := t.src[i]; c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			e, err := t.doubleQuotedEnd(i)
			if err != nil {
				return 0, err
			}
			i = e - 1
		case '\'':
			// A quote inside a plain scalar (it's) does not open a string.
			if i > off && !isBlank(t.src[i-1]) && !isFlowIndicator(t.src[i-1]) && t.src[i-1] != ':' && t.src[i-1] != '\n' {
				continue
			}
			e, err := t.singleQuotedEnd(i)
			if err != nil {
				return 0, err
			}
			i = e - 1
		case '#':
			if i > 0 && (isBlank(t.src[i-1]) || t.src[i-1] == '\n') {
				i = t.lineEnd(i) - 1
			}
		}
	}
	return 0, fmt.Errorf("line %d: unterminated flow collection", t.lineOf(off))
}

func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

func (t *text) doubleQuotedEnd(off int) (int, error) {
	for i := off + 1; i < len(t.src); i++ {
		switch t.src[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("line %d: unterminated double-quoted string", t.lineOf(off))
}

func (t *text) singleQuotedEnd(off int) (int, error) {
	for i := off + 1; i < len(t.src); i++ {
		if t.src[i] == '\'' {
			if i+1 < len(t.src) && t.src[i+1] == '\'' {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("line %d: unterminated single-quoted string", t.lineOf(off))
}

// scalarEnd finds the end of the scalar token of n, which starts at off.
func (t *text) scalarEnd(n *yaml.Node, off int, inFlow, isKey bool) (int, error) {
	if off >= len(t.src) {
		return off, nil
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return t.doubleQuotedEnd(off)
	case n.Style&yaml.SingleQuotedStyle != 0:
		return t.singleQuotedEnd(off)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return t.blockScalarEnd(off)
	}
	return t.plainEnd(n, off, inFlow, isKey)
}

// plainEnd finds the end of a plain scalar. A plain scalar may continue on
// following lines; the lines are taken one by one until their folded text
// equals the node's value.
func (t *text) plainEnd(n *yaml.Node, off int, inFlow, isKey bool) (int, error) {
	if n.Value == "" && (n.Tag == "!!null" || n.Tag == "") {
		// An empty value has no text at all.
		if off < len(t.src) && t.src[off] != '~' && !strings.HasPrefix(string(t.src[off:]), "null") &&
			!strings.HasPrefix(string(t.src[off:]), "Null") && !strings.HasPrefix(string(t.src[off:]), "NULL") {
			return off, nil
		}
	}
	var folded folder
	pos := off
	for {
		i := pos
		for i < len(t.src) {
			c := t.src[i]
			if c == '\n' || c == '\r' {
				break
			}
			if c == '#' && i > pos && isBlank(t.src[i-1]) {
				break
			}
			if c == ':' && (isKey || inFlow) && (i+1 >= len(t.src) || isBlank(t.src[i+1]) || t.src[i+1] == '\n' || t.src[i+1] == '\r' || (inFlow && isFlowIndicator(t.src[i+1]))) {
				break
			}
			if inFlow && isFlowIndicator(c) {
				break
			}
			i++
		}
		seg := strings.TrimRight(string(t.src[pos:i]), " \t")
		segEnd := pos + len(seg)
		folded.add(strings.TrimLeft(seg, " \t"))
		if folded.b.Len() == len(n.Value) && folded.b.String() == n.Value {
			return segEnd, nil
		}
		if folded.b.Len() > len(n.Value) {
			break
		}
		if isKey || i >= len(t.src) || t.src[i] == '#' || (i > pos && t.src[i] != '\n' && t.src[i] != '\r') {
			break
		}
		pos = t.nextLine(i)
		if pos >= len(t.src) {
			break
		}
	}
	return 0, fmt.Errorf("line %d: could not find the end of the scalar %q", n.Line, truncate(n.Value))
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// folder folds the lines of a multi-line plain scalar as YAML does: line
// breaks become spaces, empty lines become line breaks.
type folder struct {
	b       strings.Builder
	lines   int
	pending int
}

func (f *folder) add(line string) {
	f.lines++
	if f.lines > 1 && line == "" {
		f.pending++
		return
	}
	if f.lines > 1 {
		if f.pending > 0 {
			f.b.WriteString(strings.Repeat("\n", f.pending))
		} else {
			f.b.WriteByte(' ')
		}
	}
	f.pending = 0
	f.b.WriteString(line)
}

// blockScalarEnd finds the end of a literal or folded scalar whose header
// (| or >) is at off: the end of its last content line, or of its last
// trailing blank line if the chomping indicator is "+".
func (t *text) blockScalarEnd(off int) (int, error) {
	header := off + 1
	keep := false
	explicit := 0
	for header < len(t.src) {
		c := t.src[header]
		switch {
		case c == '+':
			keep = true
		case c == '-':
		case c >= '1' && c <= '9':
			explicit = int(c - '0')
		default:
			goto done
		}
		header++
	}
done:
	parentIndent := t.indentOf(off)
	indent := -1
	if explicit > 0 {
		indent = parentIndent + explicit
	}
	end := t.lineEnd(off)
	pos := t.nextLine(off)
	for pos < len(t.src) {
		le := t.lineEnd(pos)
		line := string(t.src[pos:le])
		if strings.Trim(line, " \t") == "" {
			if keep {
				end = le
			}
			pos = t.nextLine(pos)
			continue
		}
		if isDocMarker(line) {
			break
		}
		ind := len(line) - len(strings.TrimLeft(line, " "))
		if indent < 0 {
			if ind <= parentIndent && parentIndent > 0 {
				break // an empty block scalar
			}
			indent = ind
		}
		if ind < indent {
			break
		}
		end = le
		pos = t.nextLine(pos)
	}
	return end, nil
}

// colonAfterKey returns the offset just past the ':' that follows a mapping
// key ending at keyEnd.
func (t *text) colonAfterKey(keyEnd int) (int, error) {
	i := keyEnd
	for i < len(t.src) && isBlank(t.src[i]) {
		i++
	}
	if i < len(t.src) && t.src[i] == ':' {
		return i + 1, nil
	}
	return 0, fmt.Errorf("line %d: expected ':' after a key", t.lineOf(keyEnd))
}

// dashBefore finds the "-" that introduces the block sequence item starting
// at off. The item may start on a later line than its dash ("-" then a
// comment or nothing, the item below).
func (t *text) dashBefore(off int) (int, error) {
	ls := t.lineStart(off)
	seg := string(t.src[ls:off])
	for {
		trimmed := strings.TrimRight(seg, " \t\r\n")
		if strings.HasSuffix(trimmed, "-") {
			return ls + len(trimmed) - 1, nil
		}
		if trimmed != "" || ls == 0 {
			break
		}
		// Nothing before the item on this line: look at the previous line,
		// without its comment.
		ls = t.lineStart(ls - 1)
		le := t.lineEnd(ls)
		seg = string(t.src[ls:le])
		if i := commentStart(seg); i >= 0 {
			seg = seg[:i]
		}
	}
	return 0, fmt.Errorf("line %d: expected '-' before a sequence item", t.lineOf(off))
}

// commentStart is the index of the "#" starting a comment on a line of
// block content, or -1. (A "#" inside a quoted scalar on such a line is
// not expected here: the lines examined hold only indicators.)
func commentStart(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || isBlank(line[i-1])) {
			return i
		}
	}
	return -1
}

// trailingComment returns the comment (from '#') that follows off on its
// line, or "".
func (t *text) trailingComment(off int) string {
	le := t.lineEnd(off)
	rest := string(t.src[off:le])
	if i := strings.Index(rest, "#"); i >= 0 && strings.TrimSpace(rest[:i]) == "" {
		return strings.TrimRight(rest[i:], " \t")
	}
	return ""
}

// isDocMarker reports whether line is a document start or end marker.
func isDocMarker(line string) bool {
	if !strings.HasPrefix(line, "---") && !strings.HasPrefix(line, "...") {
		return false
	}
	return len(line) == 3 || isBlank(line[3])
}

// explicitKey returns the offset of the "?" that introduces the key starting
// at off ("? key"), or off.
func (t *text) explicitKey(off int) int {
	i := off - 1
	for i >= 0 && isBlank(t.src[i]) {
		i--
	}
	if i >= 0 && t.src[i] == '?' {
		return i
	}
	return off
}
