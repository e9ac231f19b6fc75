package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file holds the HTTP layers that make the bot a polite API client:
// waiting out rate limits, conditional requests, and refusing writes in a dry
// run. The stack under an installation's go-github client is:
//
//	etagTransport → ghinstallation (token) → [readOnlyTransport] → RateLimitTransport → base (metrics) → network
//
// so the base transport sees every real attempt (token exchanges included),
// rate limits are waited out for every call, and each installation has its
// own ETag cache: a cached body never crosses installations.

// RateLimitTransport retries requests that GitHub answered with a primary or
// secondary rate limit (403 or 429), waiting as GitHub asks: Retry-After when
// given, else until X-RateLimit-Reset when the remaining count is 0, else
// (a secondary limit without headers) an exponential back-off starting at one
// minute, as GitHub's documentation asks. Waits are capped by MaxWait; a
// longer wait returns the response as it is, so the caller fails fast and
// names the limit.
//
// It also retries transient failures (502, 503, 504, or a connection reset
// or cut short) with a short exponential back-off, but only for requests
// that are safe to repeat: GET, HEAD and OPTIONS, and PUT, PATCH and DELETE,
// which on GitHub's REST API set a state (a ref, a pull request, an issue)
// rather than add to it. A POST is never repeated: it may have been carried
// out before the answer was lost, and a second one could open a second pull
// request or post a comment twice.
type RateLimitTransport struct {
	Base http.RoundTripper
	// MaxRetries bounds the rate-limit retries of one request (default 5).
	MaxRetries int
	// MaxWait caps one rate-limit wait (default 15 minutes).
	MaxWait time.Duration
	// TransientAttempts bounds the attempts of a request that keeps failing
	// transiently, the first included (default 3; 1 turns retries off).
	TransientAttempts int
	// TransientBackoff is the first wait after a transient failure, doubled
	// on each further one (default 1 s) up to MaxTransientBackoff (default
	// 8 s).
	TransientBackoff    time.Duration
	MaxTransientBackoff time.Duration
	// Now and Sleep are the clock; tests make them instant.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
}

// SleepContext waits for d or until ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RoundTrip implements http.RoundTripper.
func (t *RateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	now, sleep := t.Now, t.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = SleepContext
	}
	maxRetries, maxWait := t.MaxRetries, t.MaxWait
	if maxRetries <= 0 {
		maxRetries = 5
	}
	if maxWait <= 0 {
		maxWait = 15 * time.Minute
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	rateAttempt, transientAttempt := 0, 0
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(req.Context())
			if req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, fmt.Errorf("replaying %s %s: %w", req.Method, req.URL.Path, err)
				}
				r.Body = body
			}
		}
		resp, err := base.RoundTrip(r)
		if replayable && safeToRepeat(req) && transientAttempt+1 < t.transientAttempts() && isTransient(req, resp, err) {
			wait := t.transientWait(transientAttempt)
			transientAttempt++
			if t.Log != nil {
				var what string
				if err != nil {
					what = err.Error()
				} else {
					what = resp.Status
				}
				t.Log.Warn("transient GitHub failure, retrying", "method", req.Method, "path", req.URL.Path,
					"failure", what, "wait", wait.String(), "attempt", transientAttempt)
			}
			if resp != nil {
				io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
			}
			if err := sleep(req.Context(), wait); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		wait, limited := rateLimitWait(resp, now(), rateAttempt)
		if !limited {
			// The transport owns waiting: do not let go-github refuse the
			// next request on its own because this one used the last unit
			// (it would fail it instead of waiting).
			if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
				resp.Header.Del("X-Ratelimit-Reset")
			}
			return resp, nil
		}
		if rateAttempt >= maxRetries || wait > maxWait || !replayable {
			return resp, nil
		}
		rateAttempt++
		if t.Log != nil {
			t.Log.Info("GitHub rate limit, waiting", "method", req.Method, "path", req.URL.Path,
				"status", resp.StatusCode, "wait", wait.String(), "attempt", rateAttempt)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func (t *RateLimitTransport) transientAttempts() int {
	if t.TransientAttempts > 0 {
		return t.TransientAttempts
	}
	return 3
}

// transientWait is the wait before retry number attempt+1: TransientBackoff
// doubled attempt times, capped.
func (t *RateLimitTransport) transientWait(attempt int) time.Duration {
	first, limit := t.TransientBackoff, t.MaxTransientBackoff
	if first <= 0 {
		first = time.Second
	}
	if limit <= 0 {
		limit = 8 * time.Second
	}
	return min(first<<min(attempt, 16), limit)
}

// safeToRepeat says whether sending req twice does no more than sending it
// once. GitHub's PUT, PATCH and DELETE endpoints set a state (force-move a
// ref, set a title or a state, replace labels, delete a branch: a second
// delete answers 422, which the caller takes as "already gone"); a POST
// creates something, and is never repeated.
func safeToRepeat(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// isTransient says whether a request failed in a way that a later attempt
// may not: a gateway error or an unavailable GitHub (502, 503, 504), or a
// connection reset or closed before the answer. A cancelled or expired
// context is not transient.
func isTransient(req *http.Request, resp *http.Response, err error) bool {
	if err != nil {
		if req.Context().Err() != nil {
			return false
		}
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
			errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// rateLimitWait says whether resp is a rate limit and how long to wait.
func rateLimitWait(resp *http.Response, now time.Time, attempt int) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	h := resp.Header
	if ra := h.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if at, err := http.ParseTime(ra); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			// One second of margin: the reset is rounded down to the second.
			return max(time.Unix(reset, 0).Sub(now), 0) + time.Second, true
		}
	}
	// A secondary rate limit may come without either header; GitHub's body
	// then says so. 403 is also "forbidden", which must not be retried.
	if isSecondaryLimitBody(resp) {
		return time.Minute << min(attempt, 4), true
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return time.Minute << min(attempt, 4), true
	}
	return 0, false
}

// isSecondaryLimitBody peeks at a 403 body for GitHub's secondary-limit
// message, leaving the body readable.
func isSecondaryLimitBody(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	s := strings.ToLower(string(b))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse detection")
}

// etagTransport makes GETs conditional: it remembers each response's ETag,
// sends If-None-Match next time, and answers a 304 with the remembered body,
// so the caller sees a 200 and GitHub does not count the request against the
// rate limit. Entries are keyed by URL, Accept and the identity of the
// credential (a hash of the Authorization header, when the layer sees one);
// the sweeper also keeps one cache per installation.
type etagTransport struct {
	base http.RoundTripper

	mu      sync.Mutex
	entries map[string]*etagEntry
	size    int
}

type etagEntry struct {
	etag   string
	status int
	header http.Header
	body   []byte
}

const (
	etagMaxBody  = 1 << 20
	etagMaxTotal = 64 << 20
)

func newETagTransport(base http.RoundTripper) *etagTransport {
	return &etagTransport{base: base, entries: map[string]*etagEntry{}}
}

func etagKey(req *http.Request) string {
	auth := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return req.URL.String() + "\x00" + req.Header.Get("Accept") + "\x00" + hex.EncodeToString(auth[:8])
}

func (t *etagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" {
		return t.base.RoundTrip(req)
	}
	key := etagKey(req)
	t.mu.Lock()
	e := t.entries[key]
	t.mu.Unlock()
	r := req
	if e != nil {
		r = req.Clone(req.Context())
		r.Header.Set("If-None-Match", e.etag)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified && e != nil {
		resp.Body.Close()
		h := e.header.Clone()
		// Keep the fresh rate-limit figures.
		for k, v := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-ratelimit-") {
				h[k] = v
			}
		}
		return &http.Response{
			Status: fmt.Sprintf("%d %s", e.status, http.StatusText(e.status)), StatusCode: e.status,
			Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
			Header: h, Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)),
			Request: req,
		}, nil
	}
	etag := resp.Header.Get("Etag")
	if resp.StatusCode != http.StatusOK || etag == "" {
		if e != nil && resp.StatusCode != http.StatusOK {
			t.forget(key)
		}
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, etagMaxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) <= etagMaxBody {
		t.remember(key, &etagEntry{etag: etag, status: resp.StatusCode, header: resp.Header.Clone(), body: body})
	}
	return resp, nil
}

func (t *etagTransport) remember(key string, e *etagEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.entries[key]; old != nil {
		t.size -= len(old.body)
	}
	if t.size+len(e.body) > etagMaxTotal {
		// Crude but bounded: start over rather than grow without limit.
		t.entries = map[string]*etagEntry{}
		t.size = 0
	}
	t.entries[key] = e
	t.size += len(e.body)
}

func (t *etagTransport) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.entries[key]; old != nil {
		t.size -= len(old.body)
		delete(t.entries, key)
	}
}

// ErrDryRun is returned for a write attempted during a dry run.
var ErrDryRun = errors.New("dry run: write to GitHub refused")

// readOnlyTransport refuses every request that could change GitHub's state,
// except the installation token exchange, which the reads need. It backs up
// the dry-run client so that a missed code path cannot write.
type readOnlyTransport struct{ base http.RoundTripper }

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return t.base.RoundTrip(req)
	}
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/access_tokens") && strings.Contains(req.URL.Path, "/app/installations/") {
		return t.base.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, fmt.Errorf("%w: %s %s", ErrDryRun, req.Method, req.URL.Path)
}
