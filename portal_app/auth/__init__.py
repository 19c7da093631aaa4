"""Who is logged in: the login loaded once per request (login.py), the guards blueprints put
in front of their pages (guards.py) and the rate limits of logging in and posting (limits.py).
"""
