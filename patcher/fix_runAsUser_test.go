package patcher

import (
	"strings"
	"testing"
)

func TestFixRunAsUser(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "pod and container uid 0",
		src: pod(`securityContext:
  runAsUser: 0
  runAsNonRoot: true
  seccompProfile: {type: RuntimeDefault}
containers:
- name: a
  image: a
  securityContext:
    runAsUser: 0 # root
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
`),
		changes: []string{
			"runAsUser spec.securityContext.runAsUser 0->65532",
			"runAsUser spec.containers[name=a].securityContext.runAsUser 0->65532",
		},
		values: map[string]string{
			"spec.securityContext.runAsUser":                    "65532",
			"spec.containers[name=a].securityContext.runAsUser": "65532",
		},
	}, {
		name: "configured uid",
		opts: Options{RunAsUser: 1001},
		src: pod(compliant + `containers:
- name: a
  image: a
  securityContext:
    runAsUser: 0
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
`),
		changes: []string{"runAsUser spec.containers[name=a].securityContext.runAsUser 0->1001"},
	}})
}

func TestRunAsUserAdvice(t *testing.T) {
	src := pod(compliant + "containers:\n- name: a\n  image: a\n  securityContext:\n    runAsUser: 0\n    allowPrivilegeEscalation: false\n    capabilities: {drop: [ALL]}\n")
	res, err := Fix("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Workloads[0].Changes[0]
	if c.Risk != riskHigh || !strings.Contains(c.Test, "docker inspect --format '{{.Config.User}}'") || !strings.Contains(c.Test, "USER 65532:65532") {
		t.Errorf("runAsUser change lacks its risk or advice: %+v", c)
	}
}
