"""Call recordings after the call: naming, storage, post-processing, verification, retention, playback.

One module per job; the ones marked pure do no I/O and are unit-tested without audio or storage.

- `paths` (pure): safe campaign slugs and store-relative paths; the check every store applies.
- `http_range` (pure): RFC 7233 single byte ranges for the QA player.
- `silence` (pure, numpy): speech/silence on sample arrays and the QA metrics (dead air, talk-over...).
- `retention` (pure): which recordings have outlived their campaign's retention.
- `store`: the `RecordingStore` port; `local_store` and `s3_store` implement it; `factory` picks one from
  the settings (`DIALER_RECORDING_STORE`).
- `audio`: load, mix and encode legs (pydub + ffmpeg); `pipeline`: mix -> measure -> encode -> store -> verify.
- `verify`: is a stored file intact (sha256, ffprobe/ffmpeg decode, duration, channels).
- `retention_job`: delete the expired recordings from a store; `waveform`: peaks for the QA player.

See docs/recordings.md.
"""
