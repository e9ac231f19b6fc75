package patcher

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixSELinuxOptions removes from seLinuxOptions (pod and containers) the type
// the policy does not allow at the version (spc_t, unconfined_t, ...) and any
// user or role; the level stays. An seLinuxOptions emptied this way is removed.
func fixSELinuxOptions(c *fixCtx) []Change {
	const check = "seLinuxOptions"
	typeAllowed := func(t string) bool {
		return c.j.allows(check, nil, &corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: t}},
			Containers:      []corev1.Container{{Name: "c"}},
		})
	}
	var out []Change
	fix := func(sc *yaml.Node, field, ctr string) {
		opts := mapValue(sc, "seLinuxOptions")
		if opts == nil {
			return
		}
		field = joinField(field, "seLinuxOptions")
		removed := false
		for _, key := range []string{"type", "user", "role"} {
			v, ok := scalar(opts, key)
			if !ok || v == "" || (key == "type" && typeAllowed(v)) {
				continue
			}
			removeKey(opts, key)
			removed = true
			ch := Change{
				Check:     check,
				Container: ctr,
				Field:     joinField(field, key),
				Before:    v,
				After:     nil,
				Risk:      riskMedium,
				Why:       "Baseline forbids setting the SELinux " + key + "; the runtime's default label for containers applies instead.",
				Test: "On nodes with SELinux enforcing, exercise every access to host files, sockets and devices " +
					"and look for AVC denials in the node's audit log.",
			}
			if key == "type" {
				ch.Risk = riskHigh
				ch.Why = "SELinux type " + v + " is not a container type Baseline allows; types such as spc_t turn off " +
					"SELinux confinement. The runtime's default container type applies instead."
			}
			out = append(out, ch)
		}
		if removed && len(opts.Content) == 0 {
			removeKey(sc, "seLinuxOptions")
		}
	}
	fix(mapValue(c.spec, "securityContext"), c.podSCField(), "")
	for _, ct := range c.containers() {
		fix(ct.scIfAny(), joinField(ct.field, "securityContext"), ct.name)
	}
	return out
}
