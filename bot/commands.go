package bot

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Command is one "/pss VERB ARGS" line of a comment.
type Command struct {
	Verb string
	Args string
	// Line is the command as written, for quoting it back.
	Line string
}

// commandRE matches a command at the start of a line, prow style: the line
// must begin with /pss, so that a command quoted in prose or in a reply
// ("> /pss help") is not run again.
var commandRE = regexp.MustCompile(`(?m)^/pss(?:[ \t]+(\S+)(?:[ \t]+([^\r\n]*?))?)?[ \t]*\r?$`)

// ParseCommands returns the commands of a comment body, in order. Text inside
// fenced code blocks is ignored.
func ParseCommands(body string) []Command {
	var out []Command
	inFence := false
	var plain strings.Builder
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if !inFence {
			plain.WriteString(line)
			plain.WriteString("\n")
		}
	}
	for _, m := range commandRE.FindAllStringSubmatch(plain.String(), -1) {
		verb := strings.ToLower(m[1])
		if verb == "" {
			verb = "help"
		}
		out = append(out, Command{Verb: verb, Args: m[2], Line: strings.TrimRight(m[0], "\r")})
	}
	return out
}

// commandHelp describes each verb the bot answers. A later issue adds more.
var commandHelp = map[string]string{
	"help": "list the commands pss-bot answers",
}

// HelpReply is the bot's answer to /pss help.
func HelpReply() string {
	var b strings.Builder
	b.WriteString("pss-bot answers these commands, each at the start of a line of a comment:\n\n")
	for _, v := range slices.Sorted(maps.Keys(commandHelp)) {
		b.WriteString("- `/pss " + v + "`: " + commandHelp[v] + "\n")
	}
	return b.String()
}

// UnknownCommandReply quotes a command the bot does not know.
func UnknownCommandReply(c Command) string {
	return "> " + c.Line + "\n\npss-bot does not know the command `" + c.Verb + "`.\n\n" + HelpReply()
}
