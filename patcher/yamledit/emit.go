package yamledit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file writes new or replaced nodes as text in the file's style.

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// commentLines renders a head comment above a line indented by indent.
func commentLines(c string, indent int) []string {
	if strings.TrimSpace(c) == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(c, "\n"), "\n") {
		l = strings.TrimRight(l, " \t\r")
		switch {
		case l == "":
			out = append(out, "")
		case strings.HasPrefix(strings.TrimLeft(l, " \t"), "#"):
			out = append(out, spaces(indent)+strings.TrimLeft(l, " \t"))
		default:
			out = append(out, spaces(indent)+"# "+l)
		}
	}
	return out
}

func lineComment(c string) string {
	c = strings.TrimSpace(strings.ReplaceAll(c, "\n", " "))
	if c == "" {
		return ""
	}
	if !strings.HasPrefix(c, "#") {
		c = "# " + c
	}
	return " " + c
}

// block renders a non-empty block mapping or sequence whose entries start
// at column indent.
func (r *renderer) block(n *yaml.Node, indent int) ([]string, error) {
	var lines []string
	if n.Kind == yaml.MappingNode {
		if len(n.Content)%2 != 0 {
			return nil, fmt.Errorf("a mapping with an odd number of nodes")
		}
		for i := 0; i < len(n.Content); i += 2 {
			l, err := r.mapEntry(n.Content[i], n.Content[i+1], indent)
			if err != nil {
				return nil, err
			}
			lines = append(lines, l...)
		}
		return lines, nil
	}
	for _, it := range n.Content {
		l, err := r.seqItem(it, indent, r.itemGap(it))
		if err != nil {
			return nil, err
		}
		lines = append(lines, l...)
	}
	return lines, nil
}

// mapEntry renders "key: value" of a block mapping at column indent.
func (r *renderer) mapEntry(k, v *yaml.Node, indent int) ([]string, error) {
	if k == nil || v == nil {
		return nil, fmt.Errorf("a mapping entry with a nil key or value")
	}
	key, err := r.keyText(k, false)
	if err != nil {
		return nil, err
	}
	lines := commentLines(k.HeadComment, indent)
	pre := spaces(indent) + key + ":"
	switch {
	case isBlockColl(v):
		head := pre + r.props(v)
		head += lineComment(k.LineComment + v.LineComment)
		lines = append(lines, head)
		ci := indent + r.doc.style.width
		if v.Kind == yaml.SequenceNode {
			ci = indent + r.doc.style.seqOffset
		}
		sub, err := r.block(v, ci)
		if err != nil {
			return nil, err
		}
		return append(lines, sub...), nil
	case isBlockScalar(v):
		bl, err := r.blockScalar(v, indent+r.doc.style.width)
		if err != nil {
			return nil, err
		}
		lines = append(lines, pre+" "+bl[0])
		return append(lines, bl[1:]...), nil
	}
	txt, err := r.inline(v, false, indent)
	if err != nil {
		return nil, err
	}
	line := pre
	if txt != "" {
		line += " " + txt
	}
	lc := v.LineComment
	if lc == "" {
		lc = k.LineComment
	}
	return append(lines, line+lineComment(lc)), nil
}

// seqItem renders "- item" of a block sequence whose dash is at column
// dash and whose items start gap columns after it ("- " is a gap of 2).
func (r *renderer) seqItem(v *yaml.Node, dash, gap int) ([]string, error) {
	if v == nil {
		return nil, fmt.Errorf("a nil sequence item")
	}
	if gap < 2 {
		gap = 2
	}
	bullet := "-" + spaces(gap-1)
	lines := commentLines(v.HeadComment, dash)
	switch {
	case isBlockColl(v):
		sub, err := r.block(v, dash+gap)
		if err != nil {
			return nil, err
		}
		if p := r.props(v); p != "" {
			lines = append(lines, spaces(dash)+"-"+p)
			return append(lines, sub...), nil
		}
		for i, l := range sub {
			t := strings.TrimLeft(l, " ")
			if t == "" || strings.HasPrefix(t, "#") {
				lines = append(lines, spaces(dash)+t)
				continue
			}
			lines = append(lines, spaces(dash)+bullet+t)
			return append(lines, sub[i+1:]...), nil
		}
		return lines, nil
	case isBlockScalar(v):
		bl, err := r.blockScalar(v, dash+gap)
		if err != nil {
			return nil, err
		}
		lines = append(lines, spaces(dash)+bullet+bl[0])
		return append(lines, bl[1:]...), nil
	}
	txt, err := r.inline(v, false, dash)
	if err != nil {
		return nil, err
	}
	return append(lines, spaces(dash)+bullet+txt+lineComment(v.LineComment)), nil
}

// itemGap is the file's gap between "-" and an item of v's kind.
func (r *renderer) itemGap(v *yaml.Node) int {
	if v != nil && isBlockColl(v) {
		return r.doc.style.gapColl
	}
	return r.doc.style.gapScalar
}

// props renders " &anchor" (and a custom tag) for a block collection.
func (r *renderer) props(v *yaml.Node) string {
	s := ""
	if v.Anchor != "" {
		s += " &" + v.Anchor
	}
	if t := shortTag(v.Tag); t != "" && !isCoreTag(t) && t != "!" {
		s += " " + t
	}
	return s
}

// blockScalar renders a literal (or single-paragraph folded) scalar: the
// header, then the content lines indented by indent.
func (r *renderer) blockScalar(v *yaml.Node, indent int) ([]string, error) {
	val := v.Value
	body := strings.TrimRight(val, "\n")
	trailing := len(val) - len(body)
	if body == "" || strings.HasPrefix(body, " ") || strings.HasPrefix(body, "\t") || hasControl(body) {
		txt, err := r.scalarText(v, tagStr, true, false, nil)
		return []string{txt}, err
	}
	header := "|"
	if v.Style&yaml.FoldedStyle != 0 && !strings.Contains(body, "\n") {
		header = ">"
	}
	switch trailing {
	case 0:
		header += "-"
	case 1:
	default:
		header += "+"
	}
	if pr := strings.TrimLeft(r.props(v), " "); pr != "" {
		header = pr + " " + header
	}
	lines := []string{header}
	for _, l := range strings.Split(body, "\n") {
		if l == "" {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, spaces(indent)+l)
	}
	for i := 1; i < trailing; i++ {
		lines = append(lines, "")
	}
	return lines, nil
}

func hasControl(s string) bool {
	for _, c := range s {
		if c != '\n' && c != '\t' && (unicode.IsControl(c) || c == '\ufeff') {
			return true
		}
	}
	return false
}

// inline renders n on one line (or, for multi-line JSON, as the file lays
// out its collections).
func (r *renderer) inline(n *yaml.Node, isJSON bool, indent int) (string, error) {
	return r.inlineML(n, isJSON, indent, isJSON && r.doc.style.multiline)
}

func (r *renderer) inlineML(n *yaml.Node, isJSON bool, indent int, ml bool) (string, error) {
	if n == nil {
		return "", fmt.Errorf("a nil node")
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	props := ""
	if n.Anchor != "" {
		if isJSON {
			return "", fmt.Errorf("an anchor cannot be written in a JSON file")
		}
		props = "&" + n.Anchor + " "
	}
	switch n.Kind {
	case yaml.AliasNode:
		if isJSON {
			return "", fmt.Errorf("an alias cannot be written in a JSON file")
		}
		return "*" + n.Value, nil
	case yaml.ScalarNode:
		t := effTag(n)
		if !isJSON && t != "" && t != "!" && (!isCoreTag(t) || n.Style&yaml.TaggedStyle != 0) {
			props += t + " "
		}
		s, err := r.scalarText(n, t, true, isJSON, nil)
		return props + s, err
	case yaml.MappingNode, yaml.SequenceNode:
		open, close := "[", "]"
		step := 1
		if n.Kind == yaml.MappingNode {
			open, close, step = "{", "}", 2
			if len(n.Content)%2 != 0 {
				return "", fmt.Errorf("a mapping with an odd number of nodes")
			}
		}
		if t := shortTag(n.Tag); t != "" && !isCoreTag(t) && t != "!" && !isJSON {
			props += t + " "
		}
		if len(n.Content) == 0 {
			return props + open + close, nil
		}
		ci := indent + r.doc.style.width
		var parts []string
		for i := 0; i < len(n.Content); i += step {
			var s string
			var err error
			if step == 2 {
				s, err = r.flowEntry(n.Content[i], n.Content[i+1], isJSON, ci, ml)
			} else {
				s, err = r.inlineML(n.Content[i], isJSON, ci, ml)
			}
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		if ml {
			return props + open + r.f.nl + spaces(ci) + strings.Join(parts, ","+r.f.nl+spaces(ci)) + r.f.nl + spaces(indent) + close, nil
		}
		comma := ", "
		if isJSON {
			comma = r.doc.style.jsonComma
		}
		return props + open + strings.Join(parts, comma) + close, nil
	}
	return "", fmt.Errorf("cannot write a node of kind %d", n.Kind)
}

// flowEntry renders "key: value" inside a flow mapping.
func (r *renderer) flowEntry(k, v *yaml.Node, isJSON bool, indent int, ml bool) (string, error) {
	if k == nil || v == nil {
		return "", fmt.Errorf("a mapping entry with a nil key or value")
	}
	key, err := r.keyText(k, isJSON)
	if err != nil {
		return "", err
	}
	val, err := r.inlineML(v, isJSON, indent, ml)
	if err != nil {
		return "", err
	}
	if isJSON {
		return key + r.doc.style.jsonColon + val, nil
	}
	return key + ": " + val, nil
}

func (r *renderer) keyText(k *yaml.Node, isJSON bool) (string, error) {
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("only scalar mapping keys can be written")
	}
	if isJSON {
		return jsonQuote(k.Value), nil
	}
	switch {
	case k.Style&yaml.DoubleQuotedStyle != 0:
		return doubleQuote(k.Value), nil
	case k.Style&yaml.SingleQuotedStyle != 0 && singleOK(k.Value):
		return "'" + strings.ReplaceAll(k.Value, "'", "''") + "'", nil
	}
	if plainKeyOK(k.Value) {
		return k.Value, nil
	}
	return doubleQuote(k.Value), nil
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// scalarText renders a scalar with tag t as a token. p, if known, is the
// pristine node it replaces (its quoting is kept when quoting is needed).
func (r *renderer) scalarText(m *yaml.Node, t string, inFlow, isJSON bool, p *yaml.Node) (string, error) {
	v := m.Value
	if isJSON {
		switch t {
		case tagNull:
			return "null", nil
		case tagBool:
			if l := strings.ToLower(v); l == "true" || l == "false" {
				return l, nil
			}
		case tagInt, tagFloat:
			if jsonNumber.MatchString(v) {
				return v, nil
			}
			if t == tagInt {
				if i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64); err == nil {
					return strconv.FormatInt(i, 10), nil
				}
			}
		default:
			return jsonQuote(v), nil
		}
		return "", fmt.Errorf("cannot write %q as %s in JSON", v, t)
	}
	switch {
	case t == tagNull:
		if v == "" || !plainOK(v, tagNull, inFlow) {
			return "null", nil
		}
		return v, nil
	case t == tagStr:
		switch {
		case m.Style&yaml.SingleQuotedStyle != 0 && singleOK(v):
			return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
		case m.Style&quotedStyles != 0:
			return doubleQuote(v), nil
		case plainOK(v, tagStr, inFlow):
			return v, nil
		case p != nil && p.Style&yaml.SingleQuotedStyle != 0 && singleOK(v):
			return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
		}
		return doubleQuote(v), nil
	case isCoreTag(t):
		if plainOK(v, t, inFlow) {
			return v, nil
		}
		return "", fmt.Errorf("cannot write %q as %s", truncate(v), t)
	}
	// A custom tag: its text is written as a string.
	if plainOK(v, tagStr, inFlow) || plainOK(v, resolvePlain(v), inFlow) {
		return v, nil
	}
	return doubleQuote(v), nil
}

// simplePlain reports whether v is made only of characters that cannot
// start or end a plain scalar early, in a block or a flow context: an ASCII
// letter or digit, then letters, digits and "_./-". Written plain, such a
// text is always read back as one plain scalar with exactly v as its value,
// so only its tag (resolvePlain) is left to decide, without running the YAML
// parser. Anything else (spaces, ":", "#", indicators, non-ASCII) takes the
// slow path, which asks the parser, and so does a long text: YAML limits an
// implicit key to 1024 characters.
func simplePlain(v string) bool {
	if v == "" || len(v) > 256 || !isAlnum(v[0]) {
		return false
	}
	for i := 1; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && c != '_' && c != '.' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// plainOK reports whether v written plain reads back as v with tag t.
func plainOK(v, t string, inFlow bool) bool {
	if simplePlain(v) {
		return resolvePlain(v) == t
	}
	return plainParsed(v, t, inFlow)
}

// plainParsed is plainOK asking the YAML parser.
func plainParsed(v, t string, inFlow bool) bool {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsAny(v, "\n\r\t") || hasControl(v) {
		return false
	}
	doc := "k: " + v
	if inFlow {
		doc = "[" + v + "]"
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	var s *yaml.Node
	switch {
	case inFlow && c.Kind == yaml.SequenceNode && len(c.Content) == 1:
		s = c.Content[0]
	case !inFlow && c.Kind == yaml.MappingNode && len(c.Content) == 2:
		s = c.Content[1]
	default:
		return false
	}
	return s.Kind == yaml.ScalarNode && s.Style == 0 && s.Value == v && shortTag(s.Tag) == t && s.LineComment == ""
}

func plainKeyOK(v string) bool {
	if simplePlain(v) {
		return resolvePlain(v) == tagStr
	}
	return plainKeyParsed(v)
}

// plainKeyParsed is plainKeyOK asking the YAML parser.
func plainKeyParsed(v string) bool {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsAny(v, "\n\r\t{}[],#") || hasControl(v) {
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v+": x"), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	return c.Kind == yaml.MappingNode && len(c.Content) == 2 && c.Content[0].Value == v &&
		c.Content[0].Style == 0 && shortTag(c.Content[0].Tag) == tagStr
}

func singleOK(v string) bool {
	return !strings.ContainsAny(v, "\n\r") && !hasControl(v)
}

// doubleQuote writes a YAML double-quoted string. Go's escapes (\n, \t,
// \x1b, \u2028, ...) are all valid YAML escapes.
func doubleQuote(v string) string {
	return strconv.Quote(v)
}

func jsonQuote(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimRight(b.String(), "\n")
}
