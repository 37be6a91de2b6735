"""The resource library: guides, FAQ, files and links for candidates."""
