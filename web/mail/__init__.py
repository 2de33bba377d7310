"""ReMo's mail: a transactional outbox in the store, an SMTP sender, and the mails people get.

``outbox``  message records (no Flask), ``smtp`` the connection and MIME, ``sender`` delivery with
retries, ``compose`` rendering in the recipient's language (Flask), ``links`` signed one-click links,
``introductions`` / ``accounts`` / ``meetings`` / ``digest`` the use cases that write mail.
"""
