package patcher

// fixSeccompProfileBaseline changes explicitly unconfined seccomp profiles
// (the fields since v1.19, the alpha annotations before) to RuntimeDefault.
// Baseline does not require a profile, so none is added.
func fixSeccompProfileBaseline(c *fixCtx) []Change {
	out := fixSeccompAnnotations(c, "seccompProfile_baseline")
	if c.windows() {
		c.windowsNote("seccompProfile_baseline")
		return out
	}
	return append(out, fixSeccompProfiles(c, "seccompProfile_baseline")...)
}
