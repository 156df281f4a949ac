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

Import from the module itself (`from ...studio.services.syncs import run_sync`): the package
re-exports nothing, so loading one screen's module does not load every other's.
"""
