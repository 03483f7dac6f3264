"""Adapters: the real implementations of the service layer's ports (dialer.service.ports)."""
