"""What a cluster is, before anything runs: modes, layouts, machines and nodes, names, versions (pure)."""
