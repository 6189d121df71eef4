"""zfcompanion: the executable companion to Zeiler & Fergus, Visualizing and Understanding
Convolutional Networks (ECCV 2014)."""

__version__ = "0.1.0"
