package report

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnuDiff runs diff -u with a/ b/ labels, the reference Unified imitates.
func gnuDiff(t *testing.T, name string, before, after []byte, extra ...string) string {
	t.Helper()
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("diff is not installed; cannot compare with diff -u")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "before"), filepath.Join(dir, "after")
	if err := os.WriteFile(a, before, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, after, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-u", "--label", "a/" + name, "--label", "b/" + name}, extra...)
	out, err := exec.Command("diff", append(args, a, b)...).Output()
	if err != nil && len(out) == 0 && !bytes.Equal(before, after) {
		t.Fatalf("diff: %v", err)
	}
	return string(out)
}

func lines(n int, format string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

func TestUnifiedMatchesDiffU(t *testing.T) {
	base := lines(20, "line %d\n")
	tests := []struct {
		name          string
		before, after string
	}{
		{"one change in the middle", base, strings.Replace(base, "line 10\n", "line ten\n", 1)},
		{"insert after a line", base, strings.Replace(base, "line 5\n", "line 5\n  added: true\n", 1)},
		{"two insertions, one hunk", base, strings.Replace(strings.Replace(base, "line 5\n", "line 5\nnew a\n", 1), "line 11\n", "line 11\nnew b\n", 1)},
		{"two insertions, two hunks", base, strings.Replace(strings.Replace(base, "line 3\n", "line 3\nnew a\n", 1), "line 17\n", "line 17\nnew b\n", 1)},
		{"change the first line", base, "first\n" + base[len("line 1\n"):]},
		{"delete the last line", base, strings.TrimSuffix(base, "line 20\n")},
		{"append at the end", base, base + "line 21\n"},
		{"from empty", "", "a\nb\n"},
		{"to empty", "a\nb\n", ""},
		{"no newline at end, changed", "a\nb\nc", "a\nb\nC"},
		{"newline added at end", "a\nb\nc", "a\nb\nc\n"},
		{"newline removed at end", "a\nb\nc\n", "a\nb\nc"},
		{"crlf", "kind: Pod\r\nspec:\r\n  containers: []\r\n", "kind: Pod\r\nspec:\r\n  hostNetwork: false\r\n  containers: []\r\n"},
		{"equal", base, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unified("dir/file.yaml", []byte(tt.before), []byte(tt.after))
			want := gnuDiff(t, "dir/file.yaml", []byte(tt.before), []byte(tt.after))
			if got != want {
				t.Errorf("Unified:\n%s\ndiff -u:\n%s", got, want)
			}
		})
	}
}

// gitApply applies patch to a copy of before with git apply and returns the result.
func gitApply(t *testing.T, name string, before []byte, patch string) []byte {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, before, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(patch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\npatch:\n%s", err, out, patch)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// countChanges counts the - and + lines of a unified diff.
func countChanges(d string) int {
	n := 0
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---")) || (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++")) {
			n++
		}
	}
	return n
}

// TestUnifiedRandomEdits applies Unified's output with git apply to random
// edits of a file, and checks that the edit script is as short as
// diff --minimal's.
func TestUnifiedRandomEdits(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; cannot check that git apply accepts the diff")
	}
	rng := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "  x: 1\n", "  y: 2\n", "- z\n", "\n"}
	for i := 0; i < 40; i++ {
		var before []string
		for j := rng.Intn(40); j > 0; j-- {
			before = append(before, words[rng.Intn(len(words))])
		}
		after := append([]string(nil), before...)
		for e := rng.Intn(6) + 1; e > 0; e-- {
			pos := 0
			if len(after) > 0 {
				pos = rng.Intn(len(after))
			}
			switch rng.Intn(3) {
			case 0:
				after = append(after[:pos], append([]string{words[rng.Intn(len(words))]}, after[pos:]...)...)
			case 1:
				if len(after) > 0 {
					after = append(after[:pos], after[pos+1:]...)
				}
			case 2:
				if len(after) > 0 {
					after[pos] = "changed\n"
				}
			}
		}
		b, a := []byte(strings.Join(before, "")), []byte(strings.Join(after, ""))
		if rng.Intn(4) == 0 && len(a) > 0 {
			a = a[:len(a)-1] // no newline at end
		}
		d := Unified("f.yaml", b, a)
		if bytes.Equal(a, b) {
			if d != "" {
				t.Fatalf("case %d: diff of equal files: %q", i, d)
			}
			continue
		}
		if got := gitApply(t, "f.yaml", b, d); !bytes.Equal(got, a) {
			t.Fatalf("case %d: applying the diff gives %q, want %q\n%s", i, got, a, d)
		}
		if got, want := countChanges(d), countChanges(gnuDiff(t, "f.yaml", b, a, "--minimal")); got != want {
			t.Errorf("case %d: %d changed lines, diff --minimal has %d\n%s", i, got, want, d)
		}
	}
}

func TestUnifiedPathHeaders(t *testing.T) {
	d := Unified(`./deploy\web.yaml`, []byte("a\n"), []byte("b\n"))
	if !strings.HasPrefix(d, "--- a/deploy/web.yaml\n+++ b/deploy/web.yaml\n@@ -1 +1 @@\n-a\n+b\n") {
		t.Errorf("headers: %q", d)
	}
}

// rebuild applies an edit script to a, checking that equal lines agree, and
// returns the result, which must be b.
func rebuild(t *testing.T, a, b []string, ops []op) []string {
	t.Helper()
	var out []string
	ai := 0
	for _, o := range ops {
		switch o.kind {
		case opEqual:
			if o.ai != ai || a[o.ai] != b[o.bi] {
				t.Fatalf("bad equal op %+v", o)
			}
			out = append(out, a[o.ai])
			ai++
		case opDelete:
			if o.ai != ai {
				t.Fatalf("delete out of order %+v", o)
			}
			ai++
		case opInsert:
			out = append(out, b[o.bi])
		}
	}
	if ai != len(a) {
		t.Fatalf("script consumed %d of %d lines", ai, len(a))
	}
	return out
}

func TestDiffLinesLimit(t *testing.T) {
	a := splitLines([]byte("a\nb\nc\nd\ne\nf\n"))
	b := splitLines([]byte("a\nB\nc\nD\ne\nF\nG\n"))
	min := diffLinesLimit(a, b, 100)
	if got := rebuild(t, a, b, min); strings.Join(got, "") != strings.Join(b, "") {
		t.Fatalf("minimal script gives %q", got)
	}
	capped := diffLinesLimit(a, b, 2)
	if got := rebuild(t, a, b, capped); strings.Join(got, "") != strings.Join(b, "") {
		t.Fatalf("capped script gives %q", got)
	}
	count := func(ops []op) (n int) {
		for _, o := range ops {
			if o.kind != opEqual {
				n++
			}
		}
		return n
	}
	if count(min) != 7 || count(capped) != 11 {
		t.Errorf("edits: minimal %d (want 7), capped %d (want 11: lines 2-6 deleted, 2-7 inserted)", count(min), count(capped))
	}
}

// TestUnifiedLargeRewrite: a file whose every line changed takes the capped
// path, and git apply still turns before into after.
func TestUnifiedLargeRewrite(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	before := []byte(lines(3*maxEdits, "key%d: value\n"))
	after := []byte(lines(3*maxEdits, "key%d: other\n"))
	d := Unified("big.yaml", before, after)
	if got := gitApply(t, "big.yaml", before, d); !bytes.Equal(got, after) {
		t.Fatal("the capped diff does not apply")
	}
}

// applyUnified is a strict reader of Unified's output: it applies the hunks
// to before, checking every context and deleted line and every hunk header.
func applyUnified(t *testing.T, before []byte, d string) []byte {
	t.Helper()
	if d == "" {
		return before
	}
	a := splitLines(before)
	body := strings.SplitAfter(d, "\n")
	if len(body) < 3 || !strings.HasPrefix(body[0], "--- a/") || !strings.HasPrefix(body[1], "+++ b/") {
		t.Fatalf("headers: %q", d)
	}
	var out []string
	next := 0 // next line of a to copy
	for i := 2; i < len(body) && body[i] != ""; {
		var aStart, aLen, bStart, bLen int
		h := body[i]
		if n, _ := fmt.Sscanf(h, "@@ -%d,%d +%d,%d @@\n", &aStart, &aLen, &bStart, &bLen); n != 4 {
			// diff -u omits ",1".
			parse := func(s string) (int, int) {
				start, n := 0, 1
				if strings.Contains(s, ",") {
					fmt.Sscanf(s, "%d,%d", &start, &n)
				} else {
					fmt.Sscanf(s, "%d", &start)
				}
				return start, n
			}
			f := strings.Fields(h)
			if len(f) != 4 || f[0] != "@@" || f[3] != "@@" {
				t.Fatalf("bad hunk header %q", h)
			}
			aStart, aLen = parse(strings.TrimPrefix(f[1], "-"))
			bStart, bLen = parse(strings.TrimPrefix(f[2], "+"))
		}
		i++
		from := aStart - 1
		if aLen == 0 {
			from = aStart
		}
		if from < next || from > len(a) {
			t.Fatalf("hunk %q out of place (next line %d of %d)", h, next+1, len(a))
		}
		out = append(out, a[next:from]...)
		next = from
		gotA, gotB := 0, 0
		for i < len(body) && body[i] != "" && !strings.HasPrefix(body[i], "@@") {
			kind, line := body[i][0], body[i][1:]
			i++
			if i < len(body) && body[i] == "\\ No newline at end of file\n" {
				line = strings.TrimSuffix(line, "\n")
				i++
			}
			switch kind {
			case ' ':
				if next >= len(a) || a[next] != line {
					t.Fatalf("context %q does not match line %d", line, next+1)
				}
				out = append(out, line)
				next++
				gotA++
				gotB++
			case '-':
				if next >= len(a) || a[next] != line {
					t.Fatalf("deleted %q does not match line %d", line, next+1)
				}
				next++
				gotA++
			case '+':
				out = append(out, line)
				gotB++
			default:
				t.Fatalf("bad line %q", body[i-1])
			}
		}
		if gotA != aLen || gotB != bLen {
			t.Fatalf("hunk %q has %d/%d lines", h, gotA, gotB)
		}
	}
	out = append(out, a[next:]...)
	return []byte(strings.Join(out, ""))
}

// FuzzUnified: for any two texts, Unified's diff applied to the first gives
// the second, and it is empty exactly when they are equal.
func FuzzUnified(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n")
	f.Add("", "x")
	f.Add("x", "")
	f.Add("a\r\nb\r\n", "a\r\nc\r\nb\r\n")
	f.Add(lines(30, "l%d\n"), strings.Replace(lines(30, "l%d\n"), "l15\n", "", 1)+"end")
	f.Fuzz(func(t *testing.T, before, after string) {
		d := Unified("f.yaml", []byte(before), []byte(after))
		if (d == "") != (before == after) {
			t.Fatalf("diff %q for equal=%v", d, before == after)
		}
		if got := applyUnified(t, []byte(before), d); string(got) != after {
			t.Fatalf("applying\n%s\ngives %q, want %q", d, got, after)
		}
	})
}
