"""TopCalls: AI phone agents (calls, campaigns, numbers, carriers, voices, balance)."""
