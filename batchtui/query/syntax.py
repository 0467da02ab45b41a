"""The field-filter syntax as the user reads it (``?`` in the browser, ``--help``): plain
text, importable without the engine."""

FIELD_SYNTAX = """\
Field filters (the fields mode of / and &; batchtui grep --field):
  PATH=VALUE      equal; numbers compare as numbers (max_tokens=1000 matches 1000.0)
  PATH!=VALUE     not equal (the path must exist)
  PATH^=TEXT  begins with    PATH$=TEXT  ends with    PATH*=TEXT  contains
  PATH~=REGEX     a Python regular expression matches
  PATH>N  PATH>=N  PATH<N  PATH<=N     numbers only
PATH is dotted: body.max_tokens, response.status_code, body.messages.0.role. A name
that is not at the top of a line is looked up in body, then in response.body (model,
max_tokens); on an array, a name looks in every element (messages.role=system).
A missing path never matches. Text tests (^= $= *= ~=) follow smart case.
Terms separated by spaces must all match; OR between terms, NOT before one, ( ) to
group. A word that is not PATH OP VALUE is text the line must contain. Quote values
with spaces: content*="hello world".
Examples: model=gpt-4o body.max_tokens>1000    custom_id^=task-
  response.status_code!=200    url=/v1/embeddings OR url=/v1/responses"""
