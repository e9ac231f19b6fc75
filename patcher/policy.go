package patcher

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// judge evaluates pod templates with the official Pod Security Admission
// library at one level and version, and names each failure by the library's
// own check ID.
//
// The verdict comes from policy.Evaluator.EvaluatePod, the code the API server
// runs. The library returns one CheckResult per active check, in the order
// "baseline IDs sorted, then restricted IDs sorted" (policy/registry.go); judge
// computes the same list of active IDs from policy.DefaultChecks() and zips the
// two. A length mismatch (a library change judge does not understand) is an
// error rather than a guess.
type judge struct {
	eval    policy.Evaluator
	lv      api.LevelVersion
	version string // concrete version, "v1.N" (latest resolved)
	active  []string
	levelOf map[string]api.Level
	// fns holds, by check ID, the revision of every check that applies at
	// the version (whatever the level), for fixers to ask the library whether
	// a single value is allowed.
	fns map[string]policy.CheckPodFn
}

// failure is one failing check.
type failure struct {
	Check  string
	Reason string
	Detail string
}

func (f failure) why() string {
	if f.Detail == "" {
		return f.Reason
	}
	return f.Reason + " (" + f.Detail + ")"
}

func newJudge(level, version string) (*judge, error) {
	if level == "" {
		level = string(api.LevelRestricted)
	}
	if version == "" {
		version = "latest"
	}
	lvl, err := api.ParseLevel(level)
	if err != nil || (lvl != api.LevelBaseline && lvl != api.LevelRestricted) {
		return nil, fmt.Errorf("invalid level %q: want \"restricted\" or \"baseline\"", level)
	}
	ver, err := api.ParseVersion(version)
	if err != nil {
		return nil, fmt.Errorf("invalid version %q: want \"latest\" or \"v1.N\"", version)
	}
	checks := policy.DefaultChecks()
	eval, err := policy.NewEvaluator(checks, nil)
	if err != nil {
		return nil, fmt.Errorf("pod security policy: %w", err)
	}

	// The newest policy version any check knows; "latest" and anything newer
	// evaluate as that version, exactly as the registry clamps it.
	maxVer := api.MajorMinorVersion(1, 0)
	for _, c := range checks {
		if v := c.Versions[len(c.Versions)-1].MinimumVersion; maxVer.Older(v) {
			maxVer = v
		}
	}
	if ver.Latest() || maxVer.Older(ver) {
		ver = maxVer
	}

	j := &judge{
		eval:    eval,
		lv:      api.LevelVersion{Level: lvl, Version: ver},
		version: ver.String(),
		levelOf: map[string]api.Level{},
		fns:     map[string]policy.CheckPodFn{},
	}
	var baseline, restricted []string
	overridden := map[string]bool{}
	for _, c := range checks {
		j.levelOf[string(c.ID)] = c.Level
		vc, ok := versionedCheck(c, ver)
		if !ok {
			continue
		}
		j.fns[string(c.ID)] = vc.CheckPod
		if c.Level == api.LevelRestricted {
			if lvl != api.LevelRestricted {
				continue
			}
			restricted = append(restricted, string(c.ID))
			for _, o := range vc.OverrideCheckIDs {
				overridden[string(o)] = true
			}
		} else {
			baseline = append(baseline, string(c.ID))
		}
	}
	sort.Strings(baseline)
	sort.Strings(restricted)
	for _, id := range baseline {
		if !overridden[id] {
			j.active = append(j.active, id)
		}
	}
	j.active = append(j.active, restricted...)
	return j, nil
}

// versionedCheck returns the revision of c that applies at version v.
func versionedCheck(c policy.Check, v api.Version) (policy.VersionedCheck, bool) {
	var found policy.VersionedCheck
	ok := false
	for _, vc := range c.Versions {
		if v.Older(vc.MinimumVersion) {
			break
		}
		found, ok = vc, true
	}
	return found, ok
}

// isActive reports whether check id is evaluated at the judge's level and version.
func (j *judge) isActive(id string) bool {
	for _, a := range j.active {
		if a == id {
			return true
		}
	}
	return false
}

// knownCheck reports whether id is a check of policy.DefaultChecks().
func (j *judge) knownCheck(id string) bool {
	_, ok := j.levelOf[id]
	return ok
}

// evaluate returns the failing checks, in the library's order.
func (j *judge) evaluate(meta *metav1.ObjectMeta, spec *corev1.PodSpec) ([]failure, error) {
	results := j.eval.EvaluatePod(j.lv, meta, spec)
	if len(results) != len(j.active) {
		return nil, fmt.Errorf("pod security library returned %d results for %d checks at %s", len(results), len(j.active), j.lv.String())
	}
	var out []failure
	for i, r := range results {
		if r.Allowed {
			continue
		}
		out = append(out, failure{Check: j.active[i], Reason: r.ForbiddenReason, Detail: r.ForbiddenDetail})
	}
	return out, nil
}

// allows asks check id, at the judge's version, whether a pod is allowed. The
// fixers use it on a minimal pod holding one value to learn whether that value
// is allowed, so that the policy's lists (capabilities, SELinux types, seccomp
// and AppArmor profiles) are never copied here. A check that does not exist at
// the version allows everything.
func (j *judge) allows(id string, meta *metav1.ObjectMeta, spec *corev1.PodSpec) bool {
	fn, ok := j.fns[id]
	if !ok {
		return true
	}
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	return fn(meta, spec).Allowed
}
