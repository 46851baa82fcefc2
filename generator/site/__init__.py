"""Site stage: the generated pages, their writing edge, publishing, the MkDocs build."""
