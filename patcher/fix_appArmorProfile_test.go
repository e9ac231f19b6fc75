package patcher

import "testing"

func TestFixAppArmorProfile(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "fields",
		opts: Options{Level: "baseline"},
		src: pod(`securityContext:
  appArmorProfile: {type: Unconfined}
containers:
- name: a
  image: a
  securityContext:
    appArmorProfile:
      type: Localhost
      localhostProfile: k8s-apparmor-example
`),
		changes: []string{"appArmorProfile spec.securityContext.appArmorProfile.type Unconfined->RuntimeDefault"},
		values: map[string]string{
			"spec.securityContext.appArmorProfile.type":                    "RuntimeDefault",
			"spec.containers[name=a].securityContext.appArmorProfile.type": "Localhost",
		},
	}, {
		name: "annotation",
		opts: Options{Level: "baseline"},
		src: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/a: unconfined
    spec:
      containers:
      - name: a
        image: a
`,
		changes: []string{"appArmorProfile spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/a unconfined->runtime/default"},
		values:  map[string]string{"spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/a": "runtime/default"},
	}})
}
