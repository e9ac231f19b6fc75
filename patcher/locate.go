package patcher

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// locate names the field that makes check fail in a target, for reports and
// SARIF. For a check with a fixer, it is the first field the fixer would
// change (run on a copy of the template); otherwise the field the check reads.
// It falls back to the pod spec. pod, when not nil, is the template as last
// decoded (it saves decoding it again).
func locate(t *target, check string, j *judge, runAsUser int64, pod *podTemplate) string {
	if t.tmpl == nil {
		return t.prefix
	}
	spec := mapValue(t.tmpl, "spec")
	for _, fx := range fixers {
		if fx.check != check {
			continue
		}
		cp := *t
		cp.tmpl = yaml.CopyYNode(t.tmpl)
		c := &fixCtx{t: &cp, spec: mapValue(cp.tmpl, "spec"), meta: mapValue(cp.tmpl, "metadata"), j: j, runAsUser: runAsUser}
		if chs := fx.fix(c); len(chs) > 0 {
			return chs[0].Field
		}
	}
	c := &fixCtx{t: t, spec: spec, meta: mapValue(t.tmpl, "metadata"), j: j}
	specField := t.specField()
	switch check {
	case "hostNamespaces":
		for _, k := range []string{"hostNetwork", "hostPID", "hostIPC"} {
			if b, _ := boolValue(spec, k); b {
				return joinField(specField, k)
			}
		}
	case "hostPathVolumes", "restrictedVolumes":
		if f := locateVolume(t, spec, check, j, pod); f != "" {
			return f
		}
	case "hostPorts":
		// A port without a hostPort fails too on the host network, where the
		// API server defaults hostPort to containerPort (see defaultPod): it
		// is located at its containerPort.
		hostNet, _ := boolValue(spec, "hostNetwork")
		for _, ct := range c.containers() {
			_, ports := mapGet(ct.node, "ports")
			if ports == nil || ports.Kind != yaml.SequenceNode {
				continue
			}
			for i, p := range ports.Content {
				if v, _ := value(get(p, "hostPort")).(int64); v != 0 {
					return fmt.Sprintf("%s.ports[%d].hostPort", ct.field, i)
				}
				if v, _ := value(get(p, "containerPort")).(int64); v != 0 && hostNet {
					return fmt.Sprintf("%s.ports[%d].containerPort", ct.field, i)
				}
			}
		}
	case "sysctls":
		if get(mapValue(spec, "securityContext"), "sysctls") != nil {
			return joinField(c.podSCField(), "sysctls")
		}
	case "windowsHostProcess":
		if b, _ := boolValue(mapValue(mapValue(spec, "securityContext"), "windowsOptions"), "hostProcess"); b {
			return joinField(c.podSCField(), "windowsOptions.hostProcess")
		}
		for _, ct := range c.containers() {
			if b, _ := boolValue(mapValue(ct.scIfAny(), "windowsOptions"), "hostProcess"); b {
				return ct.scField("windowsOptions.hostProcess")
			}
		}
	case "capabilities_restricted", "capabilities_baseline":
		for _, ct := range c.containers() {
			drops := false
			for _, d := range seqStrings(get(mapValue(ct.scIfAny(), "capabilities"), "drop")) {
				drops = drops || d == "ALL"
			}
			if !drops || len(seqStrings(get(mapValue(ct.scIfAny(), "capabilities"), "add"))) > 0 {
				return ct.scField("capabilities")
			}
		}
	case "privileged", "allowPrivilegeEscalation":
		for _, ct := range c.containers() {
			if b, _ := boolValue(ct.scIfAny(), "privileged"); b {
				return ct.scField("privileged")
			}
		}
	}
	return specField
}

// locateVolume finds the first volume the check refuses, asking the check
// about each volume on its own.
func locateVolume(t *target, spec *yaml.Node, check string, j *judge, pod *podTemplate) string {
	if pod == nil {
		var err error
		if pod, err = toPod(t.tmpl, t.prefix); err != nil {
			return ""
		}
	}
	_, vols := mapGet(spec, "volumes")
	if vols == nil || vols.Kind != yaml.SequenceNode || len(vols.Content) != len(pod.Spec.Volumes) {
		return ""
	}
	for i, v := range pod.Spec.Volumes {
		if !j.allows(check, nil, &corev1.PodSpec{Volumes: []corev1.Volume{v}, Containers: []corev1.Container{{Name: "c"}}}) {
			return joinField(t.specField(), "volumes") + itemSelector(vols.Content[i], i)
		}
	}
	return ""
}
