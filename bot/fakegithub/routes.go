package fakegithub

import "strings"

// buildRoutes lists the endpoints; the first match wins, so literal
// segments come before parameters where GitHub's paths overlap.
func (s *Server) buildRoutes() []route {
	const (
		inst   = authInstallation
		app    = authApp
		either = authAny
	)
	rt := func(method, pattern string, auth authKind, perm string, h handlerFunc) route {
		write := method != "GET"
		return route{method: method, segs: strings.Split(strings.TrimPrefix(pattern, "/"), "/"), h: h, auth: auth, perm: perm, write: write}
	}
	const repo = "/repos/{owner}/{repo}"
	const issuesPerm = "issues|pull_requests"
	return []route{
		rt("GET", "/rate_limit", either, "", s.rateLimitStatus),

		rt("GET", "/app", app, "", s.getApp),
		rt("GET", "/app/installations", app, "", s.listInstallations),
		rt("GET", "/app/installations/{id}", app, "", s.getInstallation),
		rt("POST", "/app/installations/{id}/access_tokens", app, "", s.createToken),
		rt("GET", "/app/hook/deliveries", app, "", s.listDeliveries),
		rt("GET", "/app/hook/deliveries/{id}", app, "", s.getDelivery),
		rt("POST", "/app/hook/deliveries/{id}/attempts", app, "", s.redeliver),
		rt("GET", repo+"/installation", app, "", s.getRepoInstallation),

		rt("GET", "/installation/repositories", inst, "metadata", s.listInstallationRepos),
		rt("GET", repo, inst, "metadata", s.getRepo),
		rt("GET", repo+"/collaborators/{user}/permission", inst, "metadata", s.collaboratorPermission),

		rt("GET", repo+"/contents", inst, "contents", s.getContents),
		rt("GET", repo+"/contents/{path...}", inst, "contents", s.getContents),
		rt("GET", repo+"/branches", inst, "contents", s.listBranches),
		rt("GET", repo+"/branches/{branch...}", inst, "contents", s.getBranch),
		rt("GET", repo+"/commits", inst, "contents", s.listCommits),
		rt("GET", repo+"/commits/{ref}/check-runs", inst, "checks", s.listCheckRuns),
		rt("GET", repo+"/commits/{ref...}", inst, "contents", s.getCommit),
		rt("GET", repo+"/compare/{basehead...}", inst, "contents", s.compare),

		rt("POST", repo+"/git/blobs", inst, "contents", s.createBlob),
		rt("GET", repo+"/git/blobs/{sha}", inst, "contents", s.getBlob),
		rt("POST", repo+"/git/commits", inst, "contents", s.createGitCommit),
		rt("GET", repo+"/git/commits/{sha}", inst, "contents", s.getGitCommit),
		rt("POST", repo+"/git/trees", inst, "contents", s.createTree),
		rt("GET", repo+"/git/trees/{sha...}", inst, "contents", s.getTree),
		rt("GET", repo+"/git/ref/{ref...}", inst, "contents", s.getRef),
		rt("GET", repo+"/git/refs", inst, "contents", s.matchingRefs),
		rt("GET", repo+"/git/refs/{ref...}", inst, "contents", s.getRef),
		rt("GET", repo+"/git/matching-refs", inst, "contents", s.matchingRefs),
		rt("GET", repo+"/git/matching-refs/{ref...}", inst, "contents", s.matchingRefs),
		rt("POST", repo+"/git/refs", inst, "contents", s.createRef),
		rt("PATCH", repo+"/git/refs/{ref...}", inst, "contents", s.updateRef),
		rt("DELETE", repo+"/git/refs/{ref...}", inst, "contents", s.deleteRefAPI),

		rt("GET", repo+"/pulls", inst, "pull_requests", s.listPulls),
		rt("POST", repo+"/pulls", inst, "pull_requests", s.createPullAPI),
		rt("GET", repo+"/pulls/{number}", inst, "pull_requests", s.getPull),
		rt("PATCH", repo+"/pulls/{number}", inst, "pull_requests", s.editPull),
		rt("GET", repo+"/pulls/{number}/commits", inst, "pull_requests", s.listPullCommits),
		rt("GET", repo+"/pulls/{number}/files", inst, "pull_requests", s.listPullFiles),
		rt("GET", repo+"/pulls/{number}/merge", inst, "pull_requests", s.isMerged),
		rt("PUT", repo+"/pulls/{number}/merge", inst, "contents", s.mergePull),
		rt("GET", repo+"/pulls/{number}/requested_reviewers", inst, "pull_requests", s.requestedReviewers),
		rt("POST", repo+"/pulls/{number}/requested_reviewers", inst, "pull_requests", s.requestedReviewers),
		rt("DELETE", repo+"/pulls/{number}/requested_reviewers", inst, "pull_requests", s.requestedReviewers),

		rt("GET", repo+"/issues", inst, "issues", s.listIssues),
		rt("POST", repo+"/issues", inst, "issues", s.createIssue),
		rt("GET", repo+"/issues/comments", inst, issuesPerm, s.listComments),
		rt("GET", repo+"/issues/comments/{id}", inst, issuesPerm, s.getComment),
		rt("PATCH", repo+"/issues/comments/{id}", inst, issuesPerm, s.editComment),
		rt("DELETE", repo+"/issues/comments/{id}", inst, issuesPerm, s.deleteComment),
		rt("GET", repo+"/issues/{number}", inst, issuesPerm, s.getIssue),
		rt("PATCH", repo+"/issues/{number}", inst, issuesPerm, s.editIssue),
		rt("GET", repo+"/issues/{number}/comments", inst, issuesPerm, s.listComments),
		rt("POST", repo+"/issues/{number}/comments", inst, issuesPerm, s.createComment),
		rt("GET", repo+"/issues/{number}/labels", inst, issuesPerm, s.issueLabels),
		rt("POST", repo+"/issues/{number}/labels", inst, issuesPerm, s.issueLabels),
		rt("PUT", repo+"/issues/{number}/labels", inst, issuesPerm, s.issueLabels),
		rt("DELETE", repo+"/issues/{number}/labels", inst, issuesPerm, s.issueLabels),
		rt("DELETE", repo+"/issues/{number}/labels/{name}", inst, issuesPerm, s.removeIssueLabel),
		rt("GET", repo+"/labels", inst, issuesPerm, s.repoLabels),
		rt("POST", repo+"/labels", inst, issuesPerm, s.repoLabels),
		rt("GET", repo+"/labels/{name}", inst, issuesPerm, s.repoLabel),
		rt("PATCH", repo+"/labels/{name}", inst, issuesPerm, s.repoLabel),
		rt("DELETE", repo+"/labels/{name}", inst, issuesPerm, s.repoLabel),

		rt("POST", repo+"/check-runs", inst, "checks", s.createCheckRun),
		rt("GET", repo+"/check-runs/{id}", inst, "checks", s.checkRunByID),
		rt("PATCH", repo+"/check-runs/{id}", inst, "checks", s.checkRunByID),
	}
}
