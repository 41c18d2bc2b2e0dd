"""The me blueprint."""
