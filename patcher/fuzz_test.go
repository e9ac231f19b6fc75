package patcher

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pss-bot/pss-bot/patcher/yamledit"
)

// FuzzFix: whatever the input, Fix does not panic, refuses with an *Error or
// returns output that parses, and fixing that output again is a no-op.
func FuzzFix(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fix", "*.yaml"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(pod("containers:\n- name: a\n  image: a\n  securityContext: {privileged: true, runAsUser: 0}\n")))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: a\n    ports: [{containerPort: 80}]\n    securityContext:\n      capabilities: {add: [ALL], drop: null}\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      initContainers: [{name: i, image: i, ports: [{containerPort: 9000, hostPort: 0}]}]\n      containers:\n      - name: c\n        image: c\n        ports:\n        - containerPort: 80\n"))
	f.Add([]byte("kind: List\nitems:\n- kind: Pod\n  spec: {containers: [{name: x, image: y}], volumes: [{name: v}]}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 64<<10 {
			return
		}
		res, err := Fix("fuzz.yaml", src, Options{})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			return
		}
		if !res.Changed && !bytes.Equal(res.Output, src) {
			t.Fatal("unchanged result with different output")
		}
		if res.Skipped != "" {
			return
		}
		if _, err := yamledit.Parse(res.Output); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, res.Output)
		}
		again, err := Fix("fuzz.yaml", res.Output, Options{})
		if err != nil {
			t.Fatalf("second run: %v\n%s", err, res.Output)
		}
		if again.Changed || !bytes.Equal(again.Output, res.Output) {
			t.Fatalf("second run changed the output:\n%s\n---\n%s", res.Output, again.Output)
		}
	})
}
