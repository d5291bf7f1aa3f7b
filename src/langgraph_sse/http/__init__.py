"""The HTTP layer every protocol and adapter shares: endpoint tables, the
dispatch of a request to an endpoint, domain errors as statuses, bodies, and the
SSE response."""
