package patcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// podTemplate is the API shape of a pod template: what admission sees.
type podTemplate struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     corev1.PodSpec    `json:"spec"`
}

// fieldError is a value of the wrong type in a manifest, with the line of the
// offending node.
type fieldError struct {
	Field string
	Line  int
	Msg   string
}

func (e *fieldError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// toPod converts a pod template node (a mapping with metadata and spec) to the
// API types, as the API server would decode it: YAML to JSON, then a
// case-sensitive JSON decode. It then applies the API server's defaulting that
// matters to admission. Aliases are expanded by the YAML decoder, which refuses
// excessive aliasing ("billion laughs").
func toPod(tmpl *yaml.Node, prefix string) (*podTemplate, error) {
	var v any
	if err := tmpl.Decode(&v); err != nil {
		return nil, &fieldError{Field: prefix, Line: tmpl.Line, Msg: err.Error()}
	}
	return valueToPod(v, tmpl, prefix)
}

// toPodFrom is toPod for a template at prefix in a document already decoded
// (doc, the whole document as checkDecodes returned it): the template's value
// is taken from doc rather than decoded again. Without doc, or when prefix
// does not lead to a mapping in it, it decodes tmpl.
func toPodFrom(doc any, tmpl *yaml.Node, prefix string) (*podTemplate, error) {
	if v, ok := valueAt(doc, prefix); ok {
		return valueToPod(v, tmpl, prefix)
	}
	return toPod(tmpl, prefix)
}

// valueAt follows a field path of keys and [index] selectors (a target's
// prefix, such as items[2].spec.template) through a decoded document, and
// returns the mapping it leads to.
func valueAt(v any, path string) (any, bool) {
	if v == nil {
		return nil, false
	}
	for path != "" {
		if strings.HasPrefix(path, "[") {
			end := strings.IndexByte(path, ']')
			seq, ok := v.([]any)
			if end < 0 || !ok {
				return nil, false
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil || i < 0 || i >= len(seq) {
				return nil, false
			}
			v, path = seq[i], strings.TrimPrefix(path[end+1:], ".")
			continue
		}
		key, rest := path, ""
		if j := strings.IndexAny(path, ".["); j >= 0 {
			key, rest = path[:j], strings.TrimPrefix(path[j:], ".")
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
		path = rest
	}
	switch v.(type) {
	case map[string]any, map[any]any:
		return v, true
	}
	return nil, false
}

// valueToPod converts a decoded template (see toPod).
func valueToPod(v any, tmpl *yaml.Node, prefix string) (*podTemplate, error) {
	v, err := jsonable(v)
	if err != nil {
		return nil, &fieldError{Field: prefix, Line: tmpl.Line, Msg: err.Error()}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &fieldError{Field: prefix, Line: tmpl.Line, Msg: err.Error()}
	}
	var pt podTemplate
	if err := utiljson.Unmarshal(b, &pt); err != nil {
		return nil, locateTypeError(tmpl, prefix, err)
	}
	defaultPod(&pt.Spec)
	return &pt, nil
}

// defaultPod applies the defaulting the API server does before admission that
// changes what the checks see:
//   - a volume with no source is an emptyDir (SetDefaults_Volume);
//   - in a pod on the host network, every port of every container and init
//     container without a hostPort gets hostPort = containerPort
//     (SetDefaults_Pod → defaultHostNetworkPorts in k8s.io/kubernetes
//     pkg/apis/core/v1/defaults.go). Since v1.28 the API server no longer does
//     this to the pod templates of Deployments and the like (feature gate
//     DefaultHostNetworkHostPortsInPodTemplates, off by default), but it still
//     does it to every Pod their controllers create, and those Pods are what
//     Pod Security enforces. So an ingress controller on hostNetwork with
//     containerPort 80 fails hostPorts as well as hostNamespaces, and the
//     report says so rather than promising a namespace level that would still
//     reject its pods. Ephemeral containers may not declare ports and are not
//     defaulted.
func defaultPod(spec *corev1.PodSpec) {
	for i := range spec.Volumes {
		vs := &spec.Volumes[i].VolumeSource
		if (*vs == corev1.VolumeSource{}) {
			vs.EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	if spec.HostNetwork {
		defaultHostNetworkPorts(spec.Containers)
		defaultHostNetworkPorts(spec.InitContainers)
	}
}

// defaultHostNetworkPorts sets hostPort to containerPort where it is unset,
// as the API server does for pods on the host network.
func defaultHostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if p := &cs[i].Ports[j]; p.HostPort == 0 {
				p.HostPort = p.ContainerPort
			}
		}
	}
}

// jsonable turns the YAML decoder's output into values encoding/json accepts:
// only string keys.
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("mapping key %v is not a string", k)
			}
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			m[ks] = c
		}
		return m, nil
	case []any:
		for i, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	}
	return v, nil
}

var typeErrorField = regexp.MustCompile(`Go struct field [^.\s]*\.(\S+) of type (\S+)`)

// locateTypeError turns a JSON decode error into a fieldError naming the
// field and the line of the offending YAML node.
func locateTypeError(tmpl *yaml.Node, prefix string, err error) error {
	msg := err.Error()
	m := typeErrorField.FindStringSubmatch(msg)
	if m == nil {
		return &fieldError{Field: prefix, Line: tmpl.Line, Msg: msg}
	}
	path := strings.Split(m[1], ".")
	n, field := findByKeys(tmpl, path, prefix)
	line := tmpl.Line
	if n != nil {
		line = n.Line
	}
	desc := "invalid value"
	if n != nil && n.Kind == yaml.ScalarNode {
		desc = fmt.Sprintf("invalid value %q", n.Value)
	}
	return &fieldError{Field: field, Line: line, Msg: fmt.Sprintf("%s: want %s", desc, m[2])}
}

// findByKeys follows JSON field names through n; sequences are searched item
// by item. It returns the deepest node found and a readable field path.
func findByKeys(n *yaml.Node, keys []string, prefix string) (*yaml.Node, string) {
	if len(keys) == 0 {
		return n, prefix
	}
	switch n.Kind {
	case yaml.MappingNode:
		_, v := mapGet(n, keys[0])
		if v == nil && keys[0] != "" && keys[0][0] >= 'A' && keys[0][0] <= 'Z' {
			// An embedded (inline) Go struct, such as VolumeSource: not a key.
			return findByKeys(n, keys[1:], prefix)
		}
		if v == nil {
			return n, prefix
		}
		return findByKeys(v, keys[1:], joinField(prefix, keys[0]))
	case yaml.SequenceNode:
		for i, item := range n.Content {
			if item.Kind != yaml.MappingNode {
				continue
			}
			if m, _ := findByKeys(item, keys, ""); m != item {
				return findByKeys(item, keys, prefix+itemSelector(item, i))
			}
		}
	}
	return n, prefix
}

func joinField(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// itemSelector is the field-path selector of a sequence item: [name=x] when
// the item has a name, else its index.
func itemSelector(item *yaml.Node, i int) string {
	if item.Kind == yaml.MappingNode {
		if _, v := mapGet(item, "name"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
			return "[name=" + v.Value + "]"
		}
	}
	return fmt.Sprintf("[%d]", i)
}

var yamlErrorLine = regexp.MustCompile(`line (\d+): (.*)`)

// checkDecodes decodes a whole document as the API client would, to refuse
// what it would refuse: duplicate keys (which value would win is anyone's
// guess) and excessive aliasing. It returns the decoded document.
func checkDecodes(root *yaml.Node) (any, error) {
	if root == nil {
		return nil, nil
	}
	var v any
	err := root.Decode(&v)
	if err == nil {
		return v, nil
	}
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg := m[2]
		if strings.Contains(msg, "already defined") {
			msg = "duplicate key: " + msg
		}
		return nil, &fieldError{Line: line, Msg: msg}
	}
	return nil, &fieldError{Line: root.Line, Msg: strings.TrimPrefix(msg, "yaml: ")}
}
