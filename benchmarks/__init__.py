"""``make bench``: the gateway's cost per call, measured side by side with its baselines."""
