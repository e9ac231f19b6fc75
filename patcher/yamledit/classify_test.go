package yamledit

import (
	"strings"
	"testing"
)

// plainSamples are scalar texts on both sides of the fast classifier's
// boundary: what it decides alone and what it leaves to the parser.
var plainSamples = []string{
	"", "a", "api", "RuntimeDefault", "ALL", "NET_BIND_SERVICE", "spc_t", "app.kubernetes.io/name",
	"registry.k8s.io/ingress-nginx/controller", "v1.11.2", "a-b", "a.", "a-", "a/", "x_y",
	"0", "7", "80", "65532", "0755", "00", "1_000", "0x1F", "0o17", "0b101", "1e3", "1.5", "-1", "+1", ".5",
	"123456789012345678", "1234567890123456789", "99999999999999999999", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
	"true", "True", "TRUE", "false", "yes", "no", "on", "off", "y", "n", "null", "Null", "NULL", "~", "<<",
	".inf", ".Inf", "-.inf", ".nan", ".NaN", "a b", "a: b", "a:b", "a #b", "a#b", "#a", "-", "--", "---", "...",
	"- a", "? a", "[a]", "{a}", "a,b", "a]", "*a", "&a", "!a", "%a", "@a", "`a", "'a'", "\"a\"", "|", ">",
	"é", "aé", " a", "a ", "a\tb", "a\nb", "\u2028",
	// YAML limits an implicit key to 1024 characters.
	strings.Repeat("k", 256), strings.Repeat("k", 257), strings.Repeat("k", 1024), strings.Repeat("k", 1025),
}

var plainTags = []string{tagStr, tagInt, tagFloat, tagBool, tagNull, "!!timestamp", "!!merge"}

// TestPlainClassifier checks that the fast paths (simplePlain and the
// integer shortcut of resolvePlain) answer exactly what the YAML parser does.
func TestPlainClassifier(t *testing.T) {
	for _, v := range plainSamples {
		checkClassifier(t, v)
	}
}

func checkClassifier(t *testing.T, v string) {
	t.Helper()
	if v != "" {
		if got, want := resolvePlain(v), resolveParsed(v); got != want && !(v == "<<" && want == tagStr) {
			t.Errorf("resolvePlain(%q) = %s, the parser says %s", v, got, want)
		}
	}
	if got, want := plainKeyOK(v), plainKeyParsed(v); got != want {
		t.Errorf("plainKeyOK(%q) = %v, the parser says %v", v, got, want)
	}
	for _, tag := range plainTags {
		for _, flow := range []bool{false, true} {
			if got, want := plainOK(v, tag, flow), plainParsed(v, tag, flow); got != want {
				t.Errorf("plainOK(%q, %s, flow=%v) = %v, the parser says %v", v, tag, flow, got, want)
			}
		}
	}
}

func FuzzPlainClassifier(f *testing.F) {
	for _, v := range plainSamples {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkClassifier(t, v)
	})
}
