package patcher

import "testing"

func TestFixSeccompProfileBaseline(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "Unconfined fields changed, none added",
		opts: Options{Level: "baseline"},
		src: pod(`securityContext:
  seccompProfile: {type: Unconfined}
containers:
- name: a
  image: a
- name: b
  image: b
`),
		changes: []string{"seccompProfile_baseline spec.securityContext.seccompProfile.type Unconfined->RuntimeDefault"},
		values:  map[string]string{"spec.securityContext.seccompProfile.type": "RuntimeDefault"},
	}, {
		name: "annotations before v1.19",
		opts: Options{Level: "baseline", Version: "v1.18"},
		src: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/a: localhost/ok.json
spec:
  containers:
  - name: a
    image: a
`,
		changes: []string{"seccompProfile_baseline metadata.annotations.seccomp.security.alpha.kubernetes.io/pod unconfined->runtime/default"},
		values: map[string]string{
			"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod":         "runtime/default",
			"metadata.annotations.container.seccomp.security.alpha.kubernetes.io/a": "localhost/ok.json",
		},
	}})
}
