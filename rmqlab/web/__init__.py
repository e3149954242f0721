"""The dashboard: a face over rmqlab.api, like the CLI. A few Starlette routes (the page, an event stream, a
JSON snapshot, POSTs for faults) served by uvicorn on 127.0.0.1 only, with the page's assets shipped here.

Nothing here is imported by `rmqlab --help`: the web stack loads only when a dashboard command runs.
"""
