"""Writes: push records into ClientSuccess through write templates, safely and resumably.

WriteJob -> input -> RowMapper (mapping, conversion) -> Batcher (units) -> Connection -> Ledger.
"""

from clientsuccess_connector.write.executor import write_input, write_records
from clientsuccess_connector.write.job import WriteJob
from clientsuccess_connector.write.ledger import Ledger, RowResult
from clientsuccess_connector.write.mapping import RowError, RowMapper
from clientsuccess_connector.write.report import LogReporter, WriteReporter
from clientsuccess_connector.write.summary import WriteSummary

__all__ = [
    "Ledger",
    "LogReporter",
    "RowError",
    "RowMapper",
    "RowResult",
    "WriteJob",
    "WriteReporter",
    "WriteSummary",
    "write_input",
    "write_records",
]
