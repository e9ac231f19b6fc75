// Package config reads pss-bot's settings: the App's own (flags, PSS_BOT_*
// environment variables, a config file, through viper) and each repository's
// .github/pss-bot.yaml, decoded strictly.
package config
