"""The open API under ``/api/v1/``: thin django-ninja routes over the publication rule.

Documents come only from ``publishable_documents()`` and file names, text and bytes only from
``publishable_files()`` (through the read layer, ``dokreg.reading``); every text served is personal-code masked.
"""
