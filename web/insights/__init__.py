"""HR insights: anonymous summaries, focus groups, exports and programme analytics."""
