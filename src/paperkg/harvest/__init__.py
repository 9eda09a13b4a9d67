"""The harvest stage: live sources (arXiv API, OAI-PMH) -> records, politely and resumably."""
