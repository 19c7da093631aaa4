"""What the document features (estimates, work orders, invoices, service requests) share, for
both audiences: the comment thread (threads.py), the customer's decision on lines
(decisions.py), a list of documents with its filters (lists.py) and the forms of lines,
comments and decisions (forms.py). No blueprint of its own: each feature registers its pages.
"""
