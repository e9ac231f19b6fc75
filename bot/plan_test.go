package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/patcher"
)

func TestMetaRoundTrip(t *testing.T) {
	m := Meta{Hash: "abc", Base: "0123456789", Head: "fedcba", Refused: []string{"h1", "h2"},
		Fixed: map[string]int{"runAsNonRoot": 2}, Remaining: map[string]int{"hostNamespaces": 1}}
	body := "Some text\n\n" + EncodeMeta(m) + "\n"
	got, ok, err := ParseMeta(body)
	if err != nil || !ok {
		t.Fatalf("ParseMeta: ok=%v err=%v", ok, err)
	}
	m.V = MetaVersion
	if !reflect.DeepEqual(got, m) {
		t.Errorf("got %+v, want %+v", got, m)
	}
	if !strings.HasPrefix(EncodeMeta(m), "<!-- pss-bot:meta {\"v\":1,") {
		t.Errorf("unexpected block %s", EncodeMeta(m))
	}
}

func TestParseMeta(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		ok, err bool
	}{
		{"none", "just a body", false, false},
		{"other version", `<!-- pss-bot:meta {"v":2,"hash":"x"} -->`, false, false},
		{"broken json", `<!-- pss-bot:meta {"v":1,"hash": -->`, false, true},
		{"unterminated", `<!-- pss-bot:meta {"v":1}`, false, true},
		{"good", `x <!-- pss-bot:meta {"v":1,"hash":"x","base":"b"} --> y`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := ParseMeta(tt.body)
			if ok != tt.ok || (err != nil) != tt.err {
				t.Errorf("ok=%v err=%v, want ok=%v err=%v", ok, err, tt.ok, tt.err)
			}
		})
	}
}

func TestEncodeMetaCannotEndComment(t *testing.T) {
	m := Meta{Hash: "a-->b", Base: "--"}
	block := EncodeMeta(m)
	if strings.Count(block, "-->") != 1 || !strings.HasSuffix(block, " -->") {
		t.Fatalf("block can be ended early: %s", block)
	}
	got, ok, err := ParseMeta(block)
	if err != nil || !ok || got.Hash != m.Hash || got.Base != m.Base {
		t.Fatalf("round trip: %+v %v %v", got, ok, err)
	}
}

func TestProposalHash(t *testing.T) {
	a := ProposalHash(map[string][]byte{"a.yaml": []byte("x"), "b.yaml": []byte("y")})
	b := ProposalHash(map[string][]byte{"b.yaml": []byte("y"), "a.yaml": []byte("x")})
	c := ProposalHash(map[string][]byte{"a.yaml": []byte("xb.yaml"), "": []byte("y")})
	d := ProposalHash(map[string][]byte{"a.yaml": []byte("x"), "b.yaml": []byte("z")})
	if a != b {
		t.Errorf("hash depends on map order: %s %s", a, b)
	}
	if a == c || a == d {
		t.Errorf("different proposals share a hash: %s %s %s", a, c, d)
	}
}

// proposal builds a proposal with one changed file per content given.
func proposal(contents ...string) *Proposal {
	var rs []*patcher.FileResult
	for i, c := range contents {
		rs = append(rs, &patcher.FileResult{
			Path: "deploy/" + string(rune('a'+i)) + ".yaml", Changed: true, Output: []byte(c),
			Workloads: []patcher.Workload{{Kind: "Deployment", Name: "w", Changes: []patcher.Change{{Check: "runAsNonRoot"}, {Check: "runAsNonRoot"}}}},
		})
	}
	return NewProposal(rs, nil, nil)
}

func openPR(m Meta, head string) *PRState {
	return &PRState{Number: 7, Open: true, HeadSHA: head, Meta: m, HasMeta: true}
}

func TestDecide(t *testing.T) {
	p := proposal("fixed")
	other := proposal("fixed differently")
	compliant := NewProposal([]*patcher.FileResult{{Path: "a.yaml"}}, nil, nil)
	cur := Meta{V: 1, Hash: p.Hash, Base: "base1", Head: "bot1"}

	tests := []struct {
		name string
		st   RepoState
		p    *Proposal
		want Plan
	}{
		{"no PR, nothing to fix", RepoState{BaseSHA: "base1"}, compliant, Plan{Action: ActionNone}},
		{"no PR, a fix", RepoState{BaseSHA: "base1"}, p, Plan{Action: ActionOpened, Commit: true, OpenPR: true}},
		{"current PR", RepoState{BaseSHA: "base1", Open: openPR(cur, "bot1")}, p, Plan{Action: ActionNone, Sync: true}},
		{"base moved", RepoState{BaseSHA: "base2", Open: openPR(cur, "bot1")}, p, Plan{Action: ActionUpdated, Commit: true, Sync: true}},
		{"fix changed", RepoState{BaseSHA: "base1", Open: openPR(cur, "bot1")}, other, Plan{Action: ActionUpdated, Commit: true, Sync: true}},
		{"metadata lost", RepoState{BaseSHA: "base1", Open: &PRState{Number: 7, Open: true, HeadSHA: "bot1"}}, p, Plan{Action: ActionUpdated, Commit: true, Sync: true}},
		{"someone pushed", RepoState{BaseSHA: "base1", Open: openPR(cur, "human"), Edited: true}, p, Plan{Action: ActionEdited, EditedNotice: true}},
		{"someone pushed, repo compliant", RepoState{BaseSHA: "base1", Open: openPR(cur, "human"), Edited: true}, compliant, Plan{Action: ActionEdited, EditedNotice: true}},
		{"fixed by hand", RepoState{BaseSHA: "base2", Open: openPR(cur, "bot1")}, compliant, Plan{Action: ActionClosed, ClosePR: true}},
		{"declined, same proposal", RepoState{BaseSHA: "base2", Declined: []PRState{{Number: 3, Meta: cur, HasMeta: true}}}, p, Plan{Action: ActionRefused}},
		{"declined, carried refusal", RepoState{BaseSHA: "base2", Declined: []PRState{{Number: 5, Meta: Meta{Hash: other.Hash, Refused: []string{p.Hash}}, HasMeta: true}}}, p, Plan{Action: ActionRefused}},
		{"declined, new proposal", RepoState{BaseSHA: "base2", Declined: []PRState{{Number: 3, Meta: cur, HasMeta: true}}}, other, Plan{Action: ActionOpened, Commit: true, OpenPR: true, Declined: []int{3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.st, tt.p)
			meta := got.Meta
			got.Meta = Meta{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decide = %+v, want %+v", got, tt.want)
			}
			if got.Commit || got.OpenPR || got.Sync {
				if meta.Hash != tt.p.Hash || meta.Base != tt.st.BaseSHA {
					t.Errorf("meta = %+v, want hash %s base %s", meta, tt.p.Hash, tt.st.BaseSHA)
				}
				if meta.Fixed["runAsNonRoot"] == 0 {
					t.Errorf("meta carries no counts: %+v", meta)
				}
			}
			if got.OpenPR && len(tt.st.Declined) > 0 && len(meta.Refused) == 0 {
				t.Errorf("new PR after a refusal does not carry it: %+v", meta)
			}
			if got.Sync && !got.Commit && meta.Head != tt.st.Open.Meta.Head {
				t.Errorf("current PR lost its head: %+v", meta)
			}
		})
	}
}

func TestRepoStateCurrent(t *testing.T) {
	m := Meta{V: 1, Hash: "h", Base: "b", Head: "c"}
	tests := []struct {
		name string
		st   RepoState
		want bool
	}{
		{"current", RepoState{BaseSHA: "b", Open: openPR(m, "c")}, true},
		{"current with extra labels", RepoState{BaseSHA: "b", Labels: []string{"sec"}, Open: &PRState{Open: true, HeadSHA: "c", Meta: m, HasMeta: true, Labels: []string{"sec", "mine"}}}, true},
		{"label missing", RepoState{BaseSHA: "b", Labels: []string{"sec"}, Open: openPR(m, "c")}, false},
		{"base moved", RepoState{BaseSHA: "b2", Open: openPR(m, "c")}, false},
		{"branch moved", RepoState{BaseSHA: "b", Open: openPR(m, "x")}, false},
		{"edited", RepoState{BaseSHA: "b", Open: openPR(m, "c"), Edited: true}, false},
		{"no PR", RepoState{BaseSHA: "b"}, false},
		{"no meta", RepoState{BaseSHA: "b", Open: &PRState{Open: true, HeadSHA: "c"}}, false},
		{"another engine", RepoState{BaseSHA: "b", Engine: "v2", Open: openPR(m, "c")}, false},
		{"reviewer requested", RepoState{BaseSHA: "b", Reviewers: []string{"alice"}, Open: &PRState{Open: true, HeadSHA: "c", Meta: m, HasMeta: true, RequestedUsers: []string{"alice"}}}, true},
		{"reviewer never asked", RepoState{BaseSHA: "b", Reviewers: []string{"alice"}, Open: openPR(m, "c")}, false},
	}
	for _, tt := range tests {
		if got := tt.st.Current(); got != tt.want {
			t.Errorf("%s: Current() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRefusedWithoutClone(t *testing.T) {
	d := PRState{Number: 3, Meta: Meta{Hash: "h", Base: "b"}, HasMeta: true}
	if !(RepoState{BaseSHA: "b", Declined: []PRState{d}}).RefusedWithoutClone() {
		t.Error("declined on the same base must not need a clone")
	}
	if (RepoState{BaseSHA: "b", Engine: "v2", Declined: []PRState{d}}).RefusedWithoutClone() {
		t.Error("another engine may propose something else: it needs a clone")
	}
	if (RepoState{BaseSHA: "b2", Declined: []PRState{d}}).RefusedWithoutClone() {
		t.Error("declined on another base needs a clone")
	}
	if (RepoState{BaseSHA: "b", Declined: []PRState{d}, Open: openPR(Meta{}, "")}).RefusedWithoutClone() {
		t.Error("an open PR takes precedence")
	}
}

func TestRefusedOrder(t *testing.T) {
	st := RepoState{Declined: []PRState{
		{Number: 9, Meta: Meta{Hash: "c", Refused: []string{"a", "b"}}, HasMeta: true},
		{Number: 4, Meta: Meta{Hash: "b", Refused: []string{"a"}}, HasMeta: true},
		{Number: 2, Meta: Meta{Hash: "a"}, HasMeta: true},
		{Number: 1},
	}}
	if got, want := st.Refused(), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Refused = %v, want %v", got, want)
	}
}

func TestCounts(t *testing.T) {
	p := NewProposal([]*patcher.FileResult{{
		Path: "a.yaml", Changed: true, Output: []byte("x"),
		Workloads: []patcher.Workload{
			{Changes: []patcher.Change{{Check: "runAsNonRoot"}, {Check: "capabilities_restricted"}, {Check: "capabilities_restricted"}},
				Remaining: []patcher.Remaining{{Check: "hostNamespaces"}}},
			{Changes: []patcher.Change{{Check: "runAsNonRoot"}}},
		},
	}}, nil, nil)
	found, fixed, remaining := p.Counts()
	want := func(name string, got, want map[string]int) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	want("found", found, map[string]int{"runAsNonRoot": 2, "capabilities_restricted": 1, "hostNamespaces": 1})
	want("fixed", fixed, map[string]int{"runAsNonRoot": 2, "capabilities_restricted": 1})
	want("remaining", remaining, map[string]int{"hostNamespaces": 1})
}

func TestMissingLabels(t *testing.T) {
	if got := MissingLabels([]string{"a", "mine"}, []string{"a", "b", "b"}); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("MissingLabels = %v", got)
	}
}

func TestParseCommands(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{"/pss help", []string{"help"}},
		{"thanks!\r\n/pss help\r\n", []string{"help"}},
		{"/pss", []string{"help"}},
		{"/pss Rebase now\n/pss help", []string{"rebase", "help"}},
		{"please run /pss help", nil},
		{"> /pss help", nil},
		{"```\n/pss help\n```", nil},
		{"/pssx help", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range ParseCommands(tt.body) {
			got = append(got, c.Verb)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommands(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
	c := ParseCommands("/pss frobnicate  the thing  ")[0]
	if c.Args != "the thing" || c.Line != "/pss frobnicate  the thing  " {
		t.Errorf("command = %+v", c)
	}
	if r := UnknownCommandReply(c); !strings.HasPrefix(r, "> /pss frobnicate") || !strings.Contains(r, "`/pss help`") {
		t.Errorf("unknown reply does not quote the command and list help:\n%s", r)
	}
}

func TestMissingReviewers(t *testing.T) {
	asked := Meta{Reviewers: []string{"alice", "acme/sre"}}
	tests := []struct {
		name string
		pr   PRState
		want []string
		miss []string
	}{
		{"nothing configured", PRState{}, nil, nil},
		{"all missing", PRState{}, []string{"alice", "acme/sre"}, []string{"alice", "acme/sre"}},
		{"requested now, any case", PRState{RequestedUsers: []string{"Alice"}, RequestedTeams: []string{"SRE"}}, []string{"alice", "acme/sre", "bob"}, []string{"bob"}},
		{"asked before (reviewed since)", PRState{Meta: asked, HasMeta: true}, []string{"alice", "acme/sre", "bob"}, []string{"bob"}},
		{"team slug is not a user", PRState{RequestedUsers: []string{"sre"}}, []string{"acme/sre"}, []string{"acme/sre"}},
		{"person's reviewers are not the bot's concern", PRState{RequestedUsers: []string{"carol"}}, []string{"bob", "bob"}, []string{"bob"}},
	}
	for _, tt := range tests {
		if got := MissingReviewers(&tt.pr, tt.want); !reflect.DeepEqual(got, tt.miss) {
			t.Errorf("%s: MissingReviewers = %v, want %v", tt.name, got, tt.miss)
		}
	}
	if got := AskedReviewers([]string{"bob", "alice"}, []string{"Alice", "acme/sre"}); !reflect.DeepEqual(got, []string{"acme/sre", "alice", "bob"}) {
		t.Errorf("AskedReviewers = %v", got)
	}
	if u, tm := splitReviewers([]string{"alice", "acme/sre"}); !reflect.DeepEqual(u, []string{"alice"}) || !reflect.DeepEqual(tm, []string{"sre"}) {
		t.Errorf("splitReviewers = %v %v", u, tm)
	}
}

func TestDecideRecordsAskedReviewers(t *testing.T) {
	p := proposal("fixed")
	open := Decide(RepoState{BaseSHA: "b", Reviewers: []string{"alice"}}, p)
	if !open.OpenPR || !reflect.DeepEqual(open.Meta.Reviewers, []string{"alice"}) {
		t.Fatalf("new PR meta reviewers %v (plan %+v)", open.Meta.Reviewers, open)
	}
	m := open.Meta
	m.Head = "c"
	sync := Decide(RepoState{BaseSHA: "b", Reviewers: []string{"bob"}, Open: openPR(m, "c")}, p)
	if !reflect.DeepEqual(sync.Meta.Reviewers, []string{"alice", "bob"}) {
		t.Errorf("synced PR meta reviewers %v, want [alice bob] (alice was asked)", sync.Meta.Reviewers)
	}
}
