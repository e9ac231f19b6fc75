package patcher

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// fixCase is one table entry of a fixer test: a manifest, the options, and
// what Fix must change and leave.
type fixCase struct {
	name    string
	opts    Options
	src     string
	changes []string          // "check field before->after", in order
	remain  []string          // check IDs still failing, sorted
	values  map[string]string // field path in document 0 -> value in the output ("<absent>" when removed)
}

// pod builds a Pod manifest from the body of its spec (written flush left).
func pod(spec string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team\nspec:\n")
	for _, l := range strings.Split(strings.TrimRight(spec, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// compliant is the security settings that pass Restricted, to which a test
// adds the one violation it is about.
const compliant = `securityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
`

func describe(c Change) string {
	return fmt.Sprintf("%s %s %v->%v", c.Check, c.Field, fmtValue(c.Before), fmtValue(c.After))
}

func fmtValue(v any) string {
	if v == nil {
		return "null"
	}
	if ss, ok := v.([]string); ok {
		return "[" + strings.Join(ss, ",") + "]"
	}
	return fmt.Sprint(v)
}

func runFixCases(t *testing.T, cases []fixCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fix("test.yaml", []byte(tc.src), tc.opts)
			if err != nil {
				t.Fatalf("Fix: %v", err)
			}
			var got, remain []string
			for _, w := range res.Workloads {
				for _, c := range w.Changes {
					got = append(got, describe(c))
					if c.Risk == "" || c.Why == "" || c.Test == "" {
						t.Errorf("change %s lacks risk, why or test: %+v", describe(c), c)
					}
				}
				for _, r := range w.Remaining {
					remain = append(remain, r.Check)
				}
			}
			sort.Strings(remain)
			if strings.Join(got, "\n") != strings.Join(tc.changes, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.changes, "\n"))
			}
			if strings.Join(remain, ",") != strings.Join(tc.remain, ",") {
				t.Errorf("remaining %v, want %v", remain, tc.remain)
			}
			if res.Changed != (len(tc.changes) > 0) {
				t.Errorf("Changed = %v with %d changes", res.Changed, len(tc.changes))
			}
			if len(tc.changes) == 0 && !bytes.Equal(res.Output, []byte(tc.src)) {
				t.Errorf("output differs from input without changes")
			}
			docs, err := decodeAll(res.Output)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			for path, want := range tc.values {
				n := nodeAt(docs[0].YNode(), path)
				got := "<absent>"
				if n != nil {
					got = fmtValue(value(n))
				}
				if got != want {
					t.Errorf("%s = %s, want %s", path, got, want)
				}
			}
			// The output checks out and a second run changes nothing.
			chk, err := Check("test.yaml", res.Output, tc.opts)
			if err != nil {
				t.Fatalf("Check(output): %v", err)
			}
			var left []string
			for _, w := range chk.Workloads {
				for _, r := range w.Remaining {
					left = append(left, r.Check)
				}
			}
			sort.Strings(left)
			if strings.Join(left, ",") != strings.Join(tc.remain, ",") {
				t.Errorf("Check(output) fails %v, want %v", left, tc.remain)
			}
			again, err := Fix("test.yaml", res.Output, tc.opts)
			if err != nil {
				t.Fatalf("second Fix: %v", err)
			}
			if again.Changed {
				t.Errorf("second Fix changed the file again: %+v", again.Workloads)
			}
		})
	}
}
