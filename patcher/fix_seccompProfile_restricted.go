package patcher

// fixSeccompProfileRestricted sets seccompProfile: {type: RuntimeDefault} at
// pod level, where it covers every container, unless every container sets its
// own profile; explicit profiles the check refuses (Unconfined), at pod or
// container level, are changed to RuntimeDefault.
func fixSeccompProfileRestricted(c *fixCtx) []Change {
	if c.windows() {
		c.windowsNote("seccompProfile_restricted")
		return nil
	}
	const check = "seccompProfile_restricted"
	out := fixSeccompProfiles(c, check)
	podSC := mapValue(c.spec, "securityContext")
	if mapValue(podSC, "seccompProfile") != nil {
		return out
	}
	uncovered := false
	for _, ct := range c.containers() {
		if mapValue(ct.scIfAny(), "seccompProfile") == nil {
			uncovered = true
		}
	}
	if !uncovered {
		return out
	}
	sc := c.podSC()
	p := ensureMap(sc, "seccompProfile", nil)
	setScalar(p, "type", strNode("RuntimeDefault"), nil)
	return append(out, Change{
		Check:  check,
		Field:  joinField(c.podSCField(), "seccompProfile.type"),
		Before: nil,
		After:  "RuntimeDefault",
		Risk:   riskLow,
		Why: "Restricted requires a seccomp profile. RuntimeDefault, set once for the pod, applies the container " +
			"runtime's default filter, which blocks rarely used, dangerous system calls.",
		Test: seccompTest,
	})
}
