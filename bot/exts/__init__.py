"""Discord extensions, one per feature, discovered by :func:`bot.app.walk_extensions`.

An extension is a module or package here with ``async def setup(bot)``. Names starting with
``_`` are private helpers and are never loaded on their own. A package without ``setup`` (like
``lookup``) is a folder of extensions. To add a feature, add ``bot/exts/<area>/<feature>.py``
(or a package) with a ``setup``; nothing else needs editing.
"""
