"""About the bot itself: /help and /about (one extension per command)."""
