"""Checking a run (pure): the history format, and what it says happened."""
