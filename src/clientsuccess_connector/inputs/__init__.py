"""Readers for write inputs: each yields `(row_number, record)` with row numbers from 1.

Inputs stream: no reader holds more than one chunk of rows in memory.
"""

from clientsuccess_connector.inputs.open import FILE_SUFFIXES, Row, read_file, read_input

__all__ = ["FILE_SUFFIXES", "Row", "read_file", "read_input"]
