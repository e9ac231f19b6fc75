package report

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines around each change, as in
// diff -u.
const diffContext = 3

// Unified returns the unified diff turning before into after for the file at
// path, with "--- a/PATH" and "+++ b/PATH" headers (forward slashes) and
// hunks of three lines of context, in the form `git apply` and `patch -p1`
// accept. It is empty when before and after are equal. A last line without a
// newline is marked "\ No newline at end of file"; CR of CRLF line endings is
// kept as part of the line.
func Unified(path string, before, after []byte) string {
	if bytes.Equal(before, after) {
		return ""
	}
	a, b := splitLines(before), splitLines(after)
	ops := diffLines(a, b)
	name := strings.TrimPrefix(slashPath(path), "/")
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", name, name)
	for _, h := range hunks(ops) {
		writeHunk(&out, h, a, b)
	}
	return out.String()
}

// splitLines splits s after each "\n"; the last line may lack one.
func splitLines(s []byte) []string {
	var lines []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, string(s))
			break
		}
		lines = append(lines, string(s[:i+1]))
		s = s[i+1:]
	}
	return lines
}

type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// op is one line of the edit script: a line of a (delete), of b (insert), or
// of both (equal). ai and bi are the indexes of the line in a and b; for an
// insert ai is where it goes in a, for a delete bi where it would be in b.
type op struct {
	kind   opKind
	ai, bi int
}

// maxEdits bounds the search for a shortest edit script: Myers' algorithm
// costs O((N+M)·D) time for D differing lines, so past this many the differing
// middle of the files is given as one replacement instead (a correct diff,
// not a minimal one) rather than taking minutes.
const maxEdits = 2000

// diffLines returns an edit script from a to b: a shortest one (Myers'
// algorithm, after trimming the common prefix and suffix) unless more than
// maxEdits lines differ. Its memory is O(D²), so a small change in a big file
// is cheap.
func diffLines(a, b []string) []op { return diffLinesLimit(a, b, maxEdits) }

func diffLinesLimit(a, b []string, limit int) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{opEqual, i, i})
	}
	for _, o := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf], limit) {
		o.ai += pre
		o.bi += pre
		ops = append(ops, o)
	}
	for i := suf; i > 0; i-- {
		ops = append(ops, op{opEqual, len(a) - i, len(b) - i})
	}
	return ops
}

// myers returns a shortest edit script from a to b, or a replacement of all
// of a by all of b when that script would be longer than maxD.
func myers(a, b []string, maxD int) []op {
	n, m := len(a), len(b)
	if n == 0 && m == 0 {
		return nil
	}
	limit := n + m
	// v[k+off] is the furthest x on diagonal k; trace[d] keeps v[-d..d] after
	// step d, which is all the backtrack needs.
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	var found bool
	for d := 0; d <= limit && !found; d++ {
		if d > maxD {
			return replaceAll(n, m)
		}
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[k-1+off] < v[k+1+off]) {
				x = v[k+1+off] // down: insert
			} else {
				x = v[k-1+off] + 1 // right: delete
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[k+off] = x
			if x >= n && y >= m {
				found = true
			}
		}
		snap := make([]int, 2*d+1)
		copy(snap, v[-d+off:d+1+off])
		trace = append(trace, snap)
	}
	// Backtrack from (n, m) to (0, 0).
	var rev []op
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		k := x - y
		var prevK int
		if d == 0 {
			prevK = 0
		} else {
			prev := trace[d-1] // indexes -(d-1)..(d-1)
			at := func(k int) int { return prev[k+d-1] }
			if k == -d || (k != d && at(k-1) < at(k+1)) {
				prevK = k + 1
			} else {
				prevK = k - 1
			}
		}
		var prevX, prevY int
		if d > 0 {
			prevX = trace[d-1][prevK+d-1]
			prevY = prevX - prevK
		}
		for x > prevX && y > prevY && (d > 0 || x > 0) {
			x--
			y--
			rev = append(rev, op{opEqual, x, y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, op{opInsert, x, y})
		} else {
			x--
			rev = append(rev, op{opDelete, x, y})
		}
	}
	ops := make([]op, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops
}

// replaceAll is the edit script deleting n lines and inserting m.
func replaceAll(n, m int) []op {
	ops := make([]op, 0, n+m)
	for i := 0; i < n; i++ {
		ops = append(ops, op{opDelete, i, 0})
	}
	for j := 0; j < m; j++ {
		ops = append(ops, op{opInsert, n, j})
	}
	return ops
}

// hunks groups the edit script into hunks: each change with diffContext
// equal lines around it, merging changes closer than 2*diffContext.
func hunks(ops []op) [][]op {
	var out [][]op
	i := 0
	for i < len(ops) {
		// Find the next change.
		for i < len(ops) && ops[i].kind == opEqual {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(0, i-diffContext)
		// Extend while the run of equal lines after a change is short.
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(run, end+diffContext)
				break
			}
			end = run
		}
		out = append(out, ops[start:end])
		i = end
	}
	return out
}

func writeHunk(out *strings.Builder, h []op, a, b []string) {
	aStart, bStart := h[0].ai, h[0].bi
	aLen, bLen := 0, 0
	for _, o := range h {
		if o.kind != opInsert {
			aLen++
		}
		if o.kind != opDelete {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range h {
		line := ""
		switch o.kind {
		case opInsert:
			line = b[o.bi]
		default:
			line = a[o.ai]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats a range as diff -u does: "l,n" with l 1-based, "l" when
// n is 1, and for an empty range the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	default:
		return fmt.Sprintf("%d,%d", start+1, n)
	}
}

// slashPath returns p with forward slashes and without a leading "./".
func slashPath(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return p
}
