"""Notes and a disposition saved with a call, and who was on which call."""
