"""The inspector: one tenant's state and traffic as web pages (``/_fakeai/ui`` on a server) or as one
self-contained HTML file (``pytest --fakeai-html=DIR`` for a failing test).

    views.py   what a page shows, as JSON-able dicts gathered from a tenant
    render.py  those dicts as HTML (escaped, accessible, no external resources)
    web.py     the pages over HTTP: authentication (the admin API's, or a cookie), formats, live updates
    report.py  every view of a tenant in one file, for a failing test's report
"""
