"""What a restarted dialer does with what an earlier process left: calls still live on Asterisk (adopt them),
calls that ended while nobody listened (their outcome from Asterisk's own call records), contacts to retry,
and recording legs left in the spool.

Pure planners (`reconcile`, `plan_adoption`, `match_orphan_legs`) decide, with no I/O; thin adapters read
Asterisk's CDR file, the spool and the database (dialer.adapters.cdr_file, dialer.adapters.orphan_recordings,
dialer.adapters.recovery_startup, dialer.db.recovery_settle). The service calls them at start, on an ARI
reconnect and on a campaign take-over (see docs/architecture.md, "What survives which fault").
"""
