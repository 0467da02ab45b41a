"""The neutral base every layer may use: it imports nothing else of batchtui, and never
Textual or Rich (a test checks both)."""
