"""The graph stage: records -> RDF triples in an Oxigraph store, persisted under graph/."""
