"""Tools for maintainers and instructors that no lesson imports: ``exercises`` (solutions -> student notebooks,
never overwriting a student's edits), ``grading`` (run a notebook headless and read each check's outcome),
``classifier_asset`` (train the metrics' shipped classifier), ``site`` and ``site_render`` (the course as a static
website, ``make site``) and ``cli`` (the ``gan-course`` command)."""
