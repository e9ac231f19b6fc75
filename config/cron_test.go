package config

import (
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestScheduleNext(t *testing.T) {
	tests := []struct {
		spec, after string
		want        []string // successive runs, RFC 3339 in UTC
	}{
		{DefaultSchedule, "2026-11-30T09:00:00Z", []string{"2026-12-01T03:00:00Z", "2026-12-02T03:00:00Z"}},
		{DefaultSchedule, "2026-11-30T02:59:59Z", []string{"2026-11-30T03:00:00Z"}},
		// Strictly after: a run at exactly "after" is not returned again.
		{DefaultSchedule, "2026-11-30T03:00:00Z", []string{"2026-12-01T03:00:00Z"}},
		{"*/15 * * * *", "2026-01-01T10:07:30Z", []string{"2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z", "2026-01-01T11:00:00Z"}},
		{"0 9-17/4 * * MON-FRI", "2026-11-27T16:00:00Z", []string{"2026-11-27T17:00:00Z", "2026-11-30T09:00:00Z", "2026-11-30T13:00:00Z"}}, // Friday → Monday
		{"0 0 1 */3 *", "2026-02-10T00:00:00Z", []string{"2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"}},
		{"0 0 29 2 *", "2026-03-01T00:00:00Z", []string{"2028-02-29T00:00:00Z"}},
		// Day of month and day of week both restricted: either matches.
		{"0 12 13 * FRI", "2026-11-01T00:00:00Z", []string{"2026-11-06T12:00:00Z", "2026-11-13T12:00:00Z", "2026-11-20T12:00:00Z"}},
		// One restricted, the other "*": both must match (i.e. the restricted one).
		{"0 12 * * 7", "2026-11-30T00:00:00Z", []string{"2026-12-06T12:00:00Z"}},
		{"@weekly", "2026-11-30T00:00:00Z", []string{"2026-12-06T00:00:00Z"}},
		{"@hourly", "2026-11-30T23:30:00Z", []string{"2026-12-01T00:00:00Z"}},
		{"5/20 * * * *", "2026-11-30T00:00:00Z", []string{"2026-11-30T00:05:00Z", "2026-11-30T00:25:00Z", "2026-11-30T00:45:00Z", "2026-11-30T01:05:00Z"}},
		{"0 0 1,15 jan,jul *", "2026-01-01T00:00:00Z", []string{"2026-01-15T00:00:00Z", "2026-07-01T00:00:00Z"}},

		// Time zones: 03:00 in Paris is 02:00 UTC in winter, 01:00 UTC in summer.
		{"CRON_TZ=Europe/Paris 0 3 * * *", "2026-01-10T12:00:00Z", []string{"2026-01-11T02:00:00Z"}},
		{"CRON_TZ=Europe/Paris 0 3 * * *", "2026-07-10T12:00:00Z", []string{"2026-07-11T01:00:00Z"}},
		{"TZ=America/New_York 0 22 * * *", "2026-11-30T12:00:00Z", []string{"2026-12-01T03:00:00Z"}},
		// Across the spring-forward change in Paris (2026-03-29, 02:00 → 03:00):
		// 01:30 and 03:30 shift by one hour in UTC; 02:30 does not exist and
		// runs at 03:30 CEST, once.
		{"CRON_TZ=Europe/Paris 30 1 * * *", "2026-03-28T12:00:00Z", []string{"2026-03-29T00:30:00Z", "2026-03-29T23:30:00Z"}},
		{"CRON_TZ=Europe/Paris 30 2 * * *", "2026-03-28T12:00:00Z", []string{"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"}},
		{"CRON_TZ=Europe/Paris 30 2,3 * * *", "2026-03-28T12:00:00Z", []string{"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"}},
		// Across the fall-back change in Paris (2026-10-25, 03:00 → 02:00):
		// 02:30 happens twice on the wall clock and runs once, at the first.
		{"CRON_TZ=Europe/Paris 30 2 * * *", "2026-10-24T12:00:00Z", []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"CRON_TZ=Europe/Paris 0 * * * *", "2026-10-24T23:30:00Z", []string{
			"2026-10-25T00:00:00Z", // 02:00 CEST
			"2026-10-25T02:00:00Z", // 03:00 CET; 02:00 CET repeats 02:00 and is skipped
			"2026-10-25T03:00:00Z",
		}},
		// New York falls back at 02:00 EDT → 01:00 EST on 2026-11-01.
		{"CRON_TZ=America/New_York 30 1 * * *", "2026-10-31T12:00:00Z", []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"@"+tt.after, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			at := mustTime(t, tt.after)
			for i, w := range tt.want {
				next := s.Next(at)
				if !next.Equal(mustTime(t, w)) {
					t.Fatalf("run %d after %s: got %s (%s), want %s", i+1, at.UTC().Format(time.RFC3339), next.UTC().Format(time.RFC3339), next, w)
				}
				if next.Location() != s.Location() {
					t.Errorf("Next is in %s, want the schedule's zone %s", next.Location(), s.Location())
				}
				at = next
			}
		})
	}
}

// TestScheduleNextIsMonotonic walks a DST year minute by minute in chunks and
// checks that every Next is strictly later and never skips a match.
func TestScheduleNextIsMonotonic(t *testing.T) {
	for _, spec := range []string{"CRON_TZ=Europe/Paris */20 0-4 * * *", "CRON_TZ=America/New_York 0,30 * * * *"} {
		s, err := ParseSchedule(spec)
		if err != nil {
			t.Fatal(err)
		}
		at := mustTime(t, "2026-03-01T00:00:00Z")
		end := mustTime(t, "2026-12-01T00:00:00Z")
		runs := map[string]bool{}
		for at.Before(end) {
			next := s.Next(at)
			if !next.After(at) {
				t.Fatalf("%s: Next(%s) = %s, not after", spec, at, next)
			}
			if next.Sub(at) > 24*time.Hour {
				t.Fatalf("%s: Next(%s) = %s, a gap of more than a day", spec, at, next)
			}
			wall := next.Format("2006-01-02 15:04")
			if runs[wall] {
				t.Fatalf("%s: wall time %s runs twice", spec, wall)
			}
			runs[wall] = true
			at = next
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "empty cron expression"},
		{"0 3 * *", "want 5 fields"},
		{"0 3 * * * *", "want 5 fields"},
		{"60 3 * * *", `minute "60": 60 is out of range 0-59`},
		{"0 24 * * *", `hour "24": 24 is out of range 0-23`},
		{"0 3 0 * *", `day of month "0": 0 is out of range 1-31`},
		{"0 3 * 13 *", `month "13": 13 is out of range 1-12`},
		{"0 3 * * 8", `day of week "8": 8 is out of range 0-7`},
		{"0 3 * * FUNDAY", `day of week "FUNDAY": "FUNDAY" is not a number`},
		{"0 3 * * 5-1", `day of week "5-1": range 5-1 is backwards`},
		{"*/0 3 * * *", `minute "*/0": step "0" is not a positive number`},
		{"*/60 3 * * *", `minute "*/60": step 60 is larger than the range 0-59`},
		{"1,,2 3 * * *", `minute "1,,2": empty list item`},
		{"0 0 30 2 *", "never runs"},
		{"0 0 31 4,6,9,11 *", "never runs"},
		{"@fortnightly", `unknown descriptor "@fortnightly"`},
		{"CRON_TZ=Nowhere/City 0 3 * * *", `unknown time zone "Nowhere/City"`},
		{"CRON_TZ= 0 3 * * *", "missing time zone name"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := ParseSchedule(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSchedule(%q) error = %v, want %q", tt.spec, err, tt.want)
			}
		})
	}
}

func BenchmarkScheduleNext(b *testing.B) {
	s, err := ParseSchedule("CRON_TZ=Europe/Paris 0 3 * * *")
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for b.Loop() {
		s.Next(at)
	}
}
