"""What the two admin sites share: confirmation steps, read-only history, filters, changelists.

No models and no domain rules: the domain apps' admin modules build on these pieces, and
these pieces import none of the domain apps.
"""
