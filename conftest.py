"""Root pytest configuration: the solution notebooks run under nbval in quick mode (seconds, not minutes)."""

import os

# Set before nbval starts any kernel: the kernels inherit it and gan_course.config reads it.
os.environ.setdefault("GAN_COURSE_MODE", "quick")
