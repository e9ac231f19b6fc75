package patcher

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// hardenReadOnlyRootFilesystem is opt-in hardening that no Pod Security level
// requires (Options.ReadOnlyRootFilesystem): readOnlyRootFilesystem: true on
// every container and init container, with a writable emptyDir at /tmp where
// the container has no mount there, since nearly every program writes
// temporary files.
func hardenReadOnlyRootFilesystem(c *fixCtx) []Change {
	const check = "readOnlyRootFilesystem"
	if c.windows() {
		return nil
	}
	var out []Change
	tmpVolume := ""
	for _, ct := range c.containers() {
		if isEphemeral(ct) {
			continue
		}
		if b, ok := boolValue(ct.scIfAny(), check); ok && b {
			continue
		}
		before := value(get(ct.scIfAny(), check))
		setScalar(ct.sc(), check, boolNode(true), nil)
		out = append(out, Change{
			Check:     check,
			Container: ct.name,
			Field:     ct.scField(check),
			Before:    before,
			After:     true,
			Risk:      riskMedium,
			Why: "Opt-in hardening, not required by Pod Security: a read-only root filesystem stops an intruder from " +
				"changing the container's binaries and configuration.",
			Test: "Exercise every path that writes files: caches, uploads, PID and lock files, logs written to files. " +
				"Each place written outside /tmp needs its own emptyDir volume.",
		})
		if mountsAt(ct.node, "/tmp") {
			continue
		}
		if tmpVolume == "" {
			tmpVolume = c.ensureTmpVolume(&out)
		}
		mounts := get(ct.node, "volumeMounts")
		if mounts == nil || mounts.Kind != yaml.SequenceNode {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
			if mounts != nil {
				*mounts = *seq
			} else {
				insertKey(ct.node, "volumeMounts", seq, nil)
			}
			mounts = seq
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
		insertKey(m, "name", strNode(tmpVolume), nil)
		insertKey(m, "mountPath", strNode("/tmp"), nil)
		mounts.Content = append(mounts.Content, m)
		out = append(out, Change{
			Check:     check,
			Container: ct.name,
			Field:     joinField(ct.field, "volumeMounts") + "[name=" + tmpVolume + "]",
			Before:    nil,
			After:     map[string]any{"name": tmpVolume, "mountPath": "/tmp"},
			Risk:      riskLow,
			Why:       "A writable emptyDir at /tmp, so that temporary files still work on a read-only root filesystem.",
			Test:      "Check that the container starts; /tmp is now empty at start and lost on restart.",
		})
	}
	return out
}

func isEphemeral(ct container) bool { return strings.Contains(ct.field, ".ephemeralContainers[") }

// mountsAt reports whether a container mounts a volume at path.
func mountsAt(ctr *yaml.Node, path string) bool {
	mounts := get(ctr, "volumeMounts")
	if mounts == nil {
		return false
	}
	for _, m := range mounts.Content {
		if p, _ := scalar(m, "mountPath"); p == path || p == path+"/" {
			return true
		}
	}
	return false
}

// ensureTmpVolume returns the name of an emptyDir volume for /tmp, adding one
// to the pod spec when there is none.
func (c *fixCtx) ensureTmpVolume(out *[]Change) string {
	vols := get(c.spec, "volumes")
	taken := map[string]bool{}
	if vols != nil && vols.Kind == yaml.SequenceNode {
		for _, v := range vols.Content {
			name, _ := scalar(v, "name")
			taken[name] = true
			if name == "tmp" && mapValue(v, "emptyDir") != nil {
				return name
			}
		}
	}
	name := "tmp"
	for i := 2; taken[name]; i++ {
		name = "tmp-" + strconv.Itoa(i)
	}
	if vols == nil || vols.Kind != yaml.SequenceNode {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
		if vols != nil {
			*vols = *seq
		} else {
			insertKey(c.spec, "volumes", seq, nil)
		}
		vols = seq
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	insertKey(v, "name", strNode(name), nil)
	insertKey(v, "emptyDir", &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Style: yaml.FlowStyle}, nil)
	vols.Content = append(vols.Content, v)
	*out = append(*out, Change{
		Check:  "readOnlyRootFilesystem",
		Field:  joinField(c.t.specField(), "volumes") + "[name=" + name + "]",
		Before: nil,
		After:  map[string]any{"name": name, "emptyDir": map[string]any{}},
		Risk:   riskLow,
		Why:    "The emptyDir volume that gives containers a writable /tmp.",
		Test:   "Nothing beyond the read-only root filesystem test.",
	})
	return name
}
