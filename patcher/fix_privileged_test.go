package patcher

import "testing"

func TestFixPrivileged(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "ordinary workload is de-privileged",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: app
  image: app
  securityContext:
    privileged: true
`),
		changes: []string{"privileged spec.containers[name=app].securityContext.privileged true->false"},
		values:  map[string]string{"spec.containers[name=app].securityContext.privileged": "false"},
	}, {
		name: "node agent keeps privileged, exemption proposed",
		opts: Options{Level: "baseline"},
		src: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: agent
        securityContext:
          privileged: true
`,
		remain: []string{"hostNamespaces", "privileged"},
	}, {
		name: "node agent de-privileged when the strategy says fix",
		opts: Options{Level: "baseline", Strategies: map[string]Strategy{"privileged": StrategyFix}},
		src: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      volumes:
      - name: root
        hostPath: {path: /}
      containers:
      - name: agent
        image: agent
        securityContext:
          privileged: true
`,
		changes: []string{"privileged spec.template.spec.containers[name=agent].securityContext.privileged true->false"},
		remain:  []string{"hostPathVolumes"},
	}})
}

func TestNodeAgentProposal(t *testing.T) {
	src := `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: exporter
  namespace: monitoring
spec:
  template:
    spec:
      hostPID: true
      containers:
      - name: exporter
        image: exporter
        securityContext:
          privileged: true
`
	res, err := Fix("ds.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Workloads[0]
	if res.Changed || len(w.Changes) > 0 {
		t.Errorf("node agent changed: %+v", w.Changes)
	}
	if len(w.Remaining) < 5 {
		t.Fatalf("remaining %+v: want every failing check", w.Remaining)
	}
	for _, r := range w.Remaining {
		if r.Proposal == nil || r.Proposal.Namespace != "monitoring" || r.Proposal.Level != "privileged" {
			t.Errorf("%s: proposal %+v, want monitoring/privileged", r.Check, r.Proposal)
		}
		if r.Line == 0 || r.Field == "" {
			t.Errorf("%s: no field/line: %+v", r.Check, r)
		}
	}
}
