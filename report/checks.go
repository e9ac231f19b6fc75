package report

import (
	"sort"

	"k8s.io/pod-security-admission/policy"
)

// checkDoc describes one Pod Security Admission check for people: the SARIF
// rules and the text report use it.
type checkDoc struct {
	// Title is a short description of what the check forbids.
	Title string
	// Help says what to do about a failure.
	Help string
	// Severity is GitHub code scanning's security-severity (0.1-10).
	Severity string
}

// checkDocs is keyed by the check IDs of k8s.io/pod-security-admission.
var checkDocs = map[string]checkDoc{
	"allowPrivilegeEscalation": {
		"Containers must set allowPrivilegeEscalation: false",
		"Set securityContext.allowPrivilegeEscalation: false on every container (init and ephemeral included). This stops set-user-ID binaries from gaining privileges; it rarely breaks an application. pss-bot fix does it.",
		"6.0"},
	"appArmorProfile": {
		"AppArmor must not be disabled (Unconfined)",
		"Remove the Unconfined AppArmor profile (securityContext.appArmorProfile or the container.apparmor.security.beta.kubernetes.io annotation) or set it to RuntimeDefault. pss-bot fix does it.",
		"6.0"},
	"capabilities_baseline": {
		"Containers must not add capabilities beyond the default set",
		"Remove capabilities.add entries outside the runtime's default set (NET_RAW, SYS_ADMIN, ALL, ...). If the workload truly needs them, run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"8.0"},
	"capabilities_restricted": {
		"Containers must drop ALL capabilities and may only add NET_BIND_SERVICE",
		"Set securityContext.capabilities.drop: [ALL] and keep at most NET_BIND_SERVICE in capabilities.add (needed to bind ports below 1024 as non-root). pss-bot fix does it and says which added capability it removed.",
		"6.0"},
	"hostNamespaces": {
		"Pods must not share the host's network, PID or IPC namespace",
		"hostNetwork, hostPID and hostIPC give a pod the node's namespaces. An ordinary application should not use them; a node agent or an ingress controller may need them: run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged, rolled out audit, then warn, then enforce.",
		"8.0"},
	"hostPathVolumes": {
		"Pods must not mount hostPath volumes",
		"A hostPath volume exposes the node's filesystem. Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead; a node agent that reads /proc or /sys may need it: run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"8.0"},
	"hostPorts": {
		"Containers must not use hostPort",
		"Remove ports[*].hostPort and reach the pod through a Service. Workloads that must listen on the node need a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"5.0"},
	"hostProbesAndHostLifecycle": {
		"Probes and lifecycle handlers must not set host",
		"Remove the host field from httpGet/tcpSocket probes and lifecycle handlers; they then target the pod itself. pss-bot fix does it.",
		"4.0"},
	"privileged": {
		"Containers must not run privileged",
		"Remove securityContext.privileged: true (or set it to false). A privileged container has full access to the node. Test the workload afterwards; if it really needs the node (a CNI or storage driver), run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"9.0"},
	"procMount": {
		"Containers must use the default /proc mount",
		"Remove securityContext.procMount or set it to Default, unless the pod runs in a user namespace (hostUsers: false). pss-bot fix does it.",
		"6.0"},
	"procMount_restricted": {
		"Containers must use the default /proc mount",
		"Remove securityContext.procMount or set it to Default. pss-bot fix does it.",
		"5.0"},
	"restrictedVolumes": {
		"Pods may only use the volume types allowed by restricted",
		"Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes. Other types need a namespace labelled pod-security.kubernetes.io/enforce: baseline (or privileged for hostPath).",
		"5.0"},
	"runAsNonRoot": {
		"Containers must run as a non-root user",
		"Set securityContext.runAsNonRoot: true at pod level. Check the image's USER (docker image inspect -f '{{.Config.User}}' IMAGE): if it is root or empty, add a USER line with a numeric UID to the Dockerfile, or set runAsUser. pss-bot fix sets runAsNonRoot and states the risk.",
		"7.0"},
	"runAsUser": {
		"Containers must not run as UID 0",
		"Replace runAsUser: 0 with a non-root UID (pss-bot uses 65532, distroless's nonroot, unless told otherwise) and make sure the files the process writes are writable by that UID.",
		"7.0"},
	"seLinuxOptions": {
		"SELinux type, user and role must not be customised",
		"Remove seLinuxOptions.user and .role, and any type other than container_t, container_init_t, container_kvm_t or container_engine_t (spc_t disables SELinux confinement). pss-bot fix does it.",
		"8.0"},
	"seccompProfile_baseline": {
		"Seccomp must not be disabled (Unconfined)",
		"Remove seccompProfile.type: Unconfined or change it to RuntimeDefault. pss-bot fix does it.",
		"6.0"},
	"seccompProfile_restricted": {
		"Pods must set a seccomp profile (RuntimeDefault or Localhost)",
		"Set spec.securityContext.seccompProfile.type: RuntimeDefault at pod level. It filters rarely used system calls and seldom breaks an application; test it. pss-bot fix does it.",
		"5.0"},
	"sysctls": {
		"Pods may only set safe sysctls",
		"Remove spec.securityContext.sysctls outside the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, ...), or run the workload in a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"6.0"},
	"windowsHostProcess": {
		"Windows pods must not run as HostProcess",
		"Remove windowsOptions.hostProcess: true. A HostProcess container has full access to the Windows node; a node agent that needs it belongs in a namespace labelled pod-security.kubernetes.io/enforce: privileged.",
		"9.0"},
}

// docFor returns the documentation of a check, with a generic text for a
// check this version of pss-bot does not know.
func docFor(id string) checkDoc {
	if d, ok := checkDocs[id]; ok {
		return d
	}
	return checkDoc{
		Title:    "Pod Security Standards check " + id,
		Help:     "The workload fails the Pod Security Admission check " + id + ".",
		Severity: "5.0",
	}
}

// checkIDs returns the IDs of every check of the official policy, sorted.
func checkIDs() []string {
	var ids []string
	for _, c := range policy.DefaultChecks() {
		ids = append(ids, string(c.ID))
	}
	sort.Strings(ids)
	return ids
}
