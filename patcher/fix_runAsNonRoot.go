package patcher

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixRunAsNonRoot sets runAsNonRoot: true at pod level, where one line covers
// every container, and changes containers that explicitly set false.
//
// With runAsNonRoot the kubelet refuses to start a container whose user is
// root, so the risk depends on the UID each container ends up with: low when
// every container has a non-zero numeric runAsUser, high when it is up to the
// image.
func fixRunAsNonRoot(c *fixCtx) []Change {
	var out []Change
	risk, why, test := c.nonRootRisk()
	podSC := mapValue(c.spec, "securityContext")
	if b, ok := boolValue(podSC, "runAsNonRoot"); !ok || !b {
		before := value(get(podSC, "runAsNonRoot"))
		setScalar(c.podSC(), "runAsNonRoot", boolNode(true), nil)
		out = append(out, Change{
			Check:  "runAsNonRoot",
			Field:  joinField(c.podSCField(), "runAsNonRoot"),
			Before: before,
			After:  true,
			Risk:   risk,
			Why:    "Restricted requires every container to run as a non-root user; runAsNonRoot: true makes the kubelet enforce it. " + why,
			Test:   test,
		})
	}
	for _, ct := range c.containers() {
		sc := ct.scIfAny()
		if b, ok := boolValue(sc, "runAsNonRoot"); !ok || b {
			continue
		}
		setScalar(sc, "runAsNonRoot", boolNode(true), nil)
		out = append(out, Change{
			Check:     "runAsNonRoot",
			Container: ct.name,
			Field:     ct.scField("runAsNonRoot"),
			Before:    false,
			After:     true,
			Risk:      risk,
			Why:       "The container explicitly allowed running as root; Restricted forbids it. " + why,
			Test:      test,
		})
	}
	return out
}

// nonRootRisk rates runAsNonRoot from the UIDs the containers will run as.
func (c *fixCtx) nonRootRisk() (risk, why, test string) {
	podUID, podSet := uidOf(mapValue(c.spec, "securityContext"))
	var unknown []string
	for _, ct := range c.containers() {
		uid, ok := uidOf(ct.scIfAny())
		if !ok {
			uid, ok = podUID, podSet
		}
		if !ok || uid == 0 {
			unknown = append(unknown, ct.name)
		}
	}
	if len(unknown) == 0 {
		return riskLow, "Every container already runs as a non-zero runAsUser, so this only makes that explicit.",
			"Nothing beyond a normal rollout: the containers' UIDs do not change."
	}
	return riskHigh,
		fmt.Sprintf("The user of %s comes from the image: if the image runs as root, the kubelet will refuse to start it "+
			"(CreateContainerConfigError).", strings.Join(quoteAll(unknown), ", ")),
		confirmUser + " A non-numeric USER (e.g. `USER app`) cannot be verified by the kubelet either: use the numeric UID."
}

// uidOf reads a numeric runAsUser from a securityContext.
func uidOf(sc *yaml.Node) (int64, bool) {
	i, ok := value(get(sc, "runAsUser")).(int64)
	return i, ok
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
