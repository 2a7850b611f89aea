"""Plain ``nn.Module`` networks whose sizes are constructor arguments, one module per family:

mlp (lesson 01), dcgan (02), ensemble (03's seeds trained at once), conditional (04), cyclegan (05),
classifier (the metrics' digit classifier and its shipped weights), image_pool (CycleGAN's history buffer).
"""

from gan_course.models.classifier import DigitClassifier
from gan_course.models.conditional import ConcatDiscriminator, ConditionalGenerator, ProjectionDiscriminator
from gan_course.models.cyclegan import CycleGenerator, PatchDiscriminator, ResidualBlock
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator, SNDiscriminator
from gan_course.models.ensemble import EnsembleLinear
from gan_course.models.image_pool import ImagePool
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = [
    "MLPGenerator", "MLPDiscriminator",
    "DCGANGenerator", "DCGANDiscriminator", "SNDiscriminator",
    "EnsembleLinear",
    "ConditionalGenerator", "ConcatDiscriminator", "ProjectionDiscriminator",
    "CycleGenerator", "PatchDiscriminator", "ResidualBlock",
    "DigitClassifier",
    "ImagePool",
]
