"""Reports of a checked run: report.json, report.html, timeline.png, the terminal summary, comparisons."""
