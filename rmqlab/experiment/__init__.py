"""Failover experiments: the history format, the checker that reads it, and the reports."""
