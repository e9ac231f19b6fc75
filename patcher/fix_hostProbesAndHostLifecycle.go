package patcher

// fixHostProbesAndHostLifecycle removes the host field of httpGet and
// tcpSocket handlers in probes and lifecycle hooks (v1.34+): they may only
// target the pod itself, which is what they do without a host.
func fixHostProbesAndHostLifecycle(c *fixCtx) []Change {
	var out []Change
	for _, ct := range c.containers() {
		handlers := []string{"livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"}
		for _, h := range handlers {
			n := ct.node
			for _, k := range splitDots(h) {
				n = mapValue(n, k)
			}
			for _, kind := range []string{"httpGet", "tcpSocket"} {
				action := mapValue(n, kind)
				host, ok := scalar(action, "host")
				if !ok || host == "" {
					continue
				}
				removeKey(action, "host")
				out = append(out, Change{
					Check:     "hostProbesAndHostLifecycle",
					Container: ct.name,
					Field:     joinField(joinField(joinField(ct.field, h), kind), "host"),
					Before:    host,
					After:     nil,
					Risk:      riskMedium,
					Why: "A probe or lifecycle hook with a host can reach any address from the node; Baseline allows only " +
						"the pod itself. Without host it targets the pod IP.",
					Test: "Watch the pod become ready: the application must listen on the pod IP, not only on 127.0.0.1. " +
						"If the host was set for HTTP virtual hosting, send it as an httpHeaders Host header instead.",
				})
			}
		}
	}
	return out
}
