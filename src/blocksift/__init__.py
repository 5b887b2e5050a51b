"""blocksift: tell a web page's own content from its boilerplate, block by block, with a trained model."""

__version__ = "0.1.0"
