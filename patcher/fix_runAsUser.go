package patcher

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixRunAsUser replaces runAsUser: 0 (pod or container) with the configured
// non-root UID (65532 unless configured).
func fixRunAsUser(c *fixCtx) []Change {
	var out []Change
	change := func(sc *yaml.Node, field, ctr string) {
		v := get(sc, "runAsUser")
		if v == nil || v.Kind != yaml.ScalarNode || value(v) != int64(0) {
			return
		}
		setScalar(sc, "runAsUser", intNode(c.runAsUser), nil)
		out = append(out, Change{
			Check:     "runAsUser",
			Container: ctr,
			Field:     field,
			Before:    int64(0),
			After:     c.runAsUser,
			Risk:      riskHigh,
			Why: fmt.Sprintf("runAsUser: 0 runs the process as root; Restricted forbids it. "+
				"It now runs as UID %d. The image may expect root: files it must write may belong to root.", c.runAsUser),
			Test: confirmUser + fmt.Sprintf(" Check that everything the process writes (volumes, /tmp, its data directories) "+
				"is writable by UID %d; set securityContext.fsGroup for volumes.", c.runAsUser),
		})
	}
	change(mapValue(c.spec, "securityContext"), joinField(c.podSCField(), "runAsUser"), "")
	for _, ct := range c.containers() {
		change(ct.scIfAny(), ct.scField("runAsUser"), ct.name)
	}
	return out
}
