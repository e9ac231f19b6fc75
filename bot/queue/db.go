package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/pss-bot/pss-bot/bot/metrics"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// redactURL drops the password of a database URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// SQLiteDSN is the modernc.org/sqlite data source for path: WAL so readers
// do not block the writer, a busy timeout instead of immediate SQLITE_BUSY
// errors, and immediate transactions so none fails upgrading to a writer.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

func (q *Queue) openSQLite(ctx context.Context, cfg *river.Config) error {
	path := q.opts.SQLitePath
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("queue: sqlite %s: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return fmt.Errorf("queue: sqlite %s: %w", path, err)
	}
	// SQLite has one writer; River's SQLite driver is documented to work
	// best with a single connection, which also serialises writers without
	// "database is locked" errors.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("queue: sqlite %s: %w", path, err)
	}
	driver := riversqlite.New(db)
	if err := migrate(ctx, driver, q.log.With("component", "river-migrate"), ""); err != nil {
		db.Close()
		return fmt.Errorf("queue: sqlite %s: %w", path, err)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		db.Close()
		return fmt.Errorf("queue: sqlite %s: %w", path, err)
	}
	q.client = client
	q.ping = db.PingContext
	q.counts = func(ctx context.Context) (map[metrics.QueueKey]int, error) {
		rows, err := db.QueryContext(ctx, countByState)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanCounts(rows.Next, rows.Scan, rows.Err)
	}
	q.close = func() { db.Close() }
	return nil
}

func (q *Queue) openPostgres(ctx context.Context, cfg *river.Config) error {
	where := redactURL(q.opts.DatabaseURL)
	pcfg, err := pgxpool.ParseConfig(q.opts.DatabaseURL)
	if err != nil {
		// pgx errors can quote the connection string: keep only our words.
		return fmt.Errorf("queue: database-url %s: invalid PostgreSQL URL", where)
	}
	// Workers plus River's own connections (fetch, maintenance, listener).
	if need := int32(q.opts.Workers + 6); pcfg.MaxConns < need {
		pcfg.MaxConns = need
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("queue: postgres %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("queue: postgres %s: %w", where, err)
	}
	driver := riverpgxv5.New(pool)
	if err := migrate(ctx, driver, q.log.With("component", "river-migrate"), q.opts.Schema); err != nil {
		pool.Close()
		return fmt.Errorf("queue: postgres %s: %w", where, err)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		pool.Close()
		return fmt.Errorf("queue: postgres %s: %w", where, err)
	}
	q.client = client
	q.ping = pool.Ping
	table := "river_job"
	if q.opts.Schema != "" {
		table = pgx.Identifier{q.opts.Schema, "river_job"}.Sanitize()
	}
	q.counts = func(ctx context.Context) (map[metrics.QueueKey]int, error) {
		rows, err := pool.Query(ctx, strings.Replace(countByState, "river_job", table, 1))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanCounts(rows.Next, func(dest ...any) error { return rows.Scan(dest...) }, rows.Err)
	}
	q.close = pool.Close
	return nil
}

// countByState counts River's jobs by kind and state.
const countByState = "SELECT kind, state, count(*) FROM river_job GROUP BY kind, state"

func scanCounts(next func() bool, scan func(...any) error, done func() error) (map[metrics.QueueKey]int, error) {
	counts := map[metrics.QueueKey]int{}
	for next() {
		var k metrics.QueueKey
		var n int64
		if err := scan(&k.Kind, &k.State, &n); err != nil {
			return nil, err
		}
		counts[k] = int(n)
	}
	return counts, done()
}

// migrate runs River's migrations up. Replicas starting together may race;
// a loser retries once the winner is done.
func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger, schema string) error {
	cfg := &rivermigrate.Config{Logger: log, Schema: schema}
	m, err := rivermigrate.New(driver, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for attempt := 0; ; attempt++ {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil || attempt == 4 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrate: %w", ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
