package fakegithub

import (
	"net/http"
	"net/http/cgi"
	"strings"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// serveGit serves /git/{owner}/{name}.git/... with git http-backend. It
// requires basic auth x-access-token:<installation token> whose
// installation owns the repository, like GitHub's HTTPS git.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	push := strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack"
	var instID int64
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.status,
			Write: push && r.Method == http.MethodPost, Git: true, InstallationID: instID, Time: s.clock(),
		})
	}()

	rest := strings.TrimPrefix(r.URL.Path, "/git/")
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 3 || !strings.HasSuffix(parts[1], ".git") {
		http.NotFound(sw, r)
		return
	}
	full := parts[0] + "/" + strings.TrimSuffix(parts[1], ".git")

	s.mu.Lock()
	repo := s.repos[strings.ToLower(full)]
	user, pass, ok := r.BasicAuth()
	var tok *token
	if ok && user == "x-access-token" {
		tok = s.lookupToken(pass)
	}
	var failStatus int
	var failMsg string
	switch {
	case tok == nil:
		failStatus, failMsg = http.StatusUnauthorized, "Invalid username or token. Password authentication is not supported for Git operations.\n"
	case repo == nil || !tok.canSee(repo):
		failStatus, failMsg = http.StatusNotFound, "Repository not found.\n"
	case repo.opts.Disabled:
		failStatus, failMsg = http.StatusForbidden, "Repository access blocked\n"
	case push && (repo.opts.Archived || !tok.allows("contents", true)):
		failStatus, failMsg = http.StatusForbidden, "Permission to "+full+".git denied.\n"
	}
	if tok != nil {
		instID = tok.installationID
	}
	s.mu.Unlock()
	if failStatus != 0 {
		if failStatus == http.StatusUnauthorized {
			sw.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		}
		http.Error(sw, failMsg, failStatus)
		return
	}

	h := &cgi.Handler{
		Path: s.gitExec,
		Root: "/git",
		Env: append(gitEnv(),
			"GIT_PROJECT_ROOT="+s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"REMOTE_USER=x-access-token",
		),
		InheritEnv: []string{"PATH"},
	}
	if push && r.Method == http.MethodPost {
		// A push moves refs: hold the lock so API calls see it whole, then
		// bring pull requests in step.
		s.mu.Lock()
		defer s.mu.Unlock()
		before := repo.refs("refs/heads/")
		h.ServeHTTP(sw, r)
		repo.refCache = nil
		after := repo.refs("refs/heads/")
		for name, sha := range after {
			if before[name] != sha {
				repo.pushedAt = s.now()
				repo.refMoved(name)
			}
		}
		for name := range before {
			if _, ok := after[name]; !ok {
				repo.refMoved(name)
			}
		}
		return
	}
	h.ServeHTTP(sw, r)
}
