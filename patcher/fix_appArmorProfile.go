package patcher

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixAppArmorProfile changes an AppArmor profile the policy refuses
// (Unconfined), in the appArmorProfile fields or the beta
// container.apparmor.security.beta.kubernetes.io/ annotations, to the runtime's
// default profile.
func fixAppArmorProfile(c *fixCtx) []Change {
	const check = "appArmorProfile"
	const why = "An unconfined AppArmor profile lifts the runtime's confinement; Baseline forbids it. " +
		"The runtime's default profile applies instead."
	const test = "On nodes with AppArmor, exercise the workload's access to files, mounts and raw sockets " +
		"and look for apparmor=\"DENIED\" in the kernel log."
	var out []Change
	fix := func(sc *yaml.Node, field, ctr string) {
		p := mapValue(sc, "appArmorProfile")
		if p == nil {
			return
		}
		t, _ := scalar(p, "type")
		if c.j.allows(check, nil, &corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileType(t)}},
			Containers:      []corev1.Container{{Name: "c"}},
		}) {
			return
		}
		setRuntimeDefault(p)
		out = append(out, Change{Check: check, Container: ctr, Field: joinField(field, "appArmorProfile.type"),
			Before: nilIfEmpty(t), After: "RuntimeDefault", Risk: riskMedium, Why: why, Test: test})
	}
	fix(mapValue(c.spec, "securityContext"), c.podSCField(), "")
	for _, ct := range c.containers() {
		fix(ct.scIfAny(), joinField(ct.field, "securityContext"), ct.name)
	}

	ann := mapValue(c.meta, "annotations")
	if ann == nil {
		return out
	}
	for i := 0; i+1 < len(ann.Content); i += 2 {
		k, v := ann.Content[i].Value, ann.Content[i+1]
		if !strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) || v.Kind != yaml.ScalarNode {
			continue
		}
		if c.j.allows(check, &metav1.ObjectMeta{Annotations: map[string]string{k: v.Value}},
			&corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}) {
			continue
		}
		before := v.Value
		v.Value, v.Tag = corev1.DeprecatedAppArmorBetaProfileRuntimeDefault, yaml.NodeTagString
		out = append(out, Change{Check: check, Container: strings.TrimPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix),
			Field:  joinField(joinField(c.t.prefix, "metadata.annotations"), k),
			Before: before, After: corev1.DeprecatedAppArmorBetaProfileRuntimeDefault, Risk: riskMedium, Why: why, Test: test})
	}
	return out
}
