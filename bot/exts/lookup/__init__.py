"""Lookups: /article, /event, /onthisday, /timeline (one extension per command)."""
