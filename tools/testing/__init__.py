"""The pack's own test support, built on StackStorm's public test API.

StackStorm's ``st2tests`` (or, without StackStorm, the stand-in in ``tools/st2stub``,
which has exactly the same API) gives the base classes and mocks; what the pack's tests
need beyond them lives here, outside StackStorm's namespaces, so it imports the same
way in both layouts: a manual clock and a datastore that honours ttl and encryption
(``datastore``), services wired to it and a sensor service that validates dispatches
against the pack's trigger types (``services``), and the API comparison the
real-StackStorm tier runs (``api_surface``).
"""
