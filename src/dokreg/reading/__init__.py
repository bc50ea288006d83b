"""The read layer: everything the public sees of the archive comes through here.

Pages, the API, feeds, sitemaps, exports (CLI and HTTP), snippets, facets and the relation,
matter and history blocks all read through this package. It holds the one publication rule
(``rule``) and the output types (``types``), built from the field table (``dokreg.fields``): frozen
dataclasses built only here, from publishable rows, with personal codes masked in every text
value. Templates and API routers get these types, never model instances.
"""
