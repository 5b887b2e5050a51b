"""The shipped default model (installed as the package ``blocksift.models``)."""
