package bot

import (
	"net/http"
	"strings"
	"testing"
)

// TestNewGitHubClientNeverEchoesCredentials checks that a bad github-url is
// refused without repeating a password it holds.
func TestNewGitHubClientNeverEchoesCredentials(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://x-access-token:s3cret@ghe.example.com/api/v3/", "must not contain credentials"},
		{"https://s3cret@ghe.example.com/api/v3/", "must not contain credentials"},
		{"s3cret:%zz@ghe.example.com/", "must not contain credentials"},
		{"x:s3cret@ghe.example.com/api/v3", "must not contain credentials"},
		{"https://ghe.example.com/%zz", "not a valid URL"},
		{"ghe.example.com/api/v3/s3cret", "not an absolute URL"},
	}
	for _, tt := range tests {
		_, err := newGitHubClient(http.DefaultTransport, tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (strings.Contains(err.Error(), "s3cret") && tt.want != "not an absolute URL") {
			t.Errorf("newGitHubClient(%q) = %v, want an error saying %q without the secret", tt.url, err, tt.want)
		}
	}
	c, err := newGitHubClient(http.DefaultTransport, "https://ghe.example.com/api/v3")
	if err != nil || c.BaseURL.String() != "https://ghe.example.com/api/v3/" {
		t.Errorf("GHES base URL: %v, %v", c, err)
	}
}
