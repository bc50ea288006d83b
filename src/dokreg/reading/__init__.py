"""The read layer: everything the public sees of the archive comes through here.

Pages, the API, feeds, sitemaps, exports (CLI and HTTP), snippets, facets and the relation,
matter and history blocks all read through this package. It holds the one publication rule
(``rule``), the table of document fields (``fields``) and the output types (``types``): frozen
dataclasses built only here, from publishable rows, with personal codes masked in every text
value. Templates and API routers get these types, never model instances.
"""
