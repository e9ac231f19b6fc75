package fakegithub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Delivery is one webhook delivery as listed by GET /app/hook/deliveries.
type Delivery struct {
	ID          int64
	GUID        string
	DeliveredAt time.Time
	Redelivery  bool
	Duration    float64
	// Status is "OK" or e.g. "Invalid HTTP Response: 503"; derived from
	// StatusCode when empty.
	Status         string
	StatusCode     int
	Event, Action  string
	InstallationID int64
	RepositoryID   int64
	// Payload is the request body; redeliveries send it again.
	Payload []byte
}

// AddDelivery records a past webhook delivery (ID, GUID and DeliveredAt
// are filled in when zero) and returns its id.
func (s *Server) AddDelivery(d Delivery) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDelivery(d).ID
}

func (s *Server) addDelivery(d Delivery) *Delivery {
	if d.ID == 0 {
		d.ID = s.newID()
	}
	if d.GUID == "" {
		d.GUID = newGUID()
	}
	if d.DeliveredAt.IsZero() {
		d.DeliveredAt = s.now()
	}
	if d.Status == "" {
		d.Status = "OK"
		if d.StatusCode < 200 || d.StatusCode > 299 {
			d.Status = fmt.Sprintf("Invalid HTTP Response: %d", d.StatusCode)
		}
	}
	s.deliveries = append(s.deliveries, &d)
	return &d
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Deliveries returns every delivery recorded, oldest first (redeliveries
// included, with Redelivery set).
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		out = append(out, *d)
	}
	return out
}

// Redelivered returns the ids of the deliveries the App asked to redeliver
// (POST /app/hook/deliveries/{id}/attempts), in order.
func (s *Server) Redelivered() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.redelivered...)
}

// SetWebhook makes the server deliver webhooks to url, signed with secret
// (X-Hub-Signature-256): redeliveries asked through the API are sent there
// (asynchronously, as GitHub does), and Deliver sends events there.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookSecret = url, secret
}

// Deliver sends a webhook event to the URL set with SetWebhook, signed like
// GitHub's, records it as a delivery, and returns the HTTP status answered.
// payload is marshalled unless it is already []byte.
func (s *Server) Deliver(event string, payload any) (int, error) {
	body, ok := payload.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return 0, err
		}
	}
	d := Delivery{Event: event, Payload: body}
	var meta struct {
		Action       string `json:"action"`
		Installation struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(body, &meta)
	d.Action, d.InstallationID, d.RepositoryID = meta.Action, meta.Installation.ID, meta.Repository.ID
	return s.send(d)
}

// send posts d to the webhook URL and records the attempt.
func (s *Server) send(d Delivery) (int, error) {
	s.mu.Lock()
	url, secret := s.webhookURL, s.webhookSecret
	s.mu.Unlock()
	if url == "" {
		return 0, fmt.Errorf("fakegithub: no webhook URL (SetWebhook)")
	}
	if d.GUID == "" {
		d.GUID = newGUID()
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(d.Payload)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.GUID)
	req.Header.Set("X-GitHub-Hook-ID", "1")
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	req.Header.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(s.AppID, 10))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	d.Duration = time.Since(start).Seconds()
	d.ID, d.Status, d.DeliveredAt = 0, "", time.Time{}
	if err != nil {
		d.StatusCode, d.Status = 0, "failed to connect to host"
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d.StatusCode = resp.StatusCode
	}
	s.mu.Lock()
	s.addDelivery(d)
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return d.StatusCode, nil
}

func (s *Server) deliveryJSON(d *Delivery, full bool) *github.HookDelivery {
	out := &github.HookDelivery{
		ID: ptr(d.ID), GUID: ptr(d.GUID), DeliveredAt: ts(d.DeliveredAt), Redelivery: ptr(d.Redelivery),
		Duration: ptr(d.Duration), Status: ptr(d.Status), StatusCode: ptr(d.StatusCode), Event: ptr(d.Event),
		InstallationID: ptr(d.InstallationID), RepositoryID: ptr(d.RepositoryID),
	}
	if d.Action != "" {
		out.Action = ptr(d.Action)
	}
	if full {
		raw := json.RawMessage(d.Payload)
		if len(raw) == 0 {
			raw = json.RawMessage("{}")
		}
		out.Request = &github.HookRequest{Headers: map[string]string{"X-GitHub-Event": d.Event, "X-GitHub-Delivery": d.GUID}, RawPayload: &raw}
		empty := json.RawMessage(`{}`)
		out.Response = &github.HookResponse{Headers: map[string]string{}, RawPayload: &empty}
	}
	return out
}

// GET /app
func (s *Server) getApp(c *call) (int, any) {
	perms := &github.InstallationPermissions{}
	setPerms(perms, map[string]string{"contents": "write", "pull_requests": "write", "issues": "write", "checks": "write", "metadata": "read"})
	return http.StatusOK, &github.App{
		ID: ptr(s.AppID), Slug: ptr(s.AppSlug), NodeID: ptr("A_fake"), Name: ptr(s.AppSlug),
		Owner: s.userJSON("pss-bot-org"), Description: ptr("Pod Security Standards fixer"),
		ExternalURL: ptr(s.URL), HTMLURL: ptr(s.html("/apps/%s", s.AppSlug)),
		CreatedAt: ts(time.Unix(1700000000, 0).UTC()), UpdatedAt: ts(time.Unix(1700000000, 0).UTC()),
		Permissions: perms, Events: []string{"installation", "installation_repositories", "push", "pull_request", "issue_comment"},
		InstallationsCount: ptr(len(s.installations)),
	}
}

// GET /app/installations
func (s *Server) listInstallations(c *call) (int, any) {
	var ids []int64
	for id := range s.installations {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	lo, hi := c.paginate(len(ids))
	out := []*github.Installation{}
	for _, id := range ids[lo:hi] {
		out = append(out, s.installationJSON(s.installations[id]))
	}
	return http.StatusOK, out
}

// GET /app/installations/{id}
func (s *Server) getInstallation(c *call) (int, any) {
	id, _ := c.intParam("id")
	in := s.installations[id]
	if in == nil {
		return notFound()
	}
	return http.StatusOK, s.installationJSON(in)
}

// GET /repos/{owner}/{repo}/installation (App JWT)
func (s *Server) getRepoInstallation(c *call) (int, any) {
	return http.StatusOK, s.installationJSON(s.installations[c.repo.installationID])
}

// POST /app/installations/{id}/access_tokens
func (s *Server) createToken(c *call) (int, any) {
	id, _ := c.intParam("id")
	in := s.installations[id]
	if in == nil {
		return notFound()
	}
	if in.Suspended {
		return fail(http.StatusForbidden, "This installation has been suspended")
	}
	var req struct {
		Repositories  []string          `json:"repositories"`
		RepositoryIDs []int64           `json:"repository_ids"`
		Permissions   map[string]string `json:"permissions"`
	}
	if st, body, ok := c.decode(&req); !ok {
		return st, body
	}
	perms := copyPerms(in.Permissions)
	if len(req.Permissions) > 0 {
		rank := map[string]int{"read": 1, "write": 2, "admin": 3}
		perms = map[string]string{"metadata": "read"}
		for k, v := range req.Permissions {
			if rank[v] == 0 || rank[v] > rank[in.Permissions[k]] {
				return fail(http.StatusUnprocessableEntity, "The permissions requested are not granted to this installation.")
			}
			perms[k] = v
		}
	}
	var repoIDs map[int64]bool
	var repos []*github.Repository
	if len(req.Repositories) > 0 || len(req.RepositoryIDs) > 0 {
		repoIDs = map[int64]bool{}
		find := func(match func(*Repo) bool) *Repo {
			for _, r := range s.repos {
				if r.installationID == in.ID && match(r) {
					return r
				}
			}
			return nil
		}
		for _, name := range req.Repositories {
			r := find(func(r *Repo) bool { return strings.EqualFold(r.Name, name) })
			if r == nil {
				return fail(http.StatusUnprocessableEntity, "There is at least one repository that does not exist or is not accessible to the parent installation.")
			}
			repoIDs[r.ID] = true
		}
		for _, rid := range req.RepositoryIDs {
			r := find(func(r *Repo) bool { return r.ID == rid })
			if r == nil {
				return fail(http.StatusUnprocessableEntity, "There is at least one repository that does not exist or is not accessible to the parent installation.")
			}
			repoIDs[r.ID] = true
		}
		for _, r := range s.repos {
			if repoIDs[r.ID] {
				repos = append(repos, s.repoJSON(r))
			}
		}
	}
	t := s.mintToken(in, perms, repoIDs)
	gp := &github.InstallationPermissions{}
	setPerms(gp, perms)
	return http.StatusCreated, &github.InstallationToken{
		Token: ptr(t.value), ExpiresAt: ts(t.expires), Permissions: gp, Repositories: repos,
	}
}

// GET /app/hook/deliveries (cursor pagination, newest first)
func (s *Server) listDeliveries(c *call) (int, any) {
	_, perPage := c.pageParams()
	var all []*Delivery
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		d := s.deliveries[i]
		switch c.query.Get("status") {
		case "success":
			if d.StatusCode < 200 || d.StatusCode > 299 {
				continue
			}
		case "failure":
			if d.StatusCode >= 200 && d.StatusCode <= 299 {
				continue
			}
		}
		all = append(all, d)
	}
	start := 0
	if cur := c.query.Get("cursor"); cur != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(cur, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(cur, "v1_") {
			return fail(http.StatusUnprocessableEntity, "Invalid cursor")
		}
		start = len(all)
		for i, d := range all {
			if d.ID == id {
				start = i
				break
			}
		}
	}
	end := min(start+perPage, len(all))
	if end < len(all) {
		u := *c.r.URL
		q := u.Query()
		q.Set("cursor", fmt.Sprintf("v1_%d", all[end].ID))
		q.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = q.Encode()
		c.hdr.Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, u.RequestURI()))
	}
	out := []*github.HookDelivery{}
	for _, d := range all[start:end] {
		out = append(out, s.deliveryJSON(d, false))
	}
	return http.StatusOK, out
}

func (s *Server) findDelivery(c *call) *Delivery {
	id, _ := c.intParam("id")
	for _, d := range s.deliveries {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// GET /app/hook/deliveries/{id}
func (s *Server) getDelivery(c *call) (int, any) {
	d := s.findDelivery(c)
	if d == nil {
		return notFound()
	}
	return http.StatusOK, s.deliveryJSON(d, true)
}

// POST /app/hook/deliveries/{id}/attempts: 202; the redelivery is sent to
// the webhook URL (if set) in the background and recorded.
func (s *Server) redeliver(c *call) (int, any) {
	d := s.findDelivery(c)
	if d == nil {
		return notFound()
	}
	s.redelivered = append(s.redelivered, d.ID)
	again := *d
	again.Redelivery = true
	if s.webhookURL == "" {
		again.ID, again.DeliveredAt, again.Status, again.StatusCode = 0, time.Time{}, "", 200
		s.addDelivery(again)
	} else {
		go func() { _, _ = s.send(again) }()
	}
	return http.StatusAccepted, map[string]any{}
}
