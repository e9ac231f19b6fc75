package patcher

import corev1 "k8s.io/api/core/v1"

// fixCapabilitiesBaseline removes from capabilities.add the capabilities
// Baseline does not allow (everything beyond the container runtime's default
// set). It does not add drop: [ALL]: that is Restricted's requirement, not
// Baseline's, and the least change is the goal.
func fixCapabilitiesBaseline(c *fixCtx) []Change {
	allowed := func(cp string) bool {
		return c.j.allows("capabilities_baseline", nil, &corev1.PodSpec{Containers: []corev1.Container{{
			Name:            "c",
			SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{corev1.Capability(cp)}}},
		}}})
	}
	var out []Change
	for _, ct := range c.containers() {
		caps := mapValue(ct.scIfAny(), "capabilities")
		if ch, ok := trimAdded(ct, caps, "capabilities_baseline", allowed,
			"Baseline allows adding only the container runtime's default capabilities."); ok {
			out = append(out, ch)
		}
	}
	return out
}
