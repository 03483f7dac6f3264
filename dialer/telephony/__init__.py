"""Adapters to Asterisk: ARI (aioari) for call control, AMI (panoramisk) for liveness and inventory."""
