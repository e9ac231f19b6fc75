package patcher

// fixProcMount removes a procMount other than Default from containers (the
// Baseline check, "procMount"). An unmasked /proc exposes host kernel
// information; only nested container runtimes need it.
func fixProcMount(c *fixCtx) []Change { return removeProcMount(c, "procMount") }

func removeProcMount(c *fixCtx, check string) []Change {
	var out []Change
	for _, ct := range c.containers() {
		sc := ct.scIfAny()
		v := get(sc, "procMount")
		if isNull(v) || v.Value == "Default" {
			continue
		}
		before := value(v)
		removeKey(sc, "procMount")
		out = append(out, Change{
			Check:     check,
			Container: ct.name,
			Field:     ct.scField("procMount"),
			Before:    before,
			After:     nil,
			Risk:      riskMedium,
			Why:       "procMount: Unmasked exposes the host's /proc paths that the runtime normally masks; the Default mount is required.",
			Test:      "Only software that runs containers inside the container (nested runtimes, image builders) needs an unmasked /proc: run its builds.",
		})
	}
	return out
}
