package patcher

import "testing"

const ape = "    allowPrivilegeEscalation: false\n"

func TestFixCapabilitiesRestricted(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "no capabilities: drop ALL added",
		src: pod(compliant + `containers:
- name: app
  image: app
  securityContext:
` + ape),
		changes: []string{"capabilities_restricted spec.containers[name=app].securityContext.capabilities.drop null->[ALL]"},
		values:  map[string]string{"spec.containers[name=app].securityContext.capabilities.drop": "[ALL]"},
	}, {
		name: "existing drop list keeps its entries",
		src: pod(compliant + `containers:
- name: app
  image: app
  securityContext:
` + ape + `    capabilities:
      drop:
      - NET_RAW # no raw sockets
`),
		changes: []string{"capabilities_restricted spec.containers[name=app].securityContext.capabilities.drop [NET_RAW]->[NET_RAW,ALL]"},
		values:  map[string]string{"spec.containers[name=app].securityContext.capabilities.drop": "[NET_RAW,ALL]"},
	}, {
		name: "add ALL on a port-80 app becomes NET_BIND_SERVICE",
		src: pod(compliant + `containers:
- name: web
  image: nginx
  ports:
  - containerPort: 80
  securityContext:
` + ape + `    capabilities:
      add: ["ALL"]
`),
		changes: []string{
			"capabilities_restricted spec.containers[name=web].securityContext.capabilities.drop null->[ALL]",
			"capabilities_restricted spec.containers[name=web].securityContext.capabilities.add [ALL]->[NET_BIND_SERVICE]",
		},
		values: map[string]string{"spec.containers[name=web].securityContext.capabilities.add": "[NET_BIND_SERVICE]"},
	}, {
		name: "add ALL without a low port is removed",
		src: pod(compliant + `containers:
- name: app
  image: app
  ports:
  - containerPort: 8080
  securityContext:
` + ape + `    capabilities:
      add: [ALL, NET_ADMIN]
      drop: [ALL]
`),
		changes: []string{"capabilities_restricted spec.containers[name=app].securityContext.capabilities.add [ALL,NET_ADMIN]->null"},
		values:  map[string]string{"spec.containers[name=app].securityContext.capabilities.add": "<absent>"},
	}, {
		name: "dropping ALL keeps NET_BIND_SERVICE for a low port",
		src: pod(compliant + `containers:
- name: web
  image: nginx
  ports:
  - containerPort: 443
  securityContext:
` + ape),
		changes: []string{
			"capabilities_restricted spec.containers[name=web].securityContext.capabilities.drop null->[ALL]",
			"capabilities_restricted spec.containers[name=web].securityContext.capabilities.add null->[NET_BIND_SERVICE]",
		},
	}, {
		name: "NET_BIND_SERVICE stays",
		src: pod(compliant + `containers:
- name: web
  image: nginx
  securityContext:
` + ape + `    capabilities:
      add: [NET_BIND_SERVICE, SYS_TIME]
      drop: [ALL]
`),
		changes: []string{"capabilities_restricted spec.containers[name=web].securityContext.capabilities.add [NET_BIND_SERVICE,SYS_TIME]->[NET_BIND_SERVICE]"},
	}})
}
