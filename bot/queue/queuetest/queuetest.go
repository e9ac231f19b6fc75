// Package queuetest gives the queue's tests, and those of the commands built on
// it, a PostgreSQL database of their own.
package queuetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDatabaseURL names the environment variable that points the tests at a
// PostgreSQL server; .ci/run sets it.
const EnvDatabaseURL = "PSS_BOT_TEST_DATABASE_URL"

// FreshPostgres creates an empty database on the server of
// PSS_BOT_TEST_DATABASE_URL, returns its URL, and drops it when the test ends.
// Without the variable the test is skipped with a message that says so.
func FreshPostgres(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		tb.Skip(EnvDatabaseURL + " is unset: skipping this PostgreSQL test (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "pssbot_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		defer admin.Close(context.Background())
		if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String()
}
