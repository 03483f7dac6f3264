"""The one place that turns the settings into a recording store (`DIALER_RECORDING_STORE=local|s3`)."""

from __future__ import annotations

from dialer.config import Settings
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.s3_store import S3RecordingStore
from dialer.recordings.store import RecordingStore


def store_from_settings(settings: Settings) -> RecordingStore:
    """`local`: files under `recordings_dir`. `s3`: the bucket, with credentials from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, a profile, or an instance role)."""
    if settings.recording_store == "local":
        return LocalRecordingStore(settings.recordings_dir)
    if not settings.recording_s3_bucket:
        raise ValueError("DIALER_RECORDING_S3_BUCKET is required when DIALER_RECORDING_STORE=s3")
    return S3RecordingStore(
        settings.recording_s3_bucket,
        endpoint_url=settings.recording_s3_endpoint_url,
        region_name=settings.recording_s3_region,
        key_prefix=settings.recording_s3_prefix,
    )
