"""Events: vendor webhooks in, the event log, and what the gateway observes itself."""
