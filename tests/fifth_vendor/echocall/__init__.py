"""EchoCall: lines (numbers) and dials (calls) behind an API key (a test vendor)."""
