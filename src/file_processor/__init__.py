"""File-metadata Lambda function: records what each object landing in an S3 bucket really is.

Entry point: ``file_processor.handler.handler``. See ``src/README.md`` for the configuration, the
results key format and the record schema (``record.schema.json`` beside this file).

Import time is cold-start time, so the value types are ``typing.NamedTuple`` rather than frozen
dataclasses (a dataclass costs ~0.4 ms to define; six of them were 2 ms of every cold start).
"""

__version__ = "0.1.0"
