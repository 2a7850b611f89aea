"""gan-course: the helper package behind the GAN course notebooks.

Import the modules you need (``from gan_course import data, training``); nothing here runs at import.
"""

__version__ = "0.1.0"
