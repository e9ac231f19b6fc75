package patcher

import "testing"

func TestFixAllowPrivilegeEscalation(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "missing on every kind of container",
		src: pod(compliant + `initContainers:
- name: init
  image: busybox
  securityContext:
    capabilities: {drop: [ALL]}
containers:
- name: app
  image: app
  securityContext:
    allowPrivilegeEscalation: true
    capabilities: {drop: [ALL]}
ephemeralContainers:
- name: debug
  image: busybox
  securityContext:
    capabilities: {drop: [ALL]}
`),
		changes: []string{
			"allowPrivilegeEscalation spec.initContainers[name=init].securityContext.allowPrivilegeEscalation null->false",
			"allowPrivilegeEscalation spec.containers[name=app].securityContext.allowPrivilegeEscalation true->false",
			"allowPrivilegeEscalation spec.ephemeralContainers[name=debug].securityContext.allowPrivilegeEscalation null->false",
		},
		values: map[string]string{
			"spec.containers[name=app].securityContext.allowPrivilegeEscalation":            "false",
			"spec.ephemeralContainers[name=debug].securityContext.allowPrivilegeEscalation": "false",
		},
	}, {
		name: "privileged container is left to the privileged check",
		opts: Options{Strategies: map[string]Strategy{"privileged": StrategyExempt}},
		src: pod(compliant + `containers:
- name: app
  image: app
  securityContext:
    privileged: true
    capabilities: {drop: [ALL]}
`),
		remain: []string{"allowPrivilegeEscalation", "privileged"},
		values: map[string]string{"spec.containers[name=app].securityContext.allowPrivilegeEscalation": "<absent>"},
	}, {
		name: "windows pods are not asked (v1.25+)",
		src: pod(`os: {name: windows}
securityContext: {runAsNonRoot: true}
containers:
- name: app
  image: app
`),
	}, {
		name: "baseline does not require it",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: app
  image: app
`),
	}})
}
