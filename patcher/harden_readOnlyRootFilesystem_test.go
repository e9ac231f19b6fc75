package patcher

import "testing"

func TestHardenReadOnlyRootFilesystem(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "read-only root with a writable /tmp",
		opts: Options{ReadOnlyRootFilesystem: true},
		src: pod(compliant + `containers:
- name: a
  image: a
  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
- name: b
  image: b
  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  volumeMounts:
  - {name: scratch, mountPath: /tmp}
volumes:
- name: scratch
  emptyDir: {}
`),
		changes: []string{
			"readOnlyRootFilesystem spec.containers[name=a].securityContext.readOnlyRootFilesystem null->true",
			"readOnlyRootFilesystem spec.volumes[name=tmp] null->map[emptyDir:map[] name:tmp]",
			"readOnlyRootFilesystem spec.containers[name=a].volumeMounts[name=tmp] null->map[mountPath:/tmp name:tmp]",
			"readOnlyRootFilesystem spec.containers[name=b].securityContext.readOnlyRootFilesystem null->true",
		},
		values: map[string]string{
			"spec.containers[name=a].volumeMounts[name=tmp].mountPath":       "/tmp",
			"spec.volumes[name=tmp].name":                                    "tmp",
			"spec.containers[name=b].securityContext.readOnlyRootFilesystem": "true",
		},
	}, {
		name: "off by default",
		src: pod(compliant + `containers:
- name: a
  image: a
  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
	}})
}
