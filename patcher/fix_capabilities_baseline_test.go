package patcher

import "testing"

func TestFixCapabilitiesBaseline(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "non-default capabilities removed, defaults kept, no drop added",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: app
  image: app
  securityContext:
    capabilities:
      add: [CHOWN, SYS_ADMIN, KILL]
`),
		changes: []string{"capabilities_baseline spec.containers[name=app].securityContext.capabilities.add [CHOWN,SYS_ADMIN,KILL]->[CHOWN,KILL]"},
		values: map[string]string{
			"spec.containers[name=app].securityContext.capabilities.add":  "[CHOWN,KILL]",
			"spec.containers[name=app].securityContext.capabilities.drop": "<absent>",
		},
	}, {
		name: "restricted before v1.22 has no capabilities_restricted",
		opts: Options{Version: "v1.21"},
		src: pod(compliant + `containers:
- name: app
  image: app
  securityContext:
` + ape + `    capabilities:
      add: [ALL]
`),
		changes: []string{"capabilities_baseline spec.containers[name=app].securityContext.capabilities.add [ALL]->null"},
	}})
}
