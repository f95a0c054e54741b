"""Stenosis Player: hands-free, voice-guided home exercise sessions for lumbar spinal stenosis."""

__version__ = "0.1.0"
