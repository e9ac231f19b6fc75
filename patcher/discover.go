package patcher

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// builtinKinds maps the workload kinds the engine knows to the dotted path of
// their pod template ("" for a Pod, which is its own template).
var builtinKinds = map[string]string{
	"Pod":                   "",
	"PodTemplate":           "template",
	"Deployment":            "spec.template",
	"StatefulSet":           "spec.template",
	"DaemonSet":             "spec.template",
	"ReplicaSet":            "spec.template",
	"ReplicationController": "spec.template",
	"Job":                   "spec.template",
	"CronJob":               "spec.jobTemplate.spec.template", // batch/v1 and batch/v1beta1
	"Rollout":               "spec.template",                  // Argo Rollouts
}

// target is one pod template found in a file.
type target struct {
	doc       int
	item      int // index in a List's items, -1 otherwise
	kind      string
	name      string
	namespace string
	line      int
	obj       *yaml.Node // the object: document root or List item
	tmpl      *yaml.Node // the pod template mapping (metadata + spec)
	prefix    string     // field path of tmpl within the document
	// partial, when set, says why the template is not evaluated.
	partial string
}

// specField is the field path of the template's pod spec.
func (t *target) specField() string { return joinField(t.prefix, "spec") }

// docRoot returns the top node of a document, nil when the document is empty.
func docRoot(rn *yaml.RNode) *yaml.Node {
	if rn == nil {
		return nil
	}
	n := rn.Document()
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		n = n.Content[0]
	}
	if isNull(n) {
		return nil
	}
	return n
}

// isKustomization reports whether a file is a kustomize kustomization, by
// name or by kind. Such files list resources and patches; they are never
// workloads themselves.
func isKustomization(filePath string, roots []*yaml.Node) bool {
	switch path.Base(strings.ReplaceAll(filePath, "\\", "/")) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	for _, r := range roots {
		if r == nil || r.Kind != yaml.MappingNode {
			continue
		}
		kind, _ := scalar(r, "kind")
		api, _ := scalar(r, "apiVersion")
		if (kind == "Kustomization" || kind == "Component") && strings.HasPrefix(api, "kustomize.config.k8s.io/") {
			return true
		}
	}
	return false
}

// discover finds the pod templates of one document.
func discover(doc int, root *yaml.Node, kinds map[string]string) ([]*target, error) {
	if root == nil {
		return nil, nil
	}
	if isJSONPatch(root) {
		return nil, nil // a kustomize JSON 6902 patch: not an object
	}
	if root.Kind != yaml.MappingNode {
		what := "a sequence"
		if root.Kind == yaml.ScalarNode {
			what = "a scalar"
		} else if root.Kind == yaml.AliasNode {
			what = "an alias"
		}
		return nil, &fieldError{Line: root.Line, Msg: fmt.Sprintf("document %d is %s, not a Kubernetes object", doc, what)}
	}
	kind, _ := scalar(root, "kind")
	if _, items := mapGet(root, "items"); items != nil && items.Kind == yaml.SequenceNode && (kind == "List" || strings.HasSuffix(kind, "List")) {
		var out []*target
		for i, it := range items.Content {
			if it.Kind != yaml.MappingNode {
				continue
			}
			t := workloadOf(doc, it, kinds, fmt.Sprintf("items[%d]", i))
			if t != nil {
				t.item = i
				out = append(out, t)
			}
		}
		return out, nil
	}
	if t := workloadOf(doc, root, kinds, ""); t != nil {
		return []*target{t}, nil
	}
	return nil, nil
}

func workloadOf(doc int, obj *yaml.Node, kinds map[string]string, objPrefix string) *target {
	kind, _ := scalar(obj, "kind")
	tpath, ok := kinds[kind]
	if !ok {
		return nil
	}
	t := &target{doc: doc, item: -1, kind: kind, obj: obj}
	if kn, _ := mapGet(obj, "kind"); kn != nil {
		t.line = kn.Line
	}
	if md := mapValue(obj, "metadata"); md != nil {
		t.name, _ = scalar(md, "name")
		t.namespace, _ = scalar(md, "namespace")
	}
	tmpl := obj
	prefix := objPrefix
	if tpath != "" {
		for _, k := range strings.Split(tpath, ".") {
			tmpl = mapValue(tmpl, k)
			prefix = joinField(prefix, k)
			if tmpl == nil {
				break
			}
		}
	}
	t.prefix = prefix
	if tmpl == nil {
		t.partial = "no pod template at " + joinField(objPrefix, tpath) + ": nothing to evaluate"
		return t
	}
	t.tmpl = tmpl
	t.partial = partialReason(tmpl)
	return t
}

// partialReason says why a template is not a whole pod template: a kustomize
// strategic-merge patch or an overlay carries only the fields it changes.
// Such templates are left alone: "fixing" them would add security settings to
// a fragment whose base is where they belong (and is fixed on its own).
func partialReason(tmpl *yaml.Node) string {
	spec := mapValue(tmpl, "spec")
	if spec == nil {
		return "pod template has no spec (a patch or overlay?): not evaluated"
	}
	_, cs := mapGet(spec, "containers")
	if cs == nil || cs.Kind != yaml.SequenceNode || len(cs.Content) == 0 {
		return "pod template has no containers (a patch or overlay?): not evaluated"
	}
	for _, c := range cs.Content {
		if c.Kind != yaml.MappingNode {
			continue
		}
		if _, img := mapGet(c, "image"); img == nil {
			return "a container has no image (a patch or overlay?): not evaluated"
		}
	}
	return ""
}

// kindsFor merges the built-in workload kinds with configured ones.
func kindsFor(extra map[string]string) map[string]string {
	out := make(map[string]string, len(builtinKinds)+len(extra))
	for k, v := range builtinKinds {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = strings.Trim(v, ".")
	}
	return out
}

// sortedKeys is for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isJSONPatch reports whether a document is a JSON patch (RFC 6902), as
// kustomize patch files hold: a sequence of {op, path, ...} operations.
func isJSONPatch(root *yaml.Node) bool {
	if root == nil || root.Kind != yaml.SequenceNode || len(root.Content) == 0 {
		return false
	}
	for _, op := range root.Content {
		if _, ok := scalar(op, "op"); !ok {
			return false
		}
		if _, ok := scalar(op, "path"); !ok {
			return false
		}
	}
	return true
}
