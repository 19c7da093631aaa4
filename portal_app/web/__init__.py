"""Request plumbing every blueprint shares: the request class, rendering a page or its htmx
fragment, response headers, error pages, ids from URLs and forms, pages of lists, the two
audiences (portal and console) of a document, one-submit keys and form filters."""
