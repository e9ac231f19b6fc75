package patcher

import (
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/patcher/yamledit"
)

// TestVerifyRefuses checks Fix's last safety net: the rendered output is
// evaluated again and must fail on exactly the reported remaining checks.
func TestVerifyRefuses(t *testing.T) {
	src := []byte(pod("containers:\n- name: a\n  image: a\n"))
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	prepare := func() (*parsed, []*state) {
		p, err := e.load("p.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		states, err := e.evaluate("p.yaml", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			e.fixTarget(s)
			s.w.Remaining = []Remaining{}
		}
		return p, states
	}

	// The fixed output passes: verify accepts it.
	p, states := prepare()
	out, docs, err := p.file.RenderParsed()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.verify("p.yaml", out, docs, p, states); err != nil {
		t.Fatalf("verify(fixed output) = %v", err)
	}

	// Documents that do not pass (the unfixed input) while nothing is
	// reported remaining: refused.
	p, states = prepare()
	orig, err := yamledit.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	err = e.verify("p.yaml", src, orig.Docs(), p, states)
	if err == nil || !strings.Contains(err.Error(), "does not check out") {
		t.Errorf("verify(unfixed documents) = %v, want a refusal", err)
	}

	// A different number of documents: refused.
	p, states = prepare()
	two, err := yamledit.Parse(append(append([]byte{}, out...), "---\na: 1\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.verify("p.yaml", out, two.Docs(), p, states); err == nil {
		t.Errorf("verify accepted an extra document")
	}
}
