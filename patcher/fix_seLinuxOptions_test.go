package patcher

import "testing"

func TestFixSELinuxOptions(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "spc_t removed with its now empty block",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: a
  image: a
  securityContext:
    seLinuxOptions:
      type: spc_t
`),
		changes: []string{"seLinuxOptions spec.containers[name=a].securityContext.seLinuxOptions.type spc_t->null"},
		values:  map[string]string{"spec.containers[name=a].securityContext.seLinuxOptions": "<absent>"},
	}, {
		name: "user and role removed, level kept, allowed type kept",
		opts: Options{Level: "baseline"},
		src: pod(`securityContext:
  seLinuxOptions:
    user: system_u
    role: system_r
    type: container_t
    level: s0:c123,c456
containers:
- name: a
  image: a
`),
		changes: []string{
			"seLinuxOptions spec.securityContext.seLinuxOptions.user system_u->null",
			"seLinuxOptions spec.securityContext.seLinuxOptions.role system_r->null",
		},
		values: map[string]string{
			"spec.securityContext.seLinuxOptions.level": "s0:c123,c456",
			"spec.securityContext.seLinuxOptions.type":  "container_t",
		},
	}, {
		name: "container_engine_t is allowed from v1.31 only",
		opts: Options{Level: "baseline", Version: "v1.30"},
		src: pod(`containers:
- name: a
  image: a
  securityContext:
    seLinuxOptions: {type: container_engine_t}
`),
		changes: []string{"seLinuxOptions spec.containers[name=a].securityContext.seLinuxOptions.type container_engine_t->null"},
	}, {
		name: "container_engine_t at latest passes",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: a
  image: a
  securityContext:
    seLinuxOptions: {type: container_engine_t}
`),
	}})
}
