"""`dialer doctor`: is this Asterisk (ours or one the user already runs) ready for the dialer?

`report` is pure (check results, verdict, printing) and `messages` holds every text a user reads in
English and Russian; `probes` are the thin adapters that ask ARI, AMI, the database and the file system.
"""
