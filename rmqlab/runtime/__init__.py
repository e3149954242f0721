"""The only code that talks to Docker: lifecycle, faults, readiness, status, tools."""
