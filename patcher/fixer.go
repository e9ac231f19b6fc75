package patcher

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A fixer rewrites one pod template so that one PSA check passes, with the
// least change, and returns what it changed. Fixers are pure mutations of the
// kyaml tree; patcher/yamledit writes them back in the file's style. There is
// one fixer per PSA check ID, each in fix_<checkID>.go, as the policy library
// has one check per file.
type fixer func(c *fixCtx) []Change

// fixers is the table of fixers, in the order they run. Order matters where
// fixes interact: allowPrivilegeEscalation runs last because the API server
// rejects allowPrivilegeEscalation=false on a container that stays privileged
// or keeps CAP_SYS_ADMIN, and runAsNonRoot runs after runAsUser so that its
// risk reflects the UID the container ends up with.
var fixers = []struct {
	check string
	fix   fixer
}{
	{"privileged", fixPrivileged},
	{"capabilities_baseline", fixCapabilitiesBaseline},
	{"capabilities_restricted", fixCapabilitiesRestricted},
	{"seLinuxOptions", fixSELinuxOptions},
	{"procMount", fixProcMount},
	{"procMount_restricted", fixProcMountRestricted},
	{"appArmorProfile", fixAppArmorProfile},
	{"seccompProfile_baseline", fixSeccompProfileBaseline},
	{"seccompProfile_restricted", fixSeccompProfileRestricted},
	{"hostProbesAndHostLifecycle", fixHostProbesAndHostLifecycle},
	{"runAsUser", fixRunAsUser},
	{"runAsNonRoot", fixRunAsNonRoot},
	{"allowPrivilegeEscalation", fixAllowPrivilegeEscalation},
}

// hasFixer reports whether a check has a fixer.
func hasFixer(check string) bool {
	for _, f := range fixers {
		if f.check == check {
			return true
		}
	}
	return false
}

// exemptByDefault are the checks whose fix would take away what the workload
// is for (the host's network, its files, its ports, its kernel settings):
// the engine proposes a namespace exemption instead.
var exemptByDefault = map[string]bool{
	"hostNamespaces":     true,
	"hostPathVolumes":    true,
	"restrictedVolumes":  true,
	"hostPorts":          true,
	"sysctls":            true,
	"windowsHostProcess": true,
}

// fixCtx is what a fixer works on.
type fixCtx struct {
	t         *target
	spec      *yaml.Node // the pod spec mapping
	meta      *yaml.Node // the template's metadata mapping, nil if absent
	j         *judge
	runAsUser int64
	// notes say, by check, why a fixer left something failing.
	notes map[string][]string
}

// note records why a fixer did not fix something.
func (c *fixCtx) note(check, format string, args ...any) {
	if c.notes == nil {
		c.notes = map[string][]string{}
	}
	c.notes[check] = append(c.notes[check], fmt.Sprintf(format, args...))
}

// windowsNote is the note of a fixer that leaves a Windows pod alone.
func (c *fixCtx) windowsNote(check string) {
	c.note(check, "the pod runs on Windows (os.name: windows), where the API server refuses this Linux setting")
}

// container is one container of the pod spec.
type container struct {
	node  *yaml.Node
	name  string
	field string // e.g. spec.template.spec.containers[name=api]
}

// containerLists are the pod spec fields that hold containers, in the order
// the policy library visits them.
var containerLists = []string{"initContainers", "containers", "ephemeralContainers"}

func (c *fixCtx) containers() []container {
	var out []container
	for _, list := range containerLists {
		_, seq := mapGet(c.spec, list)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for i, n := range seq.Content {
			if n.Kind != yaml.MappingNode {
				continue
			}
			name, _ := scalar(n, "name")
			out = append(out, container{node: n, name: name, field: joinField(c.t.specField(), list) + itemSelector(n, i)})
		}
	}
	return out
}

// windows reports whether the pod declares os.name: windows. The API server
// rejects Linux-only security fields on such pods, so fixers leave them alone.
func (c *fixCtx) windows() bool {
	s, _ := scalar(mapValue(c.spec, "os"), "name")
	return s == "windows"
}

// podSC returns the pod securityContext, created at the end of the pod spec
// (or in alphabetical position in a sorted spec) when absent.
func (c *fixCtx) podSC() *yaml.Node { return ensureMap(c.spec, "securityContext", nil) }

func (c *fixCtx) podSCField() string { return joinField(c.t.specField(), "securityContext") }

// containerAfter are the keys after which a new container securityContext
// goes: the container's identity (name and image) comes first, as a person
// writes it.
var containerAfter = []string{"name", "image", "imagePullPolicy"}

// sc returns the container's securityContext, created when absent.
func (ct container) sc() *yaml.Node { return ensureMap(ct.node, "securityContext", containerAfter) }

// scIfAny returns the container's securityContext mapping or nil.
func (ct container) scIfAny() *yaml.Node { return mapValue(ct.node, "securityContext") }

func (ct container) scField(sub string) string {
	return joinField(joinField(ct.field, "securityContext"), sub)
}

// value returns a scalar's value as a report value: bool, int64, string or nil.
func value(n *yaml.Node) any {
	if isNull(n) {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case yaml.NodeTagBool:
			if b, err := strconv.ParseBool(n.Value); err == nil {
				return b
			}
		case yaml.NodeTagInt:
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return i
			}
		}
		return n.Value
	case yaml.SequenceNode:
		return seqStrings(n)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = value(n.Content[i+1])
		}
		return m
	}
	return nil
}

// get returns the value node at key in m (nil if m or key is absent).
func get(m *yaml.Node, key string) *yaml.Node {
	_, v := mapGet(m, key)
	return v
}

// Risk levels.
const (
	riskLow    = "low"
	riskMedium = "medium"
	riskHigh   = "high"
)

// Advice repeated by the fixers that touch the user a container runs as.
const (
	confirmUser = "Confirm the image's user: docker inspect --format '{{.Config.User}}' IMAGE " +
		"(empty, root or 0 means it runs as root). Fix the image with `USER 65532:65532` in its Dockerfile, " +
		"or set a numeric securityContext.runAsUser."
)
