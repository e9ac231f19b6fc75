package fakegithub

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	docsURL       = "https://docs.github.com/rest"
	secondaryDocs = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	primaryDocs   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits"
	// DefaultRateLimit is the hourly request budget of each installation and
	// of the App itself, as on github.com.
	DefaultRateLimit = 5000
)

// Server is a fake GitHub: REST API under /api/v3/ (and /), git smart HTTP
// under /git/. Create it with New. All exported methods are safe for
// concurrent use.
type Server struct {
	// URL is the server root, e.g. http://127.0.0.1:PORT.
	URL string
	// APIURL is URL + "/api/v3/": the base URL to give go-github
	// (WithEnterpriseURLs) or the bot's github-url setting.
	APIURL string
	// AppID is the fake App's id; JWTs must carry it as "iss".
	AppID int64
	// AppSlug is the App's slug; its bot user is AppSlug+"[bot]".
	AppSlug string
	// PrivateKeyPEM is the App's RSA private key (PKCS#1 PEM), for
	// ghinstallation.NewAppsTransport.
	PrivateKeyPEM []byte

	t       testing.TB
	http    *httptest.Server
	key     *rsa.PrivateKey
	root    string // directory holding owner/name.git bare repositories
	gitExec string // path of git-http-backend

	mu            sync.Mutex
	installations map[int64]*Installation
	repos         map[string]*Repo // by lower-case full name
	tokens        map[string]*token
	logins        map[string]string // email -> login
	assoc         map[string]string // login -> author_association
	userIDs       map[string]int64
	deliveries    []*Delivery
	webhookURL    string
	webhookSecret string
	redelivered   []int64
	requests      []Request
	buckets       map[string]*bucket
	rateLimit     int
	rateWindow    time.Duration
	secondary     struct {
		n      int
		retry  time.Duration
		status int
	}
	failures   []failRule
	holds      []*holdRule
	nextID     int64
	routes     []route
	botUserID  int64
	checkRuns  map[int64]*checkRun
	clock      func() time.Time
	reqCounter int64
}

// Request is one recorded HTTP request.
type Request struct {
	Method string
	// Path is the API path without the /api/v3 prefix (e.g.
	// "/repos/o/r/pulls"), or the git path ("/git/o/r.git/info/refs").
	Path  string
	Query string
	// Status is the HTTP status answered.
	Status int
	// Write is true for API calls that change state (any method but GET and
	// HEAD) and for git pushes.
	Write bool
	// Git is true for git smart-HTTP requests.
	Git bool
	// InstallationID is the installation whose token authenticated the
	// request, 0 for App JWT or anonymous requests.
	InstallationID int64
	Time           time.Time
}

type failRule struct {
	method, pattern string
	status          int
}

type holdRule struct {
	method, pattern string
	reached         chan struct{}
	release         chan struct{}
}

type bucket struct {
	used  int
	reset time.Time
}

// appKey generates the App's RSA key once per test binary: generating
// 2048-bit keys is slow, and each server's state is its own anyway.
var appKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// New starts a fake GitHub for the test and stops it with t.Cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	key, err := appKey()
	if err != nil {
		t.Fatalf("fakegithub: generate key: %v", err)
	}
	s := &Server{
		AppID:         12345,
		AppSlug:       "pss-bot",
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		t:             t,
		key:           key,
		root:          t.TempDir(),
		installations: map[int64]*Installation{},
		repos:         map[string]*Repo{},
		tokens:        map[string]*token{},
		logins:        map[string]string{},
		assoc:         map[string]string{},
		userIDs:       map[string]int64{},
		buckets:       map[string]*bucket{},
		rateLimit:     DefaultRateLimit,
		rateWindow:    time.Hour,
		nextID:        1000,
		botUserID:     41898282,
		checkRuns:     map[int64]*checkRun{},
		clock:         func() time.Time { return time.Now().UTC() },
	}
	s.gitExec = findHTTPBackend(t)
	s.routes = s.buildRoutes()
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.http.Close)
	s.URL = s.http.URL
	s.APIURL = s.URL + "/api/v3/"
	return s
}

// Client returns an *http.Client for the server (plain http on loopback).
func (s *Server) Client() *http.Client { return s.http.Client() }

// BotLogin is the login of the App's bot user, e.g. "pss-bot[bot]".
func (s *Server) BotLogin() string { return s.AppSlug + "[bot]" }

// BotEmail is the commit e-mail GitHub gives the App's bot user.
func (s *Server) BotEmail() string {
	return fmt.Sprintf("%d+%s@users.noreply.github.com", s.botUserID, s.BotLogin())
}

func (s *Server) now() time.Time { return s.clock().Truncate(time.Second) }

// Advance moves the server's clock forward by d (rate-limit windows reset,
// tokens expire, timestamps move), e.g. from a test's fake sleep.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.clock
	s.clock = func() time.Time { return base().Add(d) }
}

func (s *Server) newID() int64 { s.nextID++; return s.nextID }

// ---------------------------------------------------------------------------
// Test controls.

// SetRateLimit sets the hourly budget of every bucket (installation or App)
// and starts a new window of the given length with nothing used.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = limit
	s.rateWindow = window
	s.buckets = map[string]*bucket{}
}

// SetRateRemaining sets how many requests installation id may still make in
// the current window (0 exhausts it; the window ends after resetIn).
func (s *Server) SetRateRemaining(installationID int64, remaining int, resetIn time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucketFor(fmt.Sprintf("inst:%d", installationID))
	b.used = max(s.rateLimit-remaining, 0)
	b.reset = s.clock().Add(resetIn)
}

// SecondaryRateLimit answers the next n installation-authenticated API
// requests with GitHub's secondary rate limit response: 403, Retry-After
// (whole seconds, rounded up) and the secondary-limit message.
func (s *Server) SecondaryRateLimit(n int, retryAfter time.Duration) {
	s.SecondaryRateLimitStatus(n, retryAfter, http.StatusForbidden)
}

// SecondaryRateLimitStatus is SecondaryRateLimit with the status to use
// (403 or 429; GitHub sends both).
func (s *Server) SecondaryRateLimitStatus(n int, retryAfter time.Duration, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondary.n = n
	s.secondary.retry = retryAfter
	s.secondary.status = status
}

// FailNext makes the next API request whose method and path match answer
// with status and a GitHub error body, without running it. method "" or "*"
// matches any method; pattern is a path.Match pattern on the path without
// /api/v3 (e.g. "/repos/*/*/pulls"). Rules are consumed once each.
func (s *Server) FailNext(method, pattern string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failRule{method: method, pattern: pattern, status: status})
}

// Hold makes the next API request matching method and pattern (as in
// FailNext) wait before it is handled, until release is called (or the
// client gives up). reached is closed when that request arrives: a test can
// stop the code under test mid-operation, e.g. between two writes.
func (s *Server) Hold(method, pattern string) (reached <-chan struct{}, release func()) {
	h := &holdRule{method: method, pattern: pattern, reached: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	var once sync.Once
	return h.reached, func() { once.Do(func() { close(h.release) }) }
}

// SetClock replaces the server's clock (token expiry, rate-limit windows,
// timestamps; JWTs are checked against real time, as clients sign them with
// it). The default is time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = func() time.Time { return now().UTC() }
}

// Requests returns a copy of every request recorded since New or Reset.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// CountWrites counts recorded write requests (API writes and git pushes),
// whatever their status.
func (s *Server) CountWrites() int {
	n := 0
	for _, r := range s.Requests() {
		if r.Write {
			n++
		}
	}
	return n
}

// Count counts recorded requests with the method ("" or "*" for any) whose
// path matches the path.Match pattern (e.g. "/repos/*/*/git/commits").
func (s *Server) Count(method, pattern string) int {
	n := 0
	for _, r := range s.Requests() {
		if matchRule(method, pattern, r.Method, r.Path) {
			n++
		}
	}
	return n
}

// CountClones counts git fetches (clone or fetch: POST git-upload-pack).
func (s *Server) CountClones() int {
	n := 0
	for _, r := range s.Requests() {
		if r.Git && r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/git-upload-pack") {
			n++
		}
	}
	return n
}

// Reset forgets the recorded requests (state is kept).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func matchRule(method, pattern, gotMethod, gotPath string) bool {
	if method != "" && method != "*" && !strings.EqualFold(method, gotMethod) {
		return false
	}
	ok, _ := path.Match(pattern, gotPath)
	return ok
}

// ---------------------------------------------------------------------------
// HTTP entry point.

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/git/") {
		s.serveGit(w, r)
		return
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/v3/") || p == "/api/v3" {
		p = strings.TrimPrefix(p, "/api/v3")
		if p == "" {
			p = "/"
		}
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 100<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	s.mu.Lock()
	var hold *holdRule
	for i, h := range s.holds {
		if matchRule(h.method, h.pattern, r.Method, p) {
			hold = h
			s.holds = append(s.holds[:i], s.holds[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if hold != nil {
		close(hold.reached)
		select {
		case <-hold.release:
		case <-r.Context().Done():
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{s: s, r: r, path: p, query: r.URL.Query(), body: body, hdr: http.Header{}}
	status, payload := s.handle(c)

	var out []byte
	if payload != nil {
		out, err = json.Marshal(payload)
		if err != nil {
			status, out = 500, []byte(`{"message":"fakegithub: `+err.Error()+`"}`)
		}
	}
	// Conditional requests: GitHub answers 304 with no body, and a 304 does
	// not count against the rate limit.
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(out)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		c.hdr.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			status, out = http.StatusNotModified, nil
		}
	}
	if c.bucket != nil && c.counted && status != http.StatusNotModified {
		c.bucket.used++
	}
	s.rateHeaders(c)
	h := w.Header()
	for k, v := range c.hdr {
		h[k] = v
	}
	s.reqCounter++
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%08X", s.reqCounter))
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	if out != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(out)))
	}
	w.WriteHeader(status)
	if out != nil && r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
	var inst int64
	if c.tok != nil {
		inst = c.tok.installationID
	}
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: p, Query: r.URL.RawQuery, Status: status,
		Write:          r.Method != http.MethodGet && r.Method != http.MethodHead,
		InstallationID: inst, Time: s.clock(),
	})
}

func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	weak := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, cand := range strings.Split(header, ",") {
		cand = strings.TrimSpace(cand)
		if cand == "*" || weak(cand) == weak(etag) {
			return true
		}
	}
	return false
}

func (s *Server) bucketFor(key string) *bucket {
	b := s.buckets[key]
	now := s.clock()
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(s.rateWindow)}
		s.buckets[key] = b
	}
	return b
}

func (s *Server) rateHeaders(c *call) {
	limit, used, reset := 60, 0, s.clock().Add(time.Hour)
	if c.bucket != nil {
		limit, used, reset = s.rateLimit, c.bucket.used, c.bucket.reset
	}
	c.hdr.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	c.hdr.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-used, 0)))
	c.hdr.Set("X-RateLimit-Used", strconv.Itoa(used))
	c.hdr.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10))
	c.hdr.Set("X-RateLimit-Resource", "core")
}

// handle authenticates, applies injected failures and limits, routes and
// runs the handler. It runs with s.mu held.
func (s *Server) handle(c *call) (int, any) {
	if st, body, ok := s.authenticate(c); !ok {
		return st, body
	}
	for i, f := range s.failures {
		if matchRule(f.method, f.pattern, c.r.Method, c.path) {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			return f.status, errBody(http.StatusText(f.status))
		}
	}
	if c.tok != nil && s.secondary.n > 0 {
		s.secondary.n--
		secs := int64(math.Ceil(s.secondary.retry.Seconds()))
		c.hdr.Set("Retry-After", strconv.FormatInt(secs, 10))
		return s.secondary.status, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.",
			"documentation_url": secondaryDocs,
		}
	}
	if c.bucket != nil && c.path != "/rate_limit" {
		if c.bucket.used >= s.rateLimit {
			who := "installation ID " + strconv.FormatInt(c.tok.installationIDOr0(), 10)
			if c.app {
				who = "app ID " + strconv.FormatInt(s.AppID, 10)
			}
			return http.StatusForbidden, map[string]string{
				"message":           "API rate limit exceeded for " + who + ".",
				"documentation_url": primaryDocs,
			}
		}
		c.counted = true
	}
	rt, params := s.match(c.r.Method, c.path)
	if rt == nil {
		return notFound()
	}
	c.params = params
	if st, body, ok := s.authorize(c, rt); !ok {
		return st, body
	}
	return rt.h(c)
}

// ---------------------------------------------------------------------------
// Routing.

type authKind int

const (
	authInstallation authKind = iota // installation token
	authApp                          // App JWT
	authAny                          // either
)

type handlerFunc func(c *call) (int, any)

type route struct {
	method string
	segs   []string
	h      handlerFunc
	auth   authKind
	// perm is the installation permission needed ("contents",
	// "pull_requests", "issues", "checks", "metadata"); alternatives are
	// separated by "|". Writes need "write".
	perm  string
	write bool
}

func (s *Server) match(method, p string) (*route, map[string]string) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.method != method && !(method == http.MethodHead && rt.method == http.MethodGet) {
			continue
		}
		if params, ok := matchSegs(rt.segs, segs); ok {
			return rt, params
		}
	}
	return nil, nil
}

func matchSegs(pat, segs []string) (map[string]string, bool) {
	params := map[string]string{}
	for i, ps := range pat {
		if strings.HasPrefix(ps, "{") && strings.HasSuffix(ps, "...}") {
			if i >= len(segs) {
				return nil, false
			}
			rest := strings.Join(segs[i:], "/")
			if rest == "" {
				return nil, false
			}
			params[ps[1:len(ps)-4]] = rest
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(ps, "{") {
			if segs[i] == "" {
				return nil, false
			}
			// r.URL.Path is already unescaped: no second decoding.
			params[ps[1:len(ps)-1]] = segs[i]
			continue
		}
		if ps != segs[i] {
			return nil, false
		}
	}
	return params, len(pat) == len(segs)
}

// ---------------------------------------------------------------------------
// Per-request context.

type call struct {
	s       *Server
	r       *http.Request
	path    string
	query   url.Values
	body    []byte
	params  map[string]string
	hdr     http.Header
	tok     *token
	app     bool
	bucket  *bucket
	counted bool
	repo    *Repo
}

func (t *token) installationIDOr0() int64 {
	if t == nil {
		return 0
	}
	return t.installationID
}

// actor is the login acting: the App's bot for installation tokens.
func (c *call) actor() string { return c.s.BotLogin() }

func errBody(msg string) map[string]string {
	return map[string]string{"message": msg, "documentation_url": docsURL}
}

func notFound() (int, any) { return http.StatusNotFound, errBody("Not Found") }

func fail(status int, msg string) (int, any) { return status, errBody(msg) }

// fieldError is one entry of a 422 "Validation Failed" body.
type fieldError struct {
	Resource string `json:"resource"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func validation(errs ...fieldError) (int, any) {
	return http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            errs,
		"documentation_url": docsURL,
	}
}

func missing(resource, field string) (int, any) {
	return validation(fieldError{Resource: resource, Field: field, Code: "missing_field"})
}

// decode parses the JSON body into v. An empty body is an empty object. It
// answers 400 "Problems parsing JSON" for malformed JSON and 422 "Invalid
// request" for a value of the wrong type, as GitHub does.
func (c *call) decode(v any) (int, any, bool) {
	b := bytes.TrimSpace(c.body)
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, v); err != nil {
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			st, body := fail(http.StatusUnprocessableEntity, "Invalid request.\n\n"+err.Error())
			return st, body, false
		}
		st, body := fail(http.StatusBadRequest, "Problems parsing JSON")
		return st, body, false
	}
	return 0, nil, true
}

func (c *call) intParam(name string) (int64, bool) {
	n, err := strconv.ParseInt(c.params[name], 10, 64)
	return n, err == nil && n > 0
}

// ---------------------------------------------------------------------------
// Pagination.

// perPage reads per_page (default 30, max 100) and page (default 1).
func (c *call) pageParams() (page, perPage int) {
	page, perPage = 1, 30
	if v, err := strconv.Atoi(c.query.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(c.query.Get("page")); err == nil && v > 0 {
		page = v
	}
	return page, perPage
}

// paginate returns the page of n items to answer, as [lo, hi), and sets the
// Link header like GitHub (next/last/first/prev, from the request URL).
func (c *call) paginate(n int) (lo, hi int) {
	page, perPage := c.pageParams()
	last := max((n+perPage-1)/perPage, 1)
	var links []string
	link := func(p int, rel string) {
		u := *c.r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		links = append(links, fmt.Sprintf(`<%s%s>; rel="%s"`, c.s.URL, u.RequestURI(), rel))
	}
	if page > 1 {
		link(min(page-1, last), "prev")
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if page > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		c.hdr.Set("Link", strings.Join(links, ", "))
	}
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	return lo, hi
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }
