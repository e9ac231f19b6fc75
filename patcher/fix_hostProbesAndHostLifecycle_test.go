package patcher

import "testing"

func TestFixHostProbesAndHostLifecycle(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "probe and hook hosts removed",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: a
  image: a
  livenessProbe:
    httpGet:
      host: 10.0.0.1
      port: 8080
  lifecycle:
    preStop:
      tcpSocket: {host: example.com, port: 80}
`),
		changes: []string{
			"hostProbesAndHostLifecycle spec.containers[name=a].livenessProbe.httpGet.host 10.0.0.1->null",
			"hostProbesAndHostLifecycle spec.containers[name=a].lifecycle.preStop.tcpSocket.host example.com->null",
		},
		values: map[string]string{
			"spec.containers[name=a].livenessProbe.httpGet.port": "8080",
			"spec.containers[name=a].livenessProbe.httpGet.host": "<absent>",
		},
	}, {
		name: "not a check before v1.34",
		opts: Options{Level: "baseline", Version: "v1.33"},
		src: pod(`containers:
- name: a
  image: a
  readinessProbe:
    tcpSocket: {host: 10.0.0.1, port: 80}
`),
	}})
}
