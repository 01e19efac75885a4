"""The record format: the bottom layer that the store, the server and the SDK share.

- :mod:`~trackrecord.record.events`: the event envelope, canonical JSON, hashing.
- :mod:`~trackrecord.record.framing`: events framed one after another (spool files,
  export archives, HTTP bodies).
- :mod:`~trackrecord.record.wire`: the HTTP protocol's names (headers, media types,
  errors by code).
- :mod:`~trackrecord.record.chains`: checking a hash chain of events.
- :mod:`~trackrecord.record.signoffs`: what a sign-off is: key ids, the signed
  message, and when a signature is valid.

It imports nothing else of TrackRecord but :mod:`trackrecord.errors` (a test keeps
it so: ``tests/test_layers.py``). docs/record-format.md specifies the same encodings
for readers without TrackRecord.
"""
