"""Looking at datasets: content digests, profiles, datasheets and source references.

Pure functions, no store and no network; ``run.log_dataset`` records what they find.

* :func:`describe_data`: kind, digest, size, rows, schema, profile and sources of
  a path, URI, DataFrame, Arrow table, numpy array or ``(X, y)``.
* :func:`hash_file`, :func:`hash_directory`, :func:`manifest_digest`: streamed
  SHA-256 of files and directory manifests.
* :func:`detect_sources`, :func:`parse_uri`: DVC, git-lfs, git, lakeFS, S3 and
  Hugging Face references.
* :class:`Datasheet`: origin, purpose, preparation, labelling, gaps, biases, license.

Example:
    >>> from trackrecord.data import describe_data
    >>> describe_data(None, source="s3://bucket/train.csv?versionId=v1").sources[0]["kind"]
    's3'
"""

from __future__ import annotations

from trackrecord.data.content import DatasetContent, describe_data
from trackrecord.data.datasheet import Datasheet
from trackrecord.data.digest import FileEntry, hash_directory, hash_file, manifest_digest
from trackrecord.data.sources import detect_sources, parse_uri

__all__ = [
    "DatasetContent",
    "Datasheet",
    "FileEntry",
    "describe_data",
    "detect_sources",
    "hash_directory",
    "hash_file",
    "manifest_digest",
    "parse_uri",
]
