"""Use cases that combine the graph store with the pure engines of :mod:`network`, shared by the API and the CLI."""
