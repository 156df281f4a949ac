"""Orchestration of a sync run: streams from the reader into a destination (`run.py`), which
streams a run reads and when (`streams.py`, `cadence.py`), deletions (`deletes.py`), what stored
state is bound to (`provenance.py`) and the independent check (`verifying.py`).

The package is `syncing`, not `sync`: a subpackage named `sync` would replace the public
function `clientsuccess_connector.sync` as an attribute of the package once imported.
"""
