package patcher

import "testing"

func TestFixProcMountRestricted(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "restricted refuses Unmasked even with hostUsers false",
		src: pod(`hostUsers: false
securityContext:
  seccompProfile: {type: RuntimeDefault}
containers:
- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
    procMount: Unmasked
`),
		changes: []string{"procMount_restricted spec.containers[name=a].securityContext.procMount Unmasked->null"},
	}})
}
