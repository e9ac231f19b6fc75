package patcher

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixCapabilitiesRestricted makes each container drop ALL capabilities and
// add back none but the ones Restricted allows (NET_BIND_SERVICE). An existing
// drop list gets ALL appended, keeping its entries. An add: [ALL] on a
// container that declares a containerPort below 1024 becomes
// add: [NET_BIND_SERVICE], the one capability it needs to bind that port.
func fixCapabilitiesRestricted(c *fixCtx) []Change {
	if c.windows() {
		c.windowsNote("capabilities_restricted")
		return nil
	}
	allowed := func(cp string) bool {
		return c.j.allows("capabilities_restricted", nil, &corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c",
			SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{
				Drop: []corev1.Capability{"ALL"},
				Add:  []corev1.Capability{corev1.Capability(cp)},
			}},
		}}})
	}
	var out []Change
	for _, ct := range c.containers() {
		if privileged, _ := boolValue(ct.scIfAny(), "privileged"); privileged {
			// A privileged container gets every capability whatever its
			// lists say; it stays privileged only when exempt.
			c.note("capabilities_restricted", "container %q stays privileged, which grants every capability whatever the lists say", ct.name)
			continue
		}
		caps := mapValue(ct.scIfAny(), "capabilities")
		dropsAll := false
		for _, d := range seqStrings(get(caps, "drop")) {
			if d == "ALL" {
				dropsAll = true
			}
		}
		if !dropsAll {
			caps = ensureMap(ct.sc(), "capabilities", nil)
			dn := get(caps, "drop")
			before := value(dn)
			if dn == nil || dn.Kind != yaml.SequenceNode {
				seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
				if dn != nil {
					*dn = *seq
				} else {
					insertKey(caps, "drop", seq, []string{"add"})
					dn = seq
				}
			}
			appendItem(dn, "ALL")
			out = append(out, Change{
				Check:     "capabilities_restricted",
				Container: ct.name,
				Field:     ct.scField("capabilities.drop"),
				Before:    before,
				After:     seqStrings(dn),
				Risk:      riskMedium,
				Why: "Restricted requires dropping ALL Linux capabilities; the container keeps only what it adds back " +
					"(NET_BIND_SERVICE at most).",
				Test: "Start the container and exercise its privileged steps: binding a port below 1024 (needs " +
					"NET_BIND_SERVICE), chown/chmod of files, switching user (SETUID/SETGID). Images that start as root " +
					"and then switch user (nginx, postgres, ...) need their non-root variant.",
			})
		}
		if ch, ok := trimAdded(ct, caps, "capabilities_restricted", allowed,
			"Restricted allows adding back only NET_BIND_SERVICE."); ok {
			out = append(out, ch)
		}
		if !dropsAll {
			if ch, ok := keepBindService(ct, caps, allowed); ok {
				out = append(out, ch)
			}
		}
	}
	return out
}

// keepBindService adds NET_BIND_SERVICE back to a container that now drops
// ALL and declares a containerPort below 1024: it had that capability from
// the runtime's default set, and a process running as root needs it to bind
// the port.
func keepBindService(ct container, caps *yaml.Node, allowed func(string) bool) (Change, bool) {
	port := lowestPort(ct.node)
	if port <= 0 || port >= 1024 || !allowed("NET_BIND_SERVICE") {
		return Change{}, false
	}
	an := get(caps, "add")
	before := seqStrings(an)
	for _, cp := range before {
		if cp == "NET_BIND_SERVICE" {
			return Change{}, false
		}
	}
	if an == nil || an.Kind != yaml.SequenceNode {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
		if an != nil {
			*an = *seq
		} else {
			insertKey(caps, "add", seq, nil)
			an = seq
		}
	}
	appendItem(an, "NET_BIND_SERVICE")
	var beforeV any
	if before != nil {
		beforeV = before
	}
	return Change{
		Check:     "capabilities_restricted",
		Container: ct.name,
		Field:     ct.scField("capabilities.add"),
		Before:    beforeV,
		After:     seqStrings(an),
		Risk:      riskLow,
		Why: fmt.Sprintf("The container declares port %d, below 1024: NET_BIND_SERVICE, which it had by default and "+
			"Restricted allows, is added back so that it can still bind it.", port),
		Test: fmt.Sprintf("Check that the container still listens on port %d.", port),
	}, true
}

// trimAdded removes from the container's capabilities.add every capability
// the check does not allow. An ALL on a container with a containerPort below
// 1024 becomes NET_BIND_SERVICE (when allowed and not already added), in
// place, so its comments stay. CAP_NET_BIND_SERVICE is spelled the way the
// policy knows, NET_BIND_SERVICE, when that is allowed.
func trimAdded(ct container, caps *yaml.Node, check string, allowed func(string) bool, rule string) (Change, bool) {
	an := get(caps, "add")
	if an == nil || an.Kind != yaml.SequenceNode {
		return Change{}, false
	}
	before := seqStrings(an)
	has := map[string]bool{}
	for _, cp := range before {
		has[cp] = true
	}
	lowPort := lowestPort(ct.node)
	var kept []*yaml.Node
	var removed []string
	var note string
	for _, n := range an.Content {
		switch {
		case allowed(n.Value):
			kept = append(kept, n)
		case n.Value == "ALL" && lowPort > 0 && lowPort < 1024 && !has["NET_BIND_SERVICE"] && allowed("NET_BIND_SERVICE"):
			has["NET_BIND_SERVICE"] = true
			n.Value, n.Tag = "NET_BIND_SERVICE", yaml.NodeTagString
			kept = append(kept, n)
			note = fmt.Sprintf(" add: [ALL] became add: [NET_BIND_SERVICE] because the container declares port %d, "+
				"below 1024, which needs it to bind.", lowPort)
		case n.Value == "CAP_NET_BIND_SERVICE" && !has["NET_BIND_SERVICE"] && allowed("NET_BIND_SERVICE"):
			has["NET_BIND_SERVICE"] = true
			n.Value = "NET_BIND_SERVICE"
			kept = append(kept, n)
		default:
			removed = append(removed, n.Value)
		}
	}
	after := make([]string, 0, len(kept))
	for _, n := range kept {
		after = append(after, n.Value)
	}
	if strings.Join(after, "\x00") == strings.Join(before, "\x00") {
		return Change{}, false
	}
	var afterV any = after
	if len(kept) == 0 {
		removeKey(caps, "add")
		afterV = nil
	} else {
		an.Content = kept
	}
	why := rule
	if len(removed) > 0 {
		why += " Removed: " + strings.Join(removed, ", ") + "."
	}
	return Change{
		Check:     check,
		Container: ct.name,
		Field:     ct.scField("capabilities.add"),
		Before:    before,
		After:     afterV,
		Risk:      riskHigh,
		Why:       why + note,
		Test: "Someone added these capabilities on purpose: exercise what needs them (network setup needs NET_ADMIN, " +
			"raw sockets NET_RAW, clock changes SYS_TIME, ...). If the workload cannot do without one, restore it and " +
			"exempt the namespace instead.",
	}, true
}

// lowestPort returns the lowest containerPort a container declares, 0 if none.
func lowestPort(ctr *yaml.Node) int64 {
	_, ports := mapGet(ctr, "ports")
	if ports == nil || ports.Kind != yaml.SequenceNode {
		return 0
	}
	var low int64
	for _, p := range ports.Content {
		if v, ok := value(get(p, "containerPort")).(int64); ok && v > 0 && (low == 0 || v < low) {
			low = v
		}
	}
	return low
}
