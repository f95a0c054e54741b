"""Stenosis Player: hands-free, voice-guided home exercise sessions for lumbar spinal stenosis."""

import os

# The app's numpy work (echo cancelling, the voice-command network) is many small matrix
# products a second: OpenBLAS's worker threads made them cost four times the CPU (measured
# with bench/voice_commands/bench_kws_runtime.py: 12 % of a core against 3 %). Set before
# numpy is first imported; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
