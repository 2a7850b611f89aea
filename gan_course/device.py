"""Pick the fastest available device: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import torch


def get_device(prefer: str | None = None) -> torch.device:
    """``cuda`` if present, else ``mps``, else ``cpu``; ``prefer`` forces one (e.g. ``"cpu"``)."""
    if prefer is not None:
        allowed = ("cuda", "mps", "cpu")
        if prefer not in allowed:
            raise ValueError(f"expected prefer to be one of {allowed} or None, got {prefer!r}")
        if prefer == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("expected a CUDA GPU for prefer='cuda', got none (torch.cuda.is_available() is False)")
        if prefer == "mps" and not _mps_available():
            raise RuntimeError("expected an Apple GPU for prefer='mps', got none (torch.backends.mps.is_available() is False)")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def describe_device(device: torch.device) -> str:
    """A short human description, e.g. ``cuda (NVIDIA H100)`` or ``cpu (2 threads)``."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
