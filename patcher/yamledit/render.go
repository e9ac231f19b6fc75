package yamledit

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// edit replaces src[off:off+del] with ins.
type edit struct {
	off, del int
	ins      string
}

// applyEdits applies non-overlapping edits to src.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].off != edits[j].off {
			return edits[i].off < edits[j].off
		}
		// At one offset, insert before deleting what follows.
		return edits[i].del == 0 && edits[j].del > 0
	})
	var out []byte
	pos := 0
	for _, e := range edits {
		if e.off < pos || e.off+e.del > len(src) {
			return nil, fmt.Errorf("internal error: overlapping edits at offset %d", e.off)
		}
		out = append(out, src[pos:e.off]...)
		out = append(out, e.ins...)
		pos = e.off + e.del
	}
	return append(out, src[pos:]...), nil
}

type ctxKind int

const (
	ctxRoot ctxKind = iota
	ctxMapValue
	ctxSeqItem
)

// ctx says where a node sits, which decides how a replacement is written.
type ctx struct {
	kind   ctxKind
	key    *yaml.Node // the pristine key, for ctxMapValue
	inFlow bool       // inside a flow collection
	indent int        // column of the key (ctxMapValue) or of the "-" (ctxSeqItem)
	json   bool
}

// errFallback asks the caller to re-render the whole collection.
var errFallback = errors.New("no minimal edit")

type renderer struct {
	f     *File
	t     *text
	doc   *document
	edits []edit
	same  map[[2]*yaml.Node]bool // memo of unchanged
}

// unchanged reports whether the caller's subtree m is exactly the pristine
// subtree p (values, tags, styles, anchors, comments and shape).
func (r *renderer) unchanged(p, m *yaml.Node) bool {
	if r.same == nil && strictEqual(p, m, r.doc.origin) {
		// The common case, a whole document untouched, needs no memo.
		return true
	}
	if v, ok := r.same[[2]*yaml.Node{p, m}]; ok {
		return v
	}
	eq := p.Kind == m.Kind && p.Value == m.Value && p.Tag == m.Tag && p.Style == m.Style &&
		p.Anchor == m.Anchor && len(p.Content) == len(m.Content) &&
		p.HeadComment == m.HeadComment && p.LineComment == m.LineComment && p.FootComment == m.FootComment
	if eq && p.Kind == yaml.AliasNode {
		eq = m.Alias == nil || r.doc.origin[m.Alias] == p.Alias
	}
	for i := 0; eq && i < len(p.Content); i++ {
		eq = m.Content[i] != nil && r.unchanged(p.Content[i], m.Content[i])
	}
	if r.same == nil {
		r.same = map[[2]*yaml.Node]bool{}
	}
	r.same[[2]*yaml.Node{p, m}] = eq
	return eq
}

func (r *renderer) add(off, end int, ins string) {
	r.edits = append(r.edits, edit{off: off, del: end - off, ins: ins})
}

func isFlow(n *yaml.Node) bool {
	return (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && (n.Style&yaml.FlowStyle != 0)
}

// isBlockColl is a non-empty block mapping or sequence.
func isBlockColl(n *yaml.Node) bool {
	return (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0
}

// diffNode turns the differences between pristine p and the caller's m into
// edits.
func (r *renderer) diffNode(p, m *yaml.Node, c ctx) error {
	if m == nil {
		return fmt.Errorf("line %d: a node was set to nil", p.Line)
	}
	if m.Kind == yaml.DocumentNode {
		if len(m.Content) != 1 {
			return fmt.Errorf("line %d: a document node without content", p.Line)
		}
		m = m.Content[0]
	}
	if r.unchanged(p, m) {
		return nil
	}
	if p.Kind != m.Kind || p.Anchor != m.Anchor {
		return r.replace(p, m, c)
	}
	switch p.Kind {
	case yaml.AliasNode:
		if p.Value != m.Value {
			return r.replace(p, m, c)
		}
		return nil
	case yaml.ScalarNode:
		return r.diffScalar(p, m, c)
	}
	if isFlow(p) && len(p.Content) == 0 && len(m.Content) > 0 && isFlow(m) && !c.inFlow && !c.json {
		// An empty placeholder ("securityContext: {}", as kubectl writes
		// it) that gets content is written as a block, as a person would.
		mm := *m
		mm.Style &^= yaml.FlowStyle
		return r.replace(p, &mm, c)
	}
	if isFlow(p) != isFlow(m) && !(len(m.Content) == 0 && len(p.Content) == 0) {
		return r.replace(p, m, c)
	}
	mark := len(r.edits)
	var err error
	switch {
	case isFlow(p) || len(p.Content) == 0:
		err = r.diffFlow(p, m, c)
	case p.Kind == yaml.MappingNode:
		err = r.diffBlockMap(p, m, c)
	default:
		err = r.diffBlockSeq(p, m, c)
	}
	if errors.Is(err, errFallback) {
		r.edits = r.edits[:mark]
		return r.replace(p, m, c)
	}
	return err
}

func (r *renderer) diffScalar(p, m *yaml.Node, c ctx) error {
	mt := effTag(m)
	if m.Value == p.Value && mt == shortTag(p.Tag) && (m.Style&^yaml.TaggedStyle) == (p.Style&^yaml.TaggedStyle) {
		return nil
	}
	if mt == tagNull && shortTag(p.Tag) == tagNull && m.Style == p.Style {
		return nil // "~", "null" and "" are the same value
	}
	if m.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || p.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return r.replace(p, m, c)
	}
	s, err := r.t.start(p)
	if err != nil {
		return err
	}
	ts := r.t.skipProps(s)
	te, err := r.t.end(p, c.inFlow, false)
	if err != nil {
		return err
	}
	txt, err := r.scalarText(m, mt, c.inFlow, c.json, p)
	if err != nil {
		return err
	}
	if ts == te && ts > 0 && !isBlank(r.t.src[ts-1]) {
		txt = " " + txt // an empty value right after ":" or "-"
	}
	r.add(ts, te, txt)
	return nil
}

// replace writes m in place of p, in the file's style.
func (r *renderer) replace(p, m *yaml.Node, c ctx) error {
	if m.Kind == yaml.DocumentNode && len(m.Content) == 1 {
		m = m.Content[0]
	}
	ps, err := r.t.start(p)
	if err != nil {
		return err
	}
	pe, err := r.t.end(p, c.inFlow, false)
	if err != nil {
		return err
	}
	if c.inFlow || c.json {
		txt, err := r.inline(m, c.json, r.t.indentOf(ps))
		if err != nil {
			return err
		}
		if ps == pe && ps > 0 && !isBlank(r.t.src[ps-1]) {
			txt = " " + txt
		}
		r.add(ps, pe, txt)
		return nil
	}
	inline := !isBlockColl(m) && !isBlockScalar(m)
	switch c.kind {
	case ctxMapValue:
		ke, err := r.t.end(c.key, false, true)
		if err != nil {
			return err
		}
		colon, err := r.t.colonAfterKey(ke)
		if err != nil {
			return err
		}
		pBlock := isBlockColl(p)
		if inline {
			txt, err := r.inline(m, false, c.indent)
			if err != nil {
				return err
			}
			if pBlock {
				if cm := r.t.trailingComment(colon); cm != "" {
					txt += " " + cm
				}
				r.add(colon, pe, " "+txt)
				return nil
			}
			if ps == pe && ps == colon {
				txt = " " + txt
			}
			r.add(ps, pe, txt)
			return nil
		}
		childIndent := c.indent + r.doc.style.width
		if m.Kind == yaml.SequenceNode {
			childIndent = c.indent + r.doc.style.seqOffset
		}
		if pBlock && p.Kind == m.Kind {
			if fs, err := r.firstChildStart(p); err == nil {
				childIndent = r.t.column(fs)
			}
		}
		if isBlockScalar(m) {
			bl, err := r.blockScalar(m, c.indent+r.doc.style.width)
			if err != nil {
				return err
			}
			r.add(colon, r.t.lineEnd(pe), " "+strings.Join(bl, r.f.nl))
			return nil
		}
		lines, err := r.block(m, childIndent)
		if err != nil {
			return err
		}
		if pBlock {
			fs, err := r.firstChildStart(p)
			if err != nil {
				return err
			}
			start := r.headCommentStart(r.t.lineStart(fs))
			lines = append(lines, r.lostComments(p, start, pe, lines, childIndent)...)
			if p.Anchor != m.Anchor {
				head := r.props(m)
				if cm := r.t.trailingComment(colon); cm != "" {
					head += " " + cm
				}
				r.add(colon, r.t.lineEnd(pe), head+r.f.nl+strings.Join(lines, r.f.nl))
				return nil
			}
			r.add(start, r.t.lineEnd(pe), strings.Join(lines, r.f.nl))
			return nil
		}
		head := ""
		if m.Anchor != "" {
			head = " &" + m.Anchor
		}
		if cm := r.t.trailingComment(pe); cm != "" {
			head += " " + cm
		}
		r.add(colon, r.t.lineEnd(pe), head+r.f.nl+strings.Join(lines, r.f.nl))
		return nil
	case ctxSeqItem:
		if inline {
			txt, err := r.inline(m, false, c.indent)
			if err != nil {
				return err
			}
			if ps == pe && ps > 0 && !isBlank(r.t.src[ps-1]) {
				txt = " " + txt
			}
			r.add(ps, pe, txt)
			return nil
		}
		if isBlockScalar(m) {
			bl, err := r.blockScalar(m, c.indent+r.itemGap(m))
			if err != nil {
				return err
			}
			r.add(ps, r.t.lineEnd(pe), strings.Join(bl, r.f.nl))
			return nil
		}
		indent := c.indent + r.itemGap(m)
		if isBlockColl(p) && p.Kind == m.Kind {
			indent = r.t.column(ps) // keep the item's own layout
		}
		lines, err := r.block(m, indent)
		if err != nil {
			return err
		}
		lines = append(lines, r.lostComments(p, ps, pe, lines, indent)...)
		first := strings.TrimLeft(lines[0], " ")
		txt := first
		if len(lines) > 1 {
			txt += r.f.nl + strings.Join(lines[1:], r.f.nl)
		}
		if ps == pe && ps > 0 && !isBlank(r.t.src[ps-1]) {
			txt = " " + txt
		}
		r.add(ps, pe, txt)
		return nil
	default: // the document root
		if inline {
			txt, err := r.inline(m, false, 0)
			if err != nil {
				return err
			}
			r.add(ps, pe, txt)
			return nil
		}
		if isBlockScalar(m) {
			bl, err := r.blockScalar(m, r.doc.style.width)
			if err != nil {
				return err
			}
			r.add(ps, r.t.lineEnd(pe), strings.Join(bl, r.f.nl))
			return nil
		}
		indent := r.t.column(ps)
		lines, err := r.block(m, indent)
		if err != nil {
			return err
		}
		lines = append(lines, r.lostComments(p, ps, pe, lines, indent)...)
		txt := strings.TrimLeft(strings.Join(lines, r.f.nl), " ")
		if ps == pe && r.t.firstOnLine(ps) {
			txt += r.f.nl
		}
		r.add(ps, pe, txt)
		return nil
	}
}

// firstChildStart is where the first key or "-" of a block collection is.
func (r *renderer) firstChildStart(n *yaml.Node) (int, error) {
	s, err := r.t.start(n.Content[0])
	if err != nil {
		return 0, err
	}
	if n.Kind == yaml.SequenceNode {
		return r.t.dashBefore(s)
	}
	return s, nil
}

func isBlockScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 && effTag(n) == tagStr
}

type pair struct{ k, v *yaml.Node }

func pairs(n *yaml.Node) []pair {
	var ps []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		ps = append(ps, pair{n.Content[i], n.Content[i+1]})
	}
	return ps
}

// matchKeys maps every entry of m to the index of the entry of p with the
// same key, or -1.
func (r *renderer) matchKeys(pp, mp []pair) ([]int, error) {
	byKey := map[string]int{}
	for i, e := range pp {
		byKey[keyID(e.k)] = i
	}
	keyID := func(k *yaml.Node) string {
		if o, ok := r.doc.origin[k]; ok && k.Kind != yaml.ScalarNode {
			return keyID(o)
		}
		return keyID(k)
	}
	idx := make([]int, len(mp))
	seen := map[string]bool{}
	for j, e := range mp {
		if e.k == nil {
			return nil, fmt.Errorf("a mapping has a nil key")
		}
		id := keyID(e.k)
		if seen[id] {
			return nil, fmt.Errorf("the key %q is set twice in one mapping", e.k.Value)
		}
		seen[id] = true
		if i, ok := byKey[id]; ok {
			idx[j] = i
		} else {
			idx[j] = -1
		}
	}
	return idx, nil
}

func keyID(k *yaml.Node) string {
	if k.Kind == yaml.ScalarNode {
		return k.Value
	}
	return fmt.Sprintf("\x00%p", k)
}

// increasing reports whether the kept entries keep their order, and how
// many there are.
func increasing(idx []int) (bool, int) {
	last, n := -1, 0
	for _, i := range idx {
		if i < 0 {
			continue
		}
		if i <= last {
			return false, n
		}
		last = i
		n++
	}
	return true, n
}

// removedRuns lists the runs [a, b] of consecutive entries of p not kept.
func removedRuns(n int, idx []int) [][2]int {
	kept := make([]bool, n)
	for _, i := range idx {
		if i >= 0 {
			kept[i] = true
		}
	}
	var runs [][2]int
	for i := 0; i < n; i++ {
		if kept[i] {
			continue
		}
		j := i
		for j+1 < n && !kept[j+1] {
			j++
		}
		runs = append(runs, [2]int{i, j})
		i = j
	}
	return runs
}

// insertGroups groups the new entries of m (idx -1) by the kept entry of p
// they follow (-1: before the first kept entry).
type insertGroup struct {
	after int   // index in p, or -1
	items []int // indexes in m
}

func insertGroups(idx []int) []insertGroup {
	var gs []insertGroup
	after := -1
	for j, i := range idx {
		if i >= 0 {
			after = i
			continue
		}
		if len(gs) > 0 && gs[len(gs)-1].after == after {
			gs[len(gs)-1].items = append(gs[len(gs)-1].items, j)
			continue
		}
		gs = append(gs, insertGroup{after: after, items: []int{j}})
	}
	return gs
}

func firstKept(idx []int) int {
	for _, i := range idx {
		if i >= 0 {
			return i
		}
	}
	return -1
}

func (r *renderer) diffBlockMap(p, m *yaml.Node, c ctx) error {
	pp, mp := pairs(p), pairs(m)
	idx, err := r.matchKeys(pp, mp)
	if err != nil {
		return fmt.Errorf("line %d: %w", p.Line, err)
	}
	ok, kept := increasing(idx)
	if !ok || kept == 0 {
		return errFallback
	}
	ks0, err := r.t.start(pp[0].k)
	if err != nil {
		return err
	}
	indent := r.t.column(r.t.explicitKey(ks0))
	for j, i := range idx {
		if i < 0 {
			continue
		}
		if err := r.diffNode(pp[i].v, mp[j].v, ctx{kind: ctxMapValue, key: pp[i].k, indent: indent}); err != nil {
			return err
		}
	}
	for _, run := range removedRuns(len(pp), idx) {
		ks, err := r.t.start(pp[run[0]].k)
		if err != nil {
			return err
		}
		ks = r.t.explicitKey(ks)
		e, err := r.t.end(pp[run[1]].v, false, false)
		if err != nil {
			return err
		}
		if r.t.firstOnLine(ks) {
			r.deleteLines(r.t.lineStart(ks), e)
			continue
		}
		if run[1]+1 >= len(pp) {
			return errFallback
		}
		next, err := r.t.start(pp[run[1]+1].k)
		if err != nil {
			return err
		}
		r.add(ks, next, "")
	}
	for _, g := range insertGroups(idx) {
		var lines []string
		for _, j := range g.items {
			l, err := r.mapEntry(mp[j].k, mp[j].v, indent)
			if err != nil {
				return err
			}
			lines = append(lines, l...)
		}
		if g.after >= 0 {
			e, err := r.t.end(pp[g.after].v, false, false)
			if err != nil {
				return err
			}
			r.insertLines(r.skipDeeperComments(r.t.nextLine(e), indent), lines)
			continue
		}
		ks, err := r.t.start(pp[firstKept(idx)].k)
		if err != nil {
			return err
		}
		ks = r.t.explicitKey(ks)
		if r.t.firstOnLine(ks) {
			r.insertLines(r.headCommentStart(r.t.lineStart(ks)), lines)
			continue
		}
		// The first key shares its line with "- ": the new keys go there.
		txt := strings.TrimLeft(strings.Join(lines, r.f.nl), " ") + r.f.nl + strings.Repeat(" ", indent)
		r.add(ks, ks, txt)
	}
	return nil
}

// matchItems maps every item of m to the index of the item of p it is: the
// same node (the caller's copy of it), else an unused item with equal
// content between its kept neighbours; -1 for new items.
func (r *renderer) matchItems(p, m *yaml.Node) []int {
	pos := map[*yaml.Node]int{}
	for i, n := range p.Content {
		pos[n] = i
	}
	used := make([]bool, len(p.Content))
	idx := make([]int, len(m.Content))
	for j, n := range m.Content {
		idx[j] = -1
		if o, ok := r.doc.origin[n]; ok {
			if i, ok := pos[o]; ok && !used[i] {
				idx[j] = i
				used[i] = true
			}
		}
	}
	for j, n := range m.Content {
		if idx[j] >= 0 || n == nil {
			continue
		}
		lo, hi := 0, len(p.Content)
		for k := j - 1; k >= 0; k-- {
			if idx[k] >= 0 {
				lo = idx[k] + 1
				break
			}
		}
		for k := j + 1; k < len(idx); k++ {
			if idx[k] >= 0 {
				hi = idx[k]
				break
			}
		}
		for i := lo; i < hi; i++ {
			if !used[i] && equalValue(p.Content[i], n) {
				idx[j] = i
				used[i] = true
				break
			}
		}
	}
	return idx
}

func (r *renderer) diffBlockSeq(p, m *yaml.Node, c ctx) error {
	for _, n := range m.Content {
		if n == nil {
			return fmt.Errorf("line %d: a sequence has a nil item", p.Line)
		}
	}
	idx := r.matchItems(p, m)
	ok, kept := increasing(idx)
	if !ok || kept == 0 {
		return errFallback
	}
	dash := make([]int, len(p.Content))
	for i, it := range p.Content {
		s, err := r.t.start(it)
		if err != nil {
			return err
		}
		if dash[i], err = r.t.dashBefore(s); err != nil {
			return err
		}
	}
	indent := r.t.column(dash[0])
	// New items follow the layout of the first item of their kind.
	gap := func(v *yaml.Node) int {
		for i, it := range p.Content {
			if isBlockColl(it) != isBlockColl(v) {
				continue
			}
			if s, err := r.t.start(it); err == nil && r.t.lineOf(s) == r.t.lineOf(dash[i]) {
				return r.t.column(s) - r.t.column(dash[i])
			}
		}
		return r.itemGap(v)
	}
	for j, i := range idx {
		if i < 0 {
			continue
		}
		if err := r.diffNode(p.Content[i], m.Content[j], ctx{kind: ctxSeqItem, indent: r.t.column(dash[i])}); err != nil {
			return err
		}
	}
	for _, run := range removedRuns(len(p.Content), idx) {
		if !r.t.firstOnLine(dash[run[0]]) {
			return errFallback
		}
		e, err := r.t.end(p.Content[run[1]], false, false)
		if err != nil {
			return err
		}
		r.deleteLines(r.t.lineStart(dash[run[0]]), e)
	}
	for _, g := range insertGroups(idx) {
		var lines []string
		for _, j := range g.items {
			l, err := r.seqItem(m.Content[j], indent, gap(m.Content[j]))
			if err != nil {
				return err
			}
			lines = append(lines, l...)
		}
		if g.after >= 0 {
			e, err := r.t.end(p.Content[g.after], false, false)
			if err != nil {
				return err
			}
			r.insertLines(r.skipDeeperComments(r.t.nextLine(e), indent), lines)
			continue
		}
		d := dash[firstKept(idx)]
		if !r.t.firstOnLine(d) {
			return errFallback
		}
		r.insertLines(r.headCommentStart(r.t.lineStart(d)), lines)
	}
	return nil
}

// diffFlow handles flow collections ({a: 1}, [A, B], and all of JSON).
func (r *renderer) diffFlow(p, m *yaml.Node, c ctx) error {
	isMap := p.Kind == yaml.MappingNode
	var idx []int
	var pEntries, mEntries int
	if isMap {
		pp, mp := pairs(p), pairs(m)
		var err error
		if idx, err = r.matchKeys(pp, mp); err != nil {
			return fmt.Errorf("line %d: %w", p.Line, err)
		}
		pEntries, mEntries = len(pp), len(mp)
	} else {
		for _, n := range m.Content {
			if n == nil {
				return fmt.Errorf("line %d: a sequence has a nil item", p.Line)
			}
		}
		idx = r.matchItems(p, m)
		pEntries, mEntries = len(p.Content), len(m.Content)
	}
	ok, kept := increasing(idx)
	if !ok || kept == 0 {
		if pEntries == 0 && mEntries == 0 {
			return nil
		}
		return errFallback
	}
	step := 1
	if isMap {
		step = 2
	}
	entryStart := func(i int) (int, error) { return r.t.start(p.Content[i*step]) }
	entryEnd := func(i int) (int, error) { return r.t.end(p.Content[i*step+step-1], true, false) }
	for j, i := range idx {
		if i < 0 {
			continue
		}
		s, err := entryStart(i)
		if err != nil {
			return err
		}
		cc := ctx{kind: ctxSeqItem, inFlow: true, indent: r.t.indentOf(s), json: c.json}
		pv, mv := p.Content[i*step+step-1], m.Content[j*step+step-1]
		if isMap {
			cc.kind, cc.key = ctxMapValue, p.Content[i*step]
		}
		if err := r.diffNode(pv, mv, cc); err != nil {
			return err
		}
	}
	for _, run := range removedRuns(pEntries, idx) {
		if run[1]+1 < pEntries {
			a, err := entryStart(run[0])
			if err != nil {
				return err
			}
			b, err := entryStart(run[1] + 1)
			if err != nil {
				return err
			}
			r.add(a, b, "")
			continue
		}
		a, err := entryEnd(run[0] - 1)
		if err != nil {
			return err
		}
		b, err := entryEnd(run[1])
		if err != nil {
			return err
		}
		r.add(a, b, "")
	}
	sep, err := r.flowSep(p, pEntries, entryStart, entryEnd)
	if err != nil {
		return err
	}
	sepIndent := -1
	if i := strings.LastIndex(sep, "\n"); i >= 0 {
		sepIndent = len(sep) - i - 1
	}
	for _, g := range insertGroups(idx) {
		var texts []string
		for _, j := range g.items {
			indent := sepIndent
			if indent < 0 {
				s, _ := entryStart(firstKept(idx))
				indent = r.t.indentOf(s)
			}
			var txt string
			var err error
			if isMap {
				txt, err = r.flowEntry(m.Content[2*j], m.Content[2*j+1], c.json, indent, sepIndent >= 0)
			} else {
				txt, err = r.inlineML(m.Content[j], c.json, indent, sepIndent >= 0)
			}
			if err != nil {
				return err
			}
			texts = append(texts, txt)
		}
		if g.after >= 0 {
			e, err := entryEnd(g.after)
			if err != nil {
				return err
			}
			r.add(e, e, sep+strings.Join(texts, sep))
			continue
		}
		s, err := entryStart(firstKept(idx))
		if err != nil {
			return err
		}
		r.add(s, s, strings.Join(texts, sep)+sep)
	}
	return nil
}

// flowSep is the text between two entries of the flow collection p, as the
// file writes it: ", " or ",\n    ".
func (r *renderer) flowSep(p *yaml.Node, n int, entryStart, entryEnd func(int) (int, error)) (string, error) {
	if n >= 2 {
		e, err := entryEnd(0)
		if err != nil {
			return "", err
		}
		s, err := entryStart(1)
		if err != nil {
			return "", err
		}
		sep := string(r.t.src[e:s])
		if strings.Count(sep, ",") == 1 && strings.Trim(sep, ", \t\r\n") == "" {
			return sep, nil
		}
		return ", ", nil
	}
	ps, err := r.t.start(p)
	if err != nil {
		return "", err
	}
	s, err := entryStart(0)
	if err != nil {
		return "", err
	}
	if r.t.lineOf(s) > r.t.lineOf(ps) {
		return "," + r.f.nl + strings.Repeat(" ", r.t.indentOf(s)), nil
	}
	if r.doc.style.json {
		return r.doc.style.jsonComma, nil
	}
	return ", ", nil
}

// deleteLines deletes the whole lines from the line start ls to the end of
// the line holding end.
func (r *renderer) deleteLines(ls, end int) {
	r.add(ls, r.t.nextLine(end), "")
}

// insertLines inserts whole lines at the line start off.
func (r *renderer) insertLines(off int, lines []string) {
	if len(lines) == 0 {
		return
	}
	r.add(off, off, strings.Join(lines, r.f.nl)+r.f.nl)
}

// headCommentStart moves a line start up over the comment lines directly
// above it, so that new content goes before a key's comments.
func (r *renderer) headCommentStart(ls int) int {
	for ls > 0 {
		prev := r.t.lineStart(ls - 1)
		line := strings.TrimSpace(string(r.t.src[prev:ls]))
		if !strings.HasPrefix(line, "#") {
			break
		}
		ls = prev
	}
	return ls
}

// skipDeeperComments moves the line start ls down over comment lines
// indented deeper than indent, and the blank lines between them: they close
// the nested content of the entry above (often commented-out fields of it),
// so new siblings go after them. Blank lines after the last such comment stay
// below the new content.
func (r *renderer) skipDeeperComments(ls, indent int) int {
	end := ls
	for cur := ls; cur < len(r.t.src); cur = r.t.nextLine(cur) {
		line := string(r.t.src[cur:r.t.lineEnd(cur)])
		trimmed := strings.TrimLeft(line, " ")
		if strings.TrimSpace(trimmed) == "" {
			continue
		}
		if !strings.HasPrefix(trimmed, "#") || len(line)-len(trimmed) <= indent {
			break
		}
		end = r.t.nextLine(cur)
	}
	return end
}

// lostComments lists, as lines indented by indent, the comments of the
// pristine subtree p that are written in src[start:end] (the text being
// replaced) but not in the new lines: a re-rendered value must not drop a
// comment, even if it can no longer sit exactly where it was.
func (r *renderer) lostComments(p *yaml.Node, start, end int, lines []string, indent int) []string {
	if start >= end {
		return nil
	}
	orig := string(r.t.src[start:end])
	emitted := strings.Join(lines, "\n")
	var out []string
	seen := map[string]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth+1 {
			return
		}
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			for _, l := range strings.Split(c, "\n") {
				l = strings.TrimSpace(l)
				if l == "" || seen[l] || !strings.Contains(orig, l) || strings.Contains(emitted, l) {
					continue
				}
				seen[l] = true
				out = append(out, spaces(indent)+l)
			}
		}
		if n.Kind == yaml.AliasNode {
			return
		}
		for _, ch := range n.Content {
			walk(ch, depth+1)
		}
	}
	walk(p, 0)
	return out
}

// strictEqual is unchanged without the memo.
func strictEqual(p, m *yaml.Node, origin map[*yaml.Node]*yaml.Node) bool {
	if m == nil || p.Kind != m.Kind || p.Value != m.Value || p.Tag != m.Tag || p.Style != m.Style ||
		p.Anchor != m.Anchor || len(p.Content) != len(m.Content) ||
		p.HeadComment != m.HeadComment || p.LineComment != m.LineComment || p.FootComment != m.FootComment {
		return false
	}
	if p.Kind == yaml.AliasNode {
		return m.Alias == nil || origin[m.Alias] == p.Alias
	}
	for i := range p.Content {
		if !strictEqual(p.Content[i], m.Content[i], origin) {
			return false
		}
	}
	return true
}
