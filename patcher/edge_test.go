package patcher

import (
	"strings"
	"testing"
)

// Edge cases of the tree the fixers meet in real files.
func TestFixEdgeCases(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "null securityContext blocks are filled",
		src: pod(`securityContext:
containers:
- name: a
  image: a
  securityContext: ~
`),
		changes: []string{
			"capabilities_restricted spec.containers[name=a].securityContext.capabilities.drop null->[ALL]",
			"seccompProfile_restricted spec.securityContext.seccompProfile.type null->RuntimeDefault",
			"runAsNonRoot spec.securityContext.runAsNonRoot null->true",
			"allowPrivilegeEscalation spec.containers[name=a].securityContext.allowPrivilegeEscalation null->false",
		},
		values: map[string]string{
			"spec.securityContext.runAsNonRoot":                                "true",
			"spec.containers[name=a].securityContext.allowPrivilegeEscalation": "false",
		},
	}, {
		name: "empty flow lists",
		src: pod(compliant + `containers:
- name: a
  image: a
  securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [], drop: []}}
`),
		changes: []string{"capabilities_restricted spec.containers[name=a].securityContext.capabilities.drop []->[ALL]"},
		values:  map[string]string{"spec.containers[name=a].securityContext.capabilities.drop": "[ALL]"},
	}, {
		name: "a volume without a source is an emptyDir",
		src: pod(compliant + `volumes:
- name: scratch
containers:
- name: a
  image: a
  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
	}, {
		name: "windows hostProcess is proposed, not fixed",
		opts: Options{Level: "baseline"},
		src: pod(`hostNetwork: true
securityContext:
  windowsOptions: {hostProcess: true}
containers:
- name: a
  image: a
`),
		remain: []string{"hostNamespaces", "windowsHostProcess"},
	}, {
		name: "sysctls and hostPorts are proposed",
		opts: Options{Level: "baseline"},
		src: pod(`securityContext:
  sysctls: [{name: kernel.msgmax, value: "65536"}]
containers:
- name: a
  image: a
  ports: [{containerPort: 80, hostPort: 80}]
`),
		remain: []string{"hostPorts", "sysctls"},
	}})
}

func TestCommentsKept(t *testing.T) {
	requireStylePreserving(t)
	src := pod(compliant + `containers:
- name: a   # the app
  image: a
  securityContext:
    # keep raw sockets out
    capabilities:
      drop:
      - NET_RAW # no ping
    allowPrivilegeEscalation: false
`)
	res, err := Fix("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, "        - NET_RAW # no ping\n", "        - NET_RAW # no ping\n        - ALL\n", 1)
	if string(res.Output) != want {
		t.Errorf("output:\n%s\nwant:\n%s", res.Output, want)
	}
}
