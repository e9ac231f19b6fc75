package patcher

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestLineOf(t *testing.T) {
	src := `kind: List
items:
- kind: Deployment
  spec:
    template:
      metadata:
        annotations:
          container.apparmor.security.beta.kubernetes.io/api: unconfined
          container.apparmor.security.beta.kubernetes.io/api-v2: runtime/default
      spec:
        containers:
        - name: api
          securityContext:
            privileged: true
        - image: unnamed
`
	root, err := yaml.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		line int
		full bool
	}{
		{"items[0].spec.template.spec.containers[name=api].securityContext.privileged", 14, true},
		{"items[0].spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/api", 8, true},
		{"items[0].spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/api-v2", 9, true},
		{"items[0].spec.template.spec.containers[1].image", 15, true},
		{"items[0].spec.template.spec.containers[name=api].securityContext.runAsUser", 13, false},
		{"items[0].spec.template.spec.containers[name=web].securityContext", 11, false},
		{"items[5].spec", 2, false},
	} {
		if got := lineOf(root.YNode(), tc.path); got != tc.line {
			t.Errorf("lineOf(%s) = %d, want %d", tc.path, got, tc.line)
		}
		if got := nodeAt(root.YNode(), tc.path) != nil; got != tc.full {
			t.Errorf("nodeAt(%s) found %v, want %v", tc.path, got, tc.full)
		}
	}
}
