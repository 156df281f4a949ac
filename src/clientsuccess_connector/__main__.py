"""`python -m clientsuccess_connector`."""

from clientsuccess_connector.cli import main

main()
