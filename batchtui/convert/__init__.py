"""Other formats into OpenAI batch input (no Textual).

:func:`~batchtui.convert.run.convert_file` turns an Anthropic Message Batches request file, a
Gemini batch request file or an OpenAI fine-tuning chat file into an OpenAI batch input for
``/v1/chat/completions`` or ``/v1/responses``; :mod:`batchtui.convert.mapping` maps one
request and lists what could not be mapped.
"""
