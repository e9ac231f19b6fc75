package patcher

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Shared by the two seccomp fixers.

const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io/"
)

// seccompTypeAllowed asks the check whether a seccomp profile type is allowed.
func seccompTypeAllowed(c *fixCtx, check, t string) bool {
	return c.j.allows(check, nil, &corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileType(t)}},
		Containers:      []corev1.Container{{Name: "c"}},
	})
}

// setRuntimeDefault points an existing seccompProfile (or appArmorProfile)
// mapping at RuntimeDefault, dropping a localhostProfile the API server would
// reject next to it.
func setRuntimeDefault(profile *yaml.Node) {
	setScalar(profile, "type", strNode("RuntimeDefault"), nil)
	removeKey(profile, "localhostProfile")
}

// fixSeccompProfiles changes every explicit seccomp profile the check refuses
// (pod and containers) to RuntimeDefault.
func fixSeccompProfiles(c *fixCtx, check string) []Change {
	var out []Change
	fix := func(sc *yaml.Node, field, ctr string) {
		p := mapValue(sc, "seccompProfile")
		if p == nil {
			return
		}
		t, _ := scalar(p, "type")
		if seccompTypeAllowed(c, check, t) {
			return
		}
		setRuntimeDefault(p)
		out = append(out, Change{
			Check:     check,
			Container: ctr,
			Field:     joinField(field, "seccompProfile.type"),
			Before:    nilIfEmpty(t),
			After:     "RuntimeDefault",
			Risk:      riskMedium,
			Why: "An Unconfined seccomp profile lets the process make any system call. It now uses the container " +
				"runtime's default filter, which blocks rarely used, dangerous system calls.",
			Test: seccompTest,
		})
	}
	fix(mapValue(c.spec, "securityContext"), c.podSCField(), "")
	for _, ct := range c.containers() {
		fix(ct.scIfAny(), joinField(ct.field, "securityContext"), ct.name)
	}
	return out
}

const seccompTest = "Run the workload's normal paths. The default filter blocks calls such as unshare, mount, ptrace, " +
	"keyctl and bpf: software that sandboxes itself, debuggers and tracers may fail."

// fixSeccompAnnotations changes the pre-1.19 seccomp annotations the check
// refuses to runtime/default.
func fixSeccompAnnotations(c *fixCtx, check string) []Change {
	ann := mapValue(c.meta, "annotations")
	if ann == nil {
		return nil
	}
	var out []Change
	for i := 0; i+1 < len(ann.Content); i += 2 {
		k, v := ann.Content[i].Value, ann.Content[i+1]
		if k != seccompPodAnnotation && !hasPrefix(k, seccompContainerAnnotation) {
			continue
		}
		if c.j.allows(check, &metav1.ObjectMeta{Annotations: map[string]string{seccompPodAnnotation: v.Value}},
			&corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}) {
			continue
		}
		before := v.Value
		v.Value, v.Tag = "runtime/default", yaml.NodeTagString
		out = append(out, Change{
			Check:  check,
			Field:  joinField(joinField(c.t.prefix, "metadata.annotations"), k),
			Before: before,
			After:  "runtime/default",
			Risk:   riskMedium,
			Why:    "The annotation allowed an unconfined seccomp profile; it now uses the container runtime's default filter.",
			Test:   seccompTest,
		})
	}
	return out
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
