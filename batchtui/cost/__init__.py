"""What a batch will cost: offline token counts, image tokens, prices, the enqueued-token queue.

No Textual or Rich here (a test checks it), and no heavy import at package import: tiktoken and
genai-prices load when something is counted or priced.

* :mod:`~batchtui.cost.encodings`: tiktoken with its data installed from the package index.
* :mod:`~batchtui.cost.count`: one request's input tokens and output ceiling, per endpoint.
* :mod:`~batchtui.cost.images`: image sizes from ``data:`` URLs and OpenAI's image formulas.
* :mod:`~batchtui.cost.scan`: a whole file, exactly (threads) or from a sample.
* :mod:`~batchtui.cost.prices`: prices from genai-prices, batch and standard, with overrides.
* :mod:`~batchtui.cost.estimate`: the priced estimate, as JSON and text.
* :mod:`~batchtui.cost.queue`: enqueued tokens per model, whether a file fits, queue meters.
* :mod:`~batchtui.cost.receipt`: what a finished batch cost, from its usage.
"""
