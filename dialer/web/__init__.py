"""The web app: operator desk, campaign manager, admin pacing console, QA room, REST API (issue 5)."""
