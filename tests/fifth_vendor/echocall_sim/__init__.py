"""The EchoCall simulator: a real HTTP server for the test vendor."""
