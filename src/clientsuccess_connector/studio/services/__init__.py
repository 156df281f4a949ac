"""Every call the studio makes into the library, one module per screen or concern.

The web layer only renders and routes; anything with a rule in it (resolving a source, reading,
path suggestions, sync, write mapping and dry runs, the flow file's shape) is the library's, and
is reached through these modules. When a library API changes, they are the files to touch:

- `common`: the default destination, sample sizes, table text
- `catalogue`: the read and write templates the pickers offer
- `credentials`: the Credentials screen's store; `connections`: settings for a run
- `flow_file`: the flow file read and saved; `flows`: the New data flow form's choices and
  entries; `lookups`: lookups and their columns; `source_sample`: the Test button
- `syncs`: Sync now and the schedule; `datasets`: the Datasets screen's tables
- `uploads`, `writes`, `write_results`: the Write screen

The names below are re-exported so that `services.NAME` keeps working.
"""

from clientsuccess_connector.studio.services.catalogue import (
    read_templates,
    template,
    write_fields,
    write_templates,
)
from clientsuccess_connector.studio.services.common import DEFAULT_DESTINATION, cell
from clientsuccess_connector.studio.services.connections import (
    connection_settings,
    offline_settings,
)
from clientsuccess_connector.studio.services.credentials import (
    CheckResult,
    CredentialRow,
    Credentials,
)
from clientsuccess_connector.studio.services.datasets import Dataset, datasets
from clientsuccess_connector.studio.services.flow_file import FlowFile
from clientsuccess_connector.studio.services.flows import (
    DATE_FORMATS,
    HTTP_METHODS,
    TIME_UNIT_CHOICES,
    source_entry,
    spec_from_entry,
)
from clientsuccess_connector.studio.services.lookups import lookup_choices, lookup_columns
from clientsuccess_connector.studio.services.source_sample import (
    Suggestion,
    TestResult,
    test_source,
)
from clientsuccess_connector.studio.services.syncs import SyncProgress, run_sync, stream_names
from clientsuccess_connector.studio.services.uploads import UPLOAD_SUFFIXES, input_columns
from clientsuccess_connector.studio.services.write_results import read_results
from clientsuccess_connector.studio.services.writes import WriteOutcome, write_upload

__all__ = [
    "DATE_FORMATS",
    "DEFAULT_DESTINATION",
    "HTTP_METHODS",
    "TIME_UNIT_CHOICES",
    "UPLOAD_SUFFIXES",
    "CheckResult",
    "CredentialRow",
    "Credentials",
    "Dataset",
    "FlowFile",
    "Suggestion",
    "SyncProgress",
    "TestResult",
    "WriteOutcome",
    "cell",
    "connection_settings",
    "datasets",
    "input_columns",
    "lookup_choices",
    "lookup_columns",
    "offline_settings",
    "read_results",
    "read_templates",
    "run_sync",
    "source_entry",
    "spec_from_entry",
    "stream_names",
    "template",
    "test_source",
    "write_fields",
    "write_templates",
    "write_upload",
]
