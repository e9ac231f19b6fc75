package patcher

import (
	"bytes"
	"regexp"
)

// helmStart matches a line that a Helm template marker starts, or a mapping
// value or sequence item that starts with one: YAML cannot hold those
// unquoted, so the file is a template. A {{ inside a quoted or plain string
// (a Prometheus alert text, say) does not count.
var helmStart = regexp.MustCompile(`(?m)^[ \t]*(?:-[ \t]+)?(?:[^\s#'"][^#'"\n]*?:[ \t]+)?\{\{`)

// helmLine returns the 1-based line of the first Helm template marker, 0 if none.
func helmLine(src []byte) int {
	if !bytes.Contains(src, []byte("{{")) {
		return 0
	}
	loc := helmStart.FindIndex(src)
	if loc == nil {
		return 0
	}
	return bytes.Count(src[:loc[0]], []byte("\n")) + 1
}

// looksTemplated reports whether a file that failed to parse holds template
// markers anywhere.
func looksTemplated(src []byte) bool {
	return bytes.Contains(src, []byte("{{")) && bytes.Contains(src, []byte("}}"))
}

// isNodeAgent reports whether a workload is a node agent: a DaemonSet that
// uses the host's namespaces or files. Such agents are privileged for a
// reason, so privileged is exempt for them by default.
func isNodeAgent(kind string, pod *podTemplate) bool {
	if kind != "DaemonSet" {
		return false
	}
	s := &pod.Spec
	if s.HostNetwork || s.HostPID || s.HostIPC {
		return true
	}
	for _, v := range s.Volumes {
		if v.HostPath != nil {
			return true
		}
	}
	return false
}
