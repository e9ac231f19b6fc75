package fakegithub

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// Installation is one installation of the App on an account.
// Change its fields only before the code under test runs.
type Installation struct {
	ID      int64
	Account string
	// AccountType is "Organization" (default) or "User".
	AccountType string
	// Permissions granted to the App on this installation; tokens carry
	// them (or the subset requested). Default: contents, pull_requests,
	// issues and checks "write", metadata "read".
	Permissions map[string]string
	// Suspended installations get no tokens (403).
	Suspended bool
	CreatedAt time.Time
}

type token struct {
	value          string
	installationID int64
	expires        time.Time
	perms          map[string]string
	repoIDs        map[int64]bool // nil: every repository of the installation
}

// AddInstallation registers an installation of the App on account.
func (s *Server) AddInstallation(id int64, account string) *Installation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.installations[id]; ok {
		s.t.Fatalf("fakegithub: installation %d already exists", id)
	}
	in := &Installation{
		ID: id, Account: account, AccountType: "Organization",
		Permissions: map[string]string{
			"contents": "write", "pull_requests": "write", "issues": "write",
			"checks": "write", "metadata": "read",
		},
		CreatedAt: s.now(),
	}
	s.installations[id] = in
	return in
}

// Token mints an installation token directly (as if obtained with the App
// JWT), valid for one hour, with the installation's permissions.
func (s *Server) Token(installationID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.installations[installationID]
	if in == nil {
		s.t.Fatalf("fakegithub: Token: no installation %d", installationID)
	}
	return s.mintToken(in, copyPerms(in.Permissions), nil).value
}

// ExpireTokens makes every token issued so far expired: later requests with
// them get 401 "Bad credentials".
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.clock().Add(-time.Second)
	for _, t := range s.tokens {
		t.expires = past
	}
}

// TokensIssued counts the installation tokens issued (by API and Token).
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

func copyPerms(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Server) mintToken(in *Installation, perms map[string]string, repoIDs map[int64]bool) *token {
	b := make([]byte, 27)
	_, _ = rand.Read(b)
	v := "ghs_" + strings.NewReplacer("-", "A", "_", "B").Replace(base64.RawURLEncoding.EncodeToString(b))[:36]
	t := &token{value: v, installationID: in.ID, expires: s.now().Add(time.Hour), perms: perms, repoIDs: repoIDs}
	s.tokens[v] = t
	return t
}

// lookupToken returns the valid token for a git basic-auth password or an
// API token, or nil.
func (s *Server) lookupToken(v string) *token {
	t := s.tokens[v]
	if t == nil || !s.clock().Before(t.expires) {
		return nil
	}
	return t
}

// authenticate reads the Authorization header. Bad credentials end the
// request with 401; no header leaves the request anonymous.
func (s *Server) authenticate(c *call) (int, any, bool) {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return 0, nil, true
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "token", "bearer":
	default:
		st, body := fail(http.StatusUnauthorized, "Bad credentials")
		return st, body, false
	}
	if t := s.tokens[cred]; t != nil {
		if !s.clock().Before(t.expires) {
			st, body := fail(http.StatusUnauthorized, "Bad credentials")
			return st, body, false
		}
		c.tok = t
		c.bucket = s.bucketFor(fmt.Sprintf("inst:%d", t.installationID))
		return 0, nil, true
	}
	if strings.EqualFold(scheme, "bearer") && strings.Count(cred, ".") == 2 {
		if msg := s.verifyJWT(cred); msg != "" {
			st, body := fail(http.StatusUnauthorized, msg)
			return st, body, false
		}
		c.app = true
		c.bucket = s.bucketFor("app")
		return 0, nil, true
	}
	st, body := fail(http.StatusUnauthorized, "Bad credentials")
	return st, body, false
}

// verifyJWT checks an App JWT as GitHub does and returns GitHub's message
// for a rejected one, "" for a good one.
func (s *Server) verifyJWT(raw string) string {
	const undecodable = "A JSON web token could not be decoded"
	p := jwt.Parser{SkipClaimsValidation: true, ValidMethods: []string{"RS256"}}
	claims := jwt.MapClaims{}
	_, err := p.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil })
	if err != nil {
		return undecodable
	}
	num := func(k string) (int64, bool) {
		f, ok := claims[k].(float64)
		return int64(f), ok && f == math.Trunc(f)
	}
	var iss int64
	switch v := claims["iss"].(type) {
	case float64:
		iss = int64(v)
	case string:
		iss, _ = strconv.ParseInt(v, 10, 64)
	}
	if iss != s.AppID {
		return "Integration not found"
	}
	// Real time: JWTs are signed with the client's clock, whatever the
	// server's (SetClock, Advance) says.
	now := time.Now().Unix()
	iat, ok := num("iat")
	if !ok || iat > now+60 {
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."
	}
	exp, ok := num("exp")
	if !ok || exp <= now {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."
	}
	if exp-iat > 600 || exp > now+600+60 {
		return "'Expiration time' claim ('exp') is too far in the future."
	}
	return ""
}

// authorize checks the route's auth kind, the repository scope of the token
// and its permission.
func (s *Server) authorize(c *call, rt *route) (int, any, bool) {
	deny := func(st int, body any) (int, any, bool) { return st, body, false }
	if c.tok == nil && !c.app {
		st, body := fail(http.StatusUnauthorized, "Requires authentication")
		return deny(st, body)
	}
	switch rt.auth {
	case authApp:
		if !c.app {
			st, body := fail(http.StatusUnauthorized, "A JSON web token could not be decoded")
			return deny(st, body)
		}
	case authInstallation:
		if c.tok == nil {
			st, body := fail(http.StatusForbidden, "Resource not accessible by integration")
			return deny(st, body)
		}
	}
	if owner, ok := c.params["owner"]; ok {
		r := s.repos[strings.ToLower(owner+"/"+c.params["repo"])]
		if c.tok != nil && (r == nil || !c.tok.canSee(r)) {
			st, body := notFound()
			return deny(st, body)
		}
		if r == nil {
			st, body := notFound()
			return deny(st, body)
		}
		// A disabled repository still shows (with "disabled": true) but
		// answers nothing else.
		if r.opts.Disabled && len(rt.segs) != 3 {
			st, body := fail(http.StatusForbidden, "Repository access blocked")
			return deny(st, body)
		}
		if rt.write && r.opts.Archived {
			st, body := fail(http.StatusForbidden, "Repository was archived so is read-only.")
			return deny(st, body)
		}
		c.repo = r
	}
	if c.tok != nil && rt.perm != "" && !c.tok.allows(rt.perm, rt.write) {
		st, body := fail(http.StatusForbidden, "Resource not accessible by integration")
		return deny(st, body)
	}
	return 0, nil, true
}

func (t *token) canSee(r *Repo) bool {
	if r.installationID != t.installationID {
		return false
	}
	return t.repoIDs == nil || t.repoIDs[r.ID]
}

func (t *token) allows(perm string, write bool) bool {
	for _, p := range strings.Split(perm, "|") {
		lvl := t.perms[p]
		if p == "metadata" && lvl == "" {
			lvl = "read" // every installation has metadata read
		}
		if lvl == "write" || lvl == "admin" || (!write && lvl == "read") {
			return true
		}
	}
	return false
}
