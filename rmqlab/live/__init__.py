"""Looking at and talking to a running cluster the way clients do: roles, targets, client operations."""
