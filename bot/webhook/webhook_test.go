package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pss-bot/pss-bot/bot/metrics"
	"github.com/pss-bot/pss-bot/bot/queue"
)

var secret = []byte("It's a Secret to Everybody")

// recorder is an Enqueuer that records calls, like a queue would collapse
// duplicates by repository.
type recorder struct {
	mu    sync.Mutex
	calls []string
	seen  map[string]bool
	fail  error
}

func (r *recorder) record(call string, keys ...string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.calls = append(r.calls, call)
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	n := 0
	for _, k := range keys {
		if !r.seen[k] {
			r.seen[k] = true
			n++
		}
	}
	return n, nil
}

func (r *recorder) EnqueueRepos(ctx context.Context, reason, delivery string, repos []queue.Repo) (int, error) {
	var names, keys []string
	for _, repo := range repos {
		names = append(names, fmt.Sprintf("%d:%s", repo.InstallationID, repo.FullName()))
		keys = append(keys, repo.FullName())
	}
	return r.record("repos "+strings.Join(names, ",")+" ("+reason+")", keys...)
}

func (r *recorder) EnqueueInstallation(ctx context.Context, reason, delivery string, id int64) (int, error) {
	return r.record(fmt.Sprintf("installation %d (%s)", id, reason), fmt.Sprint(id))
}

func (r *recorder) EnqueueCommand(ctx context.Context, delivery string, repo queue.Repo, issue int, author, body string) (int, error) {
	return r.record(fmt.Sprintf("command %d:%s#%d by %s: %q", repo.InstallationID, repo.FullName(), issue, author, body), delivery)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// payload reads testdata/name.json and applies edits, given as
// "dotted.path" = value pairs.
func payload(t *testing.T, name string, edits map[string]any) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return raw
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	for path, v := range edits {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				t.Fatalf("%s.json: no object at %s", name, path)
			}
			m = next
		}
		if v == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = v
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// delivery builds a POST /webhook request signed like GitHub's.
func delivery(event, id string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", Sign(secret, body))
	req.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
	return req
}

func newHandler(t *testing.T, e Enqueuer, m *metrics.Metrics) *Handler {
	t.Helper()
	h, err := New(Options{Secret: secret, Enqueuer: e, BotLogin: "pss-bot[bot]", Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name, event, file string
		edits             map[string]any
		want              []string // calls to the enqueuer; none if empty
		result            string
	}{
		{name: "installation created queues each listed repository", event: "installation", file: "installation_created",
			want: []string{"repos 2:octocat/Hello-World,2:octocat/Spoon-Knife (installation created)"}, result: "queued 2 job(s)"},
		{name: "new permissions accepted", event: "installation", file: "installation_created", edits: map[string]any{"action": "new_permissions_accepted"},
			want: []string{"repos 2:octocat/Hello-World,2:octocat/Spoon-Knife (installation new_permissions_accepted)"}},
		{name: "installation without repositories asks GitHub for them", event: "installation", file: "installation_created", edits: map[string]any{"repositories": nil},
			want: []string{"installation 2 (installation created)"}},
		{name: "installation deleted", event: "installation", file: "installation_created", edits: map[string]any{"action": "deleted"}, result: "installation deleted ignored"},
		{name: "repositories added", event: "installation_repositories", file: "installation_repositories_added",
			want: []string{"repos 2:octocat/linguist (repositories added)"}},
		{name: "repositories removed", event: "installation_repositories", file: "installation_repositories_added", edits: map[string]any{"action": "removed"}},
		{name: "push to the default branch", event: "push", file: "push",
			want: []string{"repos 2:octocat/Hello-World (push to the default branch)"}},
		{name: "push to another branch", event: "push", file: "push", edits: map[string]any{"ref": "refs/heads/feature"}, result: "push to branch feature ignored"},
		{name: "push of a tag", event: "push", file: "push", edits: map[string]any{"ref": "refs/tags/v1"}},
		{name: "a person pushes to the bot branch", event: "push", file: "push", edits: map[string]any{"ref": "refs/heads/pss-bot/restricted"},
			want: []string{"repos 2:octocat/Hello-World (push to the bot branch)"}},
		{name: "the bot pushes to its branch", event: "push", file: "push",
			edits:  map[string]any{"ref": "refs/heads/pss-bot/restricted", "sender": map[string]any{"login": "pss-bot[bot]", "type": "Bot"}},
			result: "the bot's own push ignored"},
		{name: "another bot pushing to the bot branch is someone else", event: "push", file: "push",
			edits: map[string]any{"ref": "refs/heads/pss-bot/restricted", "sender": map[string]any{"login": "renovate[bot]", "type": "Bot"}},
			want:  []string{"repos 2:octocat/Hello-World (push to the bot branch)"}},
		{name: "bot pull request closed", event: "pull_request", file: "pull_request_closed",
			want: []string{"repos 2:octocat/Hello-World (bot pull request closed)"}},
		{name: "the bot closes its own pull request", event: "pull_request", file: "pull_request_closed", edits: map[string]any{"sender": map[string]any{"login": "pss-bot[bot]", "type": "Bot"}}},
		{name: "someone else's pull request closed", event: "pull_request", file: "pull_request_closed", edits: map[string]any{"pull_request.head.ref": "feature"}},
		{name: "a fork's branch of the same name", event: "pull_request", file: "pull_request_closed", edits: map[string]any{"pull_request.head.repo": map[string]any{"id": 5, "full_name": "fork/Hello-World"}}},
		{name: "bot pull request opened", event: "pull_request", file: "pull_request_closed", edits: map[string]any{"action": "opened"}},
		{name: "command on a bot pull request", event: "issue_comment", file: "issue_comment_created",
			want: []string{`command 2:octocat/Hello-World#7 by octocat: "Thanks!\n/pss help"`}},
		{name: "command in a quote", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"comment.body": "> /pss help\nno"}, result: "comment without a /pss command"},
		{name: "a word starting with /pss", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"comment.body": "/pssst"}},
		{name: "CRLF line endings", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"comment.body": "/pss\r\n"},
			want: []string{`command 2:octocat/Hello-World#7 by octocat: "/pss\r\n"`}},
		{name: "comment on a plain issue", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"issue.pull_request": nil}},
		{name: "comment on someone else's pull request", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"issue.user": map[string]any{"login": "octocat", "type": "User"}}},
		{name: "the bot's own reply", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"comment.user": map[string]any{"login": "pss-bot[bot]", "type": "Bot"}}, result: "the bot's own comment ignored"},
		{name: "comment edited", event: "issue_comment", file: "issue_comment_created", edits: map[string]any{"action": "edited"}},
		{name: "review comment on a bot pull request", event: "pull_request_review_comment", file: "pull_request_review_comment_created",
			want: []string{`command 2:octocat/Hello-World#7 by octocat: "/pss help"`}},
		{name: "review comment elsewhere", event: "pull_request_review_comment", file: "pull_request_review_comment_created", edits: map[string]any{"pull_request.head.ref": "feature"}},
		{name: "unknown event", event: "star", file: "push", result: "event star ignored"},
		{name: "ping", event: "ping", file: "push"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h := newHandler(t, rec, nil)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, delivery(tt.event, "72d3162e-cc78-11e3-81ab-4c9367dc0958", payload(t, tt.file, tt.edits)))
			if w.Code != http.StatusAccepted {
				t.Fatalf("status %d (%s), want 202", w.Code, w.Body)
			}
			if got := rec.got(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("enqueued:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.result != "" && !strings.Contains(w.Body.String(), tt.result) {
				t.Errorf("answer %q lacks %q", w.Body, tt.result)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	body := payload(t, "push", nil)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		result string
	}{
		{"missing signature", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Del("X-Hub-Signature-256")
			return r
		}, http.StatusUnauthorized, "unauthorized"},
		{"signature under another secret", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Set("X-Hub-Signature-256", Sign([]byte("wrong"), body))
			return r
		}, http.StatusUnauthorized, "unauthorized"},
		{"body changed after signing", func() *http.Request {
			r := delivery("push", "d1", body)
			tampered := bytes.Replace(body, []byte("Hello-World"), []byte("Hello-Worle"), 1)
			r.Body = http.NoBody
			r2 := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(tampered))
			r2.Header = r.Header
			return r2
		}, http.StatusUnauthorized, "unauthorized"},
		{"sha1 signature only", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Set("X-Hub-Signature-256", "sha1=0123")
			return r
		}, http.StatusUnauthorized, "unauthorized"},
		{"not hex", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Set("X-Hub-Signature-256", "sha256=zz")
			return r
		}, http.StatusUnauthorized, "unauthorized"},
		{"GET", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Method = http.MethodGet
			return r
		}, http.StatusMethodNotAllowed, "bad_request"},
		{"too large", func() *http.Request {
			big := bytes.Repeat([]byte(" "), 2048)
			big = append(big, body...)
			return delivery("push", "d1", big)
		}, http.StatusRequestEntityTooLarge, "too_large"},
		{"too large without Content-Length", func() *http.Request {
			big := append(bytes.Repeat([]byte(" "), 2048), body...)
			r := delivery("push", "d1", big)
			r.ContentLength = -1
			return r
		}, http.StatusRequestEntityTooLarge, "too_large"},
		{"signed but not JSON", func() *http.Request {
			return delivery("push", "d1", []byte("{not json"))
		}, http.StatusBadRequest, "bad_request"},
		{"signed without an event", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Del("X-GitHub-Event")
			return r
		}, http.StatusBadRequest, "bad_request"},
		{"signed without a delivery ID", func() *http.Request {
			r := delivery("push", "d1", body)
			r.Header.Del("X-GitHub-Delivery")
			return r
		}, http.StatusBadRequest, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			m := metrics.New()
			h, err := New(Options{Secret: secret, Enqueuer: rec, MaxBody: int64(len(body) + 1024), Metrics: m})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req())
			if w.Code != tt.status {
				t.Fatalf("status %d (%s), want %d", w.Code, w.Body, tt.status)
			}
			if got := rec.got(); len(got) != 0 {
				t.Errorf("refused delivery enqueued %v", got)
			}
			mw := httptest.NewRecorder()
			m.Handler().ServeHTTP(mw, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			if !strings.Contains(mw.Body.String(), `result="`+tt.result+`"} 1`) {
				t.Errorf("metrics lack the %s delivery:\n%s", tt.result, grep(mw.Body.String(), "pss_bot_webhook_deliveries_total"))
			}
		})
	}
}

func grep(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestFormEncodedDelivery(t *testing.T) {
	rec := &recorder{}
	h := newHandler(t, rec, nil)
	body := []byte("payload=" + url.QueryEscape(string(payload(t, "push", nil))))
	r := delivery("push", "d1", body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusAccepted || len(rec.got()) != 1 {
		t.Fatalf("status %d, calls %v", w.Code, rec.got())
	}
}

func TestDuplicateDeliveryAndQueueOutage(t *testing.T) {
	rec := &recorder{}
	m := metrics.New()
	h := newHandler(t, rec, m)
	body := payload(t, "issue_comment_created", nil)
	for i, want := range []string{"queued 1 job(s)", "already queued"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, delivery("issue_comment", "same-guid", body))
		if w.Code != http.StatusAccepted || !strings.Contains(w.Body.String(), want) {
			t.Fatalf("delivery %d: %d %q, want 202 %q", i, w.Code, w.Body, want)
		}
	}
	rec.fail = errors.New("database is locked")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, delivery("issue_comment", "other-guid", body))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("queue outage answered %d, want 503 so that the delivery is redelivered", w.Code)
	}
	if strings.Contains(w.Body.String(), "locked") {
		t.Errorf("answer leaks the internal error: %q", w.Body)
	}
}

func TestNewRefusesAnEmptySecret(t *testing.T) {
	if _, err := New(Options{Enqueuer: &recorder{}}); err == nil {
		t.Fatal("New accepted an empty webhook secret")
	}
}

func TestWithoutBotLoginAnyBotAccountIsTheBot(t *testing.T) {
	rec := &recorder{}
	h, err := New(Options{Secret: secret, Enqueuer: rec})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		event string
		body  []byte
	}{
		{"push", payload(t, "push", map[string]any{"ref": "refs/heads/pss-bot/restricted", "sender": map[string]any{"login": "some-app[bot]", "type": "Bot"}})},
		{"issue_comment", payload(t, "issue_comment_created", map[string]any{"comment.user": map[string]any{"login": "some-app[bot]", "type": "Bot"}})},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, delivery(d.event, "d", d.body))
		if w.Code != http.StatusAccepted {
			t.Fatalf("%s: %d", d.event, w.Code)
		}
	}
	// A person's command on a bot's PR still counts.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, delivery("issue_comment", "d2", payload(t, "issue_comment_created", nil)))
	if got := rec.got(); len(got) != 1 || !strings.HasPrefix(got[0], "command ") {
		t.Fatalf("enqueued %v, want only the person's command", got)
	}
}

func TestMetricLabelsAreBounded(t *testing.T) {
	m := metrics.New()
	h := newHandler(t, &recorder{}, m)
	for i := 0; i < 20; i++ {
		r := delivery(fmt.Sprintf("made-up-%d", i), "d", []byte("{}"))
		r.Header.Set("X-Hub-Signature-256", "sha256=00")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	h.ServeHTTP(httptest.NewRecorder(), delivery("star", "d", payload(t, "push", nil)))
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got := grep(w.Body.String(), "pss_bot_webhook_deliveries_total{")
	want := "pss_bot_webhook_deliveries_total{event=\"other\",result=\"ignored\"} 1\npss_bot_webhook_deliveries_total{event=\"other\",result=\"unauthorized\"} 20"
	if got != want {
		t.Fatalf("delivery series:\n%s\nwant:\n%s", got, want)
	}
}
