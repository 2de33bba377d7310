"""The JSON API: schemas, tokens, errors (the views live in `web.views.api`)."""
