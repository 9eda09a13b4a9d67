"""The render stage: view models -> Markdown pages under the MkDocs docs_dir."""
