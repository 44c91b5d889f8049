"""Use cases that combine the graph store with the pure engines of :mod:`network`, shared by the API and the CLI.

Importing the package registers the one dispatcher (:mod:`api.services.dispatch`) that turns every
use case's domain events into notices and rota changes in the use case's own unit of work.
"""

from api.services import dispatch as dispatch  # registers the dispatcher before any use case runs
