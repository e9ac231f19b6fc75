package patcher

// fixProcMountRestricted removes a procMount other than Default (the
// Restricted check "procMount_restricted", v1.35+, which unlike the Baseline
// one is not relaxed for pods with hostUsers: false).
func fixProcMountRestricted(c *fixCtx) []Change { return removeProcMount(c, "procMount_restricted") }
