"""The analyst's side: corpus-scale extraction to an event dataset (``arabic-events-corpus``).

Imports ``arabic_events.model`` (and never the other way round).
"""
