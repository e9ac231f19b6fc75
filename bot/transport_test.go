package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// limiter answers the first `limited` requests with resp, then 200 echoing
// the request body.
type limiter struct {
	mu      sync.Mutex
	limited int
	calls   int
	bodies  []string
	resp    func(w http.ResponseWriter)
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.calls++
	l.bodies = append(l.bodies, string(b))
	n := l.calls
	l.mu.Unlock()
	if n <= l.limited {
		l.resp(w)
		return
	}
	w.Header().Set("X-RateLimit-Remaining", "0")
	w.Header().Set("X-RateLimit-Reset", "2000000000")
	fmt.Fprintf(w, "ok %s", b)
}

func TestRateLimitTransport(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		limited   int
		resp      func(w http.ResponseWriter)
		wantCalls int
		wantWaits []time.Duration
		wantCode  int
	}{
		{"retry-after on 429", 1, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
		}, 2, []time.Duration{30 * time.Second}, 200},
		{"secondary limit with retry-after on 403", 2, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit."}`)
		}, 3, []time.Duration{5 * time.Second, 5 * time.Second}, 200},
		{"primary limit until reset", 1, func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(now.Unix()+90))
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"API rate limit exceeded"}`)
		}, 2, []time.Duration{91 * time.Second}, 200},
		{"secondary limit without headers backs off", 2, func(w http.ResponseWriter) {
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`)
		}, 3, []time.Duration{time.Minute, 2 * time.Minute}, 200},
		{"plain forbidden is not retried", 1, func(w http.ResponseWriter) {
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"Resource not accessible by integration"}`)
		}, 1, nil, 403},
		{"wait over the cap gives up", 1, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(429)
		}, 1, nil, 429},
		{"retries are bounded", 100, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		}, 6, []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second}, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &limiter{limited: tt.limited, resp: tt.resp}
			srv := httptest.NewServer(l)
			defer srv.Close()
			var waits []time.Duration
			rt := &RateLimitTransport{Now: func() time.Time { return now }, MaxWait: time.Hour,
				Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			req, _ := http.NewRequest("POST", srv.URL+"/repos/o/r/git/blobs", strings.NewReader(`{"content":"x"}`))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode || l.calls != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d (body %s)", resp.StatusCode, l.calls, tt.wantCode, tt.wantCalls, body)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			for i, b := range l.bodies {
				if b != `{"content":"x"}` {
					t.Errorf("attempt %d sent body %q", i+1, b)
				}
			}
			if tt.wantCode == 200 {
				if string(body) != `ok {"content":"x"}` {
					t.Errorf("body %q", body)
				}
				if resp.Header.Get("X-RateLimit-Reset") != "" {
					t.Error("reset header of an exhausted success passed up: go-github would refuse the next call instead of waiting")
				}
			}
		})
	}
}

func TestRateLimitTransportHonoursContext(t *testing.T) {
	l := &limiter{limited: 1, resp: func(w http.ResponseWriter) { w.Header().Set("Retry-After", "60"); w.WriteHeader(429) }}
	srv := httptest.NewServer(l)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rt := &RateLimitTransport{Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return SleepContext(ctx, d) }}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("cancelled wait did not return promptly")
	}
}

func TestETagTransport(t *testing.T) {
	var mu sync.Mutex
	var gotINM []string
	version := "v1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotINM = append(gotINM, r.Header.Get("If-None-Match"))
		etag := `"` + version + r.Header.Get("Authorization") + `"`
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(5000-len(gotINM)))
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"v":%q}`, version)
	}))
	defer srv.Close()
	et := newETagTransport(http.DefaultTransport)
	get := func(auth string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/repos/o/r", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := et.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, body, _ := get("token a"); code != 200 || body != `{"v":"v1"}` {
		t.Fatalf("first GET: %d %s", code, body)
	}
	code, body, h := get("token a")
	if code != 200 || body != `{"v":"v1"}` || h.Get("Content-Type") != "application/json" {
		t.Fatalf("cached GET: %d %s %v", code, body, h)
	}
	if h.Get("X-RateLimit-Remaining") != "4998" {
		t.Errorf("rate-limit figures not refreshed from the 304: %s", h.Get("X-RateLimit-Remaining"))
	}
	if gotINM[1] != `"v1token a"` {
		t.Errorf("second GET sent If-None-Match %q", gotINM[1])
	}
	// Another credential never sees the first one's cached body.
	if get("token b"); gotINM[2] != "" {
		t.Errorf("cache crossed credentials: If-None-Match %q", gotINM[2])
	}
	mu.Lock()
	version = "v2"
	mu.Unlock()
	if _, body, _ := get("token a"); body != `{"v":"v2"}` {
		t.Errorf("changed resource served from cache: %s", body)
	}
	// Writes pass through untouched.
	req, _ := http.NewRequest("PATCH", srv.URL+"/repos/o/r", strings.NewReader("{}"))
	resp, err := et.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotINM[len(gotINM)-1] != "" {
		t.Error("a PATCH was made conditional")
	}
}

func TestReadOnlyTransport(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	rt := readOnlyTransport{base: http.DefaultTransport}
	for _, tc := range []struct {
		method, path string
		ok           bool
	}{
		{"GET", "/repos/o/r", true},
		{"POST", "/api/v3/app/installations/5/access_tokens", true},
		{"POST", "/repos/o/r/pulls", false},
		{"PATCH", "/repos/o/r/pulls/1", false},
		{"DELETE", "/repos/o/r/git/refs/heads/x", false},
		{"PUT", "/repos/o/r/pulls/1/merge", false},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
		resp, err := rt.RoundTrip(req)
		if tc.ok != (err == nil) {
			t.Errorf("%s %s: err = %v", tc.method, tc.path, err)
		}
		if err == nil {
			resp.Body.Close()
		} else if !errors.Is(err, ErrDryRun) {
			t.Errorf("%s %s: err %v is not ErrDryRun", tc.method, tc.path, err)
		}
	}
	if calls != 2 {
		t.Errorf("%d requests reached the server, want 2", calls)
	}
}

// flaky answers the first `fail` requests with status (or, with status 0,
// cuts the connection without an answer), then 200.
type flaky struct {
	mu     sync.Mutex
	fail   int
	status int
	calls  int
	bodies []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls++
	f.bodies = append(f.bodies, string(b))
	n := f.calls
	f.mu.Unlock()
	if n <= f.fail {
		if f.status == 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.WriteHeader(f.status)
		io.WriteString(w, `{"message":"Server Error"}`)
		return
	}
	fmt.Fprintf(w, "ok %s", b)
}

// seen returns the requests served so far and their bodies.
func (f *flaky) seen() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]string(nil), f.bodies...)
}

func TestRateLimitTransportRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		fail      int
		status    int
		wantCalls int
		wantWaits []time.Duration
		wantCode  int // 0: a transport error
	}{
		{"GET after a 502", "GET", 1, 502, 2, []time.Duration{time.Second}, 200},
		{"GET after 503 then 504", "GET", 2, 503, 3, []time.Duration{time.Second, 2 * time.Second}, 200},
		{"HEAD after a 504", "HEAD", 1, 504, 2, []time.Duration{time.Second}, 200},
		{"GET after a connection cut", "GET", 1, 0, 2, []time.Duration{time.Second}, 200},
		{"PATCH of a ref after a 502", "PATCH", 1, 502, 2, []time.Duration{time.Second}, 200},
		{"PUT after a 503", "PUT", 1, 503, 2, []time.Duration{time.Second}, 200},
		{"DELETE after a 502", "DELETE", 1, 502, 2, []time.Duration{time.Second}, 200},
		{"attempts are bounded", "GET", 100, 502, 3, []time.Duration{time.Second, 2 * time.Second}, 502},
		{"a POST is never repeated", "POST", 1, 502, 1, nil, 502},
		{"a POST is not repeated after a connection cut", "POST", 1, 0, 1, nil, 0},
		{"500 is not transient", "GET", 1, 500, 1, nil, 500},
		{"404 is not transient", "GET", 1, 404, 1, nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flaky{fail: tt.fail, status: tt.status}
			srv := httptest.NewServer(f)
			defer srv.Close()
			var waits []time.Duration
			rt := &RateLimitTransport{Base: &http.Transport{DisableKeepAlives: true},
				Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			var body io.Reader
			if tt.method != "GET" && tt.method != "HEAD" {
				body = strings.NewReader(`{"sha":"x","force":true}`)
			}
			req, _ := http.NewRequest(tt.method, srv.URL+"/repos/o/r/git/refs/heads/b", body)
			resp, err := rt.RoundTrip(req)
			code := 0
			if err == nil {
				code = resp.StatusCode
				resp.Body.Close()
			}
			calls, bodies := f.seen()
			if code != tt.wantCode || calls != tt.wantCalls {
				t.Fatalf("status %d (err %v) after %d calls, want %d after %d", code, err, calls, tt.wantCode, tt.wantCalls)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			if body != nil {
				for i, b := range bodies {
					if b != `{"sha":"x","force":true}` {
						t.Errorf("attempt %d sent body %q", i+1, b)
					}
				}
			}
		})
	}
}

func TestRateLimitTransportTransientBackoffIsCapped(t *testing.T) {
	f := &flaky{fail: 100, status: 503}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	rt := &RateLimitTransport{TransientAttempts: 6, MaxTransientBackoff: 5 * time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if calls, _ := f.seen(); resp.StatusCode != 503 || calls != 6 || fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("status %d after %d calls, waits %v; want 503 after 6, waits %v", resp.StatusCode, calls, waits, want)
	}
}

func TestRateLimitTransportTransientWaitHonoursContext(t *testing.T) {
	f := &flaky{fail: 1, status: 502}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rt := &RateLimitTransport{TransientBackoff: time.Minute,
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return SleepContext(ctx, d) }}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls, _ := f.seen(); time.Since(start) > 5*time.Second || calls != 1 {
		t.Errorf("cancelled wait: %d calls, %v", calls, time.Since(start))
	}
}
