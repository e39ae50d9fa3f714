"""File-metadata Lambda function: records what each object landing in an S3 bucket really is.

Entry point: ``file_processor.handler.handler``. See ``src/README.md`` for the configuration, the
results key format and the record schema (``record.schema.json`` beside this file).
"""

__version__ = "0.1.0"
