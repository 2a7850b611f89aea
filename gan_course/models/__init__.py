"""Plain ``nn.Module`` networks whose sizes are constructor arguments."""

from gan_course.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = ["MLPGenerator", "MLPDiscriminator"]
