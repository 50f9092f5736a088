"""Presentation: turning core results into Discord embeds and views, within Discord's limits."""
