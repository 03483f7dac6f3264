"""Entrypoints: the command line (dialer.cli registers the commands defined here), the web app, /metrics."""
