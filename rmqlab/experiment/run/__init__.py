"""Running an experiment: scenario, workload, nemesis, runner. Writes the history."""
