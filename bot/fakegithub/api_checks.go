package fakegithub

import (
	"net/http"
	"sort"
	"time"

	"github.com/google/go-github/v60/github"
)

type checkRun struct {
	ID                     int64
	repo                   *Repo
	Name, HeadSHA          string
	Status, Conclusion     string
	ExternalID, DetailsURL string
	Title, Summary, Text   string
	StartedAt, CompletedAt time.Time
}

// CheckRun is a snapshot of a check run, for assertions.
type CheckRun struct {
	ID                   int64
	Name, HeadSHA        string
	Status, Conclusion   string
	Title, Summary, Text string
}

// CheckRuns returns the check runs created in the repository, oldest first.
func (s *Server) CheckRuns(r *Repo) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, cr := range s.sortedCheckRuns(r) {
		out = append(out, CheckRun{cr.ID, cr.Name, cr.HeadSHA, cr.Status, cr.Conclusion, cr.Title, cr.Summary, cr.Text})
	}
	return out
}

func (s *Server) sortedCheckRuns(r *Repo) []*checkRun {
	var out []*checkRun
	for _, cr := range s.checkRuns {
		if cr.repo == r {
			out = append(out, cr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) checkRunJSON(cr *checkRun) *github.CheckRun {
	out := &github.CheckRun{
		ID: ptr(cr.ID), NodeID: ptr("CR_fake"), Name: ptr(cr.Name), HeadSHA: ptr(cr.HeadSHA), Status: ptr(cr.Status),
		StartedAt: ts(cr.StartedAt), CompletedAt: ts(cr.CompletedAt),
		URL:     ptr(s.api("/repos/%s/check-runs/%d", cr.repo.FullName(), cr.ID)),
		HTMLURL: ptr(s.html("/%s/runs/%d", cr.repo.FullName(), cr.ID)),
		Output:  &github.CheckRunOutput{Title: ptr(cr.Title), Summary: ptr(cr.Summary), Text: ptr(cr.Text), AnnotationsCount: ptr(0)},
		App:     &github.App{ID: ptr(s.AppID), Slug: ptr(s.AppSlug), Name: ptr(s.AppSlug)},
	}
	if cr.Conclusion != "" {
		out.Conclusion = ptr(cr.Conclusion)
	}
	if cr.ExternalID != "" {
		out.ExternalID = ptr(cr.ExternalID)
	}
	if cr.DetailsURL != "" {
		out.DetailsURL = ptr(cr.DetailsURL)
	}
	return out
}

type checkRunIn struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	ExternalID  *string `json:"external_id"`
	DetailsURL  *string `json:"details_url"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title   *string `json:"title"`
		Summary *string `json:"summary"`
		Text    *string `json:"text"`
	} `json:"output"`
}

var (
	checkStatuses    = map[string]bool{"queued": true, "in_progress": true, "completed": true}
	checkConclusions = map[string]bool{"action_required": true, "cancelled": true, "failure": true, "neutral": true,
		"success": true, "skipped": true, "stale": true, "timed_out": true}
)

func (s *Server) applyCheckRun(cr *checkRun, in *checkRunIn) (int, any, bool) {
	bad := func(field string) (int, any, bool) {
		st, b := validation(fieldError{Resource: "CheckRun", Field: field, Code: "invalid"})
		return st, b, false
	}
	if in.Name != nil {
		cr.Name = *in.Name
	}
	if in.Status != nil {
		if !checkStatuses[*in.Status] {
			return bad("status")
		}
		cr.Status = *in.Status
	}
	if in.Conclusion != nil {
		if !checkConclusions[*in.Conclusion] {
			return bad("conclusion")
		}
		cr.Conclusion, cr.Status = *in.Conclusion, "completed"
	}
	if cr.Status == "completed" && cr.Conclusion == "" {
		st, b := fail(http.StatusUnprocessableEntity, "Invalid request.\n\nNo conclusion given for a completed check run.")
		return st, b, false
	}
	if cr.Status == "completed" && cr.CompletedAt.IsZero() {
		cr.CompletedAt = s.now()
	}
	if in.ExternalID != nil {
		cr.ExternalID = *in.ExternalID
	}
	if in.DetailsURL != nil {
		cr.DetailsURL = *in.DetailsURL
	}
	if o := in.Output; o != nil {
		if o.Title == nil || o.Summary == nil {
			st, b := fail(http.StatusUnprocessableEntity, "Invalid request.\n\n\"title\" and \"summary\" are required in \"output\".")
			return st, b, false
		}
		cr.Title, cr.Summary, cr.Text = *o.Title, *o.Summary, deref(o.Text)
		if len(cr.Summary) > 65535 || len(cr.Text) > 65535 {
			st, b := fail(http.StatusUnprocessableEntity, "Invalid request.\n\nOnly 65535 characters are allowed; "+
				"output.summary or output.text is too long.")
			return st, b, false
		}
	}
	return 0, nil, true
}

// POST /repos/{owner}/{repo}/check-runs
func (s *Server) createCheckRun(c *call) (int, any) {
	var in checkRunIn
	if st, body, ok := c.decode(&in); !ok {
		return st, body
	}
	if in.Name == nil || *in.Name == "" {
		return invalid(`"name" wasn't supplied.`)
	}
	if in.HeadSHA == nil {
		return invalid(`"head_sha" wasn't supplied.`)
	}
	if c.repo.objType(*in.HeadSHA) != "commit" {
		return validation(fieldError{Resource: "CheckRun", Field: "head_sha", Code: "invalid"})
	}
	cr := &checkRun{ID: s.newID(), repo: c.repo, HeadSHA: *in.HeadSHA, Status: "queued", StartedAt: s.now()}
	if st, body, ok := s.applyCheckRun(cr, &in); !ok {
		return st, body
	}
	s.checkRuns[cr.ID] = cr
	return http.StatusCreated, s.checkRunJSON(cr)
}

// GET/PATCH /repos/{owner}/{repo}/check-runs/{id}
func (s *Server) checkRunByID(c *call) (int, any) {
	id, _ := c.intParam("id")
	cr := s.checkRuns[id]
	if cr == nil || cr.repo != c.repo {
		return notFound()
	}
	if c.r.Method == http.MethodPatch {
		var in checkRunIn
		if st, body, ok := c.decode(&in); !ok {
			return st, body
		}
		if st, body, ok := s.applyCheckRun(cr, &in); !ok {
			return st, body
		}
	}
	return http.StatusOK, s.checkRunJSON(cr)
}

// GET /repos/{owner}/{repo}/commits/{ref}/check-runs
func (s *Server) listCheckRuns(c *call) (int, any) {
	sha, ok := c.repo.resolve(c.params["ref"], "commit")
	if !ok {
		return fail(http.StatusUnprocessableEntity, "No commit found for SHA: "+c.params["ref"])
	}
	var runs []*checkRun
	for _, cr := range s.sortedCheckRuns(c.repo) {
		if cr.HeadSHA == sha && (c.query.Get("check_name") == "" || c.query.Get("check_name") == cr.Name) {
			runs = append(runs, cr)
		}
	}
	lo, hi := c.paginate(len(runs))
	out := []*github.CheckRun{}
	for _, cr := range runs[lo:hi] {
		out = append(out, s.checkRunJSON(cr))
	}
	return http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": out}
}
