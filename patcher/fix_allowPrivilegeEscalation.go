package patcher

import "sigs.k8s.io/kustomize/kyaml/yaml"

// fixAllowPrivilegeEscalation sets allowPrivilegeEscalation: false on every
// container (init and ephemeral included) that lacks it or sets it true.
//
// A container that stays privileged or keeps CAP_SYS_ADMIN is skipped: the
// API server rejects allowPrivilegeEscalation=false next to either, and such a
// container is exempt anyway, so the check stays in Remaining.
func fixAllowPrivilegeEscalation(c *fixCtx) []Change {
	if c.windows() {
		c.windowsNote("allowPrivilegeEscalation")
		return nil
	}
	var out []Change
	for _, ct := range c.containers() {
		sc := ct.scIfAny()
		if privileged, _ := boolValue(sc, "privileged"); privileged {
			c.note("allowPrivilegeEscalation", "container %q stays privileged, and the API server refuses allowPrivilegeEscalation=false on a privileged container", ct.name)
			continue
		}
		if addsSysAdmin(sc) {
			c.note("allowPrivilegeEscalation", "container %q keeps CAP_SYS_ADMIN, and the API server refuses allowPrivilegeEscalation=false with it", ct.name)
			continue
		}
		v := get(sc, "allowPrivilegeEscalation")
		if b, ok := boolValue(sc, "allowPrivilegeEscalation"); ok && !b {
			continue
		}
		before := value(v)
		setScalar(ct.sc(), "allowPrivilegeEscalation", boolNode(false), nil)
		out = append(out, Change{
			Check:     "allowPrivilegeEscalation",
			Container: ct.name,
			Field:     ct.scField("allowPrivilegeEscalation"),
			Before:    before,
			After:     false,
			Risk:      riskLow,
			Why: "Without allowPrivilegeEscalation: false a process can gain more privileges than its parent " +
				"through setuid binaries or file capabilities. Restricted requires it to be false.",
			Test: "Run the container's normal paths. Only programs that rely on setuid or file capabilities " +
				"(sudo, su, ping on old images) stop working.",
		})
	}
	return out
}

// addsSysAdmin reports whether a securityContext adds CAP_SYS_ADMIN.
func addsSysAdmin(sc *yaml.Node) bool {
	for _, cp := range seqStrings(get(mapValue(sc, "capabilities"), "add")) {
		if cp == "SYS_ADMIN" || cp == "CAP_SYS_ADMIN" {
			return true
		}
	}
	return false
}
