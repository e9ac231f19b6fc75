package patcher

// fixPrivileged sets privileged: false on containers that set it true. It is
// the riskiest fix: a privileged container sees every host device and holds
// every capability. Node agents (DaemonSets with host access) are exempt by
// default and never reach here.
func fixPrivileged(c *fixCtx) []Change {
	var out []Change
	for _, ct := range c.containers() {
		sc := ct.scIfAny()
		if b, ok := boolValue(sc, "privileged"); !ok || !b {
			continue
		}
		setScalar(sc, "privileged", boolNode(false), nil)
		out = append(out, Change{
			Check:     "privileged",
			Container: ct.name,
			Field:     ct.scField("privileged"),
			Before:    true,
			After:     false,
			Risk:      riskHigh,
			Why: "A privileged container has every capability and every host device; it is root on the node. " +
				"Baseline forbids it, so privileged was turned off.",
			Test: "Exercise everything the container does with the host: devices under /dev, mounts, iptables or " +
				"network setup, kernel modules, sysfs writes. If one of them fails, add back only the capability it " +
				"needs (e.g. NET_ADMIN) or keep privileged and exempt the namespace (enforce: privileged).",
		})
	}
	return out
}
