package patcher

import (
	"strings"
	"testing"
)

func TestFixRunAsNonRoot(t *testing.T) {
	runFixCases(t, []fixCase{{
		name: "set at pod level, explicit false changed",
		src: pod(`securityContext:
  seccompProfile: {type: RuntimeDefault}
containers:
- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
- name: b
  image: b
  securityContext:
    runAsNonRoot: false
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
`),
		changes: []string{
			"runAsNonRoot spec.securityContext.runAsNonRoot null->true",
			"runAsNonRoot spec.containers[name=b].securityContext.runAsNonRoot false->true",
		},
		values: map[string]string{
			"spec.securityContext.runAsNonRoot":                                "true",
			"spec.containers[name=a].securityContext.runAsNonRoot":             "<absent>",
			"spec.containers[name=b].securityContext.runAsNonRoot":             "true",
			"spec.securityContext.seccompProfile.type":                         "RuntimeDefault",
			"spec.containers[name=a].securityContext.allowPrivilegeEscalation": "false",
		},
	}, {
		name: "hostUsers false relaxes it (v1.35+)",
		src: pod(`hostUsers: false
securityContext:
  seccompProfile: {type: RuntimeDefault}
containers:
- name: a
  image: a
  securityContext:
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
`),
	}})
}

func TestRunAsNonRootRisk(t *testing.T) {
	for _, tc := range []struct {
		name, sc, risk string
	}{
		{"uid from the image", "", riskHigh},
		{"numeric uid set", "  runAsUser: 1000\n", riskLow},
		{"uid 0 replaced first", "  runAsUser: 0\n", riskLow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := pod("securityContext:\n" + tc.sc + "  seccompProfile: {type: RuntimeDefault}\ncontainers:\n- name: a\n  image: a\n  securityContext:\n    allowPrivilegeEscalation: false\n    capabilities: {drop: [ALL]}\n")
			res, err := Fix("p.yaml", []byte(src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range res.Workloads[0].Changes {
				if c.Check == "runAsNonRoot" {
					found = true
					if c.Risk != tc.risk {
						t.Errorf("risk %s, want %s", c.Risk, tc.risk)
					}
					if tc.risk == riskHigh && !strings.Contains(c.Test, "docker inspect") {
						t.Errorf("high-risk change does not say how to confirm the image user: %s", c.Test)
					}
				}
			}
			if !found {
				t.Error("no runAsNonRoot change")
			}
		})
	}
}
