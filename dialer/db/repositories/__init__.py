"""One repository per aggregate; `dialer.db.repository.Repository` composes them for the service.

base          the session factory they share, and the contact statuses
campaigns     campaigns and their dispositions
contacts      contact lists: imports, de-duplication, holding back
leasing       leasing contacts for a dial, and reclaiming leases whose holder went away
eligibility_facts  what the pre-dial check (dialer.rules.eligibility) needs, loaded for a batch
contact_steps what becomes of a contact after an attempt (the retry rules applied to the row)
attempts      attempts: progress, final outcomes, dispositions, crash clean-up
operators     operators and their sessions (log-ins and state changes)
dnc           do-not-call entries
audit         the audit log
recordings    recordings of calls and their upkeep (retention, verification, re-processing)
reports       read-only figures: campaign summary, per-shift figures
"""
