"""Schema evolution: `diff` classifies what a schema edit breaks, `status` finds where services use the events."""
