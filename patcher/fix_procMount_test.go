package patcher

import "testing"

func TestFixProcMount(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "Unmasked removed",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: a
  image: a
  securityContext:
    procMount: Unmasked
`),
		changes: []string{"procMount spec.containers[name=a].securityContext.procMount Unmasked->null"},
		values:  map[string]string{"spec.containers[name=a].securityContext.procMount": "<absent>"},
	}, {
		name: "baseline allows Unmasked with hostUsers false (v1.35+)",
		opts: Options{Level: "baseline"},
		src: pod(`hostUsers: false
containers:
- name: a
  image: a
  securityContext:
    procMount: Unmasked
`),
	}})
}
