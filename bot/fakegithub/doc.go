// Package fakegithub is a stateful, strict fake of the GitHub REST API and a
// real git server, for tests of the GitHub App. It is an ordinary package
// (not _test) so the bot's and the server's tests can import it.
//
// # Starting it
//
//	s := fakegithub.New(t)               // httptest server, closed by t.Cleanup
//	s.AddInstallation(7, "acme")         // *Installation (edit Permissions, Suspended before use)
//	r := s.AddRepo(7, "acme/app", fakegithub.RepoOptions{}) // DefaultBranch "main", Archived, Disabled, Empty, Private
//	r.Commit("main", "Alice <alice@example.com>", "initial", map[string]string{
//		"deploy/web.yaml": "kind: Deployment\n",
//		"old.yaml":        fakegithub.Delete, // removes a path
//	})
//
// # URL layout
//
//   - REST API at s.APIURL = s.URL+"/api/v3/" (GitHub Enterprise Server
//     layout, so go-github's WithEnterpriseURLs(s.APIURL, s.APIURL) and
//     ghinstallation's BaseURL = s.URL+"/api/v3" work), and also at s.URL+"/"
//     (github.com layout).
//   - git smart HTTP at s.URL+"/git/{owner}/{name}.git" (git http-backend via
//     net/http/cgi, real bare repositories on disk). This is the clone_url of
//     the repositories in API JSON. Clone with basic auth username
//     "x-access-token" and an installation token as password; anything else
//     is 401 with WWW-Authenticate; a token of another installation 404.
//     Pushes are accepted (they move pull requests' heads like on GitHub).
//
// # Authentication
//
//   - The App: s.AppID, s.PrivateKeyPEM (RSA PKCS#1 PEM), s.AppSlug
//     ("pss-bot"); its bot user is s.BotLogin() ("pss-bot[bot]", type Bot,
//     commit e-mail s.BotEmail()). /app/* endpoints need "Authorization:
//     Bearer <JWT>" signed RS256 with that key, iss = app id (number or
//     string), iat not in the future (60 s drift), exp in the future and at
//     most 10 minutes after iat; otherwise 401 with GitHub's message.
//   - Installation tokens: POST /app/installations/{id}/access_tokens (201,
//     token "ghs_…", expires_at one hour on; optional repositories,
//     repository_ids and permissions narrow it), or s.Token(id) directly.
//     "Authorization: token X" or "Bearer X". A token sees only its
//     installation's repositories (404 for others, as GitHub). Unknown or
//     expired token: 401 "Bad credentials"; no Authorization: 401 "Requires
//     authentication". s.ExpireTokens() expires all issued tokens;
//     s.TokensIssued() counts them.
//   - Permissions are enforced per endpoint (contents, pull_requests, issues,
//     checks, metadata; writes need "write"): 403 "Resource not accessible by
//     integration". Archived repositories refuse writes (403 "Repository
//     was archived so is read-only."); disabled ones show in GET
//     /repos/{o}/{r} and listings ("disabled": true) and refuse everything
//     else, git included (403 "Repository access blocked").
//
// # Endpoints (paths as GitHub's, JSON marshalled from go-github v60 types)
//
//	GET  /rate_limit (free)
//	GET  /app, /app/installations (paginated), /app/installations/{id}
//	POST /app/installations/{id}/access_tokens
//	GET  /app/hook/deliveries (cursor pagination, newest first, ?status=success|failure)
//	GET  /app/hook/deliveries/{id}
//	POST /app/hook/deliveries/{id}/attempts → 202 {} (go-github reports *github.AcceptedError)
//	GET  /repos/{o}/{r}/installation (JWT)
//	GET  /installation/repositories (paginated {"total_count","repositories"})
//	GET  /repos/{o}/{r}                    (size 0 while empty, archived, disabled, clone_url, owner…)
//	GET  /repos/{o}/{r}/collaborators/{user}/permission
//	GET  /repos/{o}/{r}/contents/{path}?ref=   (file: base64 wrapped at 60; dir: array; 404 when absent)
//	GET  /repos/{o}/{r}/branches, /branches/{branch}
//	GET  /repos/{o}/{r}/commits?sha=&path=&author=&since=&until= (paginated), /commits/{ref}
//	GET  /repos/{o}/{r}/compare/{base}...{head}
//	POST /repos/{o}/{r}/git/blobs          (utf-8|base64) → 201; GET /git/blobs/{sha}
//	POST /repos/{o}/{r}/git/trees          (base_tree; entries with sha, content, or "sha": null to delete) → 201
//	GET  /repos/{o}/{r}/git/trees/{sha|ref}?recursive=1 (truncated false)
//	POST /repos/{o}/{r}/git/commits        → 201, verification.verified true when GitHub is the
//	                                          committer (no committer/signature given); author defaults to the bot
//	GET  /repos/{o}/{r}/git/commits/{sha}
//	GET  /repos/{o}/{r}/git/ref/{ref}, /git/refs, /git/refs/{ref}, /git/matching-refs/{prefix}
//	POST /repos/{o}/{r}/git/refs           (422 "Reference already exists")
//	PATCH /repos/{o}/{r}/git/refs/{ref}    (422 "Update is not a fast forward" unless force)
//	DELETE /repos/{o}/{r}/git/refs/{ref}   (204; 422 "Reference does not exist")
//	GET/POST /repos/{o}/{r}/pulls          (state, head=owner:branch, base, sort, direction; paginated)
//	GET/PATCH /repos/{o}/{r}/pulls/{n}     (title, body, state, base)
//	GET /pulls/{n}/commits, /pulls/{n}/files; GET/PUT /pulls/{n}/merge (merge|squash)
//	GET/POST/DELETE /pulls/{n}/requested_reviewers
//	GET/POST /repos/{o}/{r}/issues         (state, creator, labels, assignee, since, sort, direction; PRs included with pull_request)
//	GET/PATCH /repos/{o}/{r}/issues/{n}    (title, body, state, state_reason, labels, assignees)
//	GET/POST /issues/{n}/comments; GET /issues/comments; GET/PATCH/DELETE /issues/comments/{id}
//	GET/POST/PUT/DELETE /issues/{n}/labels; DELETE /issues/{n}/labels/{name} (404 "Label does not exist")
//	GET/POST /repos/{o}/{r}/labels (422 already_exists); GET/PATCH/DELETE /labels/{name}
//	POST /repos/{o}/{r}/check-runs; GET/PATCH /check-runs/{id}; GET /commits/{ref}/check-runs
//
// Behaviour worth knowing, all as on GitHub:
//   - Pulls and issues share one number sequence per repository.
//   - POST /pulls: 422 Validation Failed with errors[0].message "A pull
//     request already exists for owner:branch." for a second open PR on the
//     same head and base; "No commits between main and x" when the head has
//     nothing new; field head/base code "invalid" when a branch is missing;
//     missing_field for title/head/base.
//   - A pull request's head sha follows its branch; deleting the head (or
//     base) branch closes open pull requests; a base that comes to contain
//     the head marks them merged. Reopening (PATCH state=open) is 422 when
//     the head branch was deleted, was force-pushed since closing (it must
//     still hold the closed head or build on it), or another open PR has the
//     same head; the base of a closed PR cannot be changed.
//   - GET /pulls?head= filters only in the form owner:branch (a bare branch
//     name is ignored, as GitHub does).
//   - Adding a label that does not exist to an issue creates it. New
//     repositories have the labels bug, documentation, enhancement.
//   - The Git Data API and commits endpoints answer 409 "Git Repository is
//     empty." on a repository without commits; contents answers 404.
//   - API requests are handled one at a time (one mutex; git fetches run
//     alongside), so counts are exact and state never tears.
//
// # Strictness
//
// Unknown routes and wrong methods: 404 {"message":"Not Found",
// "documentation_url":…}. Malformed JSON: 400 "Problems parsing JSON"; a
// value of the wrong type: 422 "Invalid request…"; missing required fields:
// 422 "Validation Failed" with errors [{resource, field, code}] or GitHub's
// "Invalid request.\n\n\"x\" wasn't supplied.". Every error has a
// documentation_url.
//
// # Pagination, ETags, rate limits
//
//   - per_page (default 30, max 100) and page; a Link header with
//     rel="next", "last", "first", "prev" built from the request URL, so
//     go-github's Response.NextPage/LastPage work. Hook deliveries use a
//     cursor (Response.Cursor).
//   - Every 200 GET has an ETag (hash of the body); If-None-Match with it
//     answers 304 with no body, which does not count against the rate limit.
//   - Every API response has X-RateLimit-Limit, -Remaining, -Used, -Reset,
//     -Resource. Each installation (and the App's JWT) has its own budget,
//     DefaultRateLimit per hour. s.SetRateLimit(limit, window) changes it;
//     s.SetRateRemaining(instID, n, resetIn) sets what is left. Exhausted:
//     403 {"message":"API rate limit exceeded for installation ID N."} with
//     X-RateLimit-Remaining: 0 (go-github: *github.RateLimitError).
//   - s.SecondaryRateLimit(n, retryAfter) answers the next n requests made
//     with installation tokens (not the App's token requests) with 403,
//     Retry-After (seconds, rounded up) and "You have exceeded a secondary
//     rate limit…" (go-github: *github.AbuseRateLimitError with RetryAfter;
//     note go-github then refuses further calls client-side until that
//     time). s.SecondaryRateLimitStatus(n, d, 429) uses 429 instead.
//   - s.FailNext(method, pattern, status) answers the next matching request
//     (path.Match pattern on the path without /api/v3, e.g.
//     "/repos/*/*/pulls") with that status, once.
//   - reached, release := s.Hold(method, pattern) makes the next matching
//     request wait (outside the lock; other requests go on) until release();
//     reached is closed when it arrives — to stop the code under test
//     between two writes (e.g. SIGTERM mid-job).
//
// # Recording and inspection
//
//   - s.Requests() []Request{Method, Path (without /api/v3), Query, Status,
//     Write, Git, InstallationID, Time}; s.CountWrites() (API non-GET
//     requests and git pushes, whatever their status); s.Count(method,
//     pattern); s.CountClones() (git-upload-pack POSTs); s.Reset() forgets
//     the requests, not the state.
//   - Repositories: s.Repo("o/n"), r.Files(ref) map[path]content,
//     r.File(ref, path), r.Branch(name) sha ("" if absent), r.Branches(),
//     r.Log(ref) []CommitInfo (newest first; AuthorLogin, Verified,
//     Parents…), r.Verified(sha), r.CloneURL(), r.Dir (the bare
//     repository; after changing it with git yourself, call r.Reload()).
//   - People: r.Commit(branch, author, msg, files) (author "Name <e-mail>",
//     an e-mail, or a login → login@users.noreply.github.com mapped to it),
//     r.SetBranch, r.DeleteBranch (closes PRs from it), r.SetArchived,
//     r.SetDisabled, r.SetDefaultBranch, s.SetLogin(email, login),
//     s.ClosePR(r, n), s.ReopenPR(r, n), s.MergePR(r, n, login),
//     s.CommentAs(login, r, n, body), s.CreateIssueAs, s.CreatePRAs,
//     s.SetAssociation(login, "OWNER"|"MEMBER"|…) (people default to
//     MEMBER, bots to NONE; review requests to NONE users are 422).
//   - Issues and PRs: s.Issues(r), s.PullRequests(r), s.OpenPullRequests(r),
//     s.Issue(r, n) (snapshots: Title, Body, State, User, Labels, Head,
//     HeadSHA, Merged, Reviewers…), s.Comments(r, n), s.CheckRuns(r).
//   - Webhook payloads from the current state (go-github event types, for
//     s.Deliver or your own signed POST): s.PushEvent(r, branch, before,
//     pusher), s.InstallationEvent(id, action, sender),
//     s.InstallationRepositoriesEvent(id, action, sender, repos...),
//     s.PullRequestEvent(r, n, action, sender), s.IssueCommentEvent(r,
//     commentID, action).
//   - Webhooks: s.AddDelivery(Delivery{…}) registers a past delivery
//     (StatusCode ≥ 400 makes it failed); s.Redelivered() lists the ids the
//     App asked to redeliver; s.Deliveries(). With s.SetWebhook(url,
//     secret), redeliveries are really sent (in the background, signed with
//     X-Hub-Signature-256, same X-GitHub-Delivery GUID) and s.Deliver(event,
//     payload) sends an event synchronously and records it.
//   - s.SetClock(func() time.Time) replaces the clock (token expiry,
//     rate-limit windows, timestamps); s.Advance(d) moves it on
//     (e.g. from a fake sleep, so a rate-limit window resets). JWTs are
//     checked against real time; tokens expire by the server's clock, so an
//     advance past an hour makes cached tokens fail with 401.
//
// # Known gaps
//
// No GraphQL, search, reviews/review comments, statuses, releases, forks,
// branch protection, or contents writes (PUT /contents). Deleting a tree
// path that does not exist is accepted silently. Everything runs under one
// mutex: fine for tests, not a load generator.
package fakegithub
