// Package webhook receives GitHub's webhook deliveries for pss-bot: it checks
// each delivery's X-Hub-Signature-256, parses the event with go-github, and
// turns the few events the bot acts on into queued jobs. It does no GitHub
// call and no sweep itself, so it answers in milliseconds even while every
// worker is busy.
//
// Answers: 202 for a delivery accepted (queued, collapsed into a waiting job,
// or ignored), 401 for a missing or wrong signature, 413 for a body over the
// limit, 400 for a malformed one, 503 when the queue cannot take the job (so
// that GitHub records the delivery as failed and it is redelivered later).
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/pss-bot/pss-bot/bot/metrics"
	"github.com/pss-bot/pss-bot/bot/queue"
)

// MaxBodyDefault is GitHub's own cap on a webhook payload.
const MaxBodyDefault = 25 << 20

// BranchDefault is the bot's branch.
const BranchDefault = "pss-bot/restricted"

// Enqueuer takes the jobs the events ask for; *queue.Queue implements it.
// Each method returns how many new jobs it queued (0: collapsed into jobs
// already waiting, or a delivery already seen).
type Enqueuer interface {
	EnqueueRepos(ctx context.Context, reason, delivery string, repos []queue.Repo) (int, error)
	EnqueueInstallation(ctx context.Context, reason, delivery string, installationID int64) (int, error)
	EnqueueCommand(ctx context.Context, delivery string, repo queue.Repo, issue int, author, body string) (int, error)
}

// Options configure a Handler. Secret and Enqueuer are required.
type Options struct {
	// Secret is the App's webhook secret.
	Secret []byte
	// Enqueuer takes the jobs.
	Enqueuer Enqueuer
	// BotLogin is the App's bot user ("<app-slug>[bot]"). Its own pushes and
	// comments are ignored and its PRs are the ones commands are read on.
	// When empty, any account of type Bot is taken for it.
	BotLogin string
	// Branch is the bot's branch (default BranchDefault).
	Branch string
	// MaxBody bounds a delivery's size (default MaxBodyDefault).
	MaxBody int64
	Metrics *metrics.Metrics
	Logger  *slog.Logger
}

// Handler is the http.Handler of POST /webhook.
type Handler struct {
	opts Options
	log  *slog.Logger
}

// New checks opts and returns the handler.
func New(opts Options) (*Handler, error) {
	if len(opts.Secret) == 0 {
		return nil, errors.New("webhook: the webhook secret is empty; GitHub signs every delivery with it and unsigned deliveries must be refused")
	}
	if opts.Enqueuer == nil {
		return nil, errors.New("webhook: Options.Enqueuer is required")
	}
	if opts.Branch == "" {
		opts.Branch = BranchDefault
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = MaxBodyDefault
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts, log: opts.Logger}, nil
}

// ServeHTTP verifies, parses and routes one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	event := r.Header.Get("X-GitHub-Event")
	delivery := r.Header.Get("X-GitHub-Delivery")
	log := h.log.With("event", event, "delivery", delivery)
	status, result, msg := h.serve(r, event, delivery, log)
	h.opts.Metrics.WebhookDelivery(metricEvent(event), result, time.Since(began))
	if status >= 500 {
		log.Error("webhook delivery not queued", "status", status, "reason", msg)
	} else if status >= 400 {
		log.Warn("webhook delivery refused", "status", status, "reason", msg)
	} else {
		log.Debug("webhook delivery accepted", "result", result, "detail", msg)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

func (h *Handler) serve(r *http.Request, event, delivery string, log *slog.Logger) (status int, result, msg string) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "bad_request", "webhook deliveries are POSTed"
	}
	if r.ContentLength > h.opts.MaxBody {
		return http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body of %d bytes exceeds the %d-byte limit", r.ContentLength, h.opts.MaxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, h.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds the %d-byte limit", h.opts.MaxBody)
		}
		return http.StatusBadRequest, "bad_request", "reading the body failed"
	}
	if err := verifySignature(h.opts.Secret, r.Header.Get("X-Hub-Signature-256"), body); err != nil {
		return http.StatusUnauthorized, "unauthorized", err.Error()
	}
	// Only a signed delivery gets this far: what follows trusts GitHub.
	if event == "" || delivery == "" {
		return http.StatusBadRequest, "bad_request", "missing X-GitHub-Event or X-GitHub-Delivery header"
	}
	payload, err := jsonPayload(r.Header.Get("Content-Type"), body)
	if err != nil {
		return http.StatusBadRequest, "bad_request", err.Error()
	}
	if !handled[event] {
		return http.StatusAccepted, "ignored", "event " + event + " ignored"
	}
	parsed, err := github.ParseWebHook(event, payload)
	if err != nil {
		return http.StatusBadRequest, "bad_request", "malformed " + event + " payload"
	}
	route := h.route(parsed)
	if route.ignore != "" {
		return http.StatusAccepted, "ignored", route.ignore
	}
	n, err := route.enqueue(r.Context(), h.opts.Enqueuer, delivery)
	if err != nil {
		log.Error("enqueue failed", "err", err)
		return http.StatusServiceUnavailable, "error", "the queue is unavailable; GitHub will redeliver"
	}
	if n == 0 {
		return http.StatusAccepted, "duplicate", "already queued"
	}
	return http.StatusAccepted, "queued", fmt.Sprintf("queued %d job(s)", n)
}

// verifySignature checks X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of
// the body under the secret) in constant time.
func verifySignature(secret []byte, header string, body []byte) error {
	if header == "" {
		return errors.New("missing X-Hub-Signature-256 header")
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return errors.New("X-Hub-Signature-256 is not sha256=<hex>")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return errors.New("X-Hub-Signature-256 is not sha256=<hex>")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("X-Hub-Signature-256 does not match the body")
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 value GitHub sends for body; tests
// and tools use it to make deliveries.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// jsonPayload returns the JSON of a delivery: the body itself, or its
// "payload" field when the hook was set to application/x-www-form-urlencoded.
func jsonPayload(contentType string, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("malformed form-encoded body")
	}
	return []byte(form.Get("payload")), nil
}

// handled are the events the bot acts on; every other is acknowledged and
// ignored.
var handled = map[string]bool{
	"installation":                true,
	"installation_repositories":   true,
	"push":                        true,
	"pull_request":                true,
	"issue_comment":               true,
	"pull_request_review_comment": true,
}

// metricEvent bounds the event label: the header is whatever the sender
// wrote, signed or not, and each label value is a new time series.
func metricEvent(event string) string {
	if handled[event] || event == "ping" {
		return event
	}
	return "other"
}

// commandLine matches a comment line that starts with /pss (a quoted line,
// "> /pss", does not).
var commandLine = regexp.MustCompile(`(?m)^[ \t]*/pss(?:[ \t\r]|$)`)
