"""gan-course: the helper package behind the GAN course notebooks, laid out by concept.

Data flows one way: ``data`` -> ``models`` + ``losses`` -> ``training`` (returns a history) -> ``metrics``,
``plotting``, ``board``, ``widgets``. The lessons' exercise checks are in ``checks``; tools for maintainers and
instructors in ``course``. Import what you need (``from gan_course import data, training``); nothing runs at import.
"""

__version__ = "0.1.0"
