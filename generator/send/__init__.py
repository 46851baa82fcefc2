"""Sending an issue: the message each reader gets, whom it goes to, and the record that sends it once.

The last stage, after the site: an issue is sent once it is published and its page (and the
images it links) are online. ``message`` builds one reader's message from the rendered issue
(``generator.issue.email``); ``recipients`` reads the recipients file; ``record`` is the
per-issue record of deliveries that makes a send resumable without sending anyone twice;
``smtp`` talks to the server; ``run`` plans a send from the record and drives it; ``report``
holds what a send did and words it for the command; ``post`` writes one issue's email to files
(`rotation email`) or sends it (`rotation send`).
"""
