package patcher

import "testing"

const okContainer = `- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
`

func TestFixSeccompProfileRestricted(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "pod level RuntimeDefault added to the existing pod securityContext",
		src: pod(`securityContext:
  runAsNonRoot: true
containers:
` + okContainer),
		changes: []string{"seccompProfile_restricted spec.securityContext.seccompProfile.type null->RuntimeDefault"},
		values:  map[string]string{"spec.securityContext.seccompProfile.type": "RuntimeDefault"},
	}, {
		name: "container Unconfined changed, pod Localhost kept",
		src: pod(`securityContext:
  runAsNonRoot: true
  seccompProfile:
    type: Localhost
    localhostProfile: profiles/app.json
containers:
- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
    seccompProfile:
      type: Unconfined
`),
		changes: []string{"seccompProfile_restricted spec.containers[name=a].securityContext.seccompProfile.type Unconfined->RuntimeDefault"},
		values: map[string]string{
			"spec.securityContext.seccompProfile.type":                    "Localhost",
			"spec.containers[name=a].securityContext.seccompProfile.type": "RuntimeDefault",
		},
	}, {
		name: "every container has its own profile: no pod level",
		src: pod(`securityContext:
  runAsNonRoot: true
containers:
- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
    seccompProfile:
      type: Unconfined
      localhostProfile: x.json
`),
		changes: []string{"seccompProfile_restricted spec.containers[name=a].securityContext.seccompProfile.type Unconfined->RuntimeDefault"},
		values: map[string]string{
			"spec.securityContext.seccompProfile":                                     "<absent>",
			"spec.containers[name=a].securityContext.seccompProfile.localhostProfile": "<absent>",
		},
	}})
}
