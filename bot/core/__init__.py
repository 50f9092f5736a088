"""The pure core: content model, search, dates, summaries and scheduling. No Discord, no I/O."""
