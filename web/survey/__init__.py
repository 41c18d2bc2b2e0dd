"""The survey blueprint: a rep answering a wave."""
